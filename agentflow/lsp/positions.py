"""Offsets ↔ LSP positions (0-based line, UTF-16 column) and spans ↔ ranges."""

from __future__ import annotations

from lsprotocol import types

from agentflow.source import Source, Span


def position(source: Source, offset: int) -> types.Position:
    line, character = source.utf16_position(offset)
    return types.Position(line=line, character=character)


def to_range(source: Source, span: Span) -> types.Range:
    return types.Range(start=position(source, span.start), end=position(source, span.end))


def offset(source: Source, pos: types.Position) -> int:
    """The offset of an LSP position, clamped to its line."""
    starts = source.line_starts
    if pos.line >= len(starts):
        return len(source.text)
    start = starts[max(0, pos.line)]
    end = starts[pos.line + 1] - 1 if pos.line + 1 < len(starts) else len(source.text)
    units = 0
    index = start
    while index < end and units < pos.character:
        units += 2 if ord(source.text[index]) > 0xFFFF else 1
        index += 1
    return index


def contains(span: Span, at: int) -> bool:
    """Whether an offset is inside a span or just after its end (where a cursor sits)."""
    return span.start <= at <= span.end
