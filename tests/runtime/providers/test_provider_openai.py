"""The OpenAI adapter through the real `openai` SDK, against a loopback fake server."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from fakes.servers import FakeServer, Reply, openai_completion
from provider_support import CALC, KEY, KEY_ENV, OPENAI_MODEL, RESEARCH_SCHEMA, model, request

from agentflow.runtime.providers.base import (
    ChatMessage,
    ProviderError,
    ToolCall,
    provider_for,
    request_text,
)
from agentflow.runtime.providers.openai import build_params
from agentflow.runtime.tokens import count_tokens

ENV = {KEY_ENV: KEY}


def run(
    server: FakeServer,
    body: Callable[[Any], Awaitable[Any]],
    env: dict[str, str] = ENV,
    **options: Any,
) -> Any:
    """Run `body(provider)` in a fresh event loop, closing the SDK client after."""
    provider = provider_for(
        model("openai", base_url=server.base_url, **options), base_dir=Path("."), env=env
    )

    async def main() -> Any:
        try:
            return await body(provider)
        finally:
            await provider.aclose()

    return asyncio.run(main())


async def once(provider: Any) -> Any:
    return await provider.complete(request(provider.model))


def failure(server: FakeServer, **options: Any) -> ProviderError:
    with pytest.raises(ProviderError) as caught:
        run(server, once, **options)
    assert KEY not in str(caught.value)
    return caught.value


def test_text_reply(openai_server: FakeServer) -> None:
    openai_server.push_text("Tides follow the moon.", input_tokens=21, output_tokens=6)

    async def body(provider: Any) -> Any:
        return await provider.complete(request(provider.model, temperature=0.2))

    response = run(openai_server, body)
    assert response.text == "Tides follow the moon."
    assert response.finish_reason == "stop"
    assert (response.usage.input_tokens, response.usage.output_tokens) == (21, 6)
    assert (response.model, response.provider) == (OPENAI_MODEL, "openai")
    sent = openai_server.requests[0]
    assert sent.path == "/v1/chat/completions"
    assert sent.headers["authorization"] == f"Bearer {KEY}"
    assert sent.headers["x-stainless-retry-count"] == "0"
    assert sent.json == {
        "model": OPENAI_MODEL,
        "messages": [
            {"role": "system", "content": "You are terse."},
            {"role": "user", "content": "Research tides."},
        ],
        "max_tokens": 256,  # a `base_url` server: the field every compatible server knows
        "temperature": 0.2,
    }


def test_official_endpoint_uses_max_completion_tokens() -> None:
    params, wrapped = build_params(request(model("openai")), OPENAI_MODEL, official=True)
    assert params["max_completion_tokens"] == 256 and "max_tokens" not in params
    assert "temperature" not in params and not wrapped


def test_tool_call_round_trip(openai_server: FakeServer) -> None:
    openai_server.push_tool_calls(
        [("calc", {"expression": "2+2"}), ("calc", '{"expression": ')], ids=["call_a", "call_b"]
    )
    openai_server.push_text("It is 4.")

    async def body(provider: Any) -> Any:
        history = [ChatMessage("user", "What is 2+2?")]
        first = await provider.complete(
            request(provider.model, messages=tuple(history), tools=(CALC,))
        )
        history.append(ChatMessage("assistant", first.text, first.tool_calls))
        history.append(ChatMessage("tool", "4", tool_call_id="call_a"))
        history.append(
            ChatMessage(
                "tool",
                "error (validation): the arguments are not valid JSON",
                tool_call_id="call_b",
                is_error=True,
            )
        )
        second = await provider.complete(
            request(provider.model, messages=tuple(history), tools=(CALC,))
        )
        return first, second

    first, second = run(openai_server, body)
    assert first.finish_reason == "tool_calls"
    assert first.tool_calls == (
        ToolCall("call_a", "calc", {"expression": "2+2"}),
        ToolCall("call_b", "calc", {"__invalid_json__": '{"expression": '}),
    )
    assert second.text == "It is 4."

    sent_first, sent_second = openai_server.bodies
    assert sent_first["tools"] == [
        {
            "type": "function",
            "function": {
                "name": "calc",
                "description": CALC.description,
                "parameters": CALC.input_schema,
            },
        }
    ]
    assert sent_second["messages"][2:] == [
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": "call_a",
                    "type": "function",
                    "function": {"name": "calc", "arguments": '{"expression": "2+2"}'},
                },
                {
                    "id": "call_b",
                    "type": "function",  # the model's own (invalid) text, as written
                    "function": {"name": "calc", "arguments": '{"expression": '},
                },
            ],
        },
        {"role": "tool", "tool_call_id": "call_a", "content": "4"},
        {
            "role": "tool",
            "tool_call_id": "call_b",
            "content": "error (validation): the arguments are not valid JSON",
        },
    ]


def test_structured_output_uses_response_format(openai_server: FakeServer) -> None:
    answer = {"summary": "Tides.", "sources": [], "confidence": 0.5}
    openai_server.push_text(json.dumps(answer))

    async def body(provider: Any) -> Any:
        return await provider.complete(request(provider.model, output_schema=RESEARCH_SCHEMA))

    assert json.loads(run(openai_server, body).text) == answer
    assert openai_server.bodies[0]["response_format"] == {
        "type": "json_schema",
        "json_schema": {"name": "output", "schema": RESEARCH_SCHEMA, "strict": False},
    }


def test_structured_output_wraps_a_non_object_schema(openai_server: FakeServer) -> None:
    enum = {"type": "string", "enum": ["billing", "general"]}
    openai_server.push_text('{"value": "general"}')

    async def body(provider: Any) -> Any:
        return await provider.complete(request(provider.model, output_schema=enum))

    assert run(openai_server, body).text == '"general"'
    schema = openai_server.bodies[0]["response_format"]["json_schema"]["schema"]
    assert schema == {
        "type": "object",
        "properties": {"value": enum},
        "required": ["value"],
        "additionalProperties": False,
    }


def test_missing_usage_is_counted(openai_server: FakeServer) -> None:
    openai_server.push(Reply(200, openai_completion("Hello there.", input_tokens=None)))

    async def body(provider: Any) -> Any:
        req = request(provider.model)
        return req, await provider.complete(req)

    req, response = run(openai_server, body)
    assert response.usage.input_tokens == count_tokens(request_text(req), "openai")
    assert response.usage.output_tokens == count_tokens("Hello there.", "openai")


def test_no_key_needed_for_a_local_server(openai_server: FakeServer) -> None:
    openai_server.push_text("hi")
    assert run(openai_server, once, env={}, api_key_env=None).text == "hi"
    assert openai_server.requests[0].headers["authorization"] == "Bearer no-key"


def test_declared_key_must_be_set(openai_server: FakeServer) -> None:
    with pytest.raises(ProviderError) as caught:
        run(openai_server, once, env={})
    assert caught.value.kind == "auth" and f"`{KEY_ENV}`" in str(caught.value)
    with pytest.raises(ProviderError) as caught:  # OpenAI itself always needs a key
        provider_for(model("openai", api_key_env=None), base_dir=Path("."), env={})
    assert "`OPENAI_API_KEY`" in str(caught.value)


def test_rate_limited_with_retry_after(openai_server: FakeServer) -> None:
    openai_server.push_error(429, "Rate limit reached", headers={"Retry-After": "2"})
    error = failure(openai_server)
    assert (error.kind, error.retry_after, error.status, error.retryable) == (
        "rate_limited",
        2.0,
        429,
        True,
    )
    assert "Rate limit reached" in str(error)


def test_retry_after_ms_wins(openai_server: FakeServer) -> None:
    openai_server.push_error(
        429, "slow down", headers={"Retry-After": "2", "retry-after-ms": "1500"}
    )
    assert failure(openai_server).retry_after == 1.5


@pytest.mark.parametrize("status", [500, 503])
def test_server_errors_are_retryable_model_errors(openai_server: FakeServer, status: int) -> None:
    openai_server.push_error(status, "The server had an error")
    error = failure(openai_server)
    assert (error.kind, error.status, error.retryable) == ("model", status, True)


def test_slow_response_times_out(openai_server: FakeServer) -> None:
    openai_server.push_text("too late", delay=5)
    error = failure(openai_server, timeout="0.3")
    assert (error.kind, error.retryable) == ("timeout", True)


@pytest.mark.parametrize(
    ("status", "kind"), [(401, "auth"), (403, "auth"), (400, "validation"), (422, "validation")]
)
def test_client_errors(openai_server: FakeServer, status: int, kind: str) -> None:
    openai_server.push_error(status, f"Incorrect API key provided: {KEY}")
    error = failure(openai_server)
    assert (error.kind, error.status, error.retryable) == (kind, status, False)


def test_plain_string_schema_is_text(openai_server: FakeServer) -> None:
    openai_server.push_text("Just prose.")

    async def body(provider: Any) -> Any:
        return await provider.complete(request(provider.model, output_schema={"type": "string"}))

    assert run(openai_server, body).text == "Just prose."
    assert "response_format" not in openai_server.bodies[0]


def test_a_given_http_client_is_used_and_left_open(openai_server: FakeServer) -> None:
    import httpx2

    openai_server.push_text("via the given client")

    async def main() -> str:
        async with httpx2.AsyncClient(headers={"x-agentflow-test": "1"}) as client:
            provider = provider_for(
                model("openai", base_url=openai_server.base_url),
                base_dir=Path("."),
                env=ENV,
                http_client=client,
            )
            response = await provider.complete(request(provider.model))
            await provider.aclose()
            assert not client.is_closed
            return str(response.text)

    assert asyncio.run(main()) == "via the given client"
    assert openai_server.requests[0].headers["x-agentflow-test"] == "1"
