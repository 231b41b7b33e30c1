"""The Anthropic adapter through the real `anthropic` SDK, against a loopback fake server."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from fakes.servers import FakeServer, Reply, anthropic_message
from provider_support import (
    ANTHROPIC_MODEL,
    CALC,
    KEY,
    KEY_ENV,
    RESEARCH_SCHEMA,
    model,
    request,
)

from agentflow.runtime.providers.base import ChatMessage, ProviderError, ToolCall, provider_for

ENV = {KEY_ENV: KEY}


def run(server: FakeServer, body: Callable[[Any], Awaitable[Any]], **options: Any) -> Any:
    """Run `body(provider)` in a fresh event loop, closing the SDK client after."""
    provider = provider_for(
        model("anthropic", base_url=server.base_url, **options), base_dir=Path("."), env=ENV
    )

    async def main() -> Any:
        try:
            return await body(provider)
        finally:
            await provider.aclose()

    return asyncio.run(main())


def failure(server: FakeServer, **options: Any) -> ProviderError:
    async def body(provider: Any) -> Any:
        return await provider.complete(request(provider.model))

    with pytest.raises(ProviderError) as caught:
        run(server, body, **options)
    assert KEY not in str(caught.value)
    return caught.value


def test_text_reply(anthropic_server: FakeServer) -> None:
    anthropic_server.push_text("Tides follow the moon.", input_tokens=21, output_tokens=6)

    async def body(provider: Any) -> Any:
        return await provider.complete(request(provider.model, temperature=0.2))

    response = run(anthropic_server, body)
    assert response.text == "Tides follow the moon."
    assert response.tool_calls == ()
    assert response.finish_reason == "stop"
    assert (response.usage.input_tokens, response.usage.output_tokens) == (21, 6)
    assert response.model == ANTHROPIC_MODEL
    assert response.provider == "anthropic"
    sent = anthropic_server.requests[0]
    assert sent.path == "/v1/messages"
    assert sent.headers["authorization"] == f"Bearer {KEY}"
    assert sent.headers["x-stainless-retry-count"] == "0"
    assert sent.json == {
        "model": ANTHROPIC_MODEL,
        "max_tokens": 256,
        "system": "You are terse.",
        "messages": [{"role": "user", "content": [{"type": "text", "text": "Research tides."}]}],
    }  # no temperature: API version 2026-10-21 refuses sampling parameters


def test_tool_call_round_trip(anthropic_server: FakeServer) -> None:
    anthropic_server.push_tool_calls(
        [("calc", {"expression": "2+2"}), ("calc", {"expression": "1/0"})],
        text="Let me compute.",
        ids=["toolu_a", "toolu_b"],
    )
    anthropic_server.push_text("It is 4.")

    async def body(provider: Any) -> Any:
        history = [ChatMessage("user", "What is 2+2?")]
        first = await provider.complete(
            request(provider.model, messages=tuple(history), tools=(CALC,))
        )
        history.append(ChatMessage("assistant", first.text, first.tool_calls))
        history.append(ChatMessage("tool", "4", tool_call_id="toolu_a"))
        history.append(
            ChatMessage(
                "tool", "error (tool): division by zero", tool_call_id="toolu_b", is_error=True
            )
        )
        second = await provider.complete(
            request(provider.model, messages=tuple(history), tools=(CALC,))
        )
        return first, second

    first, second = run(anthropic_server, body)
    assert first.finish_reason == "tool_calls"
    assert first.text == "Let me compute."
    assert first.tool_calls == (
        ToolCall("toolu_a", "calc", {"expression": "2+2"}),
        ToolCall("toolu_b", "calc", {"expression": "1/0"}),
    )
    assert second.text == "It is 4." and second.finish_reason == "stop"

    sent_first, sent_second = anthropic_server.bodies
    assert sent_first["tools"] == [
        {"name": "calc", "description": CALC.description, "input_schema": CALC.input_schema}
    ]
    assert "tool_choice" not in sent_first
    assert sent_second["messages"][1:] == [
        {
            "role": "assistant",
            "content": [
                {"type": "text", "text": "Let me compute."},
                {
                    "type": "tool_use",
                    "id": "toolu_a",
                    "name": "calc",
                    "input": {"expression": "2+2"},
                },
                {
                    "type": "tool_use",
                    "id": "toolu_b",
                    "name": "calc",
                    "input": {"expression": "1/0"},
                },
            ],
        },
        {
            "role": "user",
            "content": [  # both results in one user turn
                {"type": "tool_result", "tool_use_id": "toolu_a", "content": "4"},
                {
                    "type": "tool_result",
                    "tool_use_id": "toolu_b",
                    "content": "error (tool): division by zero",
                    "is_error": True,
                },
            ],
        },
    ]


def test_structured_output_is_a_forced_tool(anthropic_server: FakeServer) -> None:
    answer = {"summary": "Tides.", "sources": ["noaa.gov"], "confidence": 0.8}
    anthropic_server.push_tool_calls([("final_output", answer)])

    async def body(provider: Any) -> Any:
        return await provider.complete(request(provider.model, output_schema=RESEARCH_SCHEMA))

    response = run(anthropic_server, body)
    assert json.loads(response.text) == answer
    assert response.tool_calls == ()
    assert response.finish_reason == "stop"
    sent = anthropic_server.bodies[0]
    assert sent["tools"] == [
        {
            "name": "final_output",
            "description": sent["tools"][0]["description"],
            "input_schema": RESEARCH_SCHEMA,
        }
    ]
    assert sent["tool_choice"] == {"type": "tool", "name": "final_output"}


def test_structured_output_with_tools_and_a_wrapped_enum(anthropic_server: FakeServer) -> None:
    enum = {"type": "string", "enum": ["billing", "general"]}
    anthropic_server.push_tool_calls([("calc", {"expression": "1"})])
    anthropic_server.push_tool_calls([("final_output", {"value": "billing"})])

    async def body(provider: Any) -> Any:
        req = request(provider.model, tools=(CALC,), output_schema=enum)
        return [await provider.complete(req), await provider.complete(req)]

    tool_turn, answer = run(anthropic_server, body)
    assert tool_turn.tool_calls[0].name == "calc" and tool_turn.finish_reason == "tool_calls"
    assert answer.text == '"billing"' and answer.tool_calls == ()
    sent = anthropic_server.bodies[0]
    assert sent["tool_choice"] == {"type": "any"}
    assert [t["name"] for t in sent["tools"]] == ["calc", "final_output"]
    assert sent["tools"][1]["input_schema"] == {
        "type": "object",
        "properties": {"value": enum},
        "required": ["value"],
        "additionalProperties": False,
    }


def test_usage_counts_cached_input(anthropic_server: FakeServer) -> None:
    body_json = anthropic_message("ok")
    body_json["usage"].update(cache_read_input_tokens=100, cache_creation_input_tokens=20)
    anthropic_server.push(Reply(200, body_json))

    async def body(provider: Any) -> Any:
        return await provider.complete(request(provider.model))

    assert run(anthropic_server, body).usage.input_tokens == 130


def test_rate_limited_with_retry_after(anthropic_server: FakeServer) -> None:
    anthropic_server.push_error(429, "rate limited", headers={"Retry-After": "2"})
    error = failure(anthropic_server)
    assert (error.kind, error.retry_after, error.status, error.retryable) == (
        "rate_limited",
        2.0,
        429,
        True,
    )
    assert "rate limited" in str(error)


@pytest.mark.parametrize("status", [500, 529])
def test_server_errors_are_retryable_model_errors(
    anthropic_server: FakeServer, status: int
) -> None:
    anthropic_server.push_error(status, "overloaded")
    error = failure(anthropic_server)
    assert (error.kind, error.status, error.retryable) == ("model", status, True)


def test_slow_response_times_out(anthropic_server: FakeServer) -> None:
    anthropic_server.push_text("too late", delay=5)
    error = failure(anthropic_server, timeout="0.3")
    assert (error.kind, error.retryable) == ("timeout", True)


@pytest.mark.parametrize(
    ("status", "kind"), [(401, "auth"), (403, "auth"), (400, "validation"), (408, "timeout")]
)
def test_client_errors(anthropic_server: FakeServer, status: int, kind: str) -> None:
    anthropic_server.push_error(status, f"invalid x-api-key {KEY}")  # echoed key is masked
    error = failure(anthropic_server)
    assert (error.kind, error.status) == (kind, status)
    assert error.retryable == (kind == "timeout")


def test_missing_key_names_the_variable_only() -> None:
    with pytest.raises(ProviderError) as caught:
        provider_for(
            model("anthropic", api_key_env="AF_NOT_SET"), base_dir=Path("."), env={"AF_NOT_SET": ""}
        )
    assert caught.value.kind == "auth" and not caught.value.retryable
    assert "`AF_NOT_SET`" in str(caught.value)


def test_unreachable_server_is_a_model_error() -> None:
    with FakeServer("anthropic") as server:
        url = server.base_url
    provider = provider_for(
        model("anthropic", base_url=url, timeout="2"), base_dir=Path("."), env=ENV
    )

    async def main() -> None:
        try:
            await provider.complete(request(provider.model))
        finally:
            await provider.aclose()

    with pytest.raises(ProviderError) as caught:
        asyncio.run(main())
    error = caught.value
    assert error.kind == "model" and error.retryable


def test_plain_string_schema_is_text(anthropic_server: FakeServer) -> None:
    anthropic_server.push_text("Just prose.")

    async def body(provider: Any) -> Any:
        return await provider.complete(request(provider.model, output_schema={"type": "string"}))

    assert run(anthropic_server, body).text == "Just prose."
    assert "tools" not in anthropic_server.bodies[0]
    assert "tool_choice" not in anthropic_server.bodies[0]
