"""Source text and spans: offsets inside, line/column only when rendering."""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Span:
    """A half-open range of character offsets into a source text."""

    start: int
    end: int

    def cover(self, other: Span) -> Span:
        """The smallest span containing both spans."""
        return Span(min(self.start, other.start), max(self.end, other.end))


@dataclass(frozen=True, slots=True)
class Position:
    """A 1-based line and column (columns count characters)."""

    line: int
    column: int


@dataclass(eq=False)
class Source:
    """A file's text, with a lazily built index from offsets to lines."""

    text: str
    path: str = "<string>"
    _line_starts: list[int] | None = field(default=None, repr=False)

    @property
    def line_starts(self) -> list[int]:
        if self._line_starts is None:
            starts = [0]
            find = self.text.find
            i = find("\n")
            while i != -1:
                starts.append(i + 1)
                i = find("\n", i + 1)
            self._line_starts = starts
        return self._line_starts

    def position(self, offset: int) -> Position:
        """The 1-based line and column of an offset (clamped to the text)."""
        offset = max(0, min(offset, len(self.text)))
        line = bisect_right(self.line_starts, offset) - 1
        return Position(line + 1, offset - self.line_starts[line] + 1)

    def line_text(self, line: int) -> str:
        """The text of a 1-based line, without its newline."""
        starts = self.line_starts
        if not 1 <= line <= len(starts):
            return ""
        start = starts[line - 1]
        end = starts[line] - 1 if line < len(starts) else len(self.text)
        return self.text[start:end].rstrip("\r")

    def utf16_position(self, offset: int) -> tuple[int, int]:
        """The 0-based line and UTF-16 column of an offset, as the LSP counts them."""
        pos = self.position(offset)
        line_start = self.line_starts[pos.line - 1]
        prefix = self.text[line_start : line_start + pos.column - 1]
        return pos.line - 1, len(prefix.encode("utf-16-le")) // 2

    def offset_of(self, line: int, column: int) -> int:
        """The offset of a 1-based line and column."""
        starts = self.line_starts
        line = max(1, min(line, len(starts)))
        return min(starts[line - 1] + column - 1, len(self.text))
