"""What the checker learns about a workflow body, for the graph, policy, cost and lower passes."""

from __future__ import annotations

from dataclasses import dataclass, field

from agentflow.compiler.types import Type
from agentflow.grammar import ast

Path = tuple[str, ...]
"""Where a statement stands: the branch arms around it, e.g. `("if1:then",)`."""


@dataclass
class Occurrence:
    """One binding statement. A name bound in several branches has several occurrences."""

    name: str
    stmt: ast.Binding
    path: Path
    kind: str = "pure"  # pure | call | try | map | iterate
    callee: str | None = None
    callee_kind: str | None = None  # agent | tool | workflow
    type: Type | None = None
    deps: set[str] = field(default_factory=set)
    id: str = ""

    @property
    def guarded(self) -> bool:
        return self.stmt.guard is not None

    @property
    def call(self) -> ast.Call | None:
        value = self.stmt.value
        inner = (
            value.call if isinstance(value, ast.TryCall | ast.MapCall | ast.IterateCall) else value
        )
        return inner if isinstance(inner, ast.Call) else None


@dataclass
class Branch:
    """An `if` or `switch`; `arms` are (label, path) in source order."""

    id: str
    stmt: ast.If | ast.Switch
    path: Path
    arms: list[tuple[str, Path]]
    deps: set[str] = field(default_factory=set)
    exhaustive: bool = False


@dataclass
class Ending:
    """A `return` or `fail` statement."""

    stmt: ast.Return | ast.Fail
    path: Path
    deps: set[str] = field(default_factory=set)


@dataclass
class WorkflowInfo:
    decl: ast.WorkflowDecl
    params: dict[str, Type]
    occurrences: dict[str, list[Occurrence]] = field(default_factory=dict)
    branches: list[Branch] = field(default_factory=list)
    returns: list[Ending] = field(default_factory=list)
    fails: list[Ending] = field(default_factory=list)
    settings: dict[str, ast.Setting] = field(default_factory=dict)
    order: list[str] = field(default_factory=list)
    cycles: list[list[str]] = field(default_factory=list)

    def all_occurrences(self) -> list[Occurrence]:
        return [o for name in self.order for o in self.occurrences.get(name, [])] + [
            o for name, occ in self.occurrences.items() if name not in self.order for o in occ
        ]

    def calls(self) -> list[Occurrence]:
        return [o for o in self.all_occurrences() if o.callee is not None]
