"""Declared names and their references in one program, for jumps, rename and the outline.

Top-level declarations are visible everywhere; a workflow's parameters and bindings are
visible inside that workflow, where they shadow declarations of the same name.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from dataclasses import dataclass, field

from agentflow.compiler.context import DECLARATION_KINDS
from agentflow.grammar import ast
from agentflow.source import Span


@dataclass(frozen=True, slots=True)
class Symbol:
    """A declared name; `scope` is the workflow of a parameter or binding, else None."""

    kind: str  # model, tool, ..., workflow, param, binding
    name: str
    name_span: Span
    node: object
    scope: str | None = None

    @property
    def key(self) -> tuple[str | None, str]:
        return self.scope, self.name


@dataclass
class SymbolIndex:
    """Every symbol of a program and every place that names one."""

    symbols: list[Symbol] = field(default_factory=list)
    # (span, key): the declaring occurrences and the references alike
    occurrences: list[tuple[Span, tuple[str | None, str]]] = field(default_factory=list)
    _by_key: dict[tuple[str | None, str], Symbol] = field(default_factory=dict)

    def add(self, symbol: Symbol) -> None:
        self._by_key.setdefault(symbol.key, symbol)
        self.symbols.append(symbol)
        self.occurrences.append((symbol.name_span, symbol.key))

    def get(self, key: tuple[str | None, str]) -> Symbol | None:
        return self._by_key.get(key)

    def declarations(self) -> list[Symbol]:
        return [s for s in self.symbols if s.scope is None]

    def in_scope(self, workflow: str) -> list[Symbol]:
        """The parameters and bindings of a workflow (first occurrence of each name)."""
        return [s for s in self._by_key.values() if s.scope == workflow]

    def at(self, offset: int) -> Symbol | None:
        """The symbol named at an offset (its declaration or a reference to it)."""
        for span, key in self.occurrences:
            if span.start <= offset <= span.end:
                return self._by_key.get(key)
        return None

    def taken(self, symbol: Symbol, name: str) -> bool:
        """Whether renaming `symbol` to `name` would collide with a name visible beside it."""
        if symbol.scope is not None:
            return self.get((symbol.scope, name)) is not None
        return self.get((None, name)) is not None or any(
            s.name == name for s in self.symbols if s.scope is not None
        )

    def spans_of(self, symbol: Symbol) -> list[Span]:
        """Every span naming a symbol, in file order."""
        return sorted(
            {span for span, key in self.occurrences if key == symbol.key},
            key=lambda span: span.start,
        )


def build_index(program: ast.Program) -> SymbolIndex:
    index = SymbolIndex()
    for decl in program.declarations:
        kind = DECLARATION_KINDS.get(type(decl))
        if kind is not None:
            index.add(Symbol(kind, decl.name, decl.name_span, decl))  # type: ignore[union-attr]
    for decl in program.declarations:
        if isinstance(decl, ast.WorkflowDecl):
            for param in decl.params:
                index.add(Symbol("param", param.name, param.name_span, param, decl.name))
            for binding in _bindings(decl.body):
                index.add(Symbol("binding", binding.name, binding.name_span, binding, decl.name))
    for decl in program.declarations:
        scope = decl.name if isinstance(decl, ast.WorkflowDecl) else None
        for node in _walk(decl):
            if isinstance(node, ast.Name | ast.TypeName):
                key = _resolve(index, scope, node.name)
                if key is not None:
                    index.occurrences.append((node.span, key))
            elif scope is not None and isinstance(node, ast.StringLit):
                _add_template_references(index, scope, node)
    return index


def _add_template_references(index: SymbolIndex, workflow: str, literal: ast.StringLit) -> None:
    """A workflow's templates name its parameters and bindings (never declarations)."""
    from agentflow.compiler.templates import template_references

    for name, span in template_references(literal):
        if index.get((workflow, name)) is not None:
            index.occurrences.append((span, (workflow, name)))


def _resolve(index: SymbolIndex, scope: str | None, name: str) -> tuple[str | None, str] | None:
    if scope is not None and index.get((scope, name)) is not None:
        return scope, name
    if index.get((None, name)) is not None:
        return None, name
    return None


def _bindings(block: ast.Block) -> Iterator[ast.Binding]:
    for node in _walk(block):
        if isinstance(node, ast.Binding):
            yield node


def _walk(node: object) -> Iterator[object]:
    """The node and every AST node below it, in source order."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        children: list[object] = []
        for f in dataclasses.fields(current):  # type: ignore[arg-type]
            value = getattr(current, f.name)
            if isinstance(value, tuple):
                children.extend(
                    v for v in value if dataclasses.is_dataclass(v) and not isinstance(v, Span)
                )
            elif dataclasses.is_dataclass(value) and not isinstance(value, Span):
                children.append(value)
        stack.extend(reversed(children))
