"""Spans of the store-only path: light spans that become rows of the state store's `spans`
table, written in batches (the default when no exporter or processor is configured).

An SDK span costs several times what the store needs of it (attribute validation, a readable
copy at its end, processors); `StoreSpan` keeps only what a row holds: ids, name, times,
status and attributes. Its rows are the ones the SDK path's `StoreSpanProcessor` writes.
"""

from __future__ import annotations

import asyncio
import json
import random
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Final

from opentelemetry.context import Context
from opentelemetry.trace import (
    INVALID_SPAN_CONTEXT,
    Span,
    SpanContext,
    Status,
    StatusCode,
    TraceFlags,
    set_span_in_context,
)

from agentflow.runtime.telemetry import attributes as attr

if TYPE_CHECKING:
    from opentelemetry.util.types import Attributes, AttributeValue

    from agentflow.runtime.state.store import StateStore

ROW_BATCH: Final = 256  # ended spans handed to the store this many at a time, or
ROW_DELAY_S: Final = 0.005  # this long after the first of them ended, whichever is first
_SAMPLED = TraceFlags(TraceFlags.SAMPLED)
_STATUS_NAMES = {StatusCode.OK: "ok", StatusCode.ERROR: "error", StatusCode.UNSET: "unset"}
_fast_json = json.JSONEncoder().encode  # the C encoder, for attributes of JSON types only
_safe_json = json.JSONEncoder(default=str).encode


def encode_attributes(attributes: Mapping[str, Any]) -> str:
    """The JSON text of a span's attributes (as the store keeps them)."""
    try:
        return _fast_json(attributes)
    except TypeError:  # a value that is not a JSON type (an attribute set by someone else)
        return _safe_json(attributes)


def new_trace_id() -> int:
    """A random, valid (non-zero) 128-bit trace id, as the SDK's id generator makes them."""
    trace_id = random.getrandbits(128)
    while trace_id == INVALID_SPAN_CONTEXT.trace_id:
        trace_id = random.getrandbits(128)
    return trace_id


def new_span_id() -> int:
    return random.getrandbits(64) or 1


class StoreRows:
    """The ended spans of one run, queued and handed to the store as rows in batches."""

    def __init__(self, store: StateStore, run_id: str, trace_id: int, base: Context) -> None:
        self.store = store
        self.base = base  # the ambient context when the run started
        self.run_id = run_id
        self.trace_id = trace_id
        self.trace_hex = format(trace_id, "032x")
        self._queued: list[StoreSpan] = []
        self._timer: asyncio.TimerHandle | None = None

    def add(self, span: StoreSpan) -> None:
        """Queue an ended span for the store. Its row is built when the queue is handed over
        (after ROW_DELAY_S, when the event loop gets to it: often while the run waits on I/O,
        off its critical path), or at once when ROW_BATCH spans are waiting."""
        queued = self._queued
        queued.append(span)
        if len(queued) >= ROW_BATCH:
            self.flush()
        elif self._timer is None:
            try:
                loop = asyncio.get_running_loop()
            except RuntimeError:
                self.flush()
                return
            self._timer = loop.call_later(ROW_DELAY_S, self.flush)

    def flush(self) -> None:
        """Hand the queued spans to the store as rows (`SpanRow`'s fields, in the spans
        table's column order); the store commits them with its next group commit."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        queued, self._queued = self._queued, []
        if not queued:
            return
        run_id, trace_hex = self.run_id, self.trace_hex
        self.store.record_span_values(
            [
                (
                    run_id,
                    span.hex,
                    trace_hex,
                    span.parent_hex,
                    span.name,
                    span.attributes.get(attr.SPAN_KIND, "unknown"),  # RunTrace sets it always
                    span.attributes.get(attr.NODE_ID),
                    span.start_ns,
                    span.end_ns or span.start_ns,
                    span.status,
                    encode_attributes(span.attributes),
                )
                for span in queued
            ]
        )


class StoreSpan(Span):
    """A span of the store-only path: what the state store keeps of a span (ids, name,
    times, status, attributes), written as a row when it ends. Events are not kept. It is
    its own handle (`spans.SpanHandle`): `span` is itself, `context` the context it parents."""

    __slots__ = (
        "attributes",
        "end_ns",
        "hex",
        "name",
        "parent_hex",
        "rows",
        "span_id",
        "start_ns",
        "status",
    )

    def __init__(
        self,
        rows: StoreRows,
        span_id: int,
        parent_hex: str | None,
        name: str,
        attributes: dict[str, Any],
        start_ns: int,
    ) -> None:
        self.rows = rows
        self.span_id = span_id
        self.hex = format(span_id, "016x")
        self.parent_hex = parent_hex
        self.name = name
        self.attributes = attributes
        self.start_ns = start_ns
        self.end_ns: int | None = None
        self.status = "unset"

    @property
    def span(self) -> StoreSpan:
        return self

    @property
    def context(self) -> Context:
        return set_span_in_context(self, self.rows.base)

    def end(self, end_time: int | None = None) -> None:
        if self.end_ns is None:
            self.end_ns = end_time if end_time is not None else time.time_ns()
            self.rows.add(self)

    def get_span_context(self) -> SpanContext:
        return SpanContext(self.rows.trace_id, self.span_id, False, _SAMPLED)

    def set_attributes(self, attributes: Mapping[str, AttributeValue]) -> None:
        self.attributes.update(attributes)

    def set_attribute(self, key: str, value: AttributeValue) -> None:
        self.attributes[key] = value

    def add_event(
        self, name: str, attributes: Attributes = None, timestamp: int | None = None
    ) -> None:
        return None  # the store keeps no events

    def update_name(self, name: str) -> None:
        self.name = name

    def is_recording(self) -> bool:
        return self.end_ns is None

    def set_status(self, status: Status | StatusCode, description: str | None = None) -> None:
        code = status.status_code if isinstance(status, Status) else status
        if self.status != "ok" and code is not StatusCode.UNSET:
            self.status = _STATUS_NAMES[code]

    def record_exception(
        self,
        exception: BaseException,
        attributes: Attributes = None,
        timestamp: int | None = None,
        escaped: bool = False,
    ) -> None:
        return None
