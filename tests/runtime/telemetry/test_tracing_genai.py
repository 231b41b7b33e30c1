"""Model, agent and tool spans follow the OpenTelemetry GenAI conventions, with values equal to
what the run reports and the ledger records; agentflow's own attributes (run, node,
principal, role, status, attempts, cost, budgets) are on the spans they describe."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from opentelemetry.sdk.trace import ReadableSpan
from tracing_support import Captured, children, compile_source, of_kind, one, run, write_json

from agentflow.runtime.api import RunResult
from agentflow.runtime.state.store import StateStore
from agentflow.runtime.telemetry import attributes as attr

PROGRAM = """agentflow 1
model priced {
  provider = offline
  name = "small-model-7"
  max_tokens = 128
  temperature = 0.5
  price = { input: $1, output: $2 }
  script = "script.json"
}
tool calc = stdlib.calculator
budget team { per_run = $5, alert_at = 90% }
budget helper_budget { per_run = $5 }

agent helper {
  model = priced
  tools = [calc]
  budget = helper_budget
  max_steps = 3
  input { q: string }
  output = string
  prompt = "Answer {{ q }}"
}

role analyst { tools = [calc], agents = [helper], workflows = [ask] }
principal bot { roles = [analyst], token = env("AF_BOT_TOKEN") }

workflow ask(q: string) -> string {
  run_as = analyst
  budget = team
  answer = helper(q: q)
  return answer
}
"""
SCRIPT = {
    "helper": [
        {"tool_calls": [{"tool": "calc", "args": {"expression": "6 * 7"}}]},
        {"output": "It is 42."},
    ]
}
TOKEN = "tok-genai-test-1234567"
PricedRun = tuple[RunResult, list[ReadableSpan], StateStore]


@pytest.fixture
def priced_run(tmp_path: Path, captured: Captured) -> Iterator[PricedRun]:
    write_json(tmp_path, "script.json", SCRIPT)
    plan = compile_source(tmp_path, PROGRAM)
    store = StateStore.in_directory(tmp_path / "state")
    result = run(
        plan,
        "ask",
        {"q": "six times seven"},
        store=store,
        telemetry=captured.telemetry,
        token=TOKEN,
        env={"AF_BOT_TOKEN": TOKEN},
    )
    assert result.status == "succeeded", result.error
    yield result, captured.spans, store
    store.close()


def test_chat_spans_carry_the_genai_attributes(priced_run: PricedRun) -> None:
    result, spans, store = priced_run
    chats = sorted(of_kind(spans, "model"), key=lambda s: s.start_time or 0)
    assert [c.name for c in chats] == ["chat small-model-7", "chat small-model-7"]
    ledger = store.query("SELECT * FROM ledger WHERE run_id = ? ORDER BY id", (result.run_id,))
    assert len(ledger) == 2
    for chat, row in zip(chats, ledger, strict=True):
        a = dict(chat.attributes or {})
        assert a[attr.GEN_AI_OPERATION_NAME] == "chat"
        assert a[attr.GEN_AI_PROVIDER_NAME] == "agentflow.offline"
        assert a[attr.GEN_AI_REQUEST_MODEL] == "small-model-7"
        assert a[attr.GEN_AI_RESPONSE_MODEL] == "offline"
        assert a[attr.GEN_AI_REQUEST_MAX_TOKENS] == 128
        assert a[attr.GEN_AI_REQUEST_TEMPERATURE] == 0.5
        assert a[attr.GEN_AI_AGENT_NAME] == "helper"
        assert a[attr.CALLEE] == "priced"
        assert a[attr.GEN_AI_USAGE_INPUT_TOKENS] == row["input_tokens"] > 0
        assert a[attr.GEN_AI_USAGE_OUTPUT_TOKENS] == row["output_tokens"] > 0
        assert a[attr.COST_USD] == pytest.approx(float(Decimal(row["amount_usd"])))
        assert a[attr.COST_USD] > 0
        assert a[attr.BUDGETS] == ("team", "helper_budget")
        assert a[attr.NODE_ID] == "answer"
        assert a[attr.ATTEMPTS] == 1
        assert a[attr.STATUS] == "succeeded"
    assert dict(chats[0].attributes or {})[attr.GEN_AI_RESPONSE_FINISH_REASONS] == ("tool_calls",)
    assert dict(chats[1].attributes or {})[attr.GEN_AI_RESPONSE_FINISH_REASONS] == ("stop",)
    total_in = sum(dict(c.attributes or {})[attr.GEN_AI_USAGE_INPUT_TOKENS] for c in chats)
    total_out = sum(dict(c.attributes or {})[attr.GEN_AI_USAGE_OUTPUT_TOKENS] for c in chats)
    assert (total_in, total_out) == (result.input_tokens, result.output_tokens)


def test_agent_node_and_run_spans_add_up(priced_run: PricedRun) -> None:
    result, spans, _ = priced_run
    [report] = result.nodes
    node = one(spans, "node answer")
    n = dict(node.attributes or {})
    assert n[attr.NODE_ID] == "answer"
    assert n[attr.NODE_KIND] == "call_agent"
    assert n[attr.CALLEE] == "helper"
    assert n[attr.STATUS] == "succeeded"
    assert n[attr.ATTEMPTS] == report.attempts == 1
    assert n[attr.COST_USD] == pytest.approx(float(report.cost_usd))
    assert report.cost_usd > 0
    assert n[attr.POLICY_DECISION] == "allow"

    agent = one(spans, "invoke_agent helper")
    a = dict(agent.attributes or {})
    assert a[attr.GEN_AI_OPERATION_NAME] == "invoke_agent"
    assert a[attr.GEN_AI_AGENT_NAME] == "helper"
    assert a[attr.GEN_AI_PROVIDER_NAME] == "agentflow.offline"
    assert a[attr.GEN_AI_REQUEST_MODEL] == "small-model-7"
    assert a[attr.COST_USD] == pytest.approx(float(report.cost_usd))
    assert (a[attr.GEN_AI_USAGE_INPUT_TOKENS], a[attr.GEN_AI_USAGE_OUTPUT_TOKENS]) == (
        report.input_tokens,
        report.output_tokens,
    )
    steps = sorted(children(agent, spans), key=lambda s: s.start_time or 0)
    assert [dict(s.attributes or {})[attr.STEP] for s in steps] == [1, 2]

    root = one(spans, "run ask")
    r = dict(root.attributes or {})
    assert r[attr.WORKFLOW] == "ask"
    assert r[attr.PRINCIPAL] == "bot"
    assert r[attr.ROLE] == "analyst"
    assert r[attr.STATUS] == "succeeded"
    assert r[attr.POLICY_DECISION] == "allow"
    assert r[attr.COST_USD] == pytest.approx(float(result.cost_usd))
    assert (r[attr.GEN_AI_USAGE_INPUT_TOKENS], r[attr.GEN_AI_USAGE_OUTPUT_TOKENS]) == (
        result.input_tokens,
        result.output_tokens,
    )
    assert result.trace_id == format(root.context.trace_id, "032x")  # type: ignore[union-attr]


def test_tool_spans_carry_the_genai_attributes(priced_run: PricedRun) -> None:
    _, spans, _ = priced_run
    tool = one(spans, "execute_tool calc")
    t = dict(tool.attributes or {})
    assert t[attr.SPAN_KIND] == "tool"
    assert t[attr.GEN_AI_OPERATION_NAME] == "execute_tool"
    assert t[attr.GEN_AI_TOOL_NAME] == "calc"
    assert t[attr.GEN_AI_TOOL_CALL_ID]
    assert t[attr.NODE_ID] == "answer"
    assert t[attr.STATUS] == "succeeded"
    assert t[attr.ATTEMPTS] == 1
    assert t[attr.POLICY_DECISION] == "allow"
    step = next(
        s for s in spans if s.context and tool.parent and s.context.span_id == tool.parent.span_id
    )
    assert step.name == "step 1"


def test_every_genai_and_agentflow_name_used_is_in_the_contract(priced_run: PricedRun) -> None:
    """Spans use only the names of attributes.py (no stray spelling)."""
    _, spans, _ = priced_run
    known = {
        value
        for name, value in vars(attr).items()
        if name.isupper() and isinstance(value, str) and "." in value
    }
    for span in spans:
        assert set(span.attributes or {}) <= known, span.name
        for event in span.events:
            assert set(event.attributes or {}) <= known, event.name
