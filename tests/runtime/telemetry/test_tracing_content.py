"""Prompts, completions and tool arguments and results in spans: off by default; when on,
redacted; and the values of secrets never in any span, whatever is captured."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from fakes.servers import FakeServer, Reply, anthropic_error
from opentelemetry.sdk.trace import ReadableSpan
from runtime_support import SECRET_PROGRAM, anthropic_model
from tracing_support import (
    Captured,
    compile_source,
    every_text,
    of_kind,
    one,
    run,
    stored_spans,
    write_json,
)

from agentflow.runtime.state.store import StateStore
from agentflow.runtime.telemetry import attributes as attr
from agentflow.runtime.telemetry.tracing import CAPTURE_CONTENT_ENV, Telemetry

CONTENT = (
    attr.GEN_AI_INPUT_MESSAGES,
    attr.GEN_AI_OUTPUT_MESSAGES,
    attr.GEN_AI_SYSTEM_INSTRUCTIONS,
    attr.GEN_AI_TOOL_CALL_ARGUMENTS,
    attr.GEN_AI_TOOL_CALL_RESULT,
)
EMAIL = "alice.doe@example.com"
PHONE = "+1 415 555 0132"
OTHER_EMAIL = "bob.smith@corp.example.org"

PROGRAM = """agentflow 1
model m {{
  provider = offline
  script = "script.json"
}}
tool contact = python("{module}:contact") {{
  input {{ name: string }}
  output = string
}}
{policy}
agent summarizer {{
  model = m
  tools = [contact]
  max_steps = 3
  input {{ note: string }}
  output = string
  system = "Summarise notes about {{{{ note }}}}."
  prompt = "Note: {{{{ note }}}}"
}}

workflow summarize(note: string) -> {{ summary: string, direct: string }} {{
  s = summarizer(note: note)
  direct = contact(name: "{EMAIL}")
  return {{ summary: s, direct: direct }}
}}
"""
SCRIPT = {
    "summarizer": [
        {"tool_calls": [{"tool": "contact", "args": {"name": f"Bob {PHONE}"}}]},
        {"output": f"Bob is at {OTHER_EMAIL}, call {PHONE}."},
    ]
}
NOTE = f"Customer {EMAIL} called from {PHONE} about a refund."


def content_run(
    tmp_path: Path, telemetry: Telemetry, policy: str = "policy { redact = [email, phone] }"
) -> tuple[Any, StateStore]:
    module = f"afcontent_{abs(hash(str(tmp_path))) % 10**8}"
    (tmp_path / f"{module}.py").write_text(
        f"def contact(name: str) -> str:\n    return name + ' <{OTHER_EMAIL}>'\n"
    )
    write_json(tmp_path, "script.json", SCRIPT)
    plan = compile_source(tmp_path, PROGRAM.format(module=module, policy=policy, EMAIL=EMAIL))
    store = StateStore.in_directory(tmp_path / "state")
    result = run(plan, "summarize", {"note": NOTE}, store=store, telemetry=telemetry)
    assert result.status == "succeeded", result.error
    return result, store


def content_of(spans: list[ReadableSpan]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for span in spans:
        for key in CONTENT:
            value = (span.attributes or {}).get(key)
            if value is not None:
                assert isinstance(value, str)
                found.setdefault(key, []).append(value)
    return found


def test_content_is_off_by_default(
    tmp_path: Path, captured: Captured, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(CAPTURE_CONTENT_ENV, raising=False)
    result, store = content_run(tmp_path, captured.telemetry)
    assert content_of(captured.spans) == {}
    for row in stored_spans(store, result.run_id):
        assert not set(CONTENT) & set(row["attributes"])
    text = json.dumps([every_text(s) for s in captured.spans])
    assert "Customer" not in text and "refund" not in text
    store.close()


def test_captured_content_is_redacted(tmp_path: Path, captured_content: Captured) -> None:
    result, store = content_run(tmp_path, captured_content.telemetry)
    spans = captured_content.spans
    found = content_of(spans)
    assert set(found) == set(CONTENT)
    everything = json.dumps([every_text(s) for s in spans])
    for raw in (EMAIL, OTHER_EMAIL, PHONE):
        assert raw not in everything
    # the conversation is there, masked: the first request has the system prompt and the note
    chats = sorted(of_kind(spans, "model"), key=lambda s: s.start_time or 0)
    first = json.loads(dict(chats[0].attributes or {})[attr.GEN_AI_INPUT_MESSAGES])
    assert first == [
        {
            "role": "user",
            "parts": [
                {
                    "type": "text",
                    "content": "Note: Customer [REDACTED:email] called from [REDACTED:phone]"
                    " about a refund.",
                }
            ],
        }
    ]
    system = json.loads(dict(chats[0].attributes or {})[attr.GEN_AI_SYSTEM_INSTRUCTIONS])
    assert system[0]["content"].startswith("Summarise notes about Customer [REDACTED:email]")
    calls = json.loads(dict(chats[0].attributes or {})[attr.GEN_AI_OUTPUT_MESSAGES])
    [call] = calls[0]["parts"]
    assert call["type"] == "tool_call" and call["name"] == "contact"
    assert call["arguments"] == {"name": "Bob [REDACTED:phone]"}
    assert calls[0]["finish_reason"] == "tool_calls"
    # the second request carries the tool result, masked, and the answer is masked too
    second = json.loads(dict(chats[1].attributes or {})[attr.GEN_AI_INPUT_MESSAGES])
    assert second[-1]["role"] == "tool"
    assert second[-1]["parts"][0]["response"] == "Bob [REDACTED:phone] <[REDACTED:email]>"
    answer = json.loads(dict(chats[1].attributes or {})[attr.GEN_AI_OUTPUT_MESSAGES])
    assert answer[0]["parts"][0]["content"] == "Bob is at [REDACTED:email], call [REDACTED:phone]."
    # tool calls: the agent's (its own span) and the workflow's (the node's span)
    tool = one(spans, "execute_tool contact")
    assert json.loads(dict(tool.attributes or {})[attr.GEN_AI_TOOL_CALL_ARGUMENTS]) == {
        "name": "Bob [REDACTED:phone]"
    }
    assert json.loads(dict(tool.attributes or {})[attr.GEN_AI_TOOL_CALL_RESULT]) == (
        "Bob [REDACTED:phone] <[REDACTED:email]>"
    )
    direct = one(spans, "node direct")
    assert json.loads(dict(direct.attributes or {})[attr.GEN_AI_TOOL_CALL_ARGUMENTS]) == {
        "name": "[REDACTED:email]"
    }
    # the store has the same (masked) content
    rows = stored_spans(store, result.run_id)
    stored = json.dumps([r["attributes"] for r in rows])
    assert "[REDACTED:email]" in stored
    for raw in (EMAIL, OTHER_EMAIL, PHONE):
        assert raw not in stored
    store.close()


def test_without_a_redaction_policy_spans_mask_every_class(
    tmp_path: Path, captured_content: Captured
) -> None:
    """The program redacts nothing for its model, but telemetry leaves the process: every
    class is masked in spans."""
    _, store = content_run(tmp_path, captured_content.telemetry, policy="")
    everything = json.dumps([every_text(s) for s in captured_content.spans])
    assert "[REDACTED:email]" in everything and "[REDACTED:phone]" in everything
    for raw in (EMAIL, OTHER_EMAIL, PHONE):
        assert raw not in everything
    store.close()


def test_the_standard_variable_turns_capture_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(CAPTURE_CONTENT_ENV, "true")
    spans = Captured(capture_content=None)  # type: ignore[arg-type]
    try:
        assert spans.telemetry.capture_content is True
        content_run(tmp_path, spans.telemetry)[1].close()
        assert set(content_of(spans.spans)) == set(CONTENT)
    finally:
        spans.close()
    monkeypatch.setenv(CAPTURE_CONTENT_ENV, "false")
    assert Telemetry().capture_content is False


# ---------------------------------------------------------------------------------------------
# Secrets
# ---------------------------------------------------------------------------------------------

API_KEY = "sk-test-TRACESECRET-987654"
TOKEN = "tok-TRACE-SECRET-4242"
SECRET_ENV = {"AF_SECRET_KEY": API_KEY, "AF_SECRET_TOKEN": TOKEN}


def assert_no_secret(text: str, where: str) -> None:
    for secret in (API_KEY, TOKEN, API_KEY[-6:]):
        assert secret not in text, f"`{secret}` appears in {where}"


def secret_run(server: FakeServer, tmp_path: Path, telemetry: Telemetry) -> tuple[Any, StateStore]:
    model = anthropic_model("claude", server.base_url, key_env="AF_SECRET_KEY")
    plan = compile_source(tmp_path / "prog", SECRET_PROGRAM.format(model=model))
    store = StateStore.in_directory(tmp_path / "state")
    question = f"my key is {API_KEY} and my token {TOKEN}; what is 2+2?"
    result = run(
        plan,
        "ask",
        {"q": question},
        store=store,
        telemetry=telemetry,
        offline=False,
        token=TOKEN,
        env=SECRET_ENV,
    )
    return result, store


def test_secret_values_are_in_no_span_even_with_content_captured(
    anthropic_server: FakeServer, tmp_path: Path, captured_content: Captured
) -> None:
    # the model repeats the secrets back, in a tool call and in its answer
    anthropic_server.push_tool_calls([("calc", {"expression": f"2+2 # {API_KEY}"})])
    anthropic_server.push_text(f"four (you said {API_KEY} and {TOKEN})")

    result, store = secret_run(anthropic_server, tmp_path, captured_content.telemetry)

    assert result.status == "succeeded", result.error
    assert anthropic_server.requests[0].headers["authorization"] == f"Bearer {API_KEY}"
    spans = captured_content.spans
    assert of_kind(spans, "model") and of_kind(spans, "tool")
    assert set(content_of(spans)) >= {attr.GEN_AI_INPUT_MESSAGES, attr.GEN_AI_OUTPUT_MESSAGES}
    for span in spans:
        assert_no_secret(every_text(span), span.name)
    assert "***" in json.dumps([every_text(s) for s in spans])  # masked, not dropped
    for row in stored_spans(store, result.run_id):
        assert_no_secret(json.dumps(row), f"the stored span {row['name']}")
    store.close()


def test_secret_values_are_in_no_span_when_the_provider_echoes_the_key(
    anthropic_server: FakeServer, tmp_path: Path, captured: Captured
) -> None:
    body = anthropic_error(401, f"invalid x-api-key: {API_KEY} (ends in {API_KEY[-6:]})")
    anthropic_server.push(Reply(401, body))

    result, store = secret_run(anthropic_server, tmp_path, captured.telemetry)

    assert result.status == "failed"
    spans = captured.spans
    chat = one(spans, "chat claude-sonnet-4-6")
    assert chat.status.description and "401" in chat.status.description
    assert dict(chat.attributes or {})[attr.ERROR_TYPE] == "model"  # an auth error
    for span in spans:
        assert_no_secret(every_text(span), span.name)
    store.close()
