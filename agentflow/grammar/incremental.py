"""Parsing by top-level declaration, for the language server.

A program is cut before every line that starts (in column 0) with a declaration keyword.
Each piece is parsed on its own and remembered by its text; after an edit only the pieces
whose text changed are parsed again, and the others are reused, shifted to their new
offsets. The result equals what a full parse gives (a property test holds it to that).

A cut can land inside a string or a block (a `type:` field written in column 0, say); the
piece before it then cannot parse, so any piece that does not parse cleanly sends the whole
text to the full parser, whose diagnostics are the ones reported.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import fields, is_dataclass
from typing import Any

from agentflow.diagnostics import DiagnosticSink
from agentflow.grammar import ast
from agentflow.grammar.parser import parse
from agentflow.source import Source, Span

_CUT = re.compile(
    r"^(?=(?:model|tool|type|role|principal|budget|policy|agent|workflow)\b)", re.MULTILINE
)
CAPACITY = 4096  # pieces remembered, in least-recently-used order

Shift = Callable[[Any, int], Any]


class IncrementalParser:
    """A `parse(source, sink)` that reuses the pieces of earlier texts; one per document."""

    def __init__(self, capacity: int = CAPACITY) -> None:
        self._capacity = capacity
        self._local: OrderedDict[str, ast.Program] = OrderedDict()
        self._placed: dict[tuple[str, int], ast.Program] = {}

    def parse(self, source: Source, sink: DiagnosticSink) -> ast.Program | None:
        """The program of `source`, or None after reporting its syntax errors into `sink`."""
        pieces = split(source.text)
        if len(pieces) < 2:
            return parse(source, sink)
        placed: dict[tuple[str, int], ast.Program] = {}
        programs: list[ast.Program] = []
        for start, text in pieces:
            program = self._placed.get((text, start))
            if program is None:
                local = self._parse_piece(text)
                if local is None:
                    self._placed = {}
                    return parse(source, sink)
                program = shift(local, start)
            placed[(text, start)] = program
            programs.append(program)
        self._placed = placed
        return combine(programs)

    def _parse_piece(self, text: str) -> ast.Program | None:
        """A piece's program with offsets from the piece's start; None unless it parses clean."""
        program = self._local.get(text)
        if program is not None:
            self._local.move_to_end(text)
            return program
        piece = Source(text, "")
        sink = DiagnosticSink(piece)
        program = parse(piece, sink)
        if program is None or sink.diagnostics:
            return None
        self._local[text] = program
        if len(self._local) > self._capacity:
            self._local.popitem(last=False)
        return program


def split(text: str) -> list[tuple[int, str]]:
    """(offset, text) of each piece: what precedes the first declaration, then each one."""
    cuts = [match.start() for match in _CUT.finditer(text)]
    if not cuts or cuts[0] != 0:
        cuts.insert(0, 0)
    ends = [*cuts[1:], len(text)]
    return [(start, text[start:end]) for start, end in zip(cuts, ends, strict=True)]


def combine(programs: list[ast.Program]) -> ast.Program:
    """One program from consecutive pieces' programs (already at their offsets)."""
    with_tokens = [p for p in programs if p.header is not None or p.declarations]
    span = Span(with_tokens[0].span.start, with_tokens[-1].span.end) if with_tokens else Span(0, 0)
    return ast.Program(
        programs[0].header,
        tuple(d for p in programs for d in p.declarations),
        tuple(c for p in programs for c in p.comments),
        span,
    )


# ---------------------------------------------------------------- shifting offsets

_SHIFTS: dict[type, Shift] = {}


def shift(node: Any, delta: int) -> Any:
    """`node` with every source offset in it moved by `delta` (nodes are immutable)."""
    if delta == 0:
        return node
    return _shift_value(node, delta)


def _shift_value(value: Any, delta: int) -> Any:
    kind = type(value)
    shifter = _SHIFTS.get(kind)
    if shifter is None:
        shifter = _SHIFTS[kind] = _shifter_for(kind)
    return shifter(value, delta)


def _unchanged(value: Any, delta: int) -> Any:
    return value


def _shift_span(span: Span, delta: int) -> Span:
    return Span(span.start + delta, span.end + delta)


def _shift_tuple(items: tuple[Any, ...], delta: int) -> tuple[Any, ...]:
    return tuple([_shift_value(item, delta) for item in items])


def _shift_offsets(offsets: tuple[int, ...], delta: int) -> tuple[int, ...]:
    return tuple([offset + delta for offset in offsets])


_OFFSET_FIELDS = {(ast.StringLit, "bad_escapes")}  # plain int offsets, not Spans


def _shifter_for(kind: type) -> Shift:
    if kind is Span:
        return _shift_span
    if kind is tuple:
        return _shift_tuple
    if not is_dataclass(kind):
        return _unchanged  # str, int, float, Decimal, bool, None: no offsets in them
    names = tuple(f.name for f in fields(kind))
    offsets = frozenset(n for n in names if (kind, n) in _OFFSET_FIELDS)

    def shift_node(node: Any, delta: int) -> Any:
        return kind(
            *[
                _shift_offsets(getattr(node, n), delta)
                if n in offsets
                else _shift_value(getattr(node, n), delta)
                for n in names
            ]
        )

    return shift_node
