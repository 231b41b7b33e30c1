"""Helpers for the tracing tests: spans captured in memory from real runs, and ways to look
at them (by name, by kind, as a parent → children tree)."""

from __future__ import annotations

import asyncio
import json
import textwrap
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

import agentflow
from agentflow.compiler.plan import Plan
from agentflow.runtime.api import RunResult, run_workflow
from agentflow.runtime.state.store import StateStore
from agentflow.runtime.telemetry import attributes as attr
from agentflow.runtime.telemetry.tracing import Telemetry

OFFLINE_MODEL = "model local {\n  provider = offline\n  max_tokens = 256\n}\n"


class Captured:
    """A telemetry whose spans go to an in-memory exporter too (as well as the store)."""

    def __init__(self, *, capture_content: bool) -> None:
        self.exporter = InMemorySpanExporter()
        self.provider = TracerProvider(shutdown_on_exit=False)
        self.provider.add_span_processor(SimpleSpanProcessor(self.exporter))
        self.telemetry = Telemetry(tracer_provider=self.provider, capture_content=capture_content)

    @property
    def spans(self) -> list[ReadableSpan]:
        return list(self.exporter.get_finished_spans())

    def clear(self) -> None:
        self.exporter.clear()

    def close(self) -> None:
        self.provider.shutdown()


def compile_source(directory: Path, source: str, name: str = "prog.agentflow") -> Plan:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    path.write_text(textwrap.dedent(source), encoding="utf-8")
    return agentflow.compile(path.read_text(encoding="utf-8"), str(path))


def write_json(directory: Path, name: str, value: Any) -> str:
    (directory / name).write_text(json.dumps(value), encoding="utf-8")
    return name


def run(
    plan: Plan,
    workflow: str,
    inputs: Mapping[str, Any] | None = None,
    *,
    store: StateStore,
    telemetry: Telemetry | None,
    **options: Any,
) -> RunResult:
    """`run_workflow` in a fresh event loop (offline, no environment unless given)."""
    options.setdefault("offline", True)
    options.setdefault("env", {})
    return asyncio.run(
        run_workflow(
            plan, workflow, dict(inputs or {}), store=store, telemetry=telemetry, **options
        )
    )


# ---------------------------------------------------------------- looking at spans


def kind(span: ReadableSpan) -> str | None:
    value = (span.attributes or {}).get(attr.SPAN_KIND)
    return value if isinstance(value, str) else None


def named(spans: Iterable[ReadableSpan], name: str) -> list[ReadableSpan]:
    return [s for s in spans if s.name == name]


def one(spans: Iterable[ReadableSpan], name: str) -> ReadableSpan:
    found = named(spans, name)
    assert len(found) == 1, f"{len(found)} spans named {name!r}: {[s.name for s in spans]}"
    return found[0]


def of_kind(spans: Iterable[ReadableSpan], wanted: str) -> list[ReadableSpan]:
    return [s for s in spans if kind(s) == wanted]


def span_id(span: ReadableSpan) -> int:
    assert span.context is not None
    return span.context.span_id


def parent_of(span: ReadableSpan, spans: Iterable[ReadableSpan]) -> ReadableSpan | None:
    """The span's parent among `spans` (None for a root)."""
    if span.parent is None:
        return None
    for candidate in spans:
        if span_id(candidate) == span.parent.span_id:
            return candidate
    raise AssertionError(f"the parent of {span.name!r} is not among the spans")


def children(span: ReadableSpan, spans: Iterable[ReadableSpan]) -> list[ReadableSpan]:
    me = span_id(span)
    return [s for s in spans if s.parent is not None and s.parent.span_id == me]


def tree(spans: list[ReadableSpan]) -> list[tuple[int, str]]:
    """(depth, name) of every span, depth first from the roots, children by start time."""
    roots = [s for s in spans if s.parent is None]
    lines: list[tuple[int, str]] = []

    def walk(span: ReadableSpan, depth: int) -> None:
        lines.append((depth, span.name))
        for child in sorted(children(span, spans), key=lambda s: (s.start_time or 0, s.name)):
            walk(child, depth + 1)

    for root in sorted(roots, key=lambda s: s.start_time or 0):
        walk(root, 0)
    return lines


def every_text(span: ReadableSpan) -> str:
    """Everything a span carries as text: name, attributes, events, status and resource."""
    parts: list[Any] = [
        span.name,
        dict(span.attributes or {}),
        span.status.description,
        dict(span.resource.attributes),
        [(e.name, dict(e.attributes or {})) for e in span.events],
    ]
    return json.dumps(parts, default=str, ensure_ascii=False)


def events(span: ReadableSpan, name: str) -> list[dict[str, Any]]:
    return [dict(e.attributes or {}) for e in span.events if e.name == name]


def stored_spans(store: StateStore, run_id: str) -> list[dict[str, Any]]:
    """The run's rows in the store's `spans` table, attributes decoded."""
    rows = store.query("SELECT * FROM spans WHERE run_id = ?", (run_id,))
    for row in rows:
        row["attributes"] = json.loads(row["attributes"]) if row["attributes"] else None
    return rows
