"""`retention`: the policy bounds how long run data is kept, and `gc` keeps up with it."""

from __future__ import annotations

from agentflow.compliance.model import CheckResult, Review
from agentflow.runtime.state.retention import format_duration

ID = "retention"
TITLE = "retention period set"


def check(review: Review) -> CheckResult:
    retention = review.plan.policy.retention_s
    if retention is None:
        return CheckResult(
            ID,
            TITLE,
            "fail",
            ("the policy sets no `retention`: run inputs, outputs and traces are kept forever",),
            "add `retention = 30d` (or your period) to the `policy` block and run"
            f" `agentflow gc {review.path}` regularly",
        )
    evidence = [f"run data is kept for {format_duration(retention)}"]
    history = review.history
    if history is not None and history.expired_unpurged:
        evidence.append(
            f"{history.expired_unpurged} finished runs are older than that and still hold"
            " their data"
        )
        return CheckResult(
            ID,
            TITLE,
            "warn",
            tuple(evidence),
            f"run `agentflow gc {review.path}` (for example daily, from cron)",
        )
    return CheckResult(ID, TITLE, "pass", tuple(evidence))
