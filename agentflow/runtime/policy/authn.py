"""Who is starting a run: a declared principal proven by its token, or the local user.

Tokens are read from the environment once and only their SHA-256 digests are kept. A
presented token is compared with every principal's digest in constant time, so neither
the answer's timing nor any message, repr or exception reveals a token.
"""

from __future__ import annotations

import getpass
import hashlib
import hmac
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from agentflow.compiler.plan import PrincipalPlan

LOCAL_FALLBACK_NAME = "local"


@dataclass(frozen=True, slots=True)
class Principal:
    """An authenticated identity and the roles it holds."""

    name: str
    roles: tuple[str, ...]
    is_local: bool = False


@dataclass(frozen=True, slots=True)
class AuthResult:
    """The principal a token proves, or None and why not."""

    principal: Principal | None
    reason: str

    @property
    def ok(self) -> bool:
        return self.principal is not None


def _digest(token: str) -> bytes:
    return hashlib.sha256(token.encode("utf-8")).digest()


def local_user_name() -> str:
    """The operating-system user's name, or a fallback when it cannot be found."""
    try:
        return getpass.getuser() or LOCAL_FALLBACK_NAME
    except (OSError, KeyError, ImportError):
        return LOCAL_FALLBACK_NAME


class Authenticator:
    """Checks run tokens against the declared principals."""

    __slots__ = ("_entries", "_local", "unavailable")

    def __init__(
        self,
        principals: Mapping[str, PrincipalPlan],
        env: Mapping[str, str],
        all_roles: Sequence[str],
    ) -> None:
        entries: list[tuple[Principal, bytes]] = []
        unavailable: dict[str, str] = {}
        for name, plan in principals.items():
            token = env.get(plan.token_env)
            if token:
                digest = _digest(token)
            else:
                # Compared like the others (constant work) but no token can match it.
                unavailable[name] = plan.token_env
                digest = secrets.token_bytes(hashlib.sha256().digest_size)
            entries.append((Principal(name, tuple(plan.roles)), digest))
        self._entries = tuple(entries)
        #: principal name -> the environment variable that was missing or empty
        self.unavailable: Mapping[str, str] = unavailable
        self._local = (
            None if entries else Principal(local_user_name(), tuple(all_roles), is_local=True)
        )

    def __repr__(self) -> str:
        return f"Authenticator(principals={self.principal_names!r})"

    @property
    def principal_names(self) -> list[str]:
        return [principal.name for principal, _ in self._entries]

    @property
    def required(self) -> bool:
        """Whether runs must present a token (some principal is declared)."""
        return self._local is None

    def authenticate(self, token: str | None) -> AuthResult:
        """The principal whose token this is; the local user when none are declared."""
        if self._local is not None:
            return AuthResult(self._local, "no principals are declared: running as the local user")
        if not token:
            return AuthResult(None, "missing token")
        presented = _digest(token)
        found: Principal | None = None
        for principal, digest in self._entries:
            if hmac.compare_digest(presented, digest) and found is None:
                found = principal
        if found is None:
            return AuthResult(None, "invalid token")
        return AuthResult(found, f"token of principal `{found.name}`")
