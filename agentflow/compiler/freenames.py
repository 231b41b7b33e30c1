"""The names an expression or workflow statement refers to (its dataflow dependencies)."""

from __future__ import annotations

from dataclasses import fields, is_dataclass
from functools import lru_cache

from agentflow.grammar import ast


@lru_cache(maxsize=4096)
def template_names(text: str) -> frozenset[str]:
    """Undeclared variables of a Jinja2 template (empty when it does not parse)."""
    from jinja2 import TemplateSyntaxError, meta

    from agentflow.compiler.templates import environment

    try:
        return frozenset(meta.find_undeclared_variables(environment().parse(text)))
    except TemplateSyntaxError:
        return frozenset()


def expr_names(expr: ast.Expr | None) -> set[str]:
    """Free names of an expression: variables and template references, not callees."""
    found: set[str] = set()
    if expr is None:
        return found
    stack: list[object] = [expr]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Name):
            found.add(node.name)
        elif isinstance(node, ast.StringLit):
            if node.is_template:
                found |= template_names(node.value)
        elif isinstance(node, ast.Call):
            stack.extend(argument.value for argument in node.arguments)
        elif isinstance(node, ast.Comprehension):
            inner = expr_names(node.element) | expr_names(node.condition)
            found |= inner - {t.name for t in node.targets}
            stack.append(node.iterable)
        elif isinstance(node, tuple):
            stack.extend(node)
        elif is_dataclass(node):
            for f in fields(node):
                if f.name != "span" and not f.name.endswith("_span"):
                    stack.append(getattr(node, f.name))
    return found


def value_names(value: ast.NodeValue) -> set[str]:
    """Free names of a binding's right-hand side, minus the names it binds itself."""
    if isinstance(value, ast.TryCall):
        return expr_names(value.call)
    if isinstance(value, ast.MapCall):
        inner = expr_names(value.call) - {value.item.name}
        return inner | expr_names(value.iterable) | expr_names(value.concurrency)
    if isinstance(value, ast.IterateCall):
        inner = (expr_names(value.until) | expr_names(value.call)) - {value.variable.name}
        return inner | expr_names(value.initial) | expr_names(value.max)
    return expr_names(value)


def binding_names(stmt: ast.Binding) -> set[str]:
    """Everything a binding depends on: its value, guard and per-node settings."""
    names = value_names(stmt.value) | expr_names(stmt.guard)
    if stmt.settings is not None:
        for setting in stmt.settings.settings:
            names |= expr_names(setting.value)
    return names
