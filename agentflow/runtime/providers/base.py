"""The provider interface: what the runtime sends a model and what comes back.

Plain dataclasses, no SDK imports: `provider_for` imports an adapter module (and through it
its SDK) only when a model of that provider is actually used.

Structured output. When a request has an `output_schema` that is not a plain string (see
`structured_schema`), the adapters ask for JSON matching it and return the JSON text in
`ModelResponse.text`:

- OpenAI: `response_format={"type": "json_schema", "json_schema": {"name": "output",
  "schema": ..., "strict": False}}`.
- Anthropic: a tool named `final_output` whose input schema is the output schema, forced with
  `tool_choice` (`{"type": "tool", "name": "final_output"}` when the agent has no tools,
  `{"type": "any"}` when it has: it must then either call one of its tools or answer through
  `final_output`). This works on every Claude model and any JSON Schema, where the API's
  native structured outputs is limited to some models and a subset of JSON Schema
  (no `additionalProperties` schemas, so no `map[T]`).

Both APIs want an object at the root, so a schema that is not an object (an enum, a list) is
wrapped as `{"value": schema}` on the way out and unwrapped on the way back (`wrap_schema`,
`unwrap_json`): the runtime only ever sees JSON for its own schema.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol

if TYPE_CHECKING:
    from agentflow.compiler.plan import ModelPlan

__all__ = [
    "ChatMessage",
    "ErrorKind",
    "ModelRequest",
    "ModelResponse",
    "Provider",
    "ProviderError",
    "ToolCall",
    "ToolSpec",
    "Usage",
    "error_for_status",
    "parse_retry_after",
    "provider_for",
    "request_text",
    "structured_schema",
    "unwrap_json",
    "wrap_schema",
]

ErrorKind = Literal["rate_limited", "timeout", "model", "auth", "validation"]
PROVIDERS = ("anthropic", "openai", "offline")
WRAP_KEY = "value"
INVALID_JSON = "__invalid_json__"


@dataclass(frozen=True)
class ToolCall:
    """A tool the model asked to call. Arguments that were not a JSON object arrive as
    `{"__invalid_json__": raw}`, for the runtime to send back as a validation error."""

    id: str
    name: str
    arguments: dict[str, Any]


@dataclass(frozen=True)
class ChatMessage:
    role: Literal["user", "assistant", "tool"]
    content: str = ""
    tool_calls: tuple[ToolCall, ...] = ()
    tool_call_id: str | None = None  # for role "tool": the call this answers
    is_error: bool = False  # for role "tool": the call failed


@dataclass(frozen=True)
class ToolSpec:
    name: str
    description: str
    input_schema: dict[str, Any]


@dataclass(frozen=True)
class ModelRequest:
    model: ModelPlan
    agent: str
    system: str | None
    messages: tuple[ChatMessage, ...]
    tools: tuple[ToolSpec, ...]
    output_schema: dict[str, Any] | None  # None: plain text
    max_tokens: int
    temperature: float | None
    inputs: dict[str, Any] = field(default_factory=dict)  # rendered agent inputs (offline)


@dataclass(frozen=True)
class Usage:
    input_tokens: int
    output_tokens: int


@dataclass(frozen=True)
class ModelResponse:
    text: str
    tool_calls: tuple[ToolCall, ...]
    usage: Usage
    finish_reason: str  # "stop", "tool_calls", "length", "content_filter"
    model: str
    provider: str


class ProviderError(Exception):
    """A model call failed. `retryable` defaults to True for rate limits, timeouts and
    model (server) errors, False for auth and validation."""

    kind: ErrorKind
    retry_after: float | None
    status: int | None
    retryable: bool

    def __init__(
        self,
        message: str,
        *,
        kind: ErrorKind,
        retry_after: float | None = None,
        status: int | None = None,
        retryable: bool | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.kind = kind
        self.retry_after = retry_after
        self.status = status
        self.retryable = (
            kind in ("rate_limited", "timeout", "model") if retryable is None else retryable
        )

    def __repr__(self) -> str:
        return (
            f"ProviderError({self.message!r}, kind={self.kind!r}, status={self.status!r}, "
            f"retry_after={self.retry_after!r}, retryable={self.retryable!r})"
        )


class Provider(Protocol):
    name: str

    async def complete(self, request: ModelRequest) -> ModelResponse: ...


def provider_for(
    model: ModelPlan,
    *,
    base_dir: Path,
    env: Mapping[str, str] = os.environ,
    http_client: Any = None,
) -> Provider:
    """The provider that serves `model`; its adapter module is imported only now."""
    if model.provider == "offline":
        from agentflow.runtime.providers.offline import OfflineProvider

        return OfflineProvider(model, base_dir=base_dir)
    if model.provider == "anthropic":
        from agentflow.runtime.providers.anthropic import AnthropicProvider

        return AnthropicProvider(model, env=env, http_client=http_client)
    if model.provider == "openai":
        from agentflow.runtime.providers.openai import OpenAIProvider

        return OpenAIProvider(model, env=env, http_client=http_client)
    raise ProviderError(
        f"model `{model.name}`: unknown provider `{model.provider}` "
        f"(expected one of {', '.join(PROVIDERS)})",
        kind="model",
        retryable=False,
    )


# ---------------------------------------------------------------------------------------------
# Helpers shared by the adapters (no SDK needed)
# ---------------------------------------------------------------------------------------------


def request_text(request: ModelRequest) -> str:
    """Everything a request makes the model read, as one text to count tokens on: the system
    prompt, every message (and the arguments of its tool calls), the tool schemas and the
    output schema. The same text the runtime's budget estimate counts."""
    parts = [request.system or ""]
    for message in request.messages:
        parts.append(message.content)
        parts.extend(json.dumps(c.arguments) for c in message.tool_calls)
    parts.extend(
        json.dumps({"n": t.name, "d": t.description, "s": t.input_schema}) for t in request.tools
    )
    if request.output_schema:
        parts.append(json.dumps(request.output_schema))
    return "\n".join(parts)


def structured_schema(request: ModelRequest) -> dict[str, Any] | None:
    """The schema to request JSON for: None for text output (no schema, or a plain string;
    a string enum is structured: its answer is a JSON string)."""
    schema = request.output_schema
    if not schema or (schema.get("type") == "string" and "enum" not in schema):
        return None
    return schema


def wrap_schema(schema: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    """An object schema for the API, and whether `schema` had to be wrapped in `{"value": }`."""
    if schema.get("type") == "object":
        return schema, False
    wrapped = {
        "type": "object",
        "properties": {WRAP_KEY: schema},
        "required": [WRAP_KEY],
        "additionalProperties": False,
    }
    return wrapped, True


def unwrap_json(value: Any) -> str:
    """The JSON text of a wrapped answer's `value` (the answer itself when it is not wrapped
    as expected, for the runtime's validation to report)."""
    if isinstance(value, dict) and set(value) == {WRAP_KEY}:
        value = value[WRAP_KEY]
    return json.dumps(value, ensure_ascii=False)


def unwrap_text(text: str) -> str:
    """`unwrap_json` on JSON text; text that is not JSON is returned unchanged."""
    try:
        value = json.loads(text)
    except ValueError:
        return text
    return unwrap_json(value)


def decode_arguments(raw: str | None) -> dict[str, Any]:
    """Tool-call arguments as the model wrote them: an object, or `{"__invalid_json__": raw}`."""
    if raw is None or not raw.strip():
        return {}
    try:
        value = json.loads(raw)
    except ValueError:
        return {INVALID_JSON: raw}
    return value if isinstance(value, dict) else {INVALID_JSON: raw}


def encode_arguments(arguments: Mapping[str, Any]) -> str:
    """Arguments back to the JSON text the model wrote (raw text if it was not JSON)."""
    if set(arguments) == {INVALID_JSON} and isinstance(arguments[INVALID_JSON], str):
        return str(arguments[INVALID_JSON])
    return json.dumps(arguments, ensure_ascii=False)


def parse_retry_after(headers: Mapping[str, str] | None) -> float | None:
    """Seconds to wait, from `retry-after-ms`, or `retry-after` (seconds or an HTTP date)."""
    if not headers:
        return None
    lowered = {k.lower(): v for k, v in headers.items()}
    raw_ms = lowered.get("retry-after-ms")
    if raw_ms:
        try:
            return max(0.0, float(raw_ms) / 1000)
        except ValueError:
            pass
    raw = lowered.get("retry-after")
    if not raw:
        return None
    try:
        return max(0.0, float(raw))
    except ValueError:
        pass
    try:
        moment = parsedate_to_datetime(raw)
    except (TypeError, ValueError, IndexError):
        return None
    from datetime import UTC, datetime

    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return max(0.0, (moment - datetime.now(UTC)).total_seconds())


def error_for_status(
    status: int, message: str, headers: Mapping[str, str] | None = None
) -> ProviderError:
    """The error for an HTTP status: 429 rate_limited (with Retry-After), 408 timeout,
    401/403 auth, 5xx (529 overloaded included) model and retryable, other 4xx validation."""
    if status == 429:
        return ProviderError(
            message, kind="rate_limited", status=status, retry_after=parse_retry_after(headers)
        )
    if status in (408, 504):
        return ProviderError(
            message, kind="timeout", status=status, retry_after=parse_retry_after(headers)
        )
    if status in (401, 403):
        return ProviderError(message, kind="auth", status=status)
    if status >= 500:
        return ProviderError(
            message, kind="model", status=status, retry_after=parse_retry_after(headers)
        )
    if status == 404:
        return ProviderError(message, kind="model", status=status, retryable=False)
    return ProviderError(message, kind="validation", status=status)


def api_error_message(body: Any, default: str) -> str:
    """The human message inside an API error body (both SDKs' shapes), else `default`."""
    if isinstance(body, dict):
        inner = body.get("error")
        if isinstance(inner, dict) and isinstance(inner.get("message"), str):
            return inner["message"]
        if isinstance(body.get("message"), str):
            return body["message"]
    return default


def scrub(text: str, secret: str | None) -> str:
    """`text` with any occurrence of the secret (or its tail, as APIs echo it) masked."""
    if not secret:
        return text
    text = text.replace(secret, "***")
    if len(secret) >= 12:
        text = text.replace(secret[-6:], "***")
    return text


class SdkClient:
    """The lazily built SDK client an adapter shares between calls (never retrying itself:
    the runtime owns retries), and the translation of the SDKs' errors."""

    name: str
    model: ModelPlan
    _api_key: str
    _http_client: Any
    _client: Any

    def _message(self, text: str) -> str:
        return scrub(f"model `{self.model.name}` ({self.name}): {text}", self._api_key)

    @contextmanager
    def _sdk_errors(self, sdk: Any) -> Iterator[None]:
        """Turn the SDK's exceptions (the anthropic and openai SDKs name them alike) into
        ProviderErrors, with the API key scrubbed from every message."""
        try:
            yield
        except sdk.APIStatusError as error:
            text = api_error_message(error.body, error.message)
            raise error_for_status(
                error.status_code,
                self._message(f"HTTP {error.status_code}: {text}"),
                error.response.headers,
            ) from None
        except sdk.APITimeoutError:
            raise ProviderError(self._message("the request timed out"), kind="timeout") from None
        except sdk.APIConnectionError as error:
            raise ProviderError(
                self._message(f"cannot reach the API: {error}"), kind="model"
            ) from None
        except sdk.APIResponseValidationError as error:
            raise ProviderError(
                self._message(f"unexpected response: {error}"), kind="model"
            ) from None

    def _client_options(self, **extra: Any) -> dict[str, Any]:
        options: dict[str, Any] = {"api_key": self._api_key, "max_retries": 0, **extra}
        if self.model.base_url:
            options["base_url"] = self.model.base_url
        if self.model.timeout_s is not None:
            options["timeout"] = float(self.model.timeout_s)
        if self._http_client is not None:
            options["http_client"] = self._http_client
        return options

    async def aclose(self) -> None:
        """Close the SDK client's connections (not a client passed in as `http_client`)."""
        if self._client is not None and self._http_client is None:
            await self._client.close()
        self._client = None
