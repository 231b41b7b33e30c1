"""What text may go into a span: secrets masked always, PII redacted, messages as GenAI JSON.

Every free text a span carries (error messages, event reasons and, when content capture is
on, prompts, completions and tool arguments and results) passes through a `Cleaner`: the
program's redaction classes (every class when the program declares none: telemetry leaves
the process) and then the values of the run's secrets (the environment variables the program
reads with `env()`, and the principal's token) replaced by `***`.

Message content follows the OpenTelemetry GenAI conventions: `gen_ai.input.messages` and
`gen_ai.output.messages` are JSON arrays of `{"role", "parts": [...]}` with `text`,
`tool_call` and `tool_call_response` parts; `gen_ai.system_instructions` an array of parts.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from agentflow.compiler.plan import Plan
    from agentflow.runtime.providers.base import ChatMessage, ModelRequest, ModelResponse

MASK = "***"
SECRET_TAIL = 6  # APIs echo the end of a key: mask it too for keys of 12 characters or more


def secret_values(plan: Plan, env: Mapping[str, str], token: str | None) -> tuple[str, ...]:
    """The secret values a run can see: every `env()` variable of the program, and the token."""
    names: list[str] = [m.api_key_env for m in plan.models.values() if m.api_key_env]
    names.extend(p.token_env for p in plan.principals.values())
    names.extend(v for t in plan.tools.values() for v in t.secrets.values())
    values = {env[n] for n in names if env.get(n)}
    if token:
        values.add(token)
    return tuple(sorted(values, key=len, reverse=True))


class Cleaner:
    """Redacts and masks secrets in the text that goes into spans."""

    def __init__(self, secrets: Sequence[str], redact_classes: Sequence[str]) -> None:
        from agentflow.runtime.policy.redaction import REDACTION_CLASSES

        self.secrets = tuple(s for s in secrets if s)
        tails = {s[-SECRET_TAIL:] for s in self.secrets if len(s) >= 2 * SECRET_TAIL}
        self._masks = (*self.secrets, *sorted(tails, key=len, reverse=True))
        self.classes = tuple(redact_classes) or REDACTION_CLASSES

    def text(self, text: str) -> str:
        """`text` redacted, with every secret masked."""
        from agentflow.runtime.policy.redaction import redact

        if not text:
            return text
        for secret in self._masks:
            if secret in text:
                text = text.replace(secret, MASK)
        return redact(text, self.classes).text

    def value(self, value: Any) -> Any:
        """A JSON-like value with every string in it cleaned (keys included)."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, Mapping):
            return {self.text(str(k)): self.value(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self.value(v) for v in value]
        if value is None or isinstance(value, bool | int | float):
            return value
        return self.text(str(value))

    def json(self, value: Any) -> str:
        """A value as JSON text, every string in it cleaned before encoding (so a secret
        cannot slip through in an escaped form)."""
        return json.dumps(self.value(value), ensure_ascii=False)


def _parts(message: ChatMessage) -> list[dict[str, Any]]:
    parts: list[dict[str, Any]] = []
    if message.role == "tool":
        parts.append(
            {"type": "tool_call_response", "id": message.tool_call_id, "response": message.content}
        )
        return parts
    if message.content:
        parts.append({"type": "text", "content": message.content})
    parts.extend(
        {"type": "tool_call", "id": c.id, "name": c.name, "arguments": c.arguments}
        for c in message.tool_calls
    )
    return parts


def input_messages(messages: Iterable[ChatMessage]) -> list[dict[str, Any]]:
    """A request's conversation in the GenAI input-messages shape."""
    return [{"role": m.role, "parts": _parts(m)} for m in messages]


def output_messages(response: ModelResponse) -> list[dict[str, Any]]:
    """A response in the GenAI output-messages shape."""
    parts: list[dict[str, Any]] = []
    if response.text:
        parts.append({"type": "text", "content": response.text})
    parts.extend(
        {"type": "tool_call", "id": c.id, "name": c.name, "arguments": c.arguments}
        for c in response.tool_calls
    )
    return [{"role": "assistant", "parts": parts, "finish_reason": response.finish_reason}]


def system_instructions(request: ModelRequest) -> list[dict[str, Any]] | None:
    return [{"type": "text", "content": request.system}] if request.system else None
