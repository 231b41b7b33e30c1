"""Static types as JSON Schema: how outputs are requested from models and validated."""

from __future__ import annotations

from typing import Any

from agentflow.compiler.types import (
    BOOL,
    DURATION,
    FLOAT,
    INT,
    MONEY,
    PERCENT,
    RATE,
    STRING,
    EnumT,
    ListT,
    MapT,
    OptionalT,
    RecordT,
    Type,
)

_PRIMITIVES: dict[Type, dict[str, Any]] = {
    STRING: {"type": "string"},
    INT: {"type": "integer"},
    FLOAT: {"type": "number"},
    BOOL: {"type": "boolean"},
    MONEY: {"type": "string", "format": "decimal"},
    DURATION: {"type": "number", "description": "seconds"},
    PERCENT: {"type": "number"},
    RATE: {"type": "string"},
}


def schema_of(t: Type) -> dict[str, Any]:
    """The JSON Schema of a type (records are closed: no extra properties)."""
    if t in _PRIMITIVES:
        return dict(_PRIMITIVES[t])
    if isinstance(t, EnumT):
        return {"type": "string", "enum": list(t.members)}
    if isinstance(t, ListT):
        return {"type": "array", "items": schema_of(t.element)}
    if isinstance(t, MapT):
        return {"type": "object", "additionalProperties": schema_of(t.value)}
    if isinstance(t, OptionalT):
        return {"anyOf": [schema_of(t.inner), {"type": "null"}]}
    if isinstance(t, RecordT):
        schema: dict[str, Any] = {
            "type": "object",
            "properties": {f.name: schema_of(f.type) for f in t.fields},
            "required": [f.name for f in t.fields if f.required],
            "additionalProperties": False,
        }
        if t.name:
            schema["title"] = t.name
        return schema
    return {}
