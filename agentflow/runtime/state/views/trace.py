"""`agentflow trace RUN`: a run's spans as a tree on one time axis, with its critical path.

The spans come from the store's `spans` table (one row per finished span, linked by
`parent_id`). A run recorded without spans falls back to a timeline of its node results
(nodes of a sub-workflow, `call/inner`, nest under their call).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Protocol, TypeVar

from agentflow.runtime.state.store import SpanRow, StateStore
from agentflow.runtime.state.views.common import fetch, loads
from agentflow.runtime.telemetry import attributes as attr

NS_PER_MS = 1_000_000


class SpanLike(Protocol):
    """What the tree and the critical path need of a span."""

    @property
    def span_id(self) -> str: ...
    @property
    def parent_id(self) -> str | None: ...
    @property
    def start_ns(self) -> int: ...
    @property
    def end_ns(self) -> int: ...


@dataclass(frozen=True, slots=True)
class TraceSpan:
    """One span as a line of the tree (pre-order; `depth` 0 is a root)."""

    span_id: str
    parent_id: str | None
    name: str
    kind: str
    node_id: str | None
    status: str
    depth: int
    start_ns: int
    end_ns: int
    offset_ms: float  # from the start of the trace
    duration_ms: float
    critical: bool
    model: str | None
    input_tokens: int | None
    output_tokens: int | None
    cost_usd: Decimal | None
    attributes: dict[str, Any] | None


@dataclass(frozen=True, slots=True)
class Trace:
    """A run's trace: `source` says where the spans came from (`spans`, `node_results`, or
    `none` with a `note` saying why there is nothing to show)."""

    run_id: str
    workflow: str
    status: str
    trace_id: str | None
    source: str
    note: str | None
    purged_at: float | None
    start_ns: int | None  # None: nothing to show
    end_ns: int | None
    duration_ms: float | None
    depth: int | None
    total_spans: int
    hidden_spans: int
    critical_path: tuple[str, ...]
    spans: tuple[TraceSpan, ...]


S = TypeVar("S", bound=SpanLike)


def children_of(spans: Sequence[S]) -> tuple[list[S], dict[str, list[S]]]:
    """The roots (no parent, or a parent not in the trace) and each span's children, both
    sorted by start time."""
    ids = {span.span_id for span in spans}
    roots: list[S] = []
    children: dict[str, list[S]] = {}
    for span in spans:
        if span.parent_id is None or span.parent_id not in ids or span.parent_id == span.span_id:
            roots.append(span)
        else:
            children.setdefault(span.parent_id, []).append(span)
    roots.sort(key=_by_start)
    for group in children.values():
        group.sort(key=_by_start)
    return roots, children


def critical_path(spans: Sequence[SpanLike]) -> tuple[str, ...]:
    """The spans that determined when the trace ended, in start order (the method of
    Jaeger's critical path): from the root that ends last, take the child that ends last,
    then, going back in time, the child that ended last before the chosen one started, and
    so on; inside each chosen child, the same again. Siblings that ran one after another
    (the nodes of a chain) are therefore all on the path, not only the last one. Ties go to
    the longer span, then the smaller id."""
    roots, children = children_of(spans)
    if not roots:
        return ()
    path: list[SpanLike] = []
    seen: set[str] = set()
    pending = [min(roots, key=_ends_last)]
    while pending:
        span = pending.pop()
        if span.span_id in seen:  # a corrupt store with a cycle: stop, do not loop
            continue
        seen.add(span.span_id)
        path.append(span)
        pending.extend(_blocking_children(children.get(span.span_id, []), span.end_ns))
    return tuple(s.span_id for s in sorted(path, key=lambda s: (s.start_ns, -s.end_ns, s.span_id)))


def _blocking_children(children: Sequence[SpanLike], until: int) -> list[SpanLike]:
    """The children a span waited on: the one ending last (by `until`), then repeatedly the
    one ending last before the previous chosen one started."""
    chosen: list[SpanLike] = []
    remaining = sorted(children, key=_ends_last)
    for child in remaining:
        if child.end_ns <= until and child.start_ns < until:
            chosen.append(child)
            until = child.start_ns
    if not chosen and remaining:  # clocks disagree: keep following the last to end
        chosen.append(remaining[0])
    return chosen


def run_trace(store: StateStore, run_id: str, *, depth: int | None = None) -> Trace:
    """The trace of `run_id` (which must exist), down to `depth` levels below the roots."""
    run = fetch(
        store,
        "SELECT id, workflow, status, trace_id, started_at, finished_at, purged_at"
        " FROM runs WHERE id = ?",
        (run_id,),
    )
    if not run:
        raise KeyError(run_id)
    row = run[0]
    spans: Sequence[SpanRow] = _spans(store, run_id)
    source, note = "spans", None
    if not spans:
        spans = _node_spans(store, row)
        source = "node_results" if spans else "none"
        note = _why_no_spans(row, bool(spans))
    return _build(row, spans, source, note, depth)


def _build(
    row: dict[str, Any],
    spans: Sequence[SpanRow],
    source: str,
    note: str | None,
    depth: int | None,
) -> Trace:
    start = min((s.start_ns for s in spans), default=0)
    end = max((s.end_ns for s in spans), default=0)
    critical = critical_path(spans)
    on_path = set(critical)
    lines: list[TraceSpan] = []
    hidden = 0
    for span, level in _preorder(spans):
        if depth is not None and level > depth:
            hidden += 1
            continue
        lines.append(_line(span, level, start, span.span_id in on_path))
    return Trace(
        run_id=row["id"],
        workflow=row["workflow"],
        status=row["status"],
        trace_id=row["trace_id"],
        source=source,
        note=note,
        purged_at=row["purged_at"],
        start_ns=start if spans else None,
        end_ns=end if spans else None,
        duration_ms=round((end - start) / NS_PER_MS, 3) if spans else None,
        depth=depth,
        total_spans=len(spans),
        hidden_spans=hidden,
        critical_path=critical,
        spans=tuple(lines),
    )


def _preorder(spans: Sequence[SpanRow]) -> Iterable[tuple[SpanRow, int]]:
    roots, children = children_of(spans)
    stack: list[tuple[SpanRow, int]] = [(root, 0) for root in reversed(roots)]
    seen: set[str] = set()
    while stack:
        span, level = stack.pop()
        if span.span_id in seen:
            continue
        seen.add(span.span_id)
        yield span, level
        stack.extend((child, level + 1) for child in reversed(children.get(span.span_id, [])))


def _line(span: SpanRow, depth: int, origin: int, critical: bool) -> TraceSpan:
    attributes = span.attributes or {}
    model = attributes.get(attr.GEN_AI_RESPONSE_MODEL) or attributes.get(attr.GEN_AI_REQUEST_MODEL)
    return TraceSpan(
        span_id=span.span_id,
        parent_id=span.parent_id,
        name=span.name,
        kind=span.kind,
        node_id=span.node_id,
        status=span.status,
        depth=depth,
        start_ns=span.start_ns,
        end_ns=span.end_ns,
        offset_ms=round((span.start_ns - origin) / NS_PER_MS, 3),
        duration_ms=round(max(span.end_ns - span.start_ns, 0) / NS_PER_MS, 3),
        critical=critical,
        model=str(model) if model else None,
        input_tokens=_int(attributes.get(attr.GEN_AI_USAGE_INPUT_TOKENS)),
        output_tokens=_int(attributes.get(attr.GEN_AI_USAGE_OUTPUT_TOKENS)),
        cost_usd=_cost(attributes.get(attr.COST_USD)),
        attributes=span.attributes,
    )


def _spans(store: StateStore, run_id: str) -> list[SpanRow]:
    rows = fetch(
        store,
        "SELECT span_id, trace_id, parent_id, name, kind, node_id, start_ns, end_ns, status,"
        " attributes FROM spans WHERE run_id = ?",
        (run_id,),
    )
    spans = []
    for r in rows:
        attributes = loads(r["attributes"])
        spans.append(
            SpanRow(
                run_id,
                r["span_id"],
                r["trace_id"],
                r["parent_id"],
                r["name"],
                r["kind"],
                r["node_id"],
                int(r["start_ns"]),
                int(r["end_ns"]),
                r["status"],
                attributes if isinstance(attributes, dict) else None,
            )
        )
    return spans


def _node_spans(store: StateStore, run: dict[str, Any]) -> list[SpanRow]:
    """Spans made up from node results: a root for the run, one span per node."""
    rows = fetch(
        store,
        "SELECT node_id, status, started_at, finished_at, cost_usd, input_tokens, output_tokens"
        " FROM node_results WHERE run_id = ? AND started_at IS NOT NULL"
        " AND finished_at IS NOT NULL ORDER BY started_at, rowid",
        (run["id"],),
    )
    if not rows:
        return []
    ids = {r["node_id"] for r in rows}
    start = min([run["started_at"], *(r["started_at"] for r in rows)])
    end = max([run["finished_at"] or 0, *(r["finished_at"] for r in rows)])
    root = SpanRow(
        run["id"],
        "run",
        "",
        None,
        f"run {run['workflow']}",
        "run",
        None,
        _ns(start),
        _ns(end),
        _span_status(run["status"]),
    )
    spans = [root]
    for r in rows:
        node = str(r["node_id"])
        parent = node.rpartition("/")[0]
        spans.append(
            SpanRow(
                run["id"],
                f"node:{node}",
                "",
                f"node:{parent}" if parent in ids else "run",
                f"node {node}",
                "node",
                node,
                _ns(r["started_at"]),
                _ns(r["finished_at"]),
                _span_status(r["status"]),
                {
                    attr.STATUS: r["status"],
                    attr.COST_USD: float(r["cost_usd"] or 0),
                    attr.GEN_AI_USAGE_INPUT_TOKENS: r["input_tokens"],
                    attr.GEN_AI_USAGE_OUTPUT_TOKENS: r["output_tokens"],
                },
            )
        )
    return spans


def _why_no_spans(run: dict[str, Any], has_nodes: bool) -> str:
    if run["purged_at"] is not None:
        day = datetime.fromtimestamp(run["purged_at"], UTC).strftime("%Y-%m-%d")
        return f"the details of this run were purged by retention on {day}: no spans are kept"
    if has_nodes:
        return (
            "no spans were recorded for this run (tracing was off, or the run predates it);"
            " this timeline comes from its node results"
        )
    return "no spans and no node results were recorded for this run"


def _by_start(span: SpanLike) -> tuple[int, int, str]:
    return (span.start_ns, span.end_ns, span.span_id)


def _ends_last(span: SpanLike) -> tuple[int, int, str]:
    # For min(): the latest end first, then the longest span, then the smallest id.
    return (-span.end_ns, span.start_ns - span.end_ns, span.span_id)


def _span_status(status: str) -> str:
    return "error" if status in ("failed", "denied") else "ok"


def _ns(seconds: float) -> int:
    """Epoch seconds (a float: good to about a microsecond) as nanoseconds."""
    return round(seconds * 1e6) * 1000


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _cost(value: Any) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None
