"""`agentflow budget [NAME]`: each budget's spend against its windows, its alerts, and where
this month is heading.

The `spend` table keeps one row per budget and window (`run:<id>`, `day:YYYY-MM-DD`,
`month:YYYY-MM`, in UTC: see `agentflow.runtime.policy.budgets.windows_for`). Limits are not
stored: the caller passes them (from the compiled program) or None when they are unknown.
Alerts are the audit records `budget.alert` (warn) and `budget.reserve` (deny).
"""

from __future__ import annotations

import calendar
import time
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from agentflow.runtime.state.store import StateStore
from agentflow.runtime.state.views.common import decimal, fetch, loads

RECENT_RUNS = 5
MAX_ALERTS = 10
ALERT_ACTIONS = ("budget.alert", "budget.reserve")
METHOD = (
    "month-to-date spend divided by the elapsed fraction of the UTC month (a straight line);"
    " month-to-date comes from the month window, else the sum of this month's day windows,"
    " else the sum of the run windows of runs started this month"
)
_MICRODOLLAR = Decimal("0.000001")


@dataclass(frozen=True, slots=True)
class BudgetLimits:
    """A budget's limits, as the program declares them (`program`: the file they came from)."""

    program: str | None = None
    per_run: Decimal | None = None
    daily: Decimal | None = None
    monthly: Decimal | None = None
    tokens_per_run: int | None = None
    alert_at_percent: Decimal | None = None
    on_exceed: str = "stop"


@dataclass(frozen=True, slots=True)
class WindowSpend:
    """One window of one budget: what was spent and is held, against its limit."""

    key: str
    kind: str  # run | day | month | other
    spent_usd: Decimal
    reserved_usd: Decimal
    tokens: int
    reserved_tokens: int
    alerted: bool
    limit_usd: Decimal | None
    limit_tokens: int | None
    percent: float | None  # spent / limit_usd
    tokens_percent: float | None  # tokens / limit_tokens
    run_started_at: float | None = None


@dataclass(frozen=True, slots=True)
class Projection:
    """Where this month's spend is heading if it goes on at the same rate."""

    month: str
    basis: str  # month window | day windows | run windows | no spend this month
    month_to_date_usd: Decimal
    elapsed_fraction: float
    projected_usd: Decimal | None
    limit_usd: Decimal | None
    percent: float | None  # projected / limit
    method: str = METHOD


@dataclass(frozen=True, slots=True)
class Alert:
    """A budget alert (warn) or a refused reservation (deny), from the audit log."""

    seq: int
    at: float
    run_id: str | None
    principal: str | None
    action: str
    decision: str
    reason: str
    node: str | None


@dataclass(frozen=True, slots=True)
class BudgetView:
    """One budget: its limits (None when unknown), windows, projection and alerts."""

    name: str
    limits: BudgetLimits | None
    windows: tuple[WindowSpend, ...]
    projection: Projection | None
    alerts_since_at: float | None
    alerts_total: int
    alerts: tuple[Alert, ...]


@dataclass(frozen=True, slots=True)
class BudgetReport:
    """Every budget asked for; `limits_note` says why some limits are unknown."""

    now_at: float
    run_id: str | None
    limits_note: str | None
    budgets: tuple[BudgetView, ...]


def budget_names(store: StateStore) -> list[str]:
    """The budgets with any spend recorded, read by hopping through the primary key (one
    index probe per budget, however many windows each has)."""
    names: list[str] = []
    while True:
        rows = fetch(
            store,
            "SELECT budget FROM spend WHERE budget > ? ORDER BY budget LIMIT 1",
            (names[-1] if names else "",),
        )
        if not rows:
            return names
        names.append(str(rows[0]["budget"]))


def budget_report(
    store: StateStore,
    limits: Mapping[str, BudgetLimits],
    *,
    name: str | None = None,
    run_id: str | None = None,
    now: float | None = None,
    recent_runs: int = RECENT_RUNS,
    limits_note: str | None = None,
) -> BudgetReport:
    """The report for every budget (or just `name`): today's and this month's windows, the
    last `recent_runs` run windows, this month's alerts and a month-end projection; with
    `run_id`, that run's windows and alerts only. A budget missing from `limits` is shown
    without limits."""
    now = time.time() if now is None else now
    names = sorted(set(limits) | set(budget_names(store)))
    if name is not None:
        names = [n for n in names if n == name]
    views = []
    for budget in names:
        limit = limits.get(budget)
        if run_id is not None:
            view = _run_view(store, budget, limit, run_id)
            if view.windows or view.alerts:
                views.append(view)
        else:
            views.append(_current_view(store, budget, limit, now, recent_runs))
    return BudgetReport(now, run_id, limits_note, tuple(views))


def month_bounds(now: float) -> tuple[float, float]:
    """The UTC month `now` falls in, as epoch seconds [start, end)."""
    moment = time.gmtime(now)
    days = calendar.monthrange(moment.tm_year, moment.tm_mon)[1]
    start = calendar.timegm((moment.tm_year, moment.tm_mon, 1, 0, 0, 0))
    return float(start), float(start + days * 86400)


# ---------------------------------------------------------------- one budget


def _current_view(
    store: StateStore, budget: str, limits: BudgetLimits | None, now: float, recent: int
) -> BudgetView:
    moment = time.gmtime(now)
    day, month = time.strftime("day:%Y-%m-%d", moment), time.strftime("month:%Y-%m", moment)
    windows: list[WindowSpend] = []
    for key, wanted in ((day, limits and limits.daily), (month, limits and limits.monthly)):
        row = _window_row(store, budget, key)
        if row is not None or wanted is not None:
            windows.append(_window(key, row, limits))
    if recent > 0:
        for row in fetch(
            store,
            "SELECT s.*, r.started_at AS run_started_at FROM runs AS r CROSS JOIN spend AS s"
            " ON s.budget = ? AND s.window = 'run:' || r.id"
            " ORDER BY r.started_at DESC LIMIT ?",
            (budget, recent),
        ):
            windows.append(_window(row["window"], row, limits))
    start, _ = month_bounds(now)
    total, alerts = _alerts(
        store,
        "at >= ? AND decision IN ('deny', 'warn') AND resource = ?",
        (start, f"budget:{budget}"),
    )
    return BudgetView(
        budget,
        limits,
        tuple(windows),
        _projection(store, budget, limits, now, month),
        start,
        total,
        alerts,
    )


def _run_view(
    store: StateStore, budget: str, limits: BudgetLimits | None, run_id: str
) -> BudgetView:
    key = f"run:{run_id}"
    row = _window_row(store, budget, key)
    windows = (_window(key, row, limits),) if row is not None else ()
    total, alerts = _alerts(
        store,
        "run_id = ? AND decision IN ('deny', 'warn') AND resource = ?",
        (run_id, f"budget:{budget}"),
    )
    return BudgetView(budget, limits, windows, None, None, total, alerts)


def _window_row(store: StateStore, budget: str, key: str) -> dict[str, Any] | None:
    rows = fetch(store, "SELECT * FROM spend WHERE budget = ? AND window = ?", (budget, key))
    return rows[0] if rows else None


def _window(key: str, row: dict[str, Any] | None, limits: BudgetLimits | None) -> WindowSpend:
    kind = key.partition(":")[0] if key.partition(":")[0] in ("run", "day", "month") else "other"
    limit_usd: Decimal | None = None
    limit_tokens: int | None = None
    if limits is not None:
        limit_usd = {"run": limits.per_run, "day": limits.daily, "month": limits.monthly}.get(kind)
        limit_tokens = limits.tokens_per_run if kind == "run" else None
    row = row or {}
    spent = decimal(row.get("spent"))
    tokens = int(row.get("tokens") or 0)
    return WindowSpend(
        key=key,
        kind=kind,
        spent_usd=spent,
        reserved_usd=decimal(row.get("reserved")),
        tokens=tokens,
        reserved_tokens=int(row.get("reserved_tokens") or 0),
        alerted=bool(row.get("alerted")),
        limit_usd=limit_usd,
        limit_tokens=limit_tokens,
        percent=_percent(spent, limit_usd),
        tokens_percent=_percent(Decimal(tokens), limit_tokens),
        run_started_at=row.get("run_started_at"),
    )


def _alerts(
    store: StateStore, where: str, params: tuple[Any, ...]
) -> tuple[int, tuple[Alert, ...]]:
    # `decision IN ('deny', 'warn')` matches the partial index `audit_notable` word for word.
    actions = f"action IN ({', '.join('?' for _ in ALERT_ACTIONS)})"
    full = (*params, *ALERT_ACTIONS)
    rows = fetch(
        store,
        f"SELECT seq, at, run_id, principal, action, decision, reason, details FROM audit"
        f" WHERE {where} AND {actions} ORDER BY at DESC, seq DESC LIMIT ?",
        (*full, MAX_ALERTS),
    )
    total = len(rows)
    if total == MAX_ALERTS:
        total = int(
            fetch(store, f"SELECT count(*) AS n FROM audit WHERE {where} AND {actions}", full)[0][
                "n"
            ]
        )
    alerts = []
    for r in reversed(rows):
        details = loads(r["details"])
        node = details.get("node") if isinstance(details, dict) else None
        alerts.append(
            Alert(
                seq=int(r["seq"]),
                at=r["at"],
                run_id=r["run_id"],
                principal=r["principal"],
                action=r["action"],
                decision=r["decision"],
                reason=r["reason"] or "",
                node=node if isinstance(node, str) and node else None,
            )
        )
    return total, tuple(alerts)


def _projection(
    store: StateStore, budget: str, limits: BudgetLimits | None, now: float, month: str
) -> Projection:
    start, end = month_bounds(now)
    basis, spent = "no spend this month", Decimal(0)
    row = _window_row(store, budget, month)
    if row is not None:
        basis, spent = "month window", decimal(row["spent"])
    else:
        prefix = "day:" + month.partition(":")[2] + "-"
        days = fetch(
            store,
            "SELECT spent FROM spend WHERE budget = ? AND window >= ? AND window < ?",
            (budget, prefix, prefix[:-1] + "."),
        )
        if days:
            basis, spent = "day windows", sum((decimal(d["spent"]) for d in days), Decimal(0))
        else:
            runs = fetch(
                store,
                "SELECT s.spent FROM runs AS r CROSS JOIN spend AS s"
                " ON s.budget = ? AND s.window = 'run:' || r.id WHERE r.started_at >= ?",
                (budget, start),
            )
            if runs:
                basis = "run windows"
                spent = sum((decimal(r["spent"]) for r in runs), Decimal(0))
    fraction = min(max((now - start) / (end - start), 0.0), 1.0)
    projected = (
        (spent / Decimal(repr(fraction))).quantize(_MICRODOLLAR).normalize() if fraction else None
    )
    limit = limits.monthly if limits is not None else None
    return Projection(
        month=month.partition(":")[2],
        basis=basis,
        month_to_date_usd=spent,
        elapsed_fraction=round(fraction, 6),
        projected_usd=projected,
        limit_usd=limit,
        percent=_percent(projected, limit) if projected is not None else None,
    )


def _percent(amount: Decimal, limit: Decimal | int | None) -> float | None:
    if limit is None or not limit:
        return None
    return round(float(amount / Decimal(limit) * 100), 1)
