"""`audit`: the policy keeps the audit log of every decision."""

from __future__ import annotations

from agentflow.compliance.model import CheckResult, Review

ID = "audit"
TITLE = "audit log on"


def check(review: Review) -> CheckResult:
    if review.plan.policy.audit:
        return CheckResult(
            ID,
            TITLE,
            "pass",
            ("every decision, allowed or denied, is written to the hash-chained audit log",),
        )
    return CheckResult(
        ID,
        TITLE,
        "fail",
        (
            "the policy sets `audit = false`: allowed decisions are not recorded"
            " (refusals, warnings, run start and end still are)",
        ),
        "set `audit = true` in the `policy` block (or remove the setting: it is on by default)",
    )
