"""Decoding string literals: escapes, `\"\"\"` dedent, and a map back to source offsets."""

from __future__ import annotations

from dataclasses import dataclass

ESCAPES = {"n": "\n", "t": "\t", '"': '"', "\\": "\\"}


@dataclass(frozen=True, slots=True)
class DecodedString:
    """A decoded literal. `offsets[i]` is the source offset of character i of `value`
    (one extra entry for the end); empty unless asked for."""

    value: str
    offsets: tuple[int, ...]
    bad_escapes: tuple[int, ...]


def decode_string(raw: str, start: int = 0, *, with_offsets: bool = False) -> DecodedString:
    """Decode `raw` (quotes included) that begins at source offset `start`."""
    if raw.startswith('"""'):
        pieces = _dedented_pieces(raw[3:-3], start + 3)
    else:
        body = raw[1:-1]
        if "\\" not in body and not with_offsets:
            return DecodedString(body, (), ())
        pieces = [(body, start + 1)]
    return _unescape(pieces, with_offsets)


def _dedented_pieces(content: str, content_start: int) -> list[tuple[str, int]]:
    """Split long-string content into (text, source offset) pieces after dedenting."""
    lines: list[tuple[str, int]] = []
    offset = content_start
    for line in content.split("\n"):
        lines.append((line, offset))
        offset += len(line) + 1
    if len(lines) > 1 and not lines[0][0].strip():
        lines.pop(0)
    if len(lines) > 1 and not lines[-1][0].strip():
        lines.pop()
    indents = [len(text) - len(text.lstrip(" \t")) for text, _ in lines if text.strip()]
    indent = min(indents, default=0)
    pieces: list[tuple[str, int]] = []
    for i, (text, line_start) in enumerate(lines):
        cut = min(indent, len(text) - len(text.lstrip(" \t")))
        newline = "\n" if i < len(lines) - 1 else ""
        pieces.append((text[cut:] + newline, line_start + cut))
    return pieces


def _unescape(pieces: list[tuple[str, int]], with_offsets: bool) -> DecodedString:
    out: list[str] = []
    offsets: list[int] = []
    bad: list[int] = []
    end = 0
    for text, base in pieces:
        i = 0
        while i < len(text):
            char = text[i]
            if char == "\\" and i + 1 < len(text):
                escaped = ESCAPES.get(text[i + 1])
                if escaped is None:
                    bad.append(base + i)
                    escaped = text[i + 1]
                out.append(escaped)
                if with_offsets:
                    offsets.append(base + i)
                i += 2
            else:
                out.append(char)
                if with_offsets:
                    offsets.append(base + i)
                i += 1
        end = base + len(text)
    if with_offsets:
        offsets.append(end)
    return DecodedString("".join(out), tuple(offsets), tuple(bad))


def encode_string(value: str) -> str:
    """A `"..."` literal whose decoded value is `value`."""
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return '"' + escaped.replace("\n", "\\n").replace("\t", "\\t") + '"'
