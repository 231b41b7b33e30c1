"""The Pygments lexer: no error tokens on any example, a stable token stream, registration."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from pygments.token import Error, Token

from agentflow.pygments_lexer import AgentflowLexer

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((ROOT / "examples").glob("*.agentflow"))


def _tokens(source: str) -> list[tuple[str, str]]:
    return [
        (str(kind), value)
        for kind, value in AgentflowLexer().get_tokens(source)
        if value.strip() and kind not in Token.Text.Whitespace
    ]


def test_there_are_examples() -> None:
    assert len(EXAMPLES) >= 5


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_example_has_no_error_tokens(path: Path) -> None:
    tokens = list(AgentflowLexer().get_tokens(path.read_text(encoding="utf-8")))
    errors = [(kind, value) for kind, value in tokens if kind in Error]
    assert errors == []
    assert "".join(value for _, value in tokens) == path.read_text(encoding="utf-8")


def test_hello_token_stream(snapshot) -> None:
    source = (ROOT / "examples" / "hello.agentflow").read_text(encoding="utf-8")
    assert _tokens(source) == snapshot


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("x = $1_000.50", ("Token.Literal.Number.Money", "$1_000.50")),
        ("x = 250ms", ("Token.Literal.Number.Duration", "250ms")),
        ("x = 5min", ("Token.Literal.Number.Duration", "5min")),
        ("x = 30d", ("Token.Literal.Number.Duration", "30d")),
        ("x = 30/min", ("Token.Literal.Number.Rate", "30/min")),
        ("x = 80%", ("Token.Literal.Number.Percent", "80%")),
        ("x = 200k", ("Token.Literal.Number.Count", "200k")),
        ("x = 2M", ("Token.Literal.Number.Count", "2M")),
        ("x = 0.75", ("Token.Literal.Number.Float", "0.75")),
        ("x = 42", ("Token.Literal.Number.Integer", "42")),
        ("x = true", ("Token.Keyword.Constant", "true")),
        ('x = env("K")', ("Token.Name.Builtin", "env")),
        ("x = a ?? b", ("Token.Operator", "??")),
        ("x = a and not b", ("Token.Operator.Word", "not")),
        ("workflow w() -> int {}", ("Token.Name.Function", "w")),
        ("workflow w() -> int {}", ("Token.Keyword.Type", "int")),
        ("type Ticket { a: list[Message] }", ("Token.Name.Class", "Ticket")),
        ("type Ticket { a: list[Message] }", ("Token.Keyword.Type", "Message")),
        ("model local {}", ("Token.Keyword.Declaration", "model")),
        ("# note", ("Token.Comment.Single", "# note")),
    ],
)
def test_token_classes(source: str, expected: tuple[str, str]) -> None:
    assert expected in _tokens(source)


@pytest.mark.parametrize("quote", ['"', '"""'])
def test_jinja_inside_strings(quote: str) -> None:
    tokens = _tokens(f"p = {quote}Hi {{{{ user.name | upper }}}}{{% if x %}}!{{% endif %}}{quote}")
    assert ("Token.Literal.String.Interpol", "{{") in tokens
    assert ("Token.Literal.String.Interpol", "}}") in tokens
    assert ("Token.Literal.String.Interpol", "{%") in tokens
    assert ("Token.Name.Variable", "user") in tokens
    assert ("Token.Name.Function", "upper") in tokens
    assert ("Token.Keyword", "endif") in tokens
    assert tokens[-1] == ("Token.Literal.String.Double", quote)


def test_get_lexer_by_name_when_registered() -> None:
    from pygments.lexers import get_lexer_by_name
    from pygments.util import ClassNotFound

    try:
        lexer = get_lexer_by_name("agentflow")
    except ClassNotFound:
        pytest.skip("agentflow is not installed with its entry points (run `pip install -e .`)")
    assert isinstance(lexer, AgentflowLexer)


def test_entry_point_is_declared() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    lexers = project["entry-points"]["pygments.lexers"]
    assert lexers["agentflow"] == "agentflow.pygments_lexer:AgentflowLexer"
    module, _, attribute = lexers["agentflow"].partition(":")
    assert getattr(__import__(module, fromlist=[attribute]), attribute) is AgentflowLexer


def test_lexer_metadata() -> None:
    assert AgentflowLexer.name == "agentflow"
    assert "agentflow" in AgentflowLexer.aliases
    assert "*.agentflow" in AgentflowLexer.filenames
