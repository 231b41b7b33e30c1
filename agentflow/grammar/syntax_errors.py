"""Friendly syntax errors: a catalogue of bad examples, matched by parser state."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from lark import UnexpectedInput
from lark.exceptions import UnexpectedEOF, UnexpectedToken

# message -> (hint, examples that fail in the same parser state)
CATALOGUE: dict[str, tuple[str | None, list[str]]] = {
    "expected `=` after the setting name": (
        "settings are written `name = value`",
        ["agentflow 1\nmodel m { provider offline }", "agentflow 1\nagent a { model m }"],
    ),
    "expected `->` and a result type after the workflow parameters": (
        "write `workflow name(param: type) -> result_type { ... }`",
        ["agentflow 1\nworkflow w(x: string) { return x }"],
    ),
    "expected a declaration": (
        "a file holds `model`, `tool`, `type`, `role`, `principal`, `budget`, `policy`, "
        "`agent` and `workflow` declarations",
        [
            "agentflow 1\nfoo bar {}",
            "agentflow 1\nmodel m { provider = offline }\n}",
            "agentflow 1\nmodel m { provider = offline }\nx = 1",
        ],
    ),
    "expected a type after `:`": (
        "fields are written `name: type`, e.g. `topic: string`",
        ["agentflow 1\ntype T { a: }", "agentflow 1\ntype T { a: = 1 }"],
    ),
    "expected `:` and a type after the field name": (
        "fields are written `name: type`, e.g. `topic: string`",
        ["agentflow 1\ntype T { a }", "agentflow 1\ntype T { a string }"],
    ),
    "expected an expression": (
        None,
        ["agentflow 1\nmodel m { provider = }", "agentflow 1\nworkflow w() -> int { x = \n}"],
    ),
    "call arguments must be separated by commas": (
        "write `f(a: 1, b: 2)`",
        ["agentflow 1\nworkflow w() -> int { a = f(x: 1 y: 2) return a }"],
    ),
    "list items must be separated by commas": (
        "write `[a, b]`",
        ["agentflow 1\nrole r { tools = [a b] }"],
    ),
    "comparisons cannot be chained": (
        "combine them with `and`: `a < b and b < c`",
        ["agentflow 1\nworkflow w() -> bool { a = 1 < 2 < 3 return a }"],
    ),
    "`iterate` needs `max N` after its condition": (
        "write `iterate v = init() until cond max 4 => step(x: v)`",
        ["agentflow 1\nworkflow w() -> int { b = iterate d = f() until d => g(x: d) return b }"],
    ),
    "expected `=>` and a call after the `map` list": (
        "write `map item in items => agent(arg: item)`",
        ["agentflow 1\nworkflow w() -> int { b = map x in xs f(y: x) return b }"],
    ),
    "expected a workflow statement": (
        "a workflow body holds bindings `name = ...`, `if`, `switch`, `fail` and `return`",
        ["agentflow 1\nworkflow w() -> int { 1 }", "agentflow 1\nworkflow w() -> int { f(x: 1) }"],
    ),
    "expected the language version after `agentflow`": (
        "the first line of every file is `agentflow 1`",
        ["agentflow\nmodel m { provider = offline }"],
    ),
    "missing `}`": (
        "every `{` needs a matching `}`",
        [
            "agentflow 1\nmodel m { provider = offline",
            "agentflow 1\nworkflow w() -> int { return 1",
        ],
    ),
}

_TOKEN_NAMES = {
    "NAME": "a name",
    "STRING": "a string",
    "LONG_STRING": "a string",
    "NUMBER": "a number",
    "$END": "the end of the file",
    "LBRACE": "`{`",
    "RBRACE": "`}`",
    "LPAR": "`(`",
    "RPAR": "`)`",
    "LSQB": "`[`",
    "RSQB": "`]`",
    "EQUAL": "`=`",
    "COLON": "`:`",
    "_COMMA": "`,`",
    "COMMA": "`,`",
    "COMPARE_OP": "a comparison",
}


def _describe_token(token_type: str) -> str:
    if token_type in _TOKEN_NAMES:
        return _TOKEN_NAMES[token_type]
    return f"`{token_type.lower()}`"


def describe_syntax_error(
    error: UnexpectedInput, parse: Callable[[str], Any]
) -> tuple[str, str | None]:
    """A message and hint for a parse error: from the catalogue, else from the parser state."""
    examples = {message: samples for message, (_, samples) in CATALOGUE.items()}
    try:
        label = error.match_examples(parse, examples, use_accepts=True)
    except Exception:  # a catalogue entry that no longer fails must not hide the real error
        label = None
    if isinstance(label, str):
        return label, CATALOGUE[label][0]
    if isinstance(error, UnexpectedEOF):
        return "unexpected end of file", None
    found = "end of file"
    expected: set[str] = set()
    if isinstance(error, UnexpectedToken):
        if error.token.type != "$END":
            found = f"`{error.token}`"
        expected = set(error.accepts or error.expected)
    wanted = sorted({_describe_token(t) for t in expected})
    if not wanted:
        return f"unexpected {found}", None
    if len(wanted) > 6:
        wanted = [*wanted[:6], "..."]
    return f"unexpected {found}", "expected " + ", ".join(wanted)
