"""What the state store recorded about a program's workflows over the last days."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from agentflow.compiler.plan import BudgetPlan, Plan
    from agentflow.runtime.state.store import StateStore

DAY_S = 86400
# Amounts are decimal text; SQL compares them as floats to preselect windows near or over
# their limit, and Python decides exactly. The margin keeps float rounding from hiding one.
_NEAR = 1 - 1e-9


@dataclass(frozen=True, slots=True)
class Overrun:
    """A budget window whose spend went over its limit."""

    budget: str
    window: str
    spent: Decimal
    limit: Decimal
    unit: str  # usd | tokens


@dataclass
class History:
    """Facts from the store: runs by status, budget overruns and refusals, retention debt."""

    store_path: Path
    since: float
    statuses: dict[str, int] = field(default_factory=dict)  # runs started in the period
    recent_failures: list[str] = field(default_factory=list)
    overruns: list[Overrun] = field(default_factory=list)
    denials: dict[str, int] = field(default_factory=dict)  # budget -> refused reservations
    expired_unpurged: int = 0  # finished before the retention cutoff, data still held

    @property
    def finished(self) -> int:
        return sum(n for status, n in self.statuses.items() if status != "running")


def load(store: StateStore, plan: Plan, days: int, now: float | None = None) -> History:
    """The history of `plan`'s workflows (by name) and budgets over the last `days` days."""
    now = time.time() if now is None else now
    since = now - days * DAY_S
    workflows = sorted(plan.workflows)
    marks = ",".join("?" * len(workflows))
    history = History(store.path, since)
    if workflows:
        rows = store.query(
            f"SELECT status, count(*) AS n FROM runs WHERE workflow IN ({marks})"
            " AND started_at >= ? GROUP BY status",
            (*workflows, since),
        )
        history.statuses = {row["status"]: row["n"] for row in rows}
        history.recent_failures = [
            row["id"]
            for row in store.query(
                f"SELECT id FROM runs WHERE workflow IN ({marks}) AND started_at >= ?"
                " AND status = 'failed' ORDER BY started_at DESC LIMIT 3",
                (*workflows, since),
            )
        ]
        retention = plan.policy.retention_s
        if retention is not None:
            cutoff = now - float(retention)
            history.expired_unpurged = store.query(
                f"SELECT count(*) AS n FROM runs WHERE workflow IN ({marks})"
                " AND started_at < ? AND finished_at < ? AND purged_at IS NULL"
                " AND status != 'running'",
                (*workflows, cutoff, cutoff),
            )[0]["n"]
    for name, budget in sorted(plan.budgets.items()):
        history.overruns.extend(_overruns(store, name, budget, since))
    prefix = "budget:"
    for row in store.query(
        "SELECT resource, count(*) AS n FROM audit WHERE action = 'budget.reserve'"
        " AND decision = 'deny' AND at >= ? GROUP BY resource ORDER BY resource",
        (since,),
    ):
        name = str(row["resource"] or "").removeprefix(prefix)
        if name in plan.budgets:
            history.denials[name] = row["n"]
    return history


def _overruns(store: StateStore, name: str, budget: BudgetPlan, since: float) -> list[Overrun]:
    found: list[Overrun] = []
    if budget.per_run is not None or budget.tokens_per_run is not None:
        usd = float(budget.per_run) * _NEAR if budget.per_run is not None else None
        tokens = budget.tokens_per_run
        rows = store.query(
            "SELECT s.window, s.spent, s.tokens FROM spend s JOIN runs r"
            " ON r.id = substr(s.window, 5) WHERE s.budget = ? AND s.window >= 'run:'"
            " AND s.window < 'run;' AND r.started_at >= ?"
            " AND ((? IS NOT NULL AND CAST(s.spent AS REAL) >= ?)"
            " OR (? IS NOT NULL AND s.tokens > ?)) ORDER BY r.started_at",
            (name, since, usd, usd, tokens, tokens),
        )
        for row in rows:
            found.extend(_over(name, row, budget.per_run, budget.tokens_per_run))
    day = time.strftime("day:%Y-%m-%d", time.gmtime(since))
    month = time.strftime("month:%Y-%m", time.gmtime(since))
    for limit, low, high in ((budget.daily, day, "day;"), (budget.monthly, month, "month;")):
        if limit is None:
            continue
        rows = store.query(
            "SELECT window, spent, tokens FROM spend WHERE budget = ? AND window >= ?"
            " AND window < ? AND CAST(spent AS REAL) >= ? ORDER BY window",
            (name, low, high, float(limit) * _NEAR),
        )
        for row in rows:
            found.extend(_over(name, row, limit, None))
    return found


def _over(name: str, row: Any, limit: Decimal | None, tokens: int | None) -> list[Overrun]:
    result = []
    spent = Decimal(row["spent"])
    if limit is not None and spent > limit:
        result.append(Overrun(name, row["window"], spent, limit, "usd"))
    if tokens is not None and row["tokens"] > tokens:
        result.append(
            Overrun(name, row["window"], Decimal(row["tokens"]), Decimal(tokens), "tokens")
        )
    return result
