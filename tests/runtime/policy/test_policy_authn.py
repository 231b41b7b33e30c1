"""Authentication: tokens proven by digest, in constant work, and never revealed."""

from __future__ import annotations

import getpass
import hmac
import pickle
from typing import Any

import pytest

from agentflow.compiler.plan import PrincipalPlan
from agentflow.runtime.policy import authn
from agentflow.runtime.policy.authn import Authenticator, AuthResult, Principal

CI_TOKEN = "ci-secret-token-0123456789"
ALICE_TOKEN = "alice-secret-token-9876543210"
ROLES = ["analyst", "support", "admin"]
PRINCIPALS = {
    "ci_bot": PrincipalPlan(roles=["analyst"], token_env="CI_BOT_TOKEN"),
    "alice": PrincipalPlan(roles=["analyst", "admin"], token_env="ALICE_TOKEN"),
    "ghost": PrincipalPlan(roles=["support"], token_env="GHOST_TOKEN"),
}
ENV = {"CI_BOT_TOKEN": CI_TOKEN, "ALICE_TOKEN": ALICE_TOKEN, "OTHER": "x"}


@pytest.fixture
def auth() -> Authenticator:
    return Authenticator(PRINCIPALS, ENV, ROLES)


def _texts(*things: Any) -> str:
    out = []
    for thing in things:
        out += [repr(thing), str(thing)]
        if hasattr(thing, "__slots__"):
            out += [repr(getattr(thing, s, None)) for s in thing.__slots__]
    return "\n".join(out)


def test_correct_token(auth: Authenticator) -> None:
    result = auth.authenticate(CI_TOKEN)
    assert result.ok
    assert result.principal == Principal("ci_bot", ("analyst",))
    assert auth.authenticate(ALICE_TOKEN).principal == Principal("alice", ("analyst", "admin"))
    assert "ci_bot" in result.reason


def test_wrong_token(auth: Authenticator) -> None:
    assert auth.authenticate("nope") == AuthResult(None, "invalid token")
    assert auth.authenticate(CI_TOKEN + " ").reason == "invalid token"
    assert not auth.authenticate("nope").ok


@pytest.mark.parametrize("token", [None, ""])
def test_missing_token(auth: Authenticator, token: str | None) -> None:
    assert auth.authenticate(token) == AuthResult(None, "missing token")


def test_principal_without_its_env_var_cannot_authenticate(auth: Authenticator) -> None:
    assert auth.unavailable == {"ghost": "GHOST_TOKEN"}
    assert auth.authenticate("").principal is None
    empty = Authenticator(PRINCIPALS, {**ENV, "GHOST_TOKEN": ""}, ROLES)
    assert empty.unavailable == {"ghost": "GHOST_TOKEN"}
    assert empty.authenticate("").reason == "missing token"


def test_no_principals_means_the_local_user_with_every_role() -> None:
    auth = Authenticator({}, {}, ROLES)
    assert not auth.required
    for token in (None, "", "anything"):
        result = auth.authenticate(token)
        assert result.principal is not None
        assert result.principal.is_local
        assert result.principal.roles == tuple(ROLES)
        assert result.principal.name == authn.local_user_name()


def test_local_user_name_falls_back(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken() -> str:
        raise OSError("no user")

    monkeypatch.setattr(getpass, "getuser", broken)
    assert authn.local_user_name() == "local"
    assert Authenticator({}, {}, []).authenticate(None).principal == Principal(
        "local", (), is_local=True
    )


def test_compares_against_every_principal(
    auth: Authenticator, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[tuple[bytes, bytes]] = []
    real = hmac.compare_digest

    def counting(a: bytes, b: bytes) -> bool:
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(hmac, "compare_digest", counting)
    for token in (CI_TOKEN, ALICE_TOKEN, "wrong"):  # a match first, in the middle, none
        calls.clear()
        auth.authenticate(token)
        assert len(calls) == len(PRINCIPALS)
        assert all(len(a) == len(b) == 32 for a, b in calls)


def test_tokens_never_appear_in_anything(auth: Authenticator) -> None:
    results = [auth.authenticate(t) for t in (CI_TOKEN, ALICE_TOKEN, "wrong", None)]
    text = _texts(auth, auth.unavailable, *results, *(r.principal for r in results))
    text += repr(pickle.dumps(results))
    for token in (CI_TOKEN, ALICE_TOKEN):
        assert token not in text
    assert repr(auth) == "Authenticator(principals=['ci_bot', 'alice', 'ghost'])"


def test_the_authenticator_keeps_no_token(auth: Authenticator) -> None:
    assert not hasattr(auth, "__dict__")
    held = _texts(*(getattr(auth, s) for s in auth.__slots__))
    for token in (CI_TOKEN, ALICE_TOKEN):
        assert token not in held
        assert token.encode() not in repr(auth._entries).encode()
