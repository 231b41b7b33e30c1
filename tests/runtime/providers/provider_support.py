"""Helpers for the provider tests: requests, models and a tiny JSON Schema validator."""

from __future__ import annotations

import decimal
from decimal import Decimal
from typing import Any

from agentflow.compiler.plan import ModelPlan
from agentflow.runtime.providers.base import ChatMessage, ModelRequest, ToolSpec

ANTHROPIC_MODEL = "claude-sonnet-4-6"  # claude-sonnet-4-5 is deprecated in anthropic 2.12
OPENAI_MODEL = "gpt-4o-mini"
KEY_ENV = "AF_TEST_KEY"
KEY = "sk-test-0123456789abcdef"

CALC = ToolSpec(
    "calc",
    "Evaluate an arithmetic expression",
    {
        "type": "object",
        "properties": {"expression": {"type": "string"}},
        "required": ["expression"],
        "additionalProperties": False,
    },
)

RESEARCH_SCHEMA: dict[str, Any] = {
    "type": "object",
    "title": "Research",
    "properties": {
        "summary": {"type": "string"},
        "sources": {"type": "array", "items": {"type": "string"}},
        "confidence": {"type": "number"},
    },
    "required": ["summary", "sources", "confidence"],
    "additionalProperties": False,
}


def model(
    provider: str,
    *,
    base_url: str | None = None,
    timeout: str | None = None,
    script: str | None = None,
    max_tokens: int = 256,
    api_key_env: str | None = KEY_ENV,
    temperature: float | None = None,
) -> ModelPlan:
    name = {"anthropic": ANTHROPIC_MODEL, "openai": OPENAI_MODEL}.get(provider)
    return ModelPlan(
        name="m",
        provider=provider,
        model_name=name,
        api_key_env=api_key_env if provider != "offline" else None,
        base_url=base_url,
        max_tokens=max_tokens,
        temperature=temperature,
        script=script,
        timeout_s=Decimal(timeout) if timeout else None,
    )


def request(
    plan: ModelPlan,
    *,
    agent: str = "researcher",
    system: str | None = "You are terse.",
    messages: tuple[ChatMessage, ...] = (ChatMessage("user", "Research tides."),),
    tools: tuple[ToolSpec, ...] = (),
    output_schema: dict[str, Any] | None = None,
    max_tokens: int | None = None,
    temperature: float | None = None,
    inputs: dict[str, Any] | None = None,
) -> ModelRequest:
    return ModelRequest(
        model=plan,
        agent=agent,
        system=system,
        messages=messages,
        tools=tools,
        output_schema=output_schema,
        max_tokens=max_tokens if max_tokens is not None else plan.max_tokens,
        temperature=temperature,
        inputs=inputs if inputs is not None else {"topic": "tides"},
    )


def validate(value: Any, schema: dict[str, Any], path: str = "$") -> list[str]:
    """Problems with `value` against the JSON Schema subset the compiler emits."""
    if "anyOf" in schema:
        if any(not validate(value, option, path) for option in schema["anyOf"]):
            return []
        return [f"{path}: matches no option of anyOf"]
    if "enum" in schema and value not in schema["enum"]:
        return [f"{path}: {value!r} is not one of {schema['enum']}"]
    kind = schema.get("type")
    checks = {
        "string": lambda v: isinstance(v, str),
        "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
        "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
        "boolean": lambda v: isinstance(v, bool),
        "null": lambda v: v is None,
        "array": lambda v: isinstance(v, list),
        "object": lambda v: isinstance(v, dict),
    }
    if kind is not None and not checks[kind](value):
        return [f"{path}: expected {kind}, got {type(value).__name__}"]
    problems: list[str] = []
    if kind == "string" and schema.get("format") == "decimal":
        try:
            Decimal(value)
        except decimal.InvalidOperation:
            problems.append(f"{path}: {value!r} is not a decimal")
    if kind in ("integer", "number"):
        if "minimum" in schema and value < schema["minimum"]:
            problems.append(f"{path}: {value} < minimum {schema['minimum']}")
        if "maximum" in schema and value > schema["maximum"]:
            problems.append(f"{path}: {value} > maximum {schema['maximum']}")
    if kind == "array":
        for index, item in enumerate(value):
            problems += validate(item, schema.get("items", {}), f"{path}[{index}]")
    if kind == "object":
        properties = schema.get("properties", {})
        for name in schema.get("required", []):
            if name not in value:
                problems.append(f"{path}: missing required field `{name}`")
        extra = schema.get("additionalProperties", True)
        for name, item in value.items():
            if name in properties:
                problems += validate(item, properties[name], f"{path}.{name}")
            elif extra is False:
                problems.append(f"{path}: unexpected field `{name}`")
            elif isinstance(extra, dict):
                problems += validate(item, extra, f"{path}[{name!r}]")
    return problems
