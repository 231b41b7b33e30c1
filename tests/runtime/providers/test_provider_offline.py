"""The offline provider: deterministic, schema-valid, scriptable, no network."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
from provider_support import CALC, RESEARCH_SCHEMA, model, request, validate

from agentflow.runtime.providers.base import (
    ChatMessage,
    ModelResponse,
    ProviderError,
    ToolCall,
    provider_for,
    request_text,
)
from agentflow.runtime.tokens import count_tokens

NESTED_SCHEMA: dict[str, Any] = {
    "type": "object",
    "title": "Report",
    "properties": {
        "title": {"type": "string"},
        "priority": {"type": "string", "enum": ["low", "normal", "urgent"]},
        "count": {"type": "integer"},
        "score": {"type": "number"},
        "ok": {"type": "boolean"},
        "cost": {"type": "string", "format": "decimal"},
        "due": {"anyOf": [{"type": "string"}, {"type": "null"}]},
        "tags": {"type": "array", "items": {"type": "string"}},
        "labels": {"type": "object", "additionalProperties": {"type": "integer"}},
        "sections": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "heading": {"type": "string"},
                    "points": {
                        "type": "array",
                        "items": {"type": "array", "items": {"type": "number"}},
                    },
                    "owner": {
                        "anyOf": [
                            {
                                "type": "object",
                                "properties": {"name": {"type": "string"}},
                                "required": ["name"],
                                "additionalProperties": False,
                            },
                            {"type": "null"},
                        ]
                    },
                },
                "required": ["heading", "points"],
                "additionalProperties": False,
            },
        },
    },
    "required": ["title", "priority", "count", "score", "ok", "cost", "tags", "labels", "sections"],
    "additionalProperties": False,
}


def complete(provider: Any, req: Any) -> ModelResponse:
    return asyncio.run(provider.complete(req))


def offline(tmp_path: Path, script: Any = None, **options: Any) -> Any:
    name = None
    if script is not None:
        name = "script.json"
        text = script if isinstance(script, str) else json.dumps(script)
        (tmp_path / name).write_text(text)
    return provider_for(model("offline", script=name, **options), base_dir=tmp_path)


def test_same_request_same_response(tmp_path: Path) -> None:
    plan = model("offline")
    req = request(plan, output_schema=NESTED_SCHEMA, inputs={"topic": "tides", "depth": 2})
    first = complete(provider_for(plan, base_dir=tmp_path), req)
    again = complete(provider_for(plan, base_dir=tmp_path), req)
    assert first == again
    assert first.model == first.provider == "offline"
    assert first.finish_reason == "stop"


@pytest.mark.parametrize(
    "inputs",
    [
        {"topic": "tides"},
        {"topic": "volcanoes", "depth": 3},
        {"ticket": {"id": "T-1", "tags": ["a", "b"]}, "note": "ünïcode ✓ " * 20},
        {},
    ],
)
def test_structured_output_validates(tmp_path: Path, inputs: dict[str, Any]) -> None:
    response = complete(
        offline(tmp_path),
        request(model("offline"), output_schema=NESTED_SCHEMA, inputs=inputs, max_tokens=4000),
    )
    value = json.loads(response.text)
    assert validate(value, NESTED_SCHEMA) == []
    assert value["due"] is not None  # optional fields are present
    assert len(value["labels"]) == 1
    assert 1 <= len(value["tags"]) <= 2
    assert 0.0 <= value["score"] <= 1.0
    assert response.tool_calls == ()


def test_strings_mention_agent_and_inputs(tmp_path: Path) -> None:
    response = complete(
        offline(tmp_path),
        request(
            model("offline"),
            agent="researcher",
            output_schema=RESEARCH_SCHEMA,
            inputs={"topic": "tides", "depth": 2},
        ),
    )
    value = json.loads(response.text)
    assert value["summary"] == "[offline researcher] summary: topic=tides, depth=2"
    assert validate(value, RESEARCH_SCHEMA) == []


def test_plain_text_output(tmp_path: Path) -> None:
    response = complete(
        offline(tmp_path), request(model("offline"), agent="greeter", inputs={"name": "Ada"})
    )
    assert response.text == "[offline greeter] name=Ada"
    assert response.finish_reason == "stop"


def test_output_never_exceeds_max_tokens(tmp_path: Path) -> None:
    long_inputs = {"notes": "word " * 500, "more": list(range(50))}
    provider = offline(tmp_path)
    text = complete(provider, request(model("offline"), inputs=long_inputs, max_tokens=7))
    assert 0 < text.usage.output_tokens <= 7
    assert text.text.startswith("[offline researcher]")
    structured = complete(
        provider,
        request(model("offline"), output_schema=NESTED_SCHEMA, inputs=long_inputs, max_tokens=150),
    )
    assert structured.usage.output_tokens <= 150
    assert validate(json.loads(structured.text), NESTED_SCHEMA) == []
    # Too small for any valid value: the smallest valid value, rather than invalid JSON.
    tiny = complete(
        provider,
        request(model("offline"), output_schema=NESTED_SCHEMA, inputs=long_inputs, max_tokens=3),
    )
    assert validate(json.loads(tiny.text), NESTED_SCHEMA) == []


def test_enum_choice_is_stable_and_varies_with_inputs(tmp_path: Path) -> None:
    schema = {"type": "string", "enum": ["billing", "technical", "general"]}
    provider = offline(tmp_path)
    picks = []
    for number in range(24):
        req = request(model("offline"), output_schema=schema, inputs={"ticket": f"T-{number}"})
        text = complete(provider, req).text
        assert complete(provider, req).text == text
        picks.append(json.loads(text))  # an enum answer is JSON, like any structured answer
    assert set(picks) == {"billing", "technical", "general"}


def test_bounds_and_refs(tmp_path: Path) -> None:
    schema = {
        "type": "object",
        "$defs": {"Score": {"type": "integer", "minimum": 7, "maximum": 9}},
        "properties": {
            "score": {"$ref": "#/$defs/Score"},
            "ratio": {"type": "number", "minimum": 10, "maximum": 20},
            "items": {"type": "array", "items": {"type": "integer"}, "minItems": 3},
        },
        "required": ["score", "ratio", "items"],
    }
    for number in range(10):
        value = json.loads(
            complete(
                offline(tmp_path),
                request(model("offline"), output_schema=schema, inputs={"n": number}),
            ).text
        )
        assert 7 <= value["score"] <= 9
        assert 10 <= value["ratio"] <= 20
        assert len(value["items"]) >= 3


def test_usage_is_counted_with_the_budget_counter(tmp_path: Path) -> None:
    req = request(
        model("offline"),
        tools=(CALC,),
        output_schema=RESEARCH_SCHEMA,
        messages=(
            ChatMessage("user", "Research tides."),
            ChatMessage("assistant", "", (ToolCall("c1", "calc", {"x": 1}),)),
            ChatMessage("tool", "2", tool_call_id="c1"),
        ),
    )
    response = complete(offline(tmp_path), req)
    assert response.usage.input_tokens == count_tokens(request_text(req), "offline")
    assert response.usage.output_tokens == count_tokens(response.text, "offline")
    assert response.usage.input_tokens > count_tokens("Research tides.")


def test_default_never_calls_tools(tmp_path: Path) -> None:
    response = complete(offline(tmp_path), request(model("offline"), tools=(CALC,)))
    assert response.tool_calls == ()
    assert response.finish_reason == "stop"


def test_script_turns_then_default(tmp_path: Path) -> None:
    provider = offline(
        tmp_path,
        {
            "researcher": [
                {
                    "tool_calls": [
                        {"tool": "calc", "args": {"expression": "2+2"}},
                        {"tool": "search", "args": {"query": "tides"}},
                    ]
                },
                {
                    "output": {
                        "summary": "Tides follow the moon.",
                        "sources": ["a"],
                        "confidence": 0.9,
                    }
                },
            ],
        },
    )
    plan = model("offline")
    history = [ChatMessage("user", "Research tides.")]
    first = complete(
        provider,
        request(plan, messages=tuple(history), tools=(CALC,), output_schema=RESEARCH_SCHEMA),
    )
    assert first.finish_reason == "tool_calls"
    assert [(c.name, c.arguments) for c in first.tool_calls] == [
        ("calc", {"expression": "2+2"}),
        ("search", {"query": "tides"}),
    ]
    assert len({c.id for c in first.tool_calls}) == 2
    assert first.usage.output_tokens > 0
    history.append(ChatMessage("assistant", first.text, first.tool_calls))
    history += [ChatMessage("tool", "4", tool_call_id=c.id) for c in first.tool_calls]

    second = complete(
        provider,
        request(plan, messages=tuple(history), tools=(CALC,), output_schema=RESEARCH_SCHEMA),
    )
    assert second.finish_reason == "stop"
    assert json.loads(second.text)["summary"] == "Tides follow the moon."
    history += [ChatMessage("assistant", second.text), ChatMessage("user", "again")]

    third = complete(
        provider,
        request(plan, messages=tuple(history), tools=(CALC,), output_schema=RESEARCH_SCHEMA),
    )
    assert third.tool_calls == ()
    assert json.loads(third.text)["summary"].startswith("[offline researcher]")
    # Another agent, not in the script: the default answer.
    other = complete(provider, request(plan, agent="writer"))
    assert other.text.startswith("[offline writer]")


def test_script_output_strings(tmp_path: Path) -> None:
    provider = offline(
        tmp_path,
        {
            "triager": [{"output": "billing"}],
            "writer": [{"output": "Dear team"}],
            "counter": [{"output": 3}],
        },
    )
    enum = {"type": "string", "enum": ["billing", "general"]}
    assert (
        complete(provider, request(model("offline"), agent="triager", output_schema=enum)).text
        == '"billing"'
    )
    assert complete(provider, request(model("offline"), agent="writer")).text == "Dear team"
    assert (
        complete(
            provider, request(model("offline"), agent="counter", output_schema={"type": "integer"})
        ).text
        == "3"
    )


def test_script_errors_then_recovery(tmp_path: Path) -> None:
    provider = offline(
        tmp_path,
        {
            "researcher": [
                {"error": "rate_limited", "retry_after": 0.25, "times": 2},
                {"output": "fine"},
            ]
        },
    )
    req = request(model("offline"))
    for _ in range(2):
        with pytest.raises(ProviderError) as caught:
            complete(provider, req)
        assert caught.value.kind == "rate_limited"
        assert caught.value.retry_after == 0.25
        assert caught.value.retryable
    assert complete(provider, req).text == "fine"
    assert complete(provider, req).text == "fine"


@pytest.mark.parametrize(
    ("script", "expected"),
    [
        (None, "not found"),
        (
            "{not json",
            "is not valid JSON: Expecting property name enclosed in double quotes at "
            "line 1, column 2",
        ),
        ([], "the top level must be an object"),
        ({"researcher": {"output": 1}}, "agent `researcher`: expected a list of turns"),
        (
            {"researcher": [{"say": "hi"}]},
            "agent `researcher`, entry 1: expected `tool_calls`, `output` or `error`",
        ),
        ({"researcher": [{"output": 1, "extra": 2}]}, "entry 1: unknown key(s) `extra`"),
        ({"researcher": [{"tool_calls": [{"args": {}}]}]}, "entry 1, call 1: expected"),
        ({"researcher": [{"tool_calls": []}]}, "`tool_calls` must be a non-empty list"),
        ({"researcher": [{"error": "boom"}]}, "`error` must be one of rate_limited"),
    ],
)
def test_bad_script_is_a_clear_error(tmp_path: Path, script: Any, expected: str) -> None:
    if script is None:
        provider = provider_for(model("offline", script="missing.json"), base_dir=tmp_path)
    else:
        provider = offline(tmp_path, script)
    with pytest.raises(ProviderError) as caught:
        complete(provider, request(model("offline")))
    assert caught.value.kind == "model"
    assert not caught.value.retryable
    assert expected in str(caught.value)
    assert "offline script `" in str(caught.value)


def test_plain_string_schema_is_text(tmp_path: Path) -> None:
    req = request(
        model("offline"), agent="greeter", output_schema={"type": "string"}, inputs={"name": "Ada"}
    )
    assert complete(offline(tmp_path), req).text == "[offline greeter] name=Ada"
