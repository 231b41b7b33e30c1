"""`agentflow show RUN`: one run in full — header, inputs and output, every node, the policy
decisions audited for it, the models it paid for, and its errors.

Every query goes through an index on the run id (the primary keys of `runs` and
`node_results`, `audit_by_run`, `ledger_by_run`), so the size of the store does not matter.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from agentflow.runtime.state.store import StateStore
from agentflow.runtime.state.views.common import decimal, duration_ms, fetch, loads
from agentflow.runtime.state.views.runs import SUMMARY_COLUMNS, RunSummary, summary

DECISIONS = ("allow", "deny", "warn", "info")
NOTABLE = ("deny", "warn")  # listed by default; `--all-decisions` lists every record


@dataclass(frozen=True, slots=True)
class NodeRow:
    """One node's result, in execution order."""

    id: str
    status: str
    attempts: int
    started_at: float | None
    finished_at: float | None
    duration_ms: float | None
    input_tokens: int
    output_tokens: int
    cost_usd: Decimal
    error: Any
    output: Any


@dataclass(frozen=True, slots=True)
class Decision:
    """One audit record of the run."""

    seq: int
    at: float
    principal: str | None
    action: str
    resource: str | None
    decision: str
    reason: str
    node: str | None
    details: Any


@dataclass(frozen=True, slots=True)
class Policy:
    """The run's audit records: counts by decision, and the ones listed."""

    counts: dict[str, int]
    listed: str  # "deny, warn" or "all"
    decisions: tuple[Decision, ...]


@dataclass(frozen=True, slots=True)
class ModelUsage:
    """What the run spent on one model, from the ledger."""

    model: str
    calls: int
    input_tokens: int
    output_tokens: int
    cost_usd: Decimal


@dataclass(frozen=True, slots=True)
class ErrorLine:
    """An error of the run (`where` is `run`) or of one of its nodes."""

    where: str
    kind: str | None
    message: str


@dataclass(frozen=True, slots=True)
class RunDetail:
    """Everything `agentflow show` says about one run."""

    run: RunSummary
    source: str
    trace_id: str | None
    purged: bool
    inputs: Any
    output: Any
    error: Any
    nodes: tuple[NodeRow, ...]
    policy: Policy
    models: tuple[ModelUsage, ...]
    errors: tuple[ErrorLine, ...]


def run_detail(store: StateStore, run_id: str, *, all_decisions: bool = False) -> RunDetail:
    """The whole record of `run_id` (which must exist: see `common.resolve_run`)."""
    rows = fetch(
        store,
        f"SELECT {SUMMARY_COLUMNS}, source, trace_id, inputs, output, error FROM runs WHERE id = ?",
        (run_id,),
    )
    if not rows:
        raise KeyError(run_id)
    row = rows[0]
    nodes = _nodes(store, run_id)
    error = loads(row["error"])
    return RunDetail(
        run=summary(row),
        source=row["source"],
        trace_id=row["trace_id"],
        purged=row["purged_at"] is not None,
        inputs=loads(row["inputs"]),
        output=loads(row["output"]),
        error=error,
        nodes=nodes,
        policy=_policy(store, run_id, all_decisions),
        models=_models(store, run_id),
        errors=_errors(error, nodes),
    )


def _nodes(store: StateStore, run_id: str) -> tuple[NodeRow, ...]:
    rows = fetch(
        store,
        "SELECT node_id, status, attempts, output, error, cost_usd, input_tokens,"
        " output_tokens, started_at, finished_at FROM node_results WHERE run_id = ?"
        " ORDER BY started_at IS NULL, started_at, rowid",
        (run_id,),
    )
    return tuple(
        NodeRow(
            id=r["node_id"],
            status=r["status"],
            attempts=int(r["attempts"] or 0),
            started_at=r["started_at"],
            finished_at=r["finished_at"],
            duration_ms=duration_ms(r["started_at"], r["finished_at"]),
            input_tokens=int(r["input_tokens"] or 0),
            output_tokens=int(r["output_tokens"] or 0),
            cost_usd=decimal(r["cost_usd"]),
            error=loads(r["error"]),
            output=loads(r["output"]),
        )
        for r in rows
    )


def _policy(store: StateStore, run_id: str, all_decisions: bool) -> Policy:
    counts: Counter[str] = Counter(
        {
            str(r["decision"]): int(r["n"])
            for r in fetch(
                store,
                "SELECT decision, count(*) AS n FROM audit WHERE run_id = ? GROUP BY decision",
                (run_id,),
            )
        }
    )
    if all_decisions:
        rows = fetch(store, "SELECT * FROM audit WHERE run_id = ? ORDER BY seq", (run_id,))
    else:
        rows = fetch(
            store,
            "SELECT * FROM audit WHERE run_id = ? AND decision IN ('deny', 'warn') ORDER BY seq",
            (run_id,),
        )
    decisions = []
    for r in rows:
        details = loads(r["details"])
        node = details.get("node") if isinstance(details, dict) else None
        decisions.append(
            Decision(
                seq=int(r["seq"]),
                at=r["at"],
                principal=r["principal"],
                action=r["action"],
                resource=r["resource"],
                decision=r["decision"],
                reason=r["reason"] or "",
                node=node if isinstance(node, str) and node else None,
                details=details,
            )
        )
    ordered = {d: counts.get(d, 0) for d in DECISIONS} | {
        d: n for d, n in sorted(counts.items()) if d not in DECISIONS
    }
    return Policy(ordered, "all" if all_decisions else ", ".join(NOTABLE), tuple(decisions))


def _models(store: StateStore, run_id: str) -> tuple[ModelUsage, ...]:
    totals: dict[str, list[Any]] = {}
    for r in fetch(
        store,
        "SELECT model, amount_usd, input_tokens, output_tokens FROM ledger"
        " WHERE run_id = ? ORDER BY id",
        (run_id,),
    ):
        entry = totals.setdefault(r["model"] or "?", [0, 0, 0, Decimal(0)])
        entry[0] += 1
        entry[1] += int(r["input_tokens"] or 0)
        entry[2] += int(r["output_tokens"] or 0)
        entry[3] += decimal(r["amount_usd"])
    return tuple(ModelUsage(model, *values) for model, values in totals.items())


def _errors(error: Any, nodes: tuple[NodeRow, ...]) -> tuple[ErrorLine, ...]:
    lines = []
    if error is not None:
        lines.append(_error_line("run", error))
    lines.extend(_error_line(node.id, node.error) for node in nodes if node.error is not None)
    return tuple(lines)


def _error_line(where: str, error: Any) -> ErrorLine:
    if isinstance(error, dict):
        kind = error.get("kind")
        return ErrorLine(where, str(kind) if kind else None, str(error.get("message", error)))
    return ErrorLine(where, None, str(error))
