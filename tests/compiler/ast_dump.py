"""A compact, stable text form of ASTs for snapshots (one node per line, spans as offsets)."""

from __future__ import annotations

from dataclasses import fields, is_dataclass


def dump(node: object, indent: int = 0) -> str:
    lines: list[str] = []
    _dump(node, indent, lines, "")
    return "\n".join(lines)


def _dump(node: object, indent: int, lines: list[str], label: str) -> None:
    pad = "  " * indent + (f"{label}: " if label else "")
    if isinstance(node, tuple):
        if not node:
            lines.append(pad + "()")
            return
        lines.append(pad + "[")
        for item in node:
            _dump(item, indent + 1, lines, "")
        lines.append("  " * indent + "]")
        return
    if not is_dataclass(node) or isinstance(node, type):
        lines.append(pad + repr(node))
        return
    span = getattr(node, "span", None)
    where = f" @{span.start}..{span.end}" if span is not None else ""
    scalars = []
    children = []
    for f in fields(node):
        if f.name == "span" or f.name.endswith("_span") or f.name in ("raw", "bad_escapes"):
            continue
        value = getattr(node, f.name)
        if is_dataclass(value) or (isinstance(value, tuple) and value):
            children.append((f.name, value))
        else:
            scalars.append(f"{f.name}={value!r}")
    lines.append(f"{pad}{type(node).__name__}{where} {' '.join(scalars)}".rstrip())
    for name, value in children:
        _dump(value, indent + 1, lines, name)
