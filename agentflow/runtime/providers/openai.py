"""The OpenAI adapter: the official `openai` SDK's Chat Completions API, with tools.

Works with OpenAI and any OpenAI-compatible server (vLLM, Ollama, LM Studio, gateways) through
`base_url` (which includes `/v1`: the SDK posts to `{base_url}/chat/completions`). The SDK is
imported when the first request is sent; the client makes no retries of its own
(`max_retries=0`: the runtime retries).

- The output cap is sent as `max_completion_tokens` to OpenAI itself (`max_tokens` is
  deprecated there and refused by reasoning models) and as `max_tokens` to a server set by
  `base_url`, which every compatible server understands.
- Structured output: `response_format` with `json_schema` (`strict: False`); a schema that is
  not an object is wrapped as `{"value": ...}` and unwrapped (see `base`).
- Tool-call arguments that are not a JSON object come back as `{"__invalid_json__": raw}`,
  and go back to the model as the raw text it wrote.
- A compatible server that reports no usage is counted with `agentflow.runtime.tokens`.
- Without `api_key` on the model, `OPENAI_API_KEY` is used; a server set by `base_url` may
  need no key at all (a placeholder is then sent).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from agentflow.runtime.providers.base import (
    ChatMessage,
    ModelRequest,
    ModelResponse,
    ProviderError,
    SdkClient,
    ToolCall,
    Usage,
    decode_arguments,
    encode_arguments,
    request_text,
    structured_schema,
    unwrap_text,
    wrap_schema,
)

if TYPE_CHECKING:
    from agentflow.compiler.plan import ModelPlan

__all__ = ["DEFAULT_KEY_ENV", "OpenAIProvider", "build_params"]

NAME = "openai"
DEFAULT_KEY_ENV = "OPENAI_API_KEY"
NO_KEY = "no-key"  # sent to a `base_url` server when no key is configured
_FINISH = {"function_call": "tool_calls"}


class OpenAIProvider(SdkClient):
    name = NAME

    def __init__(
        self, model: ModelPlan, *, env: Mapping[str, str], http_client: Any = None
    ) -> None:
        self.model = model
        key_env = model.api_key_env or DEFAULT_KEY_ENV
        api_key = env.get(key_env)
        if not api_key:
            if model.api_key_env or not model.base_url:
                raise ProviderError(
                    f"model `{model.name}`: the API key variable `{key_env}` is not set",
                    kind="auth",
                )
            api_key = NO_KEY
        self._api_key = api_key
        self._http_client = http_client
        self._client: Any = None

    def _sdk_client(self) -> Any:
        if self._client is None:
            import openai

            self._client = openai.AsyncOpenAI(**self._client_options())
        return self._client

    async def complete(self, request: ModelRequest) -> ModelResponse:
        import openai

        client = self._sdk_client()
        params, wrapped = build_params(
            request,
            self.model.model_name or self.model.name,
            official=not self.model.base_url,
        )
        with self._sdk_errors(openai):
            completion = await client.chat.completions.create(**params)
        return parse_completion(completion, request, wrapped)


def build_params(
    request: ModelRequest, model_name: str, *, official: bool = True
) -> tuple[dict[str, Any], bool]:
    """The keyword arguments of `chat.completions.create`, and whether the schema is wrapped."""
    params: dict[str, Any] = {"model": model_name, "messages": to_messages(request)}
    params["max_completion_tokens" if official else "max_tokens"] = request.max_tokens
    if request.temperature is not None:
        params["temperature"] = request.temperature
    if request.tools:
        params["tools"] = [
            {
                "type": "function",
                "function": {
                    "name": t.name,
                    "description": t.description,
                    "parameters": t.input_schema,
                },
            }
            for t in request.tools
        ]
    wrapped = False
    output_schema = structured_schema(request)
    if output_schema is not None:
        schema, wrapped = wrap_schema(output_schema)
        params["response_format"] = {
            "type": "json_schema",
            "json_schema": {"name": "output", "schema": schema, "strict": False},
        }
    return params, wrapped


def to_messages(request: ModelRequest) -> list[dict[str, Any]]:
    result: list[dict[str, Any]] = []
    if request.system:
        result.append({"role": "system", "content": request.system})
    for message in request.messages:
        result.append(_wire(message))
    return result


def _wire(message: ChatMessage) -> dict[str, Any]:
    if message.role == "tool":
        return {
            "role": "tool",
            "tool_call_id": message.tool_call_id or "",
            "content": message.content,
        }
    if message.role == "assistant" and message.tool_calls:
        return {
            "role": "assistant",
            "content": message.content or None,
            "tool_calls": [
                {
                    "id": call.id,
                    "type": "function",
                    "function": {"name": call.name, "arguments": encode_arguments(call.arguments)},
                }
                for call in message.tool_calls
            ],
        }
    return {"role": message.role, "content": message.content}


def parse_completion(completion: Any, request: ModelRequest, wrapped: bool) -> ModelResponse:
    if not completion.choices:
        raise ProviderError(
            f"model `{request.model.name}` ({NAME}): the response has no choices", kind="model"
        )
    choice = completion.choices[0]
    message = choice.message
    calls: list[ToolCall] = []
    for call in message.tool_calls or ():
        function = getattr(call, "function", None)
        if function is None:  # a custom (non-function) tool call: not offered by agentflow
            continue
        calls.append(ToolCall(call.id, function.name, decode_arguments(function.arguments)))
    text = message.content or getattr(message, "refusal", None) or ""
    if wrapped and not calls:
        text = unwrap_text(text)
    finish = choice.finish_reason or "stop"
    finish = "tool_calls" if calls else _FINISH.get(finish, finish)
    if finish == "tool_calls" and not calls:
        finish = "stop"
    usage = completion.usage
    if usage is not None:
        counted = Usage(usage.prompt_tokens or 0, usage.completion_tokens or 0)
    else:
        from agentflow.runtime.tokens import count_tokens

        produced = "\n".join([text, *(f"{c.name} {json.dumps(c.arguments)}" for c in calls)])
        counted = Usage(count_tokens(request_text(request), NAME), count_tokens(produced, NAME))
    return ModelResponse(
        text=text,
        tool_calls=tuple(calls),
        usage=counted,
        finish_reason=finish,
        model=completion.model or (request.model.model_name or request.model.name),
        provider=NAME,
    )
