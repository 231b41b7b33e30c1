"""Run-time failures, each of a kind from the language's `Error` type."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from agentflow.compiler.types import ERROR_KINDS

__all__ = ["ERROR_KINDS", "NodeError", "RunDenied", "RunFailed"]
DENIAL_KINDS = ("denied", "budget")


@dataclass
class NodeError(Exception):
    """A node (or a step inside one) failed: `kind` is one of ERROR_KINDS."""

    kind: str
    message: str
    node: str = ""
    callee: str | None = None
    attempts: int = 0
    cause: str | None = None
    details: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        super().__init__(self.message)

    def __str__(self) -> str:
        where = f" in node `{self.node}`" if self.node else ""
        callee = f" calling `{self.callee}`" if self.callee else ""
        tries = f" after {self.attempts} attempt(s)" if self.attempts > 1 else ""
        return f"{self.kind}{where}{callee}{tries}: {self.message}"

    def as_value(self) -> dict[str, Any]:
        """The language's `Error` record."""
        return {"kind": self.kind, "message": self.message, "node": self.node}

    def as_json(self) -> dict[str, Any]:
        code = "denied" if self.kind in DENIAL_KINDS else self.kind
        return {"code": code, "kind": self.kind, "message": str(self), "node": self.node or None}


class RunFailed(NodeError):
    """`fail "..." when ...` ended the run."""


class RunDenied(NodeError):
    """Authentication, permission or budget refused the run or one of its nodes."""
