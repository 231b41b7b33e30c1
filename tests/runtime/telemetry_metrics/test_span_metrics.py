"""SpanMetrics: metrics derived from finished spans that follow the attribute contract."""

from __future__ import annotations

import pytest
from metrics_support import Point, Spans, of, one, points
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import TracerProvider

from agentflow.runtime.telemetry import attributes as attr
from agentflow.runtime.telemetry import metrics as m

WF, KIND, STATUS = attr.WORKFLOW, attr.NODE_KIND, attr.STATUS
MODEL, AGENT, TOOL = attr.GEN_AI_REQUEST_MODEL, attr.GEN_AI_AGENT_NAME, attr.GEN_AI_TOOL_NAME


def triage_run(spans: Spans) -> None:
    """One run: an agent node with two model calls and two tool calls (one fails), then a
    tool node. The agent's calls are charged to the `daily` and `team` budgets."""
    with spans.run("triage"):
        with spans.node("classify"), spans.agent("router", budgets=("daily", "team")):
            spans.chat(
                "claude-x", provider="anthropic", input_tokens=100, output_tokens=20, cost=0.01
            )
            spans.tool("search")
            spans.tool("fetch", error="ToolError")
            spans.chat(
                "claude-x", provider="anthropic", input_tokens=50, output_tokens=10, cost=0.005
            )
        with spans.node("notify", kind="call_tool"):
            spans.tool("email")


@pytest.fixture
def triage(spans: Spans, reader: InMemoryMetricReader) -> list[Point]:
    triage_run(spans)
    return points(reader)


def test_every_instrument_records_from_one_run(triage: list[Point]) -> None:
    assert {p.metric for p in triage} == set(m.INSTRUMENTS)


def test_units_follow_the_conventions(triage: list[Point]) -> None:
    units = {p.metric: p.unit for p in triage}
    assert units == {
        m.TOKEN_USAGE: "{token}",
        m.OPERATION_DURATION: "s",
        m.RUNS: "{run}",
        m.RUN_DURATION: "s",
        m.NODE_CALLS: "{call}",
        m.NODE_DURATION: "s",
        m.TOOL_CALLS: "{call}",
        m.TOOL_DURATION: "s",
        m.ERRORS: "{error}",
        m.COST: "USD",
        m.TOKENS: "{token}",
        m.BUDGET_COST: "USD",
        m.BUDGET_TOKENS: "{token}",
    }


def test_runs_and_their_duration(triage: list[Point]) -> None:
    assert one(triage, m.RUNS, **{WF: "triage", STATUS: "succeeded"}).value == 1
    duration = one(triage, m.RUN_DURATION, **{WF: "triage", STATUS: "succeeded"})
    assert duration.count == 1
    assert duration.total is not None and duration.total > 0
    assert duration.bounds == m.DURATION_BUCKETS


def test_nodes_by_workflow_kind_and_status(triage: list[Point]) -> None:
    agent = {WF: "triage", KIND: "call_agent", STATUS: "succeeded"}
    tool = {WF: "triage", KIND: "call_tool", STATUS: "succeeded"}
    assert one(triage, m.NODE_CALLS, **agent).value == 1
    assert one(triage, m.NODE_CALLS, **tool).value == 1
    assert len(of(triage, m.NODE_CALLS)) == 2
    assert one(triage, m.NODE_DURATION, **agent).count == 1
    assert one(triage, m.NODE_DURATION, **tool).count == 1


def test_tool_calls_by_tool_and_status(triage: list[Point]) -> None:
    assert one(triage, m.TOOL_CALLS, **{TOOL: "search", STATUS: "succeeded"}).value == 1
    assert one(triage, m.TOOL_CALLS, **{TOOL: "fetch", STATUS: "failed"}).value == 1
    assert one(triage, m.TOOL_CALLS, **{TOOL: "email", STATUS: "succeeded"}).value == 1
    assert one(triage, m.TOOL_DURATION, **{TOOL: "fetch", STATUS: "failed"}).count == 1


def test_genai_token_usage_and_duration_follow_the_semantic_conventions(
    triage: list[Point],
) -> None:
    genai = {
        attr.GEN_AI_OPERATION_NAME: "chat",
        attr.GEN_AI_PROVIDER_NAME: "anthropic",
        MODEL: "claude-x",
    }
    usage_in = one(triage, m.TOKEN_USAGE, **genai, **{m.TOKEN_TYPE: "input"})
    usage_out = one(triage, m.TOKEN_USAGE, **genai, **{m.TOKEN_TYPE: "output"})
    assert (usage_in.count, usage_in.total) == (2, 150)
    assert (usage_out.count, usage_out.total) == (2, 30)
    assert usage_in.bounds == tuple(float(b) for b in m.TOKEN_BUCKETS)
    duration = one(triage, m.OPERATION_DURATION, **genai)
    assert duration.count == 2
    assert duration.bounds == m.GENAI_DURATION_BUCKETS


def test_cost_and_tokens_by_model_agent_and_workflow(triage: list[Point]) -> None:
    spend = {MODEL: "claude-x", AGENT: "router", WF: "triage"}
    assert one(triage, m.COST, **spend).value == pytest.approx(0.015)
    assert one(triage, m.TOKENS, **spend, **{m.TOKEN_TYPE: "input"}).value == 150
    assert one(triage, m.TOKENS, **spend, **{m.TOKEN_TYPE: "output"}).value == 30


def test_cost_by_budget_is_a_separate_instrument_with_a_point_per_budget(
    triage: list[Point],
) -> None:
    for budget in ("daily", "team"):
        assert one(triage, m.BUDGET_COST, **{m.BUDGET: budget}).value == pytest.approx(0.015)
        tokens_in = one(triage, m.BUDGET_TOKENS, **{m.BUDGET: budget, m.TOKEN_TYPE: "input"})
        assert tokens_in.value == 150
    # Summing the cost instrument gives what was spent, once, whatever the budgets.
    assert sum(p.value or 0 for p in of(triage, m.COST)) == pytest.approx(0.015)


def test_errors_by_span_kind_and_type(triage: list[Point]) -> None:
    errors = of(triage, m.ERRORS)
    assert [(p.attributes, p.value) for p in errors] == [
        ({attr.SPAN_KIND: "tool", attr.ERROR_TYPE: "ToolError", WF: "triage"}, 1)
    ]


def test_cost_is_counted_from_model_spans_only(spans: Spans, reader: InMemoryMetricReader) -> None:
    """Node, agent and run spans may carry their children's total cost: not counted again."""
    with spans.run("w") as run:
        with spans.node("a") as node, spans.agent("bot") as agent:
            spans.chat("m1", input_tokens=10, output_tokens=1, cost=0.5)
            spans.chat("m2", input_tokens=20, output_tokens=2, cost=0.25)
            for span in (node, agent):
                span.set_attribute(attr.COST_USD, 0.75)
                span.set_attribute(attr.GEN_AI_USAGE_INPUT_TOKENS, 30)
        run.set_attribute(attr.COST_USD, 0.75)
    found = points(reader)
    assert sum(p.value or 0 for p in of(found, m.COST)) == pytest.approx(0.75)
    assert one(found, m.COST, **{MODEL: "m1", AGENT: "bot", WF: "w"}).value == 0.5
    assert one(found, m.COST, **{MODEL: "m2", AGENT: "bot", WF: "w"}).value == 0.25
    inputs = [p for p in of(found, m.TOKENS) if p.attributes[m.TOKEN_TYPE] == "input"]
    assert sum(p.value or 0 for p in inputs) == 30


def test_cost_is_split_by_workflow_agent_and_model(
    tracer_provider: TracerProvider, reader: InMemoryMetricReader
) -> None:
    first, second = Spans(tracer_provider, "run_a"), Spans(tracer_provider, "run_b")
    with first.run("research"), first.node("r"):
        with first.agent("reader"):
            first.chat("big", cost=1.0, input_tokens=1, output_tokens=1)
        with first.agent("writer"):
            first.chat("small", cost=0.25, input_tokens=1, output_tokens=1)
    with second.run("support"), second.node("s"), second.agent("reader"):
        second.chat("big", cost=2.0, input_tokens=1, output_tokens=1)
        second.chat("big", cost=2.0, input_tokens=1, output_tokens=1)
    found = points(reader)
    costs = {
        (p.attributes[WF], p.attributes[AGENT], p.attributes[MODEL]): p.value
        for p in of(found, m.COST)
    }
    assert costs == {
        ("research", "reader", "big"): 1.0,
        ("research", "writer", "small"): 0.25,
        ("support", "reader", "big"): 4.0,
    }
    assert one(found, m.RUNS, **{WF: "research", STATUS: "succeeded"}).value == 1
    assert one(found, m.RUNS, **{WF: "support", STATUS: "succeeded"}).value == 1


def test_budgets_on_the_model_span_itself(spans: Spans, reader: InMemoryMetricReader) -> None:
    with spans.run("w"), spans.node("n", kind="pure"):
        spans.chat("m", cost=0.2, budgets=("project",), input_tokens=5, output_tokens=7)
    found = points(reader)
    assert one(found, m.BUDGET_COST, **{m.BUDGET: "project"}).value == pytest.approx(0.2)
    assert one(found, m.BUDGET_TOKENS, **{m.BUDGET: "project", m.TOKEN_TYPE: "output"}).value == 7
    # A model call outside any agent is still costed by model and workflow.
    assert one(found, m.COST, **{MODEL: "m", WF: "w"}).value == pytest.approx(0.2)


def test_failures_are_counted_by_kind_and_type(spans: Spans, reader: InMemoryMetricReader) -> None:
    with spans.run("w", status="failed"), spans.node("a", status="failed"), spans.agent("bot"):
        spans.chat("m", error="rate_limit")
        spans.chat("m", error="rate_limit")
        spans.chat("m", input_tokens=1, output_tokens=1, cost=0.1)
    found = points(reader)
    errors = {
        (p.attributes[attr.SPAN_KIND], p.attributes[attr.ERROR_TYPE]): p.value
        for p in of(found, m.ERRORS)
    }
    assert errors == {("model", "rate_limit"): 2, ("node", "tool"): 1, ("run", "tool"): 1}
    genai = {attr.GEN_AI_OPERATION_NAME: "chat", attr.GEN_AI_PROVIDER_NAME: "agentflow.offline"}
    failed = one(
        found, m.OPERATION_DURATION, **genai, **{MODEL: "m", attr.ERROR_TYPE: "rate_limit"}
    )
    assert failed.count == 2
    assert one(found, m.OPERATION_DURATION, **genai, **{MODEL: "m"}).count == 1
    assert one(found, m.RUNS, **{WF: "w", STATUS: "failed"}).value == 1
    assert one(found, m.NODE_CALLS, **{WF: "w", KIND: "call_agent", STATUS: "failed"}).value == 1


def test_denied_and_skipped_nodes_keep_their_status(
    spans: Spans, reader: InMemoryMetricReader
) -> None:
    with spans.run("w", status="denied"):
        with spans.node("first", kind="pure", status="skipped"):
            pass
        with spans.node("second", kind="call_tool", status="denied"):
            pass
    found = points(reader)
    assert one(found, m.NODE_CALLS, **{WF: "w", KIND: "pure", STATUS: "skipped"}).value == 1
    assert one(found, m.NODE_CALLS, **{WF: "w", KIND: "call_tool", STATUS: "denied"}).value == 1
    assert one(found, m.RUNS, **{WF: "w", STATUS: "denied"}).value == 1
    kinds = {p.attributes[attr.SPAN_KIND] for p in of(found, m.ERRORS)}
    assert kinds == {"node", "run"}  # skipped is not an error


def test_a_sub_workflow_counts_as_a_run_of_its_own_workflow(
    spans: Spans, reader: InMemoryMetricReader
) -> None:
    with (
        spans.run("outer"),
        spans.node("call", kind="call_workflow"),
        spans.run("inner"),
        spans.node("step", kind="call_agent"),
        spans.agent("bot"),
    ):
        spans.chat("m", cost=0.1, input_tokens=1, output_tokens=1)
    found = points(reader)
    assert {p.attributes[WF] for p in of(found, m.RUNS)} == {"outer", "inner"}
    assert one(found, m.NODE_CALLS, **{WF: "inner", KIND: "call_agent", STATUS: "succeeded"})
    assert one(found, m.NODE_CALLS, **{WF: "outer", KIND: "call_workflow", STATUS: "succeeded"})
    assert one(found, m.COST, **{MODEL: "m", AGENT: "bot", WF: "inner"}).value == 0.1


def test_no_run_ids_node_ids_or_free_text_in_any_metric_attribute(
    tracer_provider: TracerProvider, reader: InMemoryMetricReader
) -> None:
    runs = [Spans(tracer_provider, f"run_secretid_{n}") for n in range(3)]
    for spans in runs:
        with spans.run("fanout"), spans.node("items", kind="map"):
            for item in range(4):
                with spans.node(f"items[{item}]", kind="call_agent"), spans.agent("bot"):
                    spans.chat("m", input_tokens=3, output_tokens=4, cost=0.01)
                    spans.tool("lookup", error="ToolError")
    found = points(reader)
    forbidden = {attr.RUN_ID, attr.NODE_ID, attr.PRINCIPAL, attr.CALLEE}
    for point in found:
        assert not forbidden & set(point.attributes), point
        for value in point.attributes.values():
            assert "run_secretid" not in str(value) and "items[" not in str(value), point
    # Twelve map items over three runs collapse into one series per instrument and status.
    node = one(found, m.NODE_CALLS, **{WF: "fanout", KIND: "call_agent", STATUS: "succeeded"})
    assert node.value == 12
    assert one(found, m.RUNS, **{WF: "fanout", STATUS: "succeeded"}).value == 3


def test_spans_without_the_contract_are_ignored(
    tracer_provider: TracerProvider, reader: InMemoryMetricReader
) -> None:
    tracer = tracer_provider.get_tracer("someone-else")
    with tracer.start_as_current_span("GET /"), tracer.start_as_current_span("chat m"):
        pass
    assert points(reader) == []


def test_a_model_call_without_usage_or_cost_records_only_its_duration(
    spans: Spans, reader: InMemoryMetricReader
) -> None:
    with spans.run("w"), spans.node("n"), spans.agent("bot"):
        spans.chat("m")
    found = points(reader)
    assert of(found, m.OPERATION_DURATION)
    for metric in (m.TOKEN_USAGE, m.TOKENS, m.COST, m.BUDGET_COST, m.BUDGET_TOKENS):
        assert of(found, metric) == [], metric


def test_open_spans_are_forgotten_when_they_end(
    spans: Spans, tracer_provider: TracerProvider
) -> None:
    processor = next(
        p
        for p in tracer_provider._active_span_processor._span_processors
        if isinstance(p, m.SpanMetrics)
    )
    with spans.run("w"), spans.node("n"):
        assert len(processor._lineage) == 2
    assert len(processor._lineage) == 0


def test_a_node_that_is_a_tool_call_counts_as_one(
    spans: Spans, reader: InMemoryMetricReader
) -> None:
    """A `call_tool` node's span carries the execute_tool attributes and has no tool span
    under it: it is counted as a node and as a tool call, once each."""
    tool_node = {attr.GEN_AI_OPERATION_NAME: attr.OPERATION_EXECUTE_TOOL, TOOL: "calc"}
    with spans.run("w"):
        with spans.node("total", kind="call_tool") as node:
            node.set_attributes(tool_node)
        with spans.node("again", kind="call_tool", status="failed") as node:
            node.set_attributes(tool_node)
        with spans.node("agentic"), spans.agent("bot"):
            spans.tool("calc")
    found = points(reader)
    assert one(found, m.TOOL_CALLS, **{TOOL: "calc", STATUS: "succeeded"}).value == 2
    assert one(found, m.TOOL_CALLS, **{TOOL: "calc", STATUS: "failed"}).value == 1
    assert one(found, m.TOOL_DURATION, **{TOOL: "calc", STATUS: "succeeded"}).count == 2
    assert one(found, m.NODE_CALLS, **{WF: "w", KIND: "call_tool", STATUS: "succeeded"}).value == 1
    assert one(found, m.NODE_CALLS, **{WF: "w", KIND: "call_tool", STATUS: "failed"}).value == 1
