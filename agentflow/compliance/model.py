"""The data of a compliance review: what is reviewed, and each check's verdict."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from agentflow.compiler.plan import Plan
    from agentflow.compliance.history import History
    from agentflow.diagnostics import Diagnostic

Status = Literal["pass", "fail", "warn", "skip"]
STATUSES: tuple[Status, ...] = ("pass", "fail", "warn", "skip")
DEFAULT_DAYS = 30
DEFAULT_MAX_FAILED_RATIO = 0.10


@dataclass
class Review:
    """What the checks look at: the program and, when a state store exists, its history."""

    path: str
    plan: Plan
    diagnostics: list[Diagnostic] = field(default_factory=list)
    history: History | None = None
    days: int = DEFAULT_DAYS
    max_failed_ratio: float = DEFAULT_MAX_FAILED_RATIO


@dataclass(frozen=True, slots=True)
class CheckResult:
    """One check's verdict: `evidence` says what was found, `recommendation` what to do."""

    id: str
    title: str
    status: Status
    evidence: tuple[str, ...] = ()
    recommendation: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "status": self.status,
            "evidence": list(self.evidence),
            "recommendation": self.recommendation,
        }


@dataclass
class ComplianceReport:
    """Every check's result for one review."""

    review: Review
    results: list[CheckResult]

    @property
    def ok(self) -> bool:
        """No check failed (warnings and skipped checks do not fail a report)."""
        return all(result.status != "fail" for result in self.results)

    @property
    def counts(self) -> dict[str, int]:
        found = Counter(result.status for result in self.results)
        return {status: found[status] for status in STATUSES}

    def to_json(self) -> dict[str, Any]:
        history = self.review.history
        return {
            "program": self.review.path,
            "state": str(history.store_path) if history else None,
            "days": self.review.days,
            "ok": self.ok,
            "summary": self.counts,
            "checks": [result.to_json() for result in self.results],
        }
