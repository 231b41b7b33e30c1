"""The span processor that writes every finished span of a run to that run's state store.

It is always attached (whatever exporters the user chose), so `agentflow trace RUN` can draw
a run's tree from the store alone. Spans are routed by their `agentflow.run.id` attribute to
the store the run registered (several runs, even with different stores, may share one
tracer provider); a span of no registered run is ignored. `on_end` only converts: the store
buffers the row and commits it with its next group commit.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

from opentelemetry.sdk.trace import ReadableSpan, Span, SpanProcessor
from opentelemetry.trace import StatusCode

from agentflow.runtime.telemetry import attributes as attr
from agentflow.runtime.telemetry.store_spans import encode_attributes

if TYPE_CHECKING:
    from opentelemetry.context import Context

    from agentflow.runtime.state.store import StateStore

_STATUS = {StatusCode.OK: "ok", StatusCode.ERROR: "error", StatusCode.UNSET: "unset"}


class StoreSpanProcessor(SpanProcessor):
    """Writes the finished spans of registered runs to their state stores."""

    def __init__(self) -> None:
        self._stores: dict[str, StateStore] = {}
        self._lock = threading.Lock()

    def register(self, run_id: str, store: StateStore) -> None:
        """Send the spans of `run_id` to `store` from now on."""
        with self._lock:
            self._stores[run_id] = store

    def unregister(self, run_id: str) -> None:
        """Stop recording the spans of `run_id` (once its run span has ended)."""
        with self._lock:
            self._stores.pop(run_id, None)

    def on_start(self, span: Span, parent_context: Context | None = None) -> None:
        return None

    def on_end(self, span: ReadableSpan) -> None:
        readable = span.attributes  # a read-only proxy: `copy()` copies the dict beneath it
        attributes: dict[str, Any] = readable.copy() if readable is not None else {}  # type: ignore[attr-defined]
        run_id = attributes.get(attr.RUN_ID)
        if not isinstance(run_id, str):
            return
        store = self._stores.get(run_id)
        if store is None:
            return
        context = span.context
        parent = span.parent
        kind = attributes.get(attr.SPAN_KIND)
        node_id = attributes.get(attr.NODE_ID)
        row = (  # `SpanRow`'s fields, in the spans table's column order
            run_id,
            format(context.span_id, "016x") if context else "",
            format(context.trace_id, "032x") if context else "",
            format(parent.span_id, "016x") if parent is not None else None,
            span.name,
            kind if isinstance(kind, str) else "unknown",
            node_id if isinstance(node_id, str) else None,
            span.start_time or 0,
            span.end_time or 0,
            _STATUS[span.status.status_code],
            encode_attributes(attributes),
        )
        store.record_span_values((row,))

    def shutdown(self) -> None:
        with self._lock:
            self._stores.clear()

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return True
