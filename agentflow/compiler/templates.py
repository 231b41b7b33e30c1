"""Checking Jinja2 templates inside string literals, with positions in the `.agentflow` file."""

from __future__ import annotations

import re
from functools import cache
from typing import TYPE_CHECKING, Any

from agentflow.compiler.context import Context, similar
from agentflow.compiler.types import MapT, OptionalT, RecordT, Type, UnknownT
from agentflow.grammar import ast
from agentflow.grammar.strings import decode_string
from agentflow.source import Span

if TYPE_CHECKING:
    from jinja2.sandbox import SandboxedEnvironment

_REGION = re.compile(r"\{\{.*?\}\}|\{%.*?%\}", re.S)


@cache
def environment() -> SandboxedEnvironment:
    """The sandboxed Jinja2 environment every template is parsed and rendered with."""
    from jinja2 import StrictUndefined
    from jinja2.sandbox import SandboxedEnvironment

    return SandboxedEnvironment(
        undefined=StrictUndefined, autoescape=False, keep_trailing_newline=True
    )


def check_template(
    ctx: Context, literal: ast.StringLit, scope: dict[str, Type], where: str
) -> set[str]:
    """Report syntax errors, undefined names and unknown fields; return the scope names used."""
    from jinja2 import TemplateSyntaxError, meta, nodes

    env = environment()
    text = literal.value
    try:
        tree = env.parse(text)
        undeclared = meta.find_undeclared_variables(tree)  # compiles: unknown filters fail here
    except TemplateSyntaxError as error:  # includes TemplateAssertionError (unknown filter)
        span = _line_span(literal, text, error.lineno or 1)
        ctx.sink.report("AF230", span, f"template error: {error.message}")
        return set()
    used: set[str] = set()
    for name in sorted(undeclared):
        if name in env.globals:
            continue
        if name in scope:
            used.add(name)
            continue
        ctx.sink.report(
            "AF231",
            _find(literal, text, rf"\b{re.escape(name)}\b"),
            f"`{name}` is not defined in {where}",
            hint=similar(name, scope) or _available(scope),
        )
    reported: set[tuple[str, ...]] = set()
    for node in tree.find_all(nodes.Getattr):
        path = _attribute_path(node)
        if path is None or path[0] not in scope:
            continue
        _check_path(ctx, literal, text, scope[path[0]], path, reported)
    return used


def _available(scope: dict[str, Type]) -> str | None:
    if not scope:
        return "nothing is in scope here"
    return "in scope: " + ", ".join(f"`{n}`" for n in sorted(scope)[:8])


def _attribute_path(node: Any) -> tuple[str, ...] | None:
    from jinja2 import nodes

    parts: list[str] = []
    while isinstance(node, nodes.Getattr):
        parts.append(node.attr)
        node = node.node
    if not isinstance(node, nodes.Name):
        return None
    return (node.name, *reversed(parts))


def _check_path(
    ctx: Context,
    literal: ast.StringLit,
    text: str,
    current: Type,
    path: tuple[str, ...],
    reported: set[tuple[str, ...]],
) -> None:
    for depth, attr in enumerate(path[1:], start=1):
        if isinstance(current, OptionalT):
            current = current.inner
        if isinstance(current, UnknownT | MapT):
            return
        prefix = path[: depth + 1]
        if not isinstance(current, RecordT):
            if prefix not in reported:
                reported.add(prefix)
                ctx.sink.report(
                    "AF232",
                    _field_span(literal, text, path[:depth], attr),
                    f"`{'.'.join(path[:depth])}` is `{current}`, which has no field `{attr}`",
                )
            return
        found = current.field(attr)
        if found is None:
            if prefix not in reported:
                reported.add(prefix)
                ctx.sink.report(
                    "AF232",
                    _field_span(literal, text, path[:depth], attr),
                    f"`{current}` has no field `{attr}`",
                    hint=similar(attr, [f.name for f in current.fields]),
                )
            return
        current = found.type


def _offsets(literal: ast.StringLit) -> tuple[int, ...]:
    return decode_string(literal.raw, literal.span.start, with_offsets=True).offsets


def _to_source(literal: ast.StringLit, start: int, end: int) -> Span:
    offsets = _offsets(literal)
    if not offsets:
        return literal.span
    start = min(start, len(offsets) - 1)
    end = min(max(end, start), len(offsets) - 1)
    return Span(offsets[start], offsets[end - 1] + 1 if end > start else offsets[start])


def _find(literal: ast.StringLit, text: str, pattern: str) -> Span:
    """The source span of the first match of `pattern` inside a `{{ }}`/`{% %}` region."""
    regex = re.compile(pattern)
    for region in _REGION.finditer(text):
        match = regex.search(text, region.start(), region.end())
        if match:
            return _to_source(literal, match.start(), match.end())
    return literal.span


def _field_span(literal: ast.StringLit, text: str, base: tuple[str, ...], attr: str) -> Span:
    chain = r"\s*\.\s*".join(re.escape(p) for p in base)
    regex = re.compile(rf"\b{chain}\s*\.\s*({re.escape(attr)})\b")
    for region in _REGION.finditer(text):
        match = regex.search(text, region.start(), region.end())
        if match:
            return _to_source(literal, match.start(1), match.end(1))
    return literal.span


def _line_span(literal: ast.StringLit, text: str, lineno: int) -> Span:
    lines = text.split("\n")
    lineno = max(1, min(lineno, len(lines)))
    start = sum(len(line) + 1 for line in lines[: lineno - 1])
    line = lines[lineno - 1]
    stripped_start = start + len(line) - len(line.lstrip())
    end = start + len(line.rstrip())
    if end <= stripped_start:
        return literal.span
    return _to_source(literal, stripped_start, end)


# Inside a `{{ }}`/`{% %}` region: a quoted string (skipped) or a dotted/filtered name.
_TEMPLATE_TOKEN = re.compile(r"""'(?:\\.|[^'\\])*'|"(?:\\.|[^"\\])*"|([.|]\s*)?\b([A-Za-z_]\w*)""")


def template_references(literal: ast.StringLit) -> list[tuple[str, Span]]:
    """The free variables a template names, each occurrence with its span in the source.

    Attributes (`.name`), filters (`| name`), names the template binds itself (`for x in`)
    and names inside quoted strings are not references. A template that does not parse has
    none (the checker reports it)."""
    from jinja2 import TemplateSyntaxError, meta

    text = literal.value
    if "{{" not in text and "{%" not in text:
        return []
    try:
        free = meta.find_undeclared_variables(environment().parse(text))
    except TemplateSyntaxError:
        return []
    found: list[tuple[str, Span]] = []
    for region in _REGION.finditer(text):
        for match in _TEMPLATE_TOKEN.finditer(text, region.start(), region.end()):
            name = match.group(2)
            if name in free and not match.group(1):
                found.append((name, _to_source(literal, match.start(2), match.end(2))))
    return found
