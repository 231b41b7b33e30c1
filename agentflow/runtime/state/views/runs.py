"""`agentflow runs`: the recorded runs, newest first, filtered by workflow, status, time, principal.

Each filter has an index (`runs_by_workflow`, `runs_by_status`, `runs_by_start`), so a page
of a store with 100,000 runs is read without scanning it; only the count of matches does.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from agentflow.runtime.state.store import StateStore
from agentflow.runtime.state.views.common import decimal, duration_ms, fetch

STATUSES = ("succeeded", "failed", "denied", "running")
DEFAULT_LIMIT = 50
SUMMARY_COLUMNS = (
    "id, workflow, status, principal, role, started_at, finished_at, cost_usd,"
    " input_tokens, output_tokens, purged_at"
)


@dataclass(frozen=True, slots=True)
class RunSummary:
    """One run as a row of the list."""

    id: str
    workflow: str
    status: str
    principal: str | None
    role: str | None
    started_at: float
    finished_at: float | None
    duration_ms: float | None
    cost_usd: Decimal
    input_tokens: int
    output_tokens: int
    purged_at: float | None

    @property
    def tokens(self) -> int:
        return self.input_tokens + self.output_tokens


@dataclass(frozen=True, slots=True)
class RunFilters:
    """What `agentflow runs` was asked for."""

    workflow: str | None = None
    status: str | None = None
    since_at: float | None = None
    principal: str | None = None
    limit: int = DEFAULT_LIMIT


@dataclass(frozen=True, slots=True)
class RunList:
    """A page of runs, newest first, and how many matched in all."""

    filters: RunFilters
    matched: int
    runs: tuple[RunSummary, ...]

    @property
    def more(self) -> int:
        """How many matching runs the limit left out."""
        return self.matched - len(self.runs)


def summary(row: dict[str, Any]) -> RunSummary:
    """A runs row (with at least SUMMARY_COLUMNS) as a RunSummary."""
    return RunSummary(
        id=row["id"],
        workflow=row["workflow"],
        status=row["status"],
        principal=row["principal"],
        role=row["role"],
        started_at=row["started_at"],
        finished_at=row["finished_at"],
        duration_ms=duration_ms(row["started_at"], row["finished_at"]),
        cost_usd=decimal(row["cost_usd"]),
        input_tokens=int(row["input_tokens"] or 0),
        output_tokens=int(row["output_tokens"] or 0),
        purged_at=row["purged_at"],
    )


def list_runs(store: StateStore, filters: RunFilters) -> RunList:
    """The runs that match `filters`, newest first, at most `filters.limit` of them."""
    clauses: list[str] = []
    params: list[Any] = []
    for column, value in (
        ("workflow", filters.workflow),
        ("status", filters.status),
        ("principal", filters.principal),
    ):
        if value is not None:
            clauses.append(f"{column} = ?")
            params.append(value)
    if filters.since_at is not None:
        clauses.append("started_at >= ?")
        params.append(filters.since_at)
    where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
    rows = fetch(
        store,
        f"SELECT {SUMMARY_COLUMNS} FROM runs{where} ORDER BY started_at DESC, rowid DESC LIMIT ?",
        (*params, filters.limit),
    )
    runs = tuple(summary(row) for row in rows)
    if len(runs) < filters.limit:
        matched = len(runs)
    else:
        matched = int(fetch(store, f"SELECT count(*) AS n FROM runs{where}", tuple(params))[0]["n"])
    return RunList(filters, matched, runs)
