"""The Anthropic adapter: the official `anthropic` SDK's Messages API, with tool use.

The SDK is imported when the first request is sent (never by `agentflow check`). The client
makes no retries of its own (`max_retries=0`: the runtime retries, under its budgets and
policy) and emits no OpenTelemetry spans (`open_telemetry=False`: the runtime's spans
already cover each call).

- `base_url` is the server root, without `/v1` (the SDK posts to `{base_url}/v1/messages`).
- `temperature` is not sent: SDK 2.x speaks API version 2026-10-21, which rejects sampling
  parameters (`temperature`, `top_p`, `top_k`) on every model with a 400.
- Structured output is a forced `final_output` tool (see `base`); its input is returned as
  the reply text.
- Tool results from consecutive `tool` messages go back together in one user turn, as
  `tool_result` blocks (with `is_error`), as the API requires.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from agentflow.runtime.providers.base import (
    INVALID_JSON,
    ChatMessage,
    ModelRequest,
    ModelResponse,
    ProviderError,
    SdkClient,
    ToolCall,
    Usage,
    structured_schema,
    unwrap_json,
    wrap_schema,
)

if TYPE_CHECKING:
    from agentflow.compiler.plan import ModelPlan

__all__ = ["DEFAULT_KEY_ENV", "OUTPUT_TOOL", "AnthropicProvider", "build_params"]

NAME = "anthropic"
DEFAULT_KEY_ENV = "ANTHROPIC_API_KEY"
OUTPUT_TOOL = "final_output"
OUTPUT_DESCRIPTION = "Give your final answer by calling this tool: its input is the answer."
_EMPTY = "(no content)"  # the API refuses empty text blocks
_STOP_REASONS = {
    "end_turn": "stop",
    "stop_sequence": "stop",
    "pause_turn": "stop",
    "tool_use": "tool_calls",
    "max_tokens": "length",
    "model_context_window_exceeded": "length",
    "refusal": "content_filter",
}


class AnthropicProvider(SdkClient):
    name = NAME

    def __init__(
        self, model: ModelPlan, *, env: Mapping[str, str], http_client: Any = None
    ) -> None:
        self.model = model
        key_env = model.api_key_env or DEFAULT_KEY_ENV
        api_key = env.get(key_env)
        if not api_key:
            raise ProviderError(
                f"model `{model.name}`: the API key variable `{key_env}` is not set",
                kind="auth",
            )
        self._api_key = api_key
        self._http_client = http_client
        self._client: Any = None

    def _sdk_client(self) -> Any:
        if self._client is None:
            import anthropic

            options = self._client_options(open_telemetry=False)  # our spans, not the SDK's
            self._client = anthropic.AsyncAnthropic(**options)
        return self._client

    async def complete(self, request: ModelRequest) -> ModelResponse:
        import anthropic

        client = self._sdk_client()
        params, wrapped = build_params(request, self.model.model_name or self.model.name)
        with self._sdk_errors(anthropic):
            message = await client.messages.create(**params)
        return parse_message(message, wrapped, structured_schema(request) is not None)


def build_params(request: ModelRequest, model_name: str) -> tuple[dict[str, Any], bool]:
    """The keyword arguments of `messages.create`, and whether the output schema is wrapped."""
    params: dict[str, Any] = {
        "model": model_name,
        "max_tokens": request.max_tokens,
        "messages": to_messages(request.messages),
    }
    if request.system:
        params["system"] = request.system
    tools = [
        {"name": t.name, "description": t.description, "input_schema": t.input_schema}
        for t in request.tools
    ]
    wrapped = False
    output_schema = structured_schema(request)
    if output_schema is not None:
        schema, wrapped = wrap_schema(output_schema)
        tools.append(
            {
                "name": OUTPUT_TOOL,
                "description": OUTPUT_DESCRIPTION,
                "input_schema": schema,
            }
        )
        params["tool_choice"] = (
            {"type": "any"} if request.tools else {"type": "tool", "name": OUTPUT_TOOL}
        )
    if tools:
        params["tools"] = tools
    return params, wrapped


def to_messages(messages: tuple[ChatMessage, ...]) -> list[dict[str, Any]]:
    """The conversation as API messages: consecutive user turns and tool results merge into
    one user message (tool results first, as the API requires)."""
    result: list[dict[str, Any]] = []
    for message in messages:
        if message.role == "assistant":
            blocks: list[dict[str, Any]] = []
            if message.content.strip():
                blocks.append({"type": "text", "text": message.content})
            for call in message.tool_calls:
                arguments = call.arguments
                if INVALID_JSON in arguments:
                    arguments = {}
                blocks.append(
                    {"type": "tool_use", "id": call.id, "name": call.name, "input": arguments}
                )
            if not blocks:
                blocks.append({"type": "text", "text": _EMPTY})
            result.append({"role": "assistant", "content": blocks})
            continue
        if message.role == "tool":
            block: dict[str, Any] = {
                "type": "tool_result",
                "tool_use_id": message.tool_call_id or "",
                "content": message.content or _EMPTY,
            }
            if message.is_error:
                block["is_error"] = True
        else:
            block = {"type": "text", "text": message.content if message.content.strip() else _EMPTY}
        if result and result[-1]["role"] == "user":
            result[-1]["content"].append(block)
        else:
            result.append({"role": "user", "content": [block]})
    return result


def parse_message(message: Any, wrapped: bool, structured: bool) -> ModelResponse:
    """The SDK's `Message` as a `ModelResponse`; a `final_output` call becomes the text."""
    texts: list[str] = []
    calls: list[ToolCall] = []
    final: Any = None
    has_final = False
    for block in message.content:
        kind = getattr(block, "type", None)
        if kind == "text":
            texts.append(block.text)
        elif kind == "tool_use":
            arguments = (
                block.input
                if isinstance(block.input, dict)
                else {INVALID_JSON: json.dumps(block.input)}
            )
            if structured and block.name == OUTPUT_TOOL:
                final, has_final = block.input, True
            else:
                calls.append(ToolCall(block.id, block.name, arguments))
    usage = message.usage
    input_tokens = (
        usage.input_tokens
        + (usage.cache_creation_input_tokens or 0)
        + (usage.cache_read_input_tokens or 0)
    )
    finish = _STOP_REASONS.get(message.stop_reason or "end_turn", message.stop_reason or "stop")
    if calls:
        text, finish = "".join(texts), "tool_calls"
    elif has_final:
        text = unwrap_json(final) if wrapped else json.dumps(final, ensure_ascii=False)
        finish = "stop"
    else:
        text = "".join(texts)
        if finish == "tool_calls":
            finish = "stop"
    return ModelResponse(
        text=text,
        tool_calls=tuple(calls),
        usage=Usage(input_tokens, usage.output_tokens),
        finish_reason=finish,
        model=message.model,
        provider=NAME,
    )
