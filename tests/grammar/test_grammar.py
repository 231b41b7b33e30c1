"""The grammar itself: strict LALR (no conflicts, no terminal collisions), and every form of the
language design parses."""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path

import pytest
from lark import Lark

import agentflow

SPEC = Path(__file__).resolve().parents[3] / "shared" / "LANGUAGE.md"


def test_grammar_builds_strict_without_cache() -> None:
    grammar = resources.files("agentflow.grammar").joinpath("agentflow.lark").read_text()
    Lark(grammar, parser="lalr", strict=True, propagate_positions=True, cache=False)


def spec_blocks() -> list[str]:
    if not SPEC.exists():
        return []
    return re.findall(r"```agentflow\n(.*?)```", SPEC.read_text(), re.S)


@pytest.mark.skipif(not SPEC.exists(), reason="../shared/LANGUAGE.md is not beside the checkout")
@pytest.mark.parametrize("block", spec_blocks())
def test_every_form_of_the_language_design_parses(block: str) -> None:
    if not block.lstrip().startswith(("agentflow", "tool", "model", "workflow")):
        block = f"workflow w(topic: string) -> string {{\n{block}\nreturn best\n}}"
    _, diagnostics = agentflow.parse(block)
    assert diagnostics == []


KEYWORD_AS_NAME = [
    "agentflow 1\nagent a { tools = [x]\n budget = team\n timeout = 3s }",
    "agentflow 1\ntype T { input: string output: int map: bool }",
    "agentflow 1\nmodel m { price = { input: $1, output: $2 } }",
    "agentflow 1\nworkflow w() -> int { role = 1\n history = 2\n on = role + history\n return on }",
]


@pytest.mark.parametrize("source", KEYWORD_AS_NAME)
def test_keywords_are_contextual(source: str) -> None:
    _, diagnostics = agentflow.parse(source)
    assert diagnostics == []


@pytest.mark.parametrize(
    ("source", "code", "message"),
    [
        (
            "agentflow 1\nmodel m { provider offline }",
            "AF001",
            "expected `=` after the setting name",
        ),
        (
            "agentflow 1\nrole r { tools = [a b] }",
            "AF001",
            "list items must be separated by commas",
        ),
        ('agentflow 1\nmodel m { name = "abc }', "AF004", "unterminated string"),
        ("agentflow 1\nmodel m { name = @ }", "AF011", "unexpected character `@`"),
        ("agentflow 1\nmodel m { provider = offline", "AF001", "missing `}`"),
    ],
)
def test_syntax_errors_come_from_the_catalogue(source: str, code: str, message: str) -> None:
    _, diagnostics = agentflow.parse(source)
    assert [(d.code, d.message) for d in diagnostics] == [(code, message)]


def test_syntax_catalogue_examples_still_fail() -> None:
    """A catalogue entry whose examples parse would silently stop matching anything."""
    from agentflow.grammar.syntax_errors import CATALOGUE

    for message, (_, samples) in CATALOGUE.items():
        for sample in samples:
            _, diagnostics = agentflow.parse(sample)
            assert diagnostics, f"catalogue example for {message!r} parses: {sample!r}"
