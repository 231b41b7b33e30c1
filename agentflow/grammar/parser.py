"""The cached Lark parser and `parse`, which turns text into an AST plus diagnostics."""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field, replace
from functools import cache
from importlib import resources

from lark import Lark, Token, UnexpectedInput
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedToken

from agentflow.diagnostics import DiagnosticSink
from agentflow.grammar import ast
from agentflow.grammar.syntax_errors import describe_syntax_error
from agentflow.grammar.transformer import AstBuilder
from agentflow.source import Source, Span

MAX_NESTING = 200
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_OPENERS = ("LPAR", "LSQB", "LBRACE")
_CLOSERS = ("RPAR", "RSQB", "RBRACE")


class NestingTooDeep(Exception):
    def __init__(self, token: Token) -> None:
        super().__init__("nesting too deep")
        self.token = token


@dataclass
class _LexState:
    """Per-parse lexer state (the parser is shared, so this lives in a thread-local)."""

    comments: list[ast.Comment] = field(default_factory=list)
    depth: int = 0


_state = threading.local()


def _current() -> _LexState:
    state: _LexState | None = getattr(_state, "value", None)
    if state is None:
        state = _state.value = _LexState()
    return state


def _on_comment(token: Token) -> Token:
    _current().comments.append(
        ast.Comment(str(token), Span(token.start_pos or 0, token.end_pos or 0))
    )
    return token


def _on_open(token: Token) -> Token:
    state = _current()
    state.depth += 1
    if state.depth > MAX_NESTING:
        raise NestingTooDeep(token)
    return token


def _on_close(token: Token) -> Token:
    _current().depth -= 1
    return token


@cache
def parser() -> Lark:
    """The one LALR parser, built once per process (and cached by Lark on disk)."""
    grammar = resources.files("agentflow.grammar").joinpath("agentflow.lark").read_text()
    callbacks = {"COMMENT": _on_comment}
    callbacks.update(dict.fromkeys(_OPENERS, _on_open))
    callbacks.update(dict.fromkeys(_CLOSERS, _on_close))
    return Lark(
        grammar,
        parser="lalr",
        strict=True,
        propagate_positions=True,
        maybe_placeholders=False,
        lexer_callbacks=callbacks,
        cache=_cache_path(),
    )


def _cache_path() -> str | bool:
    """Lark's grammar cache, in the user's cache directory when it is writable."""
    import os
    import tempfile

    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    for directory in (os.path.join(base, "agentflow"), tempfile.gettempdir()):
        try:
            os.makedirs(directory, exist_ok=True)
            if os.access(directory, os.W_OK):
                return os.path.join(directory, f"lark-{os.getuid()}-grammar.cache")
        except OSError:
            continue
    return False


def _contextual_keyword(error: UnexpectedInput) -> bool:
    """On an unexpected keyword where a name fits, read it as the name (keywords are contextual)."""
    if not isinstance(error, UnexpectedToken):
        return False
    token = error.token
    if token.type == "NAME" or not _NAME.match(str(token)):
        return False
    interactive = error.interactive_parser
    if "NAME" not in interactive.accepts():
        return False
    interactive.feed_token(Token.new_borrow_pos("NAME", str(token), token))
    return True


def raw_parse(text: str) -> ast.Program:
    """Parse, raising Lark's errors (used by the syntax-error catalogue)."""
    _state.value = _LexState()
    tree = parser().parse(text, on_error=_contextual_keyword)
    return AstBuilder().transform(tree)  # type: ignore[no-any-return]


def parse(source: Source, sink: DiagnosticSink) -> ast.Program | None:
    """Parse a source into a Program, or report why not and return None."""
    try:
        program = raw_parse(source.text)
    except NestingTooDeep as too_deep:
        token = too_deep.token
        sink.report(
            "AF009",
            Span(token.start_pos or 0, token.end_pos or 0),
            f"brackets nested deeper than {MAX_NESTING} levels",
            hint="split the expression into named bindings",
        )
        return None
    except UnexpectedInput as error:
        _report_syntax_error(source, sink, error)
        return None
    finally:
        comments = tuple(_current().comments)
        _state.value = None
    return replace(program, comments=comments)


def _report_syntax_error(source: Source, sink: DiagnosticSink, error: UnexpectedInput) -> None:
    text = source.text
    if isinstance(error, UnexpectedCharacters):
        offset = error.pos_in_stream or 0
        char = text[offset] if offset < len(text) else ""
        if char == '"':
            end = text.find("\n", offset)
            end = len(text) if end == -1 else end
            triple = text.startswith('"""', offset)
            sink.report(
                "AF004",
                Span(offset, end if not triple else offset + 3),
                "unterminated string" if not triple else 'unterminated `"""` string',
                hint='close it with `"`' if not triple else 'close it with `"""`',
            )
            return
        sink.report(
            "AF011",
            Span(offset, offset + 1),
            f"unexpected character `{char}`" if char.isprintable() else "unexpected character",
        )
        return
    if isinstance(error, UnexpectedEOF):
        end = len(text.rstrip())
        message, hint = describe_syntax_error(error, raw_parse)
        sink.report("AF001", Span(end, end), message or "unexpected end of file", hint=hint)
        return
    token: Token = error.token if isinstance(error, UnexpectedToken) else Token("$END", "")
    at_end = token.type == "$END" or token.start_pos is None
    start = len(text.rstrip()) if at_end else (token.start_pos or 0)
    end = start if at_end else (token.end_pos or start)
    message, hint = describe_syntax_error(error, raw_parse)
    sink.report("AF001", Span(start, max(end, start)), message, hint=hint)
