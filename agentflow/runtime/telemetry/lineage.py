"""What a span inherits from its ancestors: the workflow, agent, node and budgets it ran for.

A `chat {model}` span names its model, but the agent and the workflow it ran for are
attributes of spans further up its tree. Span processors that need them (`SpanMetrics`,
`SpanLogger`) keep a `Lineage`: each started span is remembered, linked to its parent's
entry, until it ends; a lookup walks up from a span through its ancestors and reads their
attributes as they are at that moment (so attributes set after a parent started count too).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from agentflow.runtime.telemetry import attributes as attr


class _SpanContextLike(Protocol):
    @property
    def trace_id(self) -> int: ...

    @property
    def span_id(self) -> int: ...


class SpanLike(Protocol):
    """The part of an OpenTelemetry SDK span (live or readable) a lineage reads."""

    @property
    def attributes(self) -> Mapping[str, Any] | None: ...

    @property
    def parent(self) -> _SpanContextLike | None: ...

    @property
    def context(self) -> _SpanContextLike | None: ...


@dataclass(slots=True)
class Entry:
    """One open span and the entry of its parent (None at the root of what this process saw)."""

    span: SpanLike
    up: Entry | None


class Lineage:
    """The open spans of the traces a processor sees, each linked to its parent."""

    __slots__ = ("_open",)

    def __init__(self) -> None:
        self._open: dict[int, Entry] = {}

    def __len__(self) -> int:
        return len(self._open)

    def start(self, span: SpanLike) -> Entry | None:
        """Remember a span that started (called from `SpanProcessor.on_start`)."""
        context = span.context
        if context is None:
            return None
        parent = span.parent
        up = self._open.get(parent.span_id) if parent is not None else None
        entry = Entry(span, up)
        self._open[context.span_id] = entry
        return entry

    def end(self, span: SpanLike) -> Entry | None:
        """Forget a span that ended and return its entry (its ancestors stay reachable)."""
        context = span.context
        return None if context is None else self._open.pop(context.span_id, None)


def own(span: SpanLike, key: str) -> Any:
    """One attribute of the span itself (None when absent)."""
    attributes = span.attributes
    return None if attributes is None else attributes.get(key)


def inherited(span: SpanLike, entry: Entry | None, key: str) -> Any:
    """An attribute of the span, else of its nearest ancestor that has it (None if none does)."""
    value = own(span, key)
    return value if value is not None else from_ancestors(entry, key)


def from_ancestors(entry: Entry | None, key: str) -> Any:
    """An attribute of the nearest ancestor of `entry`'s span that has it (None if none does)."""
    up = entry.up if entry is not None else None
    while up is not None:
        value = own(up.span, key)
        if value is not None:
            return value
        up = up.up
    return None


def span_kind(span: SpanLike) -> str | None:
    """The span's `agentflow.span.kind` (run, node, agent, step, model, tool), if any."""
    value = own(span, attr.SPAN_KIND)
    return value if isinstance(value, str) else None
