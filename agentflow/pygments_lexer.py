"""Pygments lexer for agentflow, registered as the ``agentflow`` lexer.

It is exposed through the ``pygments.lexers`` entry point (see ``pyproject.toml``), so
``pygmentize -l agentflow``, Sphinx, MkDocs and ``rich`` highlight ``.agentflow`` code once
the package is installed. Token classes mirror the TextMate grammar in
``editors/vscode/syntaxes/agentflow.tmLanguage.json``: declarations and their names, types,
strings with embedded Jinja2, numbers with units, comments and operators.
"""

from __future__ import annotations

from typing import ClassVar

from pygments.lexer import RegexLexer, bygroups, include, words
from pygments.token import (
    Comment,
    Keyword,
    Name,
    Number,
    Operator,
    Punctuation,
    String,
    Text,
    Whitespace,
)

__all__ = ["AgentflowLexer"]

_NAME = r"[A-Za-z_][A-Za-z0-9_]*"
_NUM = r"\d[\d_]*(?:\.\d[\d_]*)?"
_END = r"(?![A-Za-z0-9_])"
_PRE = r"(?<![.\w])"

DECLARATION_KEYWORDS = (
    "model",
    "tool",
    "type",
    "role",
    "principal",
    "budget",
    "policy",
    "agent",
    "workflow",
)
CONTROL_KEYWORDS = (
    "if",
    "else",
    "switch",
    "return",
    "fail",
    "try",
    "map",
    "iterate",
    "until",
    "max",
    "for",
    "when",
)
OPERATOR_WORDS = ("and", "or", "not", "in")
OTHER_KEYWORDS = ("agentflow", "input", "output", "concurrency", "run_as", "timeout", "max_nodes")
CONSTANTS = ("true", "false")
BUILTIN_TYPES = ("string", "int", "float", "bool", "list", "Message", "Error", "Result")
BUILTIN_FUNCTIONS = (
    "env",
    "len",
    "count",
    "sum",
    "min",
    "max",
    "sort",
    "take",
    "unique",
    "flatten",
    "compact",
    "max_by",
    "min_by",
    "zip",
    "keys",
    "values",
    "lower",
    "upper",
    "split",
    "join",
    "contains",
    "tojson",
    "python",
)
JINJA_KEYWORDS = (
    "if",
    "elif",
    "else",
    "endif",
    "for",
    "endfor",
    "in",
    "not",
    "and",
    "or",
    "is",
    "set",
    "endset",
    "macro",
    "endmacro",
    "with",
    "endwith",
    "raw",
    "endraw",
    "filter",
    "endfilter",
    "block",
    "endblock",
)

_Embedded = String.Interpol


class AgentflowLexer(RegexLexer):
    """Lexer for agentflow workflow files (``*.agentflow``)."""

    name = "agentflow"
    aliases: ClassVar[list[str]] = ["agentflow"]
    filenames: ClassVar[list[str]] = ["*.agentflow"]
    mimetypes: ClassVar[list[str]] = ["text/x-agentflow"]
    url = "https://github.com/agentflow/agentflow"

    tokens: ClassVar[dict[str, list]] = {
        "root": [
            (r"\s+", Whitespace),
            (r"#.*$", Comment.Single),
            (r'"""', String.Double, "long-string"),
            (r'"', String.Double, "string"),
            # declarations and their names
            (
                r"^(\s*)(type)(\s+)(" + _NAME + ")",
                bygroups(Whitespace, Keyword.Declaration, Whitespace, Name.Class),
            ),
            (
                r"^(\s*)(model|role|principal|budget)(\s+)(" + _NAME + ")",
                bygroups(Whitespace, Keyword.Declaration, Whitespace, Name.Class),
            ),
            (
                r"^(\s*)(agent|workflow|tool)(\s+)(" + _NAME + ")",
                bygroups(Whitespace, Keyword.Declaration, Whitespace, Name.Function),
            ),
            include("numbers"),
            (_PRE + r"map(?=\s*\[)", Keyword.Type),
            (words(BUILTIN_TYPES, prefix=_PRE + r"\b", suffix=r"\b"), Keyword.Type),
            (words(BUILTIN_FUNCTIONS, prefix=_PRE + r"\b", suffix=r"(?=\s*\()"), Name.Builtin),
            (words(DECLARATION_KEYWORDS, prefix=_PRE + r"\b", suffix=r"\b"), Keyword.Declaration),
            (words(CONTROL_KEYWORDS, prefix=_PRE + r"\b", suffix=r"\b"), Keyword),
            (words(OPERATOR_WORDS, prefix=_PRE + r"\b", suffix=r"\b"), Operator.Word),
            (words(OTHER_KEYWORDS, prefix=_PRE + r"\b", suffix=r"\b"), Keyword.Reserved),
            (words(CONSTANTS, prefix=_PRE + r"\b", suffix=r"\b"), Keyword.Constant),
            (_NAME + r"(?=\s*\()", Name.Function),
            (r"[A-Z][A-Za-z0-9_]*\b", Name.Class),
            (r"=>|->|\?\?|==|!=|<=|>=|[<>=+\-*/|?]", Operator),
            (r"[{}\[\](),:.]", Punctuation),
            (_NAME, Name),
        ],
        "numbers": [
            (r"\$" + _NUM, Number.Money),
            (r"\b" + _NUM + r"/(?:s|min|h|d)" + _END, Number.Rate),
            (r"\b" + _NUM + r"(?:ms|s|min|h|d)" + _END, Number.Duration),
            (r"\b" + _NUM + r"[kM]" + _END, Number.Count),
            (r"\b" + _NUM + r"%", Number.Percent),
            (r"\b\d[\d_]*\.\d[\d_]*" + _END, Number.Float),
            (r"\b\d[\d_]*" + _END, Number.Integer),
        ],
        "escapes": [
            (r"\\(?:u[0-9A-Fa-f]{4}|[\s\S])", String.Escape),
        ],
        "string": [
            (r'"', String.Double, "#pop"),
            (r"\n", Text, "#pop"),  # an unterminated string ends at the line end
            include("escapes"),
            include("jinja-open"),
            (r'[^"\\{\n]+', String.Double),
            (r"\{", String.Double),
        ],
        "long-string": [
            (r'"""', String.Double, "#pop"),
            include("escapes"),
            include("jinja-open"),
            (r'[^"\\{]+', String.Double),
            (r'["{]', String.Double),
        ],
        "jinja-open": [
            (r"\{#[\s\S]*?#\}", Comment.Multiline),
            (r"\{\{-?|\{%-?", _Embedded, "jinja"),
        ],
        "jinja": [
            (r"-?\}\}|-?%\}", _Embedded, "#pop"),
            (r'(?=""")', Text, "#pop"),
            (r"\s+", Whitespace),
            (r"'(?:[^'\\\n]|\\.)*'", String.Single),
            (r'\\"(?:[^"\\\n]|\\[^"\n])*\\"', String.Double),
            (r'(?=")', Text, "#pop"),
            (r"\d+(?:\.\d+)?", Number),
            (words(JINJA_KEYWORDS, prefix=r"\b", suffix=r"\b"), Keyword),
            (
                words(("true", "false", "none", "True", "False", "None"), suffix=r"\b"),
                Keyword.Constant,
            ),
            (r"(\|)(\s*)(" + _NAME + ")", bygroups(Operator, Whitespace, Name.Function)),
            (r"==|!=|<=|>=|[<>+\-*/%~=]", Operator),
            (r"[.,:()\[\]]", Punctuation),
            (_NAME, Name.Variable),
            (r"[^\s\"}%]", Text),
            (r"[}%]", Text),
        ],
    }
