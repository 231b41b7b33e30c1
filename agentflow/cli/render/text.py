"""Diagnostics for people, in the style of rustc: header, location, snippet with carets, help.

    error[AF201]: unknown name `reseacher`
     --> flow.agentflow:3:14
      |
    3 |   draft = reseacher(topic: topic)
      |           ^^^^^^^^^
      |
      = help: a similar name exists: `researcher`

Columns are counted in terminal cells: tabs become four spaces, wide (East Asian) characters
take two cells and combining marks none, so carets line up under what the terminal shows.
Control and bidirectional-override characters are shown as U+FFFD so that a snippet can
neither emit escape sequences nor reorder the text it quotes.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import groupby

from agentflow.diagnostics import Diagnostic, Severity
from agentflow.source import Source

TAB = "    "
MAX_WIDTH = 140  # cells of source shown per line; longer lines are cut around the carets
_ELLIPSIS = "..."
_REPLACEMENT = "\ufffd"
_BIDI = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")

_SEVERITY_STYLE = {
    Severity.ERROR: "bold red",
    Severity.WARNING: "bold yellow",
    Severity.INFO: "bold cyan",
}
_GUTTER = "bold blue"
_SECONDARY = "bold blue"

Piece = str | tuple[str, str]
"""A run of output text, optionally with a rich style."""


@dataclass(frozen=True)
class _Mark:
    """An underline on one source line: character columns [start, end), 0-based."""

    line: int
    start: int
    end: int
    primary: bool
    message: str


@dataclass(frozen=True)
class _Cell:
    """A mark placed in terminal cells on the displayed line."""

    start: int
    width: int
    primary: bool
    message: str


def render(diagnostics: list[Diagnostic], *, color: bool = False) -> str:
    """Every diagnostic, then a summary such as `error: 2 errors, 1 warning emitted`."""
    lines: list[list[Piece]] = []
    for diagnostic in diagnostics:
        if lines:
            lines.append([])
        lines.extend(_diagnostic(diagnostic))
    summary = _summary(diagnostics)
    if summary:
        if lines:
            lines.append([])
        lines.append(summary)
    if not lines:
        return ""
    return render_lines(lines, color=color)


# ---------------------------------------------------------------- one diagnostic


def _diagnostic(d: Diagnostic) -> list[list[Piece]]:
    style = _SEVERITY_STYLE[d.severity]
    out: list[list[Piece]] = [
        [(f"{d.severity.value}[{d.code}]", style), (": " + _one_line(d.message), "bold")]
    ]
    marks = _marks(d) if d.source.text else []
    shown = sorted({m.line for m in marks})
    width = len(str(shown[-1])) if shown else 1
    blank = " " * width
    out.append([(f"{blank}--> ", _GUTTER), f"{d.file}:{d.line}:{d.column}"])
    if shown:
        out.append([(f"{blank} |", _GUTTER)])
        previous = None
        for line in shown:
            if previous is not None and line > previous + 1:
                out.append([(_ELLIPSIS, _GUTTER)])
            previous = line
            out.extend(_snippet(d, line, [m for m in marks if m.line == line], width, style))
    notes = _notes(d)
    if notes:
        out.append([(f"{blank} |", _GUTTER)])
        for kind, text in notes:
            out.append([(f"{blank} = ", _GUTTER), (f"{kind}:", "bold"), f" {text}"])
    return out


def _notes(d: Diagnostic) -> list[tuple[str, str]]:
    notes = []
    if d.hint:
        notes.append(("help", _one_line(d.hint)))
    if d.suggestion is not None and not d.hint:
        what = _one_line(d.suggestion.message) if d.suggestion.message else "replace with"
        notes.append(("help", f"{what}: `{_one_line(d.suggestion.replacement)}`"))
    return notes


def _marks(d: Diagnostic) -> list[_Mark]:
    """The primary span and every label, split into per-line underlines."""
    spans = [(d.span, True, ""), *((label.span, False, label.message) for label in d.labels)]
    marks: list[_Mark] = []
    source = d.source
    for span, primary, message in spans:
        start, end = sorted((span.start, span.end))
        first = source.position(start)
        last = source.position(end)
        message = _one_line(message)
        if end > start and last.column == 1 and last.line > first.line:
            # The span ends just after a newline: underline up to the end of the line before.
            last = source.position(end - 1)
        if last.line == first.line:
            stop = max(last.column - 1, first.column)
            marks.append(_Mark(first.line, first.column - 1, stop, primary, message))
            continue
        text = source.line_text(first.line)
        marks.append(_Mark(first.line, first.column - 1, max(len(text), first.column), primary, ""))
        text = source.line_text(last.line)
        indent = len(text) - len(text.lstrip())
        begin = min(indent, last.column - 1)
        marks.append(_Mark(last.line, begin, max(last.column - 1, begin + 1), primary, message))
    return marks


def _snippet(
    d: Diagnostic, line: int, marks: list[_Mark], width: int, style: str
) -> list[list[Piece]]:
    """A source line, its underline row and any hanging label messages."""
    shown, cells = _display(d.source, line, marks)
    gutter: Piece = (f"{line:<{width}} |", _GUTTER)
    out: list[list[Piece]] = [[gutter, " " + shown] if shown else [gutter]]
    pad: Piece = (f"{' ' * width} |", _GUTTER)

    row: list[Piece] = [pad, " "]
    # Secondary marks first so a primary one wins where they overlap.
    canvas: list[tuple[str, str]] = [(" ", "")] * max(c.start + c.width for c in cells)
    for cell in sorted(cells, key=lambda c: c.primary):
        char, char_style = ("^", style) if cell.primary else ("-", _SECONDARY)
        for i in range(cell.start, cell.start + cell.width):
            canvas[i] = (char, char_style)
    for (char, char_style), run in groupby(canvas):
        chars = char * len(list(run))
        row.append((chars, char_style) if char_style else chars)
    labelled = sorted((c for c in cells if c.message), key=lambda c: c.start)
    last_start = max(c.start for c in cells)
    inline = labelled[-1] if labelled and labelled[-1].start == last_start else None
    if inline is not None:
        row.append((" " + inline.message, style if inline.primary else _SECONDARY))
        labelled.pop()
    out.append(_trim(row))
    if labelled:
        out.append(_trim([pad, " ", *_hanging(labelled, None)]))
        for index in range(len(labelled) - 1, -1, -1):
            out.append(_trim([pad, " ", *_hanging(labelled[:index], labelled[index], style)]))
    return out


def _hanging(bars: list[_Cell], last: _Cell | None, style: str = "") -> list[Piece]:
    """A row with `|` under each mark in `bars`, then `last`'s message at its column."""
    pieces: list[Piece] = []
    column = 0
    for cell in bars:
        pieces.append(" " * (cell.start - column))
        pieces.append(("|", _SECONDARY))
        column = cell.start + 1
    if last is not None:
        pieces.append(" " * (last.start - column))
        pieces.append((last.message, style if last.primary else _SECONDARY))
    return pieces


def _display(source: Source, line: int, marks: list[_Mark]) -> tuple[str, list[_Cell]]:
    """The line as the terminal shows it, and the marks placed in its cells."""
    text = source.line_text(line)
    shown: list[str] = []
    offsets = [0]  # offsets[i] is the cell where character i starts
    for char in text:
        form, cells = _glyph(char)
        shown.append(form)
        offsets.append(offsets[-1] + cells)
    total = offsets[-1]

    def cell_of(column: int) -> int:
        return offsets[column] if column <= len(text) else total + column - len(text)

    placed = [
        _Cell(cell_of(m.start), max(1, cell_of(m.end) - cell_of(m.start)), m.primary, m.message)
        for m in marks
    ]
    if total <= MAX_WIDTH:
        return "".join(shown).rstrip(), placed
    # Too long: keep a window of the line around the marks, with `...` where it is cut.
    low = min(c.start for c in placed)
    begin = 0 if low < MAX_WIDTH // 4 else low - MAX_WIDTH // 8
    end = begin + MAX_WIDTH
    kept = "".join(form for form, at in zip(shown, offsets, strict=False) if begin <= at < end)
    first = next((at for at in offsets if at >= begin), total)
    prefix = _ELLIPSIS if begin > 0 else ""
    suffix = _ELLIPSIS if end < total else ""
    shift = len(prefix) - first
    limit = len(prefix) + len(kept) + len(suffix)
    moved = []
    for cell in placed:
        start = max(len(prefix), min(cell.start + shift, limit))
        stop = min(cell.start + shift + cell.width, limit)
        moved.append(_Cell(start, max(1, stop - start), cell.primary, cell.message))
    return prefix + kept + suffix, moved


def _glyph(char: str) -> tuple[str, int]:
    """How a character is shown, and how many cells it takes."""
    if char == "\t":
        return TAB, len(TAB)
    category = unicodedata.category(char)
    if category in ("Cc", "Cs", "Co", "Zl", "Zp") or char in _BIDI:
        return _REPLACEMENT, 1
    if category in ("Mn", "Me", "Cf"):
        return char, 0
    return char, 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1


# ---------------------------------------------------------------- summary and output


def _summary(diagnostics: Iterable[Diagnostic]) -> list[Piece]:
    diagnostics = list(diagnostics)
    errors = sum(d.severity is Severity.ERROR for d in diagnostics)
    warnings = sum(d.severity is Severity.WARNING for d in diagnostics)
    if not errors and not warnings:
        return []
    counts = [_plural(errors, "error")] if errors else []
    if warnings:
        counts.append(_plural(warnings, "warning"))
    severity = Severity.ERROR if errors else Severity.WARNING
    return [(severity.value, _SEVERITY_STYLE[severity]), (f": {', '.join(counts)} emitted", "bold")]


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def _one_line(text: str) -> str:
    return " ".join(text.splitlines()) if "\n" in text or "\r" in text else text


def _trim(pieces: list[Piece]) -> list[Piece]:
    """Drop trailing blanks so that no output line ends in spaces."""
    while pieces and isinstance(pieces[-1], str) and not pieces[-1].strip():
        pieces.pop()
    if pieces and isinstance(pieces[-1], str):
        pieces[-1] = pieces[-1].rstrip()
    return pieces


def render_lines(lines: list[list[Piece]], *, color: bool) -> str:
    """Lines of pieces as text: plain, or with ANSI colours through rich when `color`."""
    return _styled(lines) if color else "".join(_plain(line) + "\n" for line in lines)


def _plain(line: list[Piece]) -> str:
    return "".join(piece if isinstance(piece, str) else piece[0] for piece in line)


def _styled(lines: list[list[Piece]]) -> str:
    """ANSI-coloured text, through rich (imported only here)."""
    import io

    from rich.console import Console
    from rich.text import Text

    buffer = io.StringIO()
    console = Console(
        file=buffer,
        force_terminal=True,
        color_system="standard",
        width=1_000_000,
        highlight=False,
        markup=False,
        emoji=False,
        soft_wrap=True,
        legacy_windows=False,
    )
    for line in lines:
        text = Text()
        for piece in line:
            if isinstance(piece, str):
                text.append(piece)
            else:
                text.append(piece[0], style=piece[1] or None)
        console.print(text, soft_wrap=True, crop=False)
    return buffer.getvalue()
