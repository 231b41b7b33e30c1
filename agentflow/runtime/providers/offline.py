"""The offline provider: deterministic answers, no network, for demos and tests.

By default it answers at once, never calling a tool, with a value of the agent's output type
built from the agent's inputs (a plain sentence for text output):

- strings say which agent and inputs produced them: `[offline greeter] name=Ada`;
- enum members, integers (1..10 unless the schema bounds them), floats (in [0, 1]), booleans
  and list lengths (1 or 2) come from a stable hash of the agent, the inputs and the field,
  so branches differ with the inputs and are the same on every run;
- optional fields are present, a `map` has one key (`key`), records are filled recursively;
- the output is cut to `max_tokens` (structured output is shrunk, never made invalid: strings
  are shortened and lists cut to one item; a schema whose smallest value does not fit is
  answered with that smallest value).

A script (`script = "file.json"` on the model, relative to the program's directory) replaces
the default turn by turn. It is a JSON object mapping an agent name to a list of turns:

    {"researcher": [
        {"tool_calls": [{"tool": "search", "args": {"query": "tides"}}]},
        {"output": {"summary": "...", "sources": [], "confidence": 0.9}}
    ]}

- `{"tool_calls": [{"tool": NAME, "args": {...}}, ...], "text": "..."}`: call tools
  (`text` optional);
- `{"output": VALUE}`: answer; a string is the reply text itself (JSON-encoded when the output
  type is an enum), any other value is JSON-encoded;
- `{"error": KIND, "message": "...", "retry_after": 1.5, "times": 1}`: fail with a provider
  error of KIND (`rate_limited`, `timeout`, `model`, `auth`, `validation`) the first `times`
  times (default 1) this point of the conversation is reached by this provider instance,
  then go on to the next entry. Errors are not turns: they do not count below.

The turn used for a request is the number of assistant messages already in the conversation,
earlier turns passed with `history` included (so the first request gets turn 0, the request
after a tool round trip turn 1). When the list
runs out, or the agent is not in the script, the default answer is given. Scripted text is
sent as written, not cut to `max_tokens`.

Usage: input tokens are those of `base.request_text(request)` (what the runtime's budget
estimate counts), output tokens those of the reply text (and, on a tool-call turn, of each
call's name and JSON arguments), both by `agentflow.runtime.tokens.count_tokens`.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from agentflow.runtime.providers.base import (
    ErrorKind,
    ModelRequest,
    ModelResponse,
    ProviderError,
    ToolCall,
    Usage,
    encode_arguments,
    request_text,
    structured_schema,
)
from agentflow.runtime.tokens import count_tokens, truncate_to_tokens

if TYPE_CHECKING:
    from agentflow.compiler.plan import ModelPlan

__all__ = ["OfflineProvider", "default_value"]

NAME = "offline"
ERROR_KINDS: tuple[ErrorKind, ...] = ("rate_limited", "timeout", "model", "auth", "validation")
_SHORT = 40  # characters of each input value quoted in a generated string
_STRING_LIMITS: tuple[int | None, ...] = (None, 120, 60, 30, 12, 0)
_MAX_DEPTH = 12
_SPACES = re.compile(r"\s+")


# ---------------------------------------------------------------------------------------------
# Scripts
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _ScriptError:
    kind: ErrorKind
    message: str
    retry_after: float | None
    times: int


@dataclass(frozen=True)
class _Turn:
    text: str = ""
    tool_calls: tuple[tuple[str, dict[str, Any]], ...] = ()
    output: Any = None
    has_output: bool = False


@dataclass
class _AgentScript:
    turns: list[_Turn] = field(default_factory=list)
    errors: dict[int, list[_ScriptError]] = field(default_factory=dict)  # before turn i


class _ScriptProblem(Exception):
    pass


def _parse_script(data: Any) -> dict[str, _AgentScript]:
    if not isinstance(data, dict):
        raise _ScriptProblem("the top level must be an object mapping agent names to turns")
    scripts: dict[str, _AgentScript] = {}
    for agent, entries in data.items():
        if not isinstance(entries, list):
            raise _ScriptProblem(f"agent `{agent}`: expected a list of turns")
        script = _AgentScript()
        for number, entry in enumerate(entries, start=1):
            where = f"agent `{agent}`, entry {number}"
            if not isinstance(entry, dict):
                raise _ScriptProblem(f"{where}: expected an object")
            if "error" in entry:
                error = _parse_error(entry, where)
                script.errors.setdefault(len(script.turns), []).append(error)
            elif "tool_calls" in entry:
                script.turns.append(_parse_tool_turn(entry, where))
            elif "output" in entry:
                _no_other_keys(entry, {"output"}, where)
                script.turns.append(_Turn(output=entry["output"], has_output=True))
            else:
                raise _ScriptProblem(f"{where}: expected `tool_calls`, `output` or `error`")
        scripts[str(agent)] = script
    return scripts


def _no_other_keys(entry: dict[str, Any], allowed: set[str], where: str) -> None:
    unknown = sorted(set(entry) - allowed)
    if unknown:
        names = ", ".join(f"`{k}`" for k in unknown)
        raise _ScriptProblem(f"{where}: unknown key(s) {names}")


def _parse_tool_turn(entry: dict[str, Any], where: str) -> _Turn:
    _no_other_keys(entry, {"tool_calls", "text"}, where)
    calls = entry["tool_calls"]
    if not isinstance(calls, list) or not calls:
        raise _ScriptProblem(f"{where}: `tool_calls` must be a non-empty list")
    parsed: list[tuple[str, dict[str, Any]]] = []
    for index, call in enumerate(calls, start=1):
        if not isinstance(call, dict) or not isinstance(call.get("tool"), str):
            raise _ScriptProblem(
                f'{where}, call {index}: expected {{"tool": NAME, "args": {{...}}}}'
            )
        _no_other_keys(call, {"tool", "args"}, f"{where}, call {index}")
        args = call.get("args", {})
        if not isinstance(args, dict):
            raise _ScriptProblem(f"{where}, call {index}: `args` must be an object")
        parsed.append((call["tool"], args))
    text = entry.get("text", "")
    if not isinstance(text, str):
        raise _ScriptProblem(f"{where}: `text` must be a string")
    return _Turn(text=text, tool_calls=tuple(parsed))


def _parse_error(entry: dict[str, Any], where: str) -> _ScriptError:
    _no_other_keys(entry, {"error", "message", "retry_after", "times"}, where)
    kind = entry["error"]
    if kind not in ERROR_KINDS:
        raise _ScriptProblem(
            f"{where}: `error` must be one of {', '.join(ERROR_KINDS)}, not {json.dumps(kind)}"
        )
    message = entry.get("message", f"scripted {kind} error")
    retry_after = entry.get("retry_after")
    times = entry.get("times", 1)
    if not isinstance(message, str):
        raise _ScriptProblem(f"{where}: `message` must be a string")
    if retry_after is not None and (
        isinstance(retry_after, bool) or not isinstance(retry_after, int | float)
    ):
        raise _ScriptProblem(f"{where}: `retry_after` must be a number of seconds")
    if isinstance(times, bool) or not isinstance(times, int) or times < 1:
        raise _ScriptProblem(f"{where}: `times` must be a positive integer")
    return _ScriptError(
        cast(ErrorKind, kind),
        message,
        float(retry_after) if retry_after is not None else None,
        times,
    )


# ---------------------------------------------------------------------------------------------
# Default values
# ---------------------------------------------------------------------------------------------


def _stable_hash(*parts: Any) -> int:
    data = json.dumps(parts, sort_keys=True, ensure_ascii=False, default=str)
    return int.from_bytes(hashlib.sha256(data.encode("utf-8")).digest()[:8], "big")


def _short(value: Any) -> str:
    text = (
        value
        if isinstance(value, str)
        else json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
    )
    text = _SPACES.sub(" ", text).strip()
    return text if len(text) <= _SHORT else text[: _SHORT - 1] + "…"


def describe_inputs(inputs: dict[str, Any]) -> str:
    return ", ".join(f"{k}={_short(v)}" for k, v in inputs.items()) or "no inputs"


class _Generator:
    """Builds a value of a JSON Schema from a seed; `string_limit` and `one_item` shrink it."""

    def __init__(
        self,
        agent: str,
        inputs: dict[str, Any],
        root: dict[str, Any],
        string_limit: int | None,
        one_item: bool,
    ) -> None:
        self.agent = agent
        self.inputs = inputs
        self.root = root
        self.string_limit = string_limit
        self.one_item = one_item
        self.described = describe_inputs(inputs)

    def hash(self, path: str) -> int:
        return _stable_hash(self.agent, self.inputs, path)

    def resolve(self, schema: dict[str, Any]) -> dict[str, Any]:
        seen = 0
        while isinstance(schema.get("$ref"), str) and seen < _MAX_DEPTH:
            ref = schema["$ref"]
            target: Any = self.root
            if ref.startswith("#"):
                for part in ref.lstrip("#").strip("/").split("/"):
                    if not part:
                        continue
                    target = target.get(part, {}) if isinstance(target, dict) else {}
            schema = target if isinstance(target, dict) else {}
            seen += 1
        return schema

    def value(self, schema: Any, path: str, depth: int = 0) -> Any:
        if not isinstance(schema, dict):
            return self.string(path)
        schema = self.resolve(schema)
        if "const" in schema:
            return schema["const"]
        if isinstance(schema.get("enum"), list) and schema["enum"]:
            members = schema["enum"]
            return members[self.hash(path) % len(members)]
        for key in ("anyOf", "oneOf", "allOf"):
            options = schema.get(key)
            if isinstance(options, list) and options:
                chosen = next((o for o in options if not _is_null(o)), options[0])
                if depth >= _MAX_DEPTH and any(_is_null(o) for o in options):
                    return None
                return self.value(chosen, path, depth + 1)
        kind = schema.get("type")
        if isinstance(kind, list):
            kind = next((k for k in kind if k != "null"), "null")
        if kind is None:
            if "properties" in schema or "additionalProperties" in schema:
                kind = "object"
            elif "items" in schema:
                kind = "array"
        if kind == "null":
            return None
        if kind == "boolean":
            return self.hash(path) % 2 == 0
        if kind == "integer":
            return self.integer(schema, path)
        if kind == "number":
            return self.number(schema, path)
        if kind == "array":
            return self.array(schema, path, depth)
        if kind == "object":
            return self.object(schema, path, depth)
        return self.string(path, schema)

    def string(self, path: str, schema: dict[str, Any] | None = None) -> str:
        fmt = (schema or {}).get("format")
        if fmt == "decimal":
            return f"{self.hash(path) % 10000 / 100:.2f}"
        if fmt == "date-time":
            return "2025-01-01T00:00:00Z"
        if fmt == "date":
            return "2025-01-01"
        label = f"{path}: " if path else ""
        text = f"[offline {self.agent}] {label}{self.described}"
        if self.string_limit is not None:
            text = text[: self.string_limit]
        max_length = (schema or {}).get("maxLength")
        if isinstance(max_length, int) and max_length >= 0:
            text = text[:max_length]
        min_length = (schema or {}).get("minLength")
        if isinstance(min_length, int) and len(text) < min_length:
            text = text.ljust(min_length, ".")
        return text

    def integer(self, schema: dict[str, Any], path: str) -> int:
        low = _int_bound(schema, "minimum", "exclusiveMinimum", lower=True)
        high = _int_bound(schema, "maximum", "exclusiveMaximum", lower=False)
        if low is None:
            low = 1 if high is None or high >= 1 else high - 9
        if high is None:
            high = low + 9
        if high < low:
            return low
        return low + self.hash(path) % (high - low + 1)

    def number(self, schema: dict[str, Any], path: str) -> float:
        fraction = (self.hash(path) % 101) / 100
        low, high = schema.get("minimum"), schema.get("maximum")
        if isinstance(low, int | float) and isinstance(high, int | float) and high >= low:
            return round(low + (high - low) * fraction, 4)
        if isinstance(low, int | float) and low > 0:
            return round(low + fraction, 4)
        if isinstance(high, int | float) and high < 1:
            return round(high - fraction, 4)
        return fraction

    def array(self, schema: dict[str, Any], path: str, depth: int) -> list[Any]:
        low = schema.get("minItems", 0) if isinstance(schema.get("minItems"), int) else 0
        if depth >= _MAX_DEPTH:
            count = low
        else:
            count = max(low, 1 if self.one_item else 1 + self.hash(path) % 2)
        if isinstance(schema.get("maxItems"), int):
            count = min(count, max(schema["maxItems"], low))
        items = schema.get("items", {})
        return [self.value(items, f"{path}[{i}]", depth + 1) for i in range(count)]

    def object(self, schema: dict[str, Any], path: str, depth: int) -> dict[str, Any]:
        result: dict[str, Any] = {}
        properties = schema.get("properties")
        if isinstance(properties, dict):
            for name, sub in properties.items():
                result[name] = self.value(sub, f"{path}.{name}" if path else name, depth + 1)
        extra = schema.get("additionalProperties")
        if not properties and isinstance(extra, dict) and depth < _MAX_DEPTH:
            result["key"] = self.value(extra, f"{path}[key]", depth + 1)
        return result


def _int_bound(
    schema: dict[str, Any], inclusive: str, exclusive: str, *, lower: bool
) -> int | None:
    value: Any = schema.get(inclusive)
    if _is_number(value):
        return math.ceil(value) if lower else math.floor(value)
    value = schema.get(exclusive)
    if _is_number(value):
        return math.floor(value) + 1 if lower else math.ceil(value) - 1
    return None


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _is_null(schema: Any) -> bool:
    return isinstance(schema, dict) and schema.get("type") == "null"


def default_value(
    agent: str,
    inputs: dict[str, Any],
    schema: dict[str, Any],
    fits: Callable[[str], bool] = lambda _: True,
) -> Any:
    """The default answer of the offline provider for `schema`: the largest candidate whose
    JSON text `fits`, or the smallest candidate."""
    value: Any = None
    for limit in _STRING_LIMITS:
        for one_item in (False, True) if limit is None else (True,):
            value = _Generator(agent, inputs, schema, limit, one_item).value(schema, "")
            if fits(json.dumps(value, ensure_ascii=False)):
                return value
    return value


# ---------------------------------------------------------------------------------------------
# The provider
# ---------------------------------------------------------------------------------------------


class OfflineProvider:
    name = NAME

    def __init__(self, model: ModelPlan, *, base_dir: Path) -> None:
        self.model = model
        self.base_dir = Path(base_dir)
        self._script: dict[str, _AgentScript] | None = None
        self._errors_raised: dict[tuple[str, int], int] = {}

    def _load_script(self) -> dict[str, _AgentScript]:
        if self._script is not None:
            return self._script
        if not self.model.script:
            self._script = {}
            return self._script
        path = Path(self.model.script)
        if not path.is_absolute():
            path = self.base_dir / path
        shown = self.model.script
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise self._bad(f"offline script `{shown}` not found (looked for `{path}`)") from None
        except (OSError, UnicodeDecodeError) as error:
            raise self._bad(f"offline script `{shown}` cannot be read: {error}") from None
        try:
            data = json.loads(text)
        except ValueError as error:
            detail = (
                f"{error.msg} at line {error.lineno}, column {error.colno}"
                if isinstance(error, json.JSONDecodeError)
                else str(error)
            )
            raise self._bad(f"offline script `{shown}` is not valid JSON: {detail}") from None
        try:
            self._script = _parse_script(data)
        except _ScriptProblem as problem:
            raise self._bad(f"offline script `{shown}`: {problem}") from None
        return self._script

    def _bad(self, message: str) -> ProviderError:
        return ProviderError(f"model `{self.model.name}`: {message}", kind="model", retryable=False)

    async def complete(self, request: ModelRequest) -> ModelResponse:
        script = self._load_script().get(request.agent)
        turn_index = sum(1 for m in request.messages if m.role == "assistant")
        turn: _Turn | None = None
        if script is not None:
            self._maybe_fail(request.agent, script, turn_index)
            if turn_index < len(script.turns):
                turn = script.turns[turn_index]
        if turn is not None and turn.tool_calls:
            calls = tuple(
                ToolCall(f"call_{request.agent}_{turn_index}_{i}", name, dict(args))
                for i, (name, args) in enumerate(turn.tool_calls)
            )
            return self._response(request, turn.text, calls)
        if turn is not None and turn.has_output:
            return self._response(request, self._scripted_text(request, turn.output), ())
        return self._response(request, self._default_text(request), ())

    def _maybe_fail(self, agent: str, script: _AgentScript, turn_index: int) -> None:
        position = min(turn_index, len(script.turns))  # errors after the last turn: once
        errors = script.errors.get(position, [])
        if not errors:
            return
        raised = self._errors_raised.get((agent, position), 0)
        self._errors_raised[(agent, position)] = raised + 1
        for error in errors:
            if raised < error.times:
                raise ProviderError(
                    f"model `{self.model.name}`: {error.message}",
                    kind=error.kind,
                    retry_after=error.retry_after,
                )
            raised -= error.times

    @staticmethod
    def _scripted_text(request: ModelRequest, value: Any) -> str:
        schema = structured_schema(request)
        if isinstance(value, str) and not (schema and schema.get("type") == "string"):
            return value  # text, or the JSON text of a record as the script wrote it
        return json.dumps(value, ensure_ascii=False)

    def _default_text(self, request: ModelRequest) -> str:
        limit = max(request.max_tokens, 0)
        schema = structured_schema(request)
        if schema is None:
            text = f"[offline {request.agent}] {describe_inputs(request.inputs)}"
            return truncate_to_tokens(text, limit, NAME)
        value = default_value(
            request.agent, request.inputs, schema, lambda text: count_tokens(text, NAME) <= limit
        )
        return json.dumps(value, ensure_ascii=False)

    def _response(
        self, request: ModelRequest, text: str, calls: tuple[ToolCall, ...]
    ) -> ModelResponse:
        produced = "\n".join([text, *(f"{c.name} {encode_arguments(c.arguments)}" for c in calls)])
        usage = Usage(count_tokens(request_text(request), NAME), count_tokens(produced, NAME))
        return ModelResponse(
            text=text,
            tool_calls=calls,
            usage=usage,
            finish_reason="tool_calls" if calls else "stop",
            model=NAME,
            provider=NAME,
        )
