"""Retention: purge what runs recorded once they are older than the program's `retention`.

A run is expired when it finished before the cutoff (now minus the retention period) and is
not purged yet; runs still marked `running` are never touched. Purging a run deletes what
it saw and produced, and keeps what was spent and decided:

- deleted: the run's inputs, output and error (the run row stays, with `purged_at` set, so
  the read views can say its details were purged), its node results (outputs and errors),
  its trace spans (attributes may hold content), and its per-run budget windows
  (`run:<id>` in `spend`: they only enforce `per_run` while the run is going);
- kept: the run's status, cost, tokens, times, principal and role; the day and month budget
  windows (they still limit today's and this month's spend); the ledger (amounts, tokens,
  models and node ids, no content: the record of money spent); and the audit log, whose
  chain must stay whole.

The deletion is audited as one `data.delete` record, appended in the same transaction as
the first batch, so no run is ever purged without a record of it. Batches are short
transactions, so runs going on at the same time wait milliseconds, not the whole purge.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from agentflow.runtime.state.store import AuditEvent, StateStore

BATCH_SIZE = 2000  # runs per transaction (SQLite allows 32766 bound parameters)
_UNITS = {"ms": 0.001, "s": 1, "min": 60, "h": 3600, "d": 86400, "w": 604800}
_DURATION = re.compile(r"(\d+(?:\.\d+)?)\s*(ms|s|min|h|d|w)")


@dataclass(frozen=True, slots=True)
class GcReport:
    """What a garbage collection purged (or, on a dry run, would purge)."""

    cutoff: float
    dry_run: bool
    runs: int
    first_run: str | None
    last_run: str | None
    node_results: int
    spans: int
    spend_windows: int
    kept_running: int  # runs older than the cutoff still marked running, left alone
    vacuumed: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "cutoff": iso_time(self.cutoff),
            "dry_run": self.dry_run,
            "runs": self.runs,
            "first_run": self.first_run,
            "last_run": self.last_run,
            "node_results": self.node_results,
            "spans": self.spans,
            "spend_windows": self.spend_windows,
            "kept_running": self.kept_running,
            "vacuumed": self.vacuumed,
        }


def parse_duration(text: str) -> float:
    """Seconds in a duration written as the language writes them: `30d`, `12h`, `90min`,
    `45s`, `250ms` (and `2w`); a ValueError names what is accepted."""
    match = _DURATION.fullmatch(text.strip())
    if match is None or float(match[1]) <= 0:
        raise ValueError(
            f"`{text}` is not a duration: write a positive number and a unit, as in 30d, 12h,"
            " 90min, 45s"
        )
    return float(match[1]) * _UNITS[match[2]]


def iso_time(moment: float) -> str:
    """A time as ISO 8601 in UTC, to the second: `2026-11-24T10:00:00Z`."""
    return datetime.fromtimestamp(moment, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def format_duration(seconds: float | Decimal) -> str:
    """`2592000` as `30d`: the largest unit that divides it, else seconds."""
    value = Decimal(str(seconds))
    for unit in ("w", "d", "h", "min", "s"):
        size = Decimal(_UNITS[unit])
        if value >= size and value % size == 0:
            return f"{value // size}{unit}"
    return f"{value.normalize():f}s"


def collect_garbage(
    store: StateStore,
    older_than_s: float,
    *,
    workflows: list[str] | None = None,
    dry_run: bool = False,
    vacuum: bool = False,
    principal: str | None = None,
    now: float | None = None,
    batch_size: int = BATCH_SIZE,
) -> GcReport:
    """Purge the runs that finished more than `older_than_s` seconds ago (only those of
    `workflows`, when given); see the module docstring for what goes and what stays."""
    now = time.time() if now is None else now
    cutoff = now - older_than_s
    expired = store.expired_runs(cutoff, workflows)
    kept_running = store.running_before(cutoff, workflows)
    first, last = (expired[0], expired[-1]) if expired else (None, None)
    budgets = store.spend_budgets()
    totals = [0, 0, 0, 0]
    if dry_run:
        totals[0] = len(expired)
        for batch in _batches(expired, batch_size):
            for index, count in enumerate(store.run_data_counts(batch, budgets), start=1):
                totals[index] += count
    else:
        event: AuditEvent | None = AuditEvent(
            run_id=None,
            principal=principal,
            action="data.delete",
            resource="runs",
            decision="info",
            reason=f"retention: runs finished before {iso_time(cutoff)} purged",
            details={
                "cutoff": iso_time(cutoff),
                "older_than": format_duration(round(older_than_s, 3)),
                "runs": len(expired),
                "first_run": first,
                "last_run": last,
                "workflows": workflows,
                "purged": ["inputs", "output", "error", "node_results", "spans", "run_windows"],
            },
            at=now,
        )
        for batch in _batches(expired, batch_size):
            purged = store.purge_runs(batch, now, budgets, event)
            event = None  # one record for the whole collection, with its first batch
            for index, count in enumerate(purged):
                totals[index] += count
    if vacuum and not dry_run:
        store.vacuum()
    return GcReport(
        cutoff=cutoff,
        dry_run=dry_run,
        runs=totals[0],
        first_run=first,
        last_run=last,
        node_results=totals[1],
        spans=totals[2],
        spend_windows=totals[3],
        kept_running=kept_running,
        vacuumed=vacuum and not dry_run,
    )


def _batches(items: list[str], size: int) -> list[list[str]]:
    return [items[start : start + size] for start in range(0, len(items), size)]
