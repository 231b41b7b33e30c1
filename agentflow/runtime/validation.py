"""Checking values against the JSON Schemas the compiler emits (`compiler/jsonschema.py`).

The subset: `type` (one name or a list), `properties`, `required`, `additionalProperties`
(a boolean or a schema), `items`, `enum` and `anyOf`. Other keywords (`title`,
`description`, `format`) are ignored, except `"format": "decimal"` (money): such a string
must hold a decimal number, and a `Decimal` (the runtime's money value), int or float is
accepted in its place. An empty schema accepts anything.
"""

from __future__ import annotations

import contextlib
import math
import re
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

MAX_ERRORS = 20

_EXPECTED = {
    "string": "string",
    "integer": "int",
    "number": "number",
    "boolean": "bool",
    "object": "object",
    "array": "list",
    "null": "null",
}
_FOUND = {
    str: "string",
    bool: "bool",
    int: "int",
    float: "float",
    type(None): "null",
    dict: "object",
    list: "list",
    tuple: "list",
    Decimal: "decimal",
}
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


class _Full(Exception):
    """Enough errors have been found."""


def type_name(value: Any) -> str:
    """The name a message uses for a value's type."""
    name = _FOUND.get(type(value))
    if name is not None:
        return name
    if isinstance(value, Mapping):
        return "object"
    return type(value).__name__


def _is_decimal_string(schema: Mapping[str, Any]) -> bool:
    return schema.get("format") == "decimal"


def _is_number(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, float | Decimal):
        return math.isfinite(value)
    return isinstance(value, int)


def _has_type(value: Any, name: str, schema: Mapping[str, Any]) -> bool:
    if name == "string":
        return isinstance(value, str) or (_is_decimal_string(schema) and _is_number(value))
    if name == "integer":
        if isinstance(value, bool):
            return False
        return isinstance(value, int) or (isinstance(value, float) and value.is_integer())
    if name == "number":
        return _is_number(value)
    if name == "boolean":
        return isinstance(value, bool)
    if name == "object":
        return isinstance(value, Mapping)
    if name == "array":
        return isinstance(value, list | tuple)
    if name == "null":
        return value is None
    return True  # an unknown type name constrains nothing


def _types(schema: Mapping[str, Any]) -> list[str]:
    declared = schema.get("type")
    if declared is None:
        return []
    return [declared] if isinstance(declared, str) else list(declared)


def _describe(schema: Mapping[str, Any]) -> str:
    """What a schema expects, in a few words."""
    if "anyOf" in schema:
        return " or ".join(_describe(branch) for branch in schema["anyOf"])
    names = [_EXPECTED.get(t, t) for t in _types(schema)]
    return " or ".join(names) if names else "any value"


def _show(value: Any) -> str:
    text = repr(value) if not isinstance(value, str) else '"' + value.replace('"', '\\"') + '"'
    return text if len(text) <= 40 else text[:37] + "..."


def _json_equal(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    return bool(a == b)


def format_path(path: list[str | int]) -> str:
    """`$`, `$.sources[2]`, `$["odd key"]`."""
    parts = ["$"]
    for step in path:
        if isinstance(step, int):
            parts.append(f"[{step}]")
        elif _IDENTIFIER.match(step):
            parts.append(f".{step}")
        else:
            parts.append("[" + _show(step) + "]")
    return "".join(parts)


class _Validator:
    __slots__ = ("errors", "limit", "path")

    def __init__(self, limit: int) -> None:
        self.errors: list[str] = []
        self.limit = limit
        self.path: list[str | int] = []

    def fail(self, message: str, step: str | int | None = None) -> None:
        if step is not None:
            self.path.append(step)
        self.errors.append(f"{format_path(self.path)}: {message}")
        if step is not None:
            self.path.pop()
        if len(self.errors) >= self.limit:
            raise _Full

    def check(self, value: Any, schema: Mapping[str, Any]) -> None:
        if not schema:
            return
        if "anyOf" in schema:
            self.any_of(value, schema)
        declared = schema.get("type")
        if declared is None:
            types: list[str] | str = []
        elif isinstance(declared, str):
            types = declared
            if not _has_type(value, declared, schema):
                self.fail(f"expected {_describe(schema)}, found {type_name(value)}")
                return
        else:
            types = declared
            if not any(_has_type(value, t, schema) for t in declared):
                self.fail(f"expected {_describe(schema)}, found {type_name(value)}")
                return
        if "enum" in schema and not any(_json_equal(value, m) for m in schema["enum"]):
            members = ", ".join(_show(m) for m in schema["enum"][:8])
            more = ", ..." if len(schema["enum"]) > 8 else ""
            self.fail(f"expected one of {members}{more}, found {_show(value)}")
            return
        if isinstance(value, str) and _is_decimal_string(schema) and _decimal(value) is None:
            self.fail(f"expected a decimal number, found {_show(value)}")
        elif isinstance(value, Mapping) and (not types or "object" in types):
            self.check_object(value, schema)
        elif isinstance(value, list | tuple) and "items" in schema:
            items = schema["items"]
            path = self.path
            for index, item in enumerate(value):
                path.append(index)
                self.check(item, items)
                path.pop()

    def any_of(self, value: Any, schema: Mapping[str, Any]) -> None:
        branches = schema["anyOf"]
        if any(not validate(value, branch, 1) for branch in branches):
            return
        # Explain through the one branch of the value's own type, if there is exactly one.
        typed = [b for b in branches if any(_has_type(value, t, b) for t in _types(b))]
        if len(typed) == 1:
            self.check(value, typed[0])
        else:
            self.fail(f"expected {_describe(schema)}, found {type_name(value)}")

    def check_object(self, value: Mapping[Any, Any], schema: Mapping[str, Any]) -> None:
        properties: Mapping[str, Any] = schema.get("properties", {})
        extra = schema.get("additionalProperties", True)
        for field in schema.get("required", ()):
            if field not in value:
                self.fail("missing required field", field)
        path = self.path
        for key, item in value.items():
            if not isinstance(key, str):
                self.fail(f"object keys must be strings, found {type_name(key)}")
                continue
            sub = properties.get(key)
            if sub is None:
                if extra is False:
                    self.fail("unexpected field", key)
                    continue
                if extra is True:
                    continue
                sub = extra
            path.append(key)
            self.check(item, sub)
            path.pop()


def _decimal(text: str) -> Decimal | None:
    try:
        number = Decimal(text.strip())
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def validate(value: Any, schema: Mapping[str, Any], limit: int = MAX_ERRORS) -> list[str]:
    """Every way `value` breaks `schema` (at most `limit`), each with its JSON path."""
    validator = _Validator(limit)
    with contextlib.suppress(_Full):
        validator.check(value, schema)
    return validator.errors


def conform(value: Any, schema: Mapping[str, Any]) -> Any:
    """A copy of a valid value in the schema's own types: numbers as float, integral floats
    as int, tuples as lists, decimal strings as `Decimal`."""
    if not schema:
        return _copy(value)
    if "anyOf" in schema:
        for branch in schema["anyOf"]:
            if not validate(value, branch, 1):
                return conform(value, branch)
        return _copy(value)
    types = _types(schema)
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int | float | Decimal):
        if "integer" in types and isinstance(value, float) and value.is_integer():
            return int(value)
        if "number" in types:
            return value if isinstance(value, float) else float(value)
        if "string" in types and _is_decimal_string(schema):
            return value if isinstance(value, Decimal) else Decimal(str(value))
        return value
    if isinstance(value, str):
        number = _decimal(value) if _is_decimal_string(schema) else None
        return value if number is None else number
    if isinstance(value, Mapping):
        properties: Mapping[str, Any] = schema.get("properties", {})
        extra = schema.get("additionalProperties", True)
        extra_schema = extra if isinstance(extra, Mapping) else {}
        return {k: conform(v, properties.get(k, extra_schema)) for k, v in value.items()}
    if isinstance(value, list | tuple):
        items = schema.get("items", {})
        return [conform(item, items) for item in value]
    return value


def _copy(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_copy(v) for v in value]
    return value


_SCALARS: dict[Any, type] = {"string": str, "integer": int, "boolean": bool}


def fits(value: Any, schema: Mapping[str, Any]) -> bool:
    """Whether `value` already matches `schema` exactly, needing no conversion.

    The fast path of validation: exact type tests, no copies. False only means "take the
    full path" (`validate` then `conform`), never that the value is invalid.
    """
    declared = schema.get("type")
    if declared is None:
        if "anyOf" in schema:
            return any(fits(value, option) for option in schema["anyOf"])
        return not schema
    kind = type(value)
    if declared == "string":
        return (
            kind is str
            and "format" not in schema
            and ("enum" not in schema or value in schema["enum"])
        )
    if declared == "integer":
        return kind is int
    if declared == "number":
        return kind is float and value == value and value not in (float("inf"), float("-inf"))
    if declared == "boolean":
        return kind is bool
    if declared == "null":
        return value is None
    if declared == "array":
        if kind is not list:
            return False
        items = schema.get("items")
        if not items:
            return True
        scalar = _SCALARS.get(items.get("type")) if len(items) == 1 else None
        if scalar is not None:  # list[int], list[string], ...: one exact type test per item
            return all(type(item) is scalar for item in value)
        return all(fits(item, items) for item in value)
    if declared == "object" and kind is dict:
        return _fits_object(value, schema)
    return False


def _fits_object(value: dict[Any, Any], schema: Mapping[str, Any]) -> bool:
    properties = schema.get("properties")
    extra = schema.get("additionalProperties", True)
    for name in schema.get("required", ()):
        if name not in value:
            return False
    for key, item in value.items():
        if type(key) is not str:
            return False
        inner = properties.get(key) if properties else None
        if inner is None:
            if extra is False or (isinstance(extra, dict) and not fits(item, extra)):
                return False
        elif not fits(item, inner):
            return False
    return True
