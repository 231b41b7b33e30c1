"""`budget-overruns`: no budget window spent more than its limit, and no call was refused.

Spend over a limit can only come from `on_exceed = warn` (or costs above their estimate):
that fails. Reservations refused by a budget (`budget.reserve` denials in the audit log)
mean the budget held but runs hit it: that warns.
"""

from __future__ import annotations

from decimal import Decimal

from agentflow.compliance.model import CheckResult, Review

ID = "budget-overruns"
TITLE = "no budget overruns"


def check(review: Review) -> CheckResult:
    history = review.history
    days = f"the last {review.days} days"
    if not review.plan.budgets:
        return CheckResult(ID, TITLE, "skip", ("the program declares no budgets",))
    if history is None:
        return CheckResult(ID, TITLE, "skip", ("no state store: no spend history to measure",))
    if not history.statuses and not history.overruns and not history.denials:
        return CheckResult(ID, TITLE, "skip", (f"no runs in {days}",))
    evidence = [
        f"budget `{o.budget}` {o.window}: spent {_amount(o.spent, o.unit)} of"
        f" {_amount(o.limit, o.unit)}"
        for o in history.overruns
    ]
    evidence.extend(
        f"budget `{name}` refused {count} calls in {days}"
        for name, count in sorted(history.denials.items())
    )
    if history.overruns:
        return CheckResult(
            ID,
            TITLE,
            "fail",
            tuple(evidence),
            "set `on_exceed = stop` on these budgets, or raise their limits if the spend is"
            " expected",
        )
    if history.denials:
        return CheckResult(
            ID,
            TITLE,
            "warn",
            tuple(evidence),
            "find the runs that hit the budget (`agentflow audit export --since"
            f" {review.days}d`) and cap their agents' `max_steps` or raise the limit",
        )
    return CheckResult(
        ID, TITLE, "pass", (f"no window over its limit and no refused call in {days}",)
    )


def _amount(value: Decimal, unit: str) -> str:
    return f"${value:f}" if unit == "usd" else f"{value} tokens"
