"""`failed-runs`: the share of the program's recent runs that failed stays under a threshold."""

from __future__ import annotations

from agentflow.compliance.model import CheckResult, Review

ID = "failed-runs"
TITLE = "failed-run ratio"


def check(review: Review) -> CheckResult:
    history = review.history
    days = f"the last {review.days} days"
    if history is None:
        return CheckResult(ID, TITLE, "skip", ("no state store: no run history to measure",))
    finished = history.finished
    if not finished:
        return CheckResult(ID, TITLE, "skip", (f"no finished runs in {days}",))
    failed = history.statuses.get("failed", 0)
    denied = history.statuses.get("denied", 0)
    ratio = failed / finished
    limit = review.max_failed_ratio
    evidence = [
        f"{failed} of {finished} runs failed in {days} ({ratio:.1%}; the limit is {limit:.1%})"
    ]
    if denied:
        evidence.append(f"{denied} runs were denied by policy (not counted as failures)")
    if history.recent_failures:
        evidence.append(f"latest failed runs: {', '.join(history.recent_failures)}")
    if ratio > limit:
        return CheckResult(
            ID,
            TITLE,
            "fail",
            tuple(evidence),
            "look at the failed runs (`agentflow show RUN`), then add `retry`, `fallback` or a"
            " fallback model where the failures are transient",
        )
    return CheckResult(ID, TITLE, "pass", tuple(evidence))
