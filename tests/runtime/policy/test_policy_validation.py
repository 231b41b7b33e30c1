"""Validation against the compiler's JSON Schema subset, and conformance to its types."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from agentflow.compiler.jsonschema import schema_of
from agentflow.compiler.types import (
    BOOL,
    FLOAT,
    INT,
    MONEY,
    STRING,
    EnumT,
    ListT,
    MapT,
    OptionalT,
)
from agentflow.runtime.validation import MAX_ERRORS, conform, format_path, validate

REPORT = {
    "type": "object",
    "title": "Report",
    "properties": {
        "title": {"type": "string"},
        "sources": {"type": "array", "items": {"type": "string"}},
        "score": {"type": "number"},
        "pages": {"type": "integer"},
        "draft": {"type": "boolean"},
        "tone": {"type": "string", "enum": ["formal", "casual"]},
        "note": {"anyOf": [{"type": "string"}, {"type": "null"}]},
        "tags": {"type": "object", "additionalProperties": {"type": "integer"}},
    },
    "required": ["title", "sources", "score"],
    "additionalProperties": False,
}
GOOD = {
    "title": "t",
    "sources": ["a", "b"],
    "score": 0.5,
    "pages": 3,
    "draft": False,
    "tone": "formal",
    "note": None,
    "tags": {"x": 1},
}


@pytest.mark.parametrize(
    ("schema", "good", "bad", "message"),
    [
        ({"type": "string"}, "x", 1, "$: expected string, found int"),
        ({"type": "integer"}, 3, "3", "$: expected int, found string"),
        ({"type": "integer"}, 3, 2.5, "$: expected int, found float"),
        ({"type": "integer"}, 3, True, "$: expected int, found bool"),
        ({"type": "number"}, 2.5, False, "$: expected number, found bool"),
        ({"type": "number"}, 2, "2", "$: expected number, found string"),
        ({"type": "number"}, 2, float("nan"), "$: expected number, found float"),
        ({"type": "boolean"}, True, 1, "$: expected bool, found int"),
        ({"type": "null"}, None, 0, "$: expected null, found int"),
        ({"type": "object"}, {}, [], "$: expected object, found list"),
        ({"type": "array"}, [], {}, "$: expected list, found object"),
        ({"type": ["string", "null"]}, None, 1, "$: expected string or null, found int"),
        (
            {"type": "string", "enum": ["a", "b"]},
            "a",
            "c",
            '$: expected one of "a", "b", found "c"',
        ),
        ({"enum": [1, 2]}, 1, True, "$: expected one of 1, 2, found True"),
        (
            {"anyOf": [{"type": "integer"}, {"type": "string"}]},
            "x",
            None,
            "$: expected int or string, found null",
        ),
        (
            {"type": "string", "format": "decimal"},
            "12.50",
            "twelve",
            '$: expected a decimal number, found "twelve"',
        ),
    ],
)
def test_every_form(schema: dict[str, Any], good: Any, bad: Any, message: str) -> None:
    assert validate(good, schema) == []
    assert validate(bad, schema) == [message]


def test_empty_schema_accepts_anything() -> None:
    for value in (None, 1, "x", [1, {"a": object()}], {"k": True}):
        assert validate(value, {}) == []
        assert conform(value, {}) == value


def test_title_description_and_format_are_ignored() -> None:
    schema = {"type": "string", "title": "T", "description": "d", "format": "date-time"}
    assert validate("not a date", schema) == []


def test_a_good_record() -> None:
    assert validate(GOOD, REPORT) == []


def test_paths_in_messages() -> None:
    value = {
        "sources": ["a", "b", 3],
        "score": True,
        "pages": 1.5,
        "tone": "rude",
        "note": 5,
        "tags": {"x": "1", "odd key": 2.0, "bad": None},
        "extra": 1,
    }
    assert validate(value, REPORT) == [
        "$.title: missing required field",
        "$.sources[2]: expected string, found int",
        "$.score: expected number, found bool",
        "$.pages: expected int, found float",
        '$.tone: expected one of "formal", "casual", found "rude"',
        "$.note: expected string or null, found int",
        "$.tags.x: expected int, found string",
        "$.tags.bad: expected int, found null",
        "$.extra: unexpected field",
    ]


def test_nested_paths() -> None:
    schema = schema_of(ListT(MapT(ListT(OptionalT(INT)))))
    value = [{"a": [1, None]}, {"b c": [1, "x"]}]
    assert validate(value, schema) == ['$[1]["b c"][1]: expected int or null, found string']
    assert format_path([]) == "$"
    assert format_path(["a", 0, "b-c", 'q"']) == '$.a[0]["b-c"]["q\\""]'


def test_optional_record_explains_through_the_record() -> None:
    inner = {
        "type": "object",
        "properties": {"a": {"type": "integer"}},
        "required": ["a"],
        "additionalProperties": False,
    }
    schema = {"anyOf": [inner, {"type": "null"}]}
    assert validate(None, schema) == []
    assert validate({"a": 1}, schema) == []
    assert validate({"a": "x"}, schema) == ["$.a: expected int, found string"]
    assert validate({}, schema) == ["$.a: missing required field"]


def test_additional_properties() -> None:
    closed = {"type": "object", "properties": {"a": {}}, "additionalProperties": False}
    assert validate({"a": 1}, closed) == []
    assert validate({"a": 1, "b": 2}, closed) == ["$.b: unexpected field"]
    open_ = {"type": "object", "properties": {"a": {"type": "integer"}}}
    assert validate({"a": 1, "b": "anything"}, open_) == []
    assert validate({1: "x"}, {"type": "object"}) == ["$: object keys must be strings, found int"]


def test_at_most_twenty_errors() -> None:
    problems = validate(list(range(100)), {"type": "array", "items": {"type": "string"}})
    assert len(problems) == MAX_ERRORS == 20
    assert problems[0] == "$[0]: expected string, found int"
    assert problems[-1] == "$[19]: expected string, found int"
    assert len(validate(list(range(100)), {"items": {"type": "string"}}, limit=3)) == 3


def test_tuples_are_lists() -> None:
    schema = {"type": "array", "items": {"type": "integer"}}
    assert validate((1, 2), schema) == []
    assert conform((1, 2), schema) == [1, 2]


def test_conform_int_to_float_and_keeps_a_copy() -> None:
    value = {
        "title": "t",
        "sources": ("a",),
        "score": 3,
        "pages": 4.0,
        "note": "n",
        "tags": {"x": 2},
    }
    result = conform(value, REPORT)
    assert result == {
        "title": "t",
        "sources": ["a"],
        "score": 3.0,
        "pages": 4,
        "note": "n",
        "tags": {"x": 2},
    }
    assert type(result["score"]) is float
    assert type(result["pages"]) is int
    assert result is not value and result["tags"] is not value["tags"]


def test_conform_through_any_of_and_nested_numbers() -> None:
    schema = schema_of(ListT(OptionalT(FLOAT)))
    result = conform([1, None, 2.5], schema)
    assert result == [1.0, None, 2.5]
    assert [type(x) for x in result] == [float, type(None), float]


def test_bool_is_never_a_number_or_int() -> None:
    assert validate(True, schema_of(INT)) == ["$: expected int, found bool"]
    assert validate(False, schema_of(FLOAT)) == ["$: expected number, found bool"]
    assert validate(1, schema_of(BOOL)) == ["$: expected bool, found int"]
    assert conform(True, schema_of(BOOL)) is True


def test_money_accepts_decimals_and_conforms_to_decimal() -> None:
    money = schema_of(MONEY)
    assert validate(Decimal("0.50"), money) == []
    assert validate("0", money) == []
    assert validate(2, money) == []
    assert validate(True, money) == ["$: expected string, found bool"]
    assert conform("12.50", money) == Decimal("12.50")
    assert conform("0", money) == Decimal(0)
    assert conform(2.5, money) == Decimal("2.5")
    assert conform(Decimal("1.10"), money) == Decimal("1.10")


def test_compiler_schemas_round_trip() -> None:
    schema = schema_of(ListT(EnumT(("formal", "casual"))))
    assert validate(["formal"], schema) == []
    assert validate(["loud"], schema) == ['$[0]: expected one of "formal", "casual", found "loud"']
    assert validate("x", schema_of(STRING)) == []
