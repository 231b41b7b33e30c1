"""Iterating over every AST node of a program, without recursion."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import fields, is_dataclass

from agentflow.grammar import ast


def nodes(program: ast.Program) -> Iterator[object]:
    """Every AST node in the program's declarations, parents before children."""
    stack: list[object] = list(reversed(program.declarations))
    while stack:
        node = stack.pop()
        if isinstance(node, tuple):
            stack.extend(reversed(node))
            continue
        if not is_dataclass(node) or isinstance(node, type):
            continue
        yield node
        children = [
            getattr(node, f.name)
            for f in fields(node)
            if f.name != "span" and not f.name.endswith("_span")
        ]
        stack.extend(reversed(children))
