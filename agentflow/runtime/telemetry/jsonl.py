"""A span exporter that appends one JSON object per span to a file (JSON Lines).

Each line: `trace_id`, `span_id`, `parent_id` (hex, null at a root), `name`, `kind` (the
`agentflow.span.kind`), `start` and `end` (ISO 8601, UTC) with `start_ns` and `end_ns`,
`duration_ms`, `status` (ok | error | unset) and `status_message`, `attributes`, `events`
(`name`, `time`, `attributes`) and `resource` (its attributes). The file is opened in append
mode for each batch, so several runs (and processes) can add to the same file.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import SpanExporter, SpanExportResult
from opentelemetry.trace import StatusCode

from agentflow.runtime.telemetry import attributes as attr

_STATUS = {StatusCode.OK: "ok", StatusCode.ERROR: "error", StatusCode.UNSET: "unset"}


def _iso(ns: int | None) -> str | None:
    if ns is None:
        return None
    moment = datetime.fromtimestamp(ns / 1e9, UTC)
    return moment.isoformat(timespec="microseconds").replace("+00:00", "Z")


def span_record(span: ReadableSpan) -> dict[str, Any]:
    """One span as the JSON object a line holds."""
    context = span.context
    attributes = dict(span.attributes or {})
    start, end = span.start_time, span.end_time
    return {
        "trace_id": format(context.trace_id, "032x") if context else None,
        "span_id": format(context.span_id, "016x") if context else None,
        "parent_id": format(span.parent.span_id, "016x") if span.parent else None,
        "name": span.name,
        "kind": attributes.get(attr.SPAN_KIND),
        "start": _iso(start),
        "end": _iso(end),
        "start_ns": start,
        "end_ns": end,
        "duration_ms": (end - start) / 1e6 if start is not None and end is not None else None,
        "status": _STATUS[span.status.status_code],
        "status_message": span.status.description,
        "attributes": attributes,
        "events": [
            {"name": e.name, "time": _iso(e.timestamp), "attributes": dict(e.attributes or {})}
            for e in span.events
        ],
        "resource": dict(span.resource.attributes),
    }


class JsonLinesSpanExporter(SpanExporter):
    """Appends spans to `path`, one JSON object per line."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        lines = "".join(
            json.dumps(span_record(s), ensure_ascii=False, default=str) + "\n" for s in spans
        )
        try:
            with self._lock, self.path.open("a", encoding="utf-8") as out:
                out.write(lines)
        except OSError:
            return SpanExportResult.FAILURE
        return SpanExportResult.SUCCESS

    def shutdown(self) -> None:
        return None

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return True
