"""SpanLogger: log records derived from spans, carrying the same ids as the trace."""

from __future__ import annotations

import datetime as dt
import io
import json
from typing import Any

import pytest
from metrics_support import Spans
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import Status, StatusCode

from agentflow.runtime.telemetry import attributes as attr
from agentflow.runtime.telemetry.logs import configure_logging, register_secret
from agentflow.runtime.telemetry.span_logs import SpanLogger


class Traced:
    """A tracer provider feeding both an in-memory exporter and a SpanLogger."""

    def __init__(self) -> None:
        self.exporter = InMemorySpanExporter()
        self.provider = TracerProvider(shutdown_on_exit=False)
        self.provider.add_span_processor(SimpleSpanProcessor(self.exporter))
        self.provider.add_span_processor(SpanLogger())
        self.spans = Spans(self.provider, "run_42")

    def finished(self, name: str) -> ReadableSpan:
        (span,) = [s for s in self.exporter.get_finished_spans() if s.name == name]
        return span


def a_failing_run(traced: Traced) -> None:
    """A run whose agent node retries, fails over, alerts a budget, is denied a tool and
    fails."""
    spans = traced.spans
    with spans.run("triage", status="failed"), spans.node("classify", status="failed") as node:
        node.add_event(attr.EVENT_RETRY, {attr.ATTEMPTS: 2})
        with spans.agent("router") as agent:
            agent.add_event(attr.EVENT_FAILOVER, {"from": "big", "to": "small"})
            spans.chat("small", input_tokens=3, output_tokens=4, cost=0.5)
            with spans.span("execute_tool shell", "tool", {attr.GEN_AI_TOOL_NAME: "shell"}) as t:
                t.add_event(
                    attr.EVENT_POLICY,
                    {
                        attr.POLICY_DECISION: "deny",
                        attr.POLICY_ACTION: "tool.call",
                        attr.POLICY_RESOURCE: "tool:shell",
                        attr.POLICY_REASON: "role `analyst` lacks `shell`",
                    },
                )
                t.set_attribute(attr.ERROR_TYPE, "denied")
                t.set_status(Status(StatusCode.ERROR, "policy denied the call"))
            with spans.span("execute_tool search", "tool", {attr.GEN_AI_TOOL_NAME: "search"}) as s:
                s.add_event(attr.EVENT_POLICY, {attr.POLICY_DECISION: "allow"})
                s.add_event(attr.EVENT_BUDGET_ALERT, {"agentflow.budget": "daily"})


def records(level: str, fmt: str = "json") -> tuple[Traced, io.StringIO]:
    out = io.StringIO()
    configure_logging(level, fmt, out)
    traced = Traced()
    a_failing_run(traced)
    return traced, out


def lines(out: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in out.getvalue().splitlines()]


def by_message(found: list[dict[str, Any]], message: str) -> dict[str, Any]:
    (record,) = [r for r in found if r["message"] == message]
    return record


def test_what_is_logged_at_debug_in_order() -> None:
    _, out = records("debug")
    assert [(r["level"], r["message"]) for r in lines(out)] == [
        ("info", "run started"),
        ("debug", "model call finished"),
        ("warning", "policy denied"),
        ("warning", "tool call failed"),
        ("debug", "policy allowed"),
        ("warning", "budget alert"),
        ("debug", "tool call finished"),
        ("warning", "model failover"),
        ("debug", "agent finished"),
        ("warning", "retrying"),
        ("warning", "node failed"),
        ("error", "run finished"),
    ]


def test_warning_level_keeps_failures_and_notable_events_only() -> None:
    _, out = records("warning")
    assert [r["message"] for r in lines(out)] == [
        "policy denied",
        "tool call failed",
        "budget alert",
        "model failover",
        "retrying",
        "node failed",
        "run finished",
    ]


def test_info_level_adds_run_and_node_outcomes_but_no_debug() -> None:
    traced = Traced()
    out = io.StringIO()
    configure_logging("info", "json", out)
    with traced.spans.run("ok"), traced.spans.node("a", kind="pure"):
        traced.spans.chat("m")
    assert [(r["level"], r["message"]) for r in lines(out)] == [
        ("info", "run started"),
        ("info", "node finished"),
        ("info", "run finished"),
    ]


def test_records_carry_the_ids_of_their_spans() -> None:
    traced, out = records("debug")
    found = lines(out)
    run, node = traced.finished("run triage"), traced.finished("node classify")
    trace_id = format(run.context.trace_id, "032x")
    assert {r["trace_id"] for r in found} == {trace_id}
    assert {r["run_id"] for r in found} == {"run_42"}
    started = by_message(found, "run started")
    assert started["span_id"] == format(run.context.span_id, "016x")
    assert started["node_id"] is None and started["workflow"] == "triage"
    failed = by_message(found, "node failed")
    assert failed["span_id"] == format(node.context.span_id, "016x")
    assert failed["node_id"] == "classify"
    # Spans inside the node carry its id too.
    tool = by_message(found, "tool call failed")
    assert tool["node_id"] == "classify"
    assert tool["span_id"] == format(traced.finished("execute_tool shell").context.span_id, "016x")


def test_outcome_fields() -> None:
    _, out = records("debug")
    found = lines(out)
    node = by_message(found, "node failed")
    assert node["status"] == "failed" and node["node_kind"] == "call_agent"
    assert node["error_type"] == "tool" and node["error"] == "the node failed"
    assert node["duration_ms"] >= 0 and node["workflow"] == "triage"
    run = by_message(found, "run finished")
    assert (run["status"], run["span_kind"]) == ("failed", "run")
    model = by_message(found, "model call finished")
    assert model["model"] == "small" and model["agent"] == "router"
    assert (model["input_tokens"], model["output_tokens"], model["cost_usd"]) == (3, 4, 0.5)
    tool = by_message(found, "tool call failed")
    assert (tool["tool"], tool["error_type"], tool["error"]) == (
        "shell",
        "denied",
        "policy denied the call",
    )


def test_events_carry_their_attributes_and_their_own_time() -> None:
    traced, out = records("debug")
    found = lines(out)
    denied = by_message(found, "policy denied")
    assert denied["event"] == attr.EVENT_POLICY
    assert denied[attr.POLICY_RESOURCE] == "tool:shell"
    assert denied[attr.POLICY_REASON] == "role `analyst` lacks `shell`"
    retry = by_message(found, "retrying")
    assert retry[attr.ATTEMPTS] == 2 and retry["node_id"] == "classify"
    assert by_message(found, "model failover")["to"] == "small"
    event = traced.finished("node classify").events[0]
    expected = dt.datetime.fromtimestamp(event.timestamp / 1e9, dt.UTC)
    assert retry["ts"] == expected.isoformat(timespec="microseconds").replace("+00:00", "Z")


def test_text_lines_show_the_ids() -> None:
    _, out = records("warning", "text")
    text = out.getvalue().splitlines()
    assert len(text) == 7
    failed = next(line for line in text if " node failed " in line)
    assert "run_id=run_42" in failed and "node_id=classify" in failed and "trace_id=" in failed


def test_secrets_in_span_attributes_are_masked_in_logs() -> None:
    out = io.StringIO()
    configure_logging("warning", "json", out)
    register_secret("sk-ant-secret-value")
    traced = Traced()
    with traced.spans.run("w") as run:
        run.add_event(attr.EVENT_RETRY, {"reason": "401 for key sk-ant-secret-value"})
    assert "sk-ant-secret-value" not in out.getvalue()
    assert lines(out)[0]["reason"] == "401 for key [REDACTED:secret]"


def test_nothing_is_logged_when_the_level_excludes_it() -> None:
    out = io.StringIO()
    configure_logging("error", "json", out)
    traced = Traced()
    with traced.spans.run("w"), traced.spans.node("a"):
        traced.spans.chat("m")
    assert out.getvalue() == ""


@pytest.mark.parametrize(("status", "level"), [("denied", "warning"), ("succeeded", "info")])
def test_run_outcome_levels(status: str, level: str) -> None:
    out = io.StringIO()
    configure_logging("info", "json", out)
    traced = Traced()
    with traced.spans.run("w", status=status):
        pass
    finished = by_message(lines(out), "run finished")
    assert (finished["level"], finished["status"]) == (level, status)
