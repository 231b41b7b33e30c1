"""Chat spans of the real `anthropic` and `openai` SDKs (against the loopback fake servers):
the provider's GenAI name, the model the wire says answered, its usage and finish reason."""

from __future__ import annotations

from pathlib import Path

import pytest
from fakes.servers import FakeServer
from opentelemetry.trace import StatusCode
from runtime_support import ANTHROPIC_MODEL, OPENAI_MODEL, anthropic_model, openai_model
from tracing_support import Captured, children, compile_source, of_kind, one, run

from agentflow.runtime.state.store import StateStore
from agentflow.runtime.telemetry import attributes as attr

PROGRAM = """agentflow 1
{model}
tool calc = stdlib.calculator

agent solver {{
  model = primary
  tools = [calc]
  max_steps = 4
  input {{ question: string }}
  output = string
  prompt = "{{{{ question }}}}"
}}

workflow solve(question: string) -> string {{
  answer = solver(question: question)
  return answer
}}
"""
ENV = {"AF_TEST_KEY": "sk-test-providers-0123456789"}
WIRE_MODELS = {"anthropic": "claude-sonnet-4-6-20261101", "openai": "gpt-4o-mini-2026-11-01"}
REQUESTED = {"anthropic": ANTHROPIC_MODEL, "openai": OPENAI_MODEL}


@pytest.mark.parametrize("flavor", ["anthropic", "openai"])
def test_sdk_chat_spans(
    flavor: str, request: pytest.FixtureRequest, tmp_path: Path, captured: Captured
) -> None:
    server: FakeServer = request.getfixturevalue(f"{flavor}_server")
    builder = anthropic_model if flavor == "anthropic" else openai_model
    plan = compile_source(tmp_path, PROGRAM.format(model=builder("primary", server.base_url)))
    wire = WIRE_MODELS[flavor]
    server.push_tool_calls(
        [("calc", {"expression": "6 * 7"})], model=wire, input_tokens=30, output_tokens=8
    )
    server.push_text("The answer is 42.", model=wire, input_tokens=45, output_tokens=6)
    store = StateStore.in_directory(tmp_path / "state")

    result = run(
        plan,
        "solve",
        {"question": "six times seven?"},
        store=store,
        telemetry=captured.telemetry,
        offline=False,
        env=ENV,
    )

    assert result.status == "succeeded", result.error
    spans = captured.spans
    chats = sorted(of_kind(spans, "model"), key=lambda s: s.start_time or 0)
    assert [c.name for c in chats] == [f"chat {REQUESTED[flavor]}"] * 2
    expected = [((30, 8), ("tool_calls",)), ((45, 6), ("stop",))]
    for chat, (usage, finish) in zip(chats, expected, strict=True):
        a = dict(chat.attributes or {})
        assert a[attr.GEN_AI_PROVIDER_NAME] == flavor
        assert a[attr.GEN_AI_OPERATION_NAME] == "chat"
        assert a[attr.GEN_AI_REQUEST_MODEL] == REQUESTED[flavor]
        assert a[attr.GEN_AI_RESPONSE_MODEL] == wire
        assert (a[attr.GEN_AI_USAGE_INPUT_TOKENS], a[attr.GEN_AI_USAGE_OUTPUT_TOKENS]) == usage
        assert a[attr.GEN_AI_RESPONSE_FINISH_REASONS] == finish
        assert chat.status.status_code is StatusCode.UNSET
    agent = one(spans, "invoke_agent solver")
    assert dict(agent.attributes or {})[attr.GEN_AI_PROVIDER_NAME] == flavor
    tool = one(spans, "execute_tool calc")
    call_id = "toolu_01" if flavor == "anthropic" else "call_01"
    assert dict(tool.attributes or {})[attr.GEN_AI_TOOL_CALL_ID] == call_id
    [first_step] = [s for s in of_kind(spans, "step") if s.name == "step 1"]
    assert sorted(c.name for c in children(first_step, spans)) == [
        f"chat {REQUESTED[flavor]}",
        "execute_tool calc",
    ]
    store.close()


def test_a_server_error_is_an_error_chat_span(
    openai_server: FakeServer, tmp_path: Path, captured: Captured
) -> None:
    model = openai_model("primary", openai_server.base_url, retry="0")
    plan = compile_source(tmp_path, PROGRAM.format(model=model))
    openai_server.push_error(503, "overloaded right now")
    store = StateStore.in_directory(tmp_path / "state")

    result = run(
        plan,
        "solve",
        {"question": "?"},
        store=store,
        telemetry=captured.telemetry,
        offline=False,
        env=ENV,
    )

    assert result.status == "failed"
    [chat] = of_kind(captured.spans, "model")
    assert chat.status.status_code is StatusCode.ERROR
    assert "overloaded right now" in (chat.status.description or "")
    a = dict(chat.attributes or {})
    assert a[attr.ERROR_TYPE] == "model"
    assert attr.GEN_AI_RESPONSE_MODEL not in a
    for name in ("step 1", "invoke_agent solver", "node answer", "run solve"):
        span = one(captured.spans, name)
        assert span.status.status_code is StatusCode.ERROR, name
        assert dict(span.attributes or {})[attr.ERROR_TYPE] == "model", name
    store.close()
