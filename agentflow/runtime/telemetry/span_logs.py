"""Log records derived from spans: `SpanLogger`, a span processor that logs what a run does.

Attached to the run's `TracerProvider` next to `SpanMetrics`, it turns spans into records of
the `agentflow.run` logger, so the runtime needs no log calls of its own for these and the
logs match the traces exactly (same ids, same attribute values):

- a run span starts: `run started` (info)
- a run span ends: `run finished` (info; warning if denied, error if failed)
- a node span ends: `node finished` (info), `node failed` / `node denied` (warning)
- a model or tool span ends: `model call finished` / `tool call finished` (debug),
  `model call failed` / `tool call failed` (warning)
- an agent or step span ends: `agent finished` / `step finished` (debug: a failure there
  is reported by its node)
- span events: `agentflow.model.failover` → `model failover`, `agentflow.retry` →
  `retrying`, `agentflow.budget.alert` → `budget alert` (warning); `agentflow.policy` with
  decision deny → `policy denied` (warning), allow → `policy allowed` (debug)

Every record carries run_id, node_id (the nearest node span's, for spans inside a node),
trace_id and span_id of its span, plus fields: workflow, status, duration_ms, cost_usd,
attempts, model, tool, agent, error_type, error, and for events the event's own
attributes under their span attribute names. A record's time is the moment it describes
(the span's start or end, the event's timestamp), so events logged when their span ends
still sort where they happened. Nothing is formatted when the level is disabled.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any, Final

from opentelemetry.context import Context
from opentelemetry.sdk.trace import Event, ReadableSpan, Span, SpanProcessor
from opentelemetry.trace import StatusCode

from agentflow.runtime.telemetry import attributes as attr
from agentflow.runtime.telemetry.lineage import Entry, Lineage, SpanLike, inherited, own, span_kind
from agentflow.runtime.telemetry.logs import STANDARD_ATTRIBUTES, get_logger

DEBUG, INFO, WARNING, ERROR = logging.DEBUG, logging.INFO, logging.WARNING, logging.ERROR

# Event name → (level, message); the policy event's level depends on its decision.
EVENTS: Final[Mapping[str, tuple[int, str]]] = {
    attr.EVENT_FAILOVER: (WARNING, "model failover"),
    attr.EVENT_RETRY: (WARNING, "retrying"),
    attr.EVENT_BUDGET_ALERT: (WARNING, "budget alert"),
}


class SpanLogger(SpanProcessor):
    """Logs run and node outcomes, failures and notable span events (see the module doc)."""

    def __init__(self, logger: logging.Logger | None = None) -> None:
        self.logger = logger or get_logger("run")
        self._lineage = Lineage()

    # ---------------------------------------------------------------- SpanProcessor

    def on_start(self, span: Span, parent_context: Context | None = None) -> None:
        entry = self._lineage.start(span)
        if span_kind(span) == "run" and self.logger.isEnabledFor(INFO):
            fields = {"workflow": own(span, attr.WORKFLOW)}
            self._emit(INFO, "run started", span, entry, span.start_time, fields)

    def on_end(self, span: ReadableSpan) -> None:
        entry = self._lineage.end(span)
        kind = span_kind(span)
        if kind is None:
            return
        for event in span.events:
            self._event(span, entry, event)
        failed = span.status.status_code is StatusCode.ERROR or bool(own(span, attr.ERROR_TYPE))
        status = own(span, attr.STATUS) or ("failed" if failed else "succeeded")
        level, message = _outcome(kind, status, failed)
        if not self.logger.isEnabledFor(level):
            return
        fields: dict[str, Any] = {
            "workflow": inherited(span, entry, attr.WORKFLOW),
            "status": status,
            "duration_ms": _duration_ms(span),
        }
        if kind == "node":
            fields["node_kind"] = own(span, attr.NODE_KIND)
            fields["callee"] = own(span, attr.CALLEE)
            fields["tool"] = own(span, attr.GEN_AI_TOOL_NAME)  # a node that is a tool call
            fields["attempts"] = own(span, attr.ATTEMPTS)
        elif kind == "model":
            fields["model"] = own(span, attr.GEN_AI_REQUEST_MODEL)
            fields["provider"] = own(span, attr.GEN_AI_PROVIDER_NAME)
            fields["input_tokens"] = own(span, attr.GEN_AI_USAGE_INPUT_TOKENS)
            fields["output_tokens"] = own(span, attr.GEN_AI_USAGE_OUTPUT_TOKENS)
        elif kind == "tool":
            fields["tool"] = own(span, attr.GEN_AI_TOOL_NAME)
        if kind in ("agent", "step", "model", "tool"):
            fields["agent"] = inherited(span, entry, attr.GEN_AI_AGENT_NAME)
        fields["cost_usd"] = own(span, attr.COST_USD)
        if failed:
            fields["error_type"] = own(span, attr.ERROR_TYPE)
            fields["error"] = span.status.description
        self._emit(level, message, span, entry, span.end_time, fields)

    def shutdown(self) -> None:
        """Nothing to release (the logger's handlers belong to the logging configuration)."""

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return True

    # ---------------------------------------------------------------- records

    def _event(self, span: ReadableSpan, entry: Entry | None, event: Event) -> None:
        attributes = dict(event.attributes or {})
        if event.name == attr.EVENT_POLICY:
            denied = attributes.get(attr.POLICY_DECISION) == "deny"
            level, message = (WARNING, "policy denied") if denied else (DEBUG, "policy allowed")
        else:
            level, message = EVENTS.get(event.name, (DEBUG, event.name))
        if self.logger.isEnabledFor(level):
            fields = {"event": event.name, **attributes}
            self._emit(level, message, span, entry, event.timestamp, fields)

    def _emit(
        self,
        level: int,
        message: str,
        span: SpanLike,
        entry: Entry | None,
        at_ns: int | None,
        fields: Mapping[str, Any],
    ) -> None:
        context = span.context
        extra = {
            "run_id": inherited(span, entry, attr.RUN_ID),
            "node_id": inherited(span, entry, attr.NODE_ID),
            "trace_id": None if context is None else format(context.trace_id, "032x"),
            "span_id": None if context is None else format(context.span_id, "016x"),
            "span_kind": span_kind(span),
        }
        for key, value in fields.items():
            if value is not None:
                extra[key + "_" if key in STANDARD_ATTRIBUTES else key] = value
        record = self.logger.makeRecord(
            self.logger.name, level, "(span)", 0, message, (), None, extra=extra
        )
        if at_ns is not None:
            record.created = at_ns / 1e9
            record.msecs = (at_ns // 1_000_000) % 1000
        self.logger.handle(record)


def _outcome(kind: str, status: str, failed: bool) -> tuple[int, str]:
    if kind == "run":
        if status == "denied":
            return WARNING, "run finished"
        return (ERROR if failed or status == "failed" else INFO), "run finished"
    if kind == "node":
        if status in ("failed", "denied"):
            return WARNING, f"node {status}"
        return INFO, "node finished"
    if kind in ("model", "tool"):
        what = "model call" if kind == "model" else "tool call"
        return (WARNING, f"{what} failed") if failed else (DEBUG, f"{what} finished")
    return DEBUG, f"{kind} finished"


def _duration_ms(span: ReadableSpan) -> float | None:
    if span.start_time is None or span.end_time is None:
        return None
    return round((span.end_time - span.start_time) / 1e6, 3)
