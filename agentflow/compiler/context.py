"""State shared by the compiler passes: declarations, signatures, and what each pass learned."""

from __future__ import annotations

import difflib
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from agentflow.compiler.types import RecordT, Type
from agentflow.diagnostics import DiagnosticSink
from agentflow.grammar import ast
from agentflow.source import Source, Span

if TYPE_CHECKING:
    from agentflow.compiler.passes.cost import CostModel
    from agentflow.compiler.workflow_model import WorkflowInfo

DECLARATION_KINDS = {
    ast.ModelDecl: "model",
    ast.ToolDecl: "tool",
    ast.TypeDecl: "type",
    ast.RoleDecl: "role",
    ast.PrincipalDecl: "principal",
    ast.BudgetDecl: "budget",
    ast.AgentDecl: "agent",
    ast.WorkflowDecl: "workflow",
}
CALLABLE_KINDS = ("agent", "tool", "workflow")


@dataclass(frozen=True, slots=True)
class Declaration:
    kind: str
    name: str
    node: Any
    name_span: Span


@dataclass(frozen=True, slots=True)
class Signature:
    """What a callable takes and returns; `bound` are inputs fixed by a tool's `bind`."""

    inputs: RecordT
    output: Type
    bound: tuple[str, ...] = ()


@dataclass
class Context:
    """Everything the passes share about one program."""

    source: Source
    sink: DiagnosticSink
    program: ast.Program
    declarations: dict[str, Declaration] = field(default_factory=dict)
    named_types: dict[str, Type] = field(default_factory=dict)
    signatures: dict[str, Signature] = field(default_factory=dict)
    uses: Counter[str] = field(default_factory=Counter)
    policy: ast.PolicyDecl | None = None
    workflows: dict[str, WorkflowInfo] = field(default_factory=dict)
    cost_model: CostModel | None = None

    @property
    def base_dir(self) -> Path:
        """The directory relative paths in the program are resolved against."""
        path = Path(self.source.path)
        return path.parent if self.source.path not in ("<string>", "<stdin>", "-") else Path.cwd()

    def of_kind(self, kind: str) -> list[Declaration]:
        return [d for d in self.declarations.values() if d.kind == kind]

    def setting(self, body: ast.Body | None, name: str) -> ast.Setting | None:
        """The first setting called `name` in a body."""
        if body is None:
            return None
        for item in body.items:
            if isinstance(item, ast.Setting) and item.name == name:
                return item
        return None


def similar(name: str, candidates: Iterable[str]) -> str | None:
    """A hint naming the closest candidate, if one is close enough."""
    matches = difflib.get_close_matches(name, list(candidates), n=1, cutoff=0.6)
    return f"a similar name exists: `{matches[0]}`" if matches else None


def ref_names(expr: ast.Expr) -> list[ast.Name]:
    """The names of a reference setting: `x` or `[x, y]`."""
    if isinstance(expr, ast.Name):
        return [expr]
    if isinstance(expr, ast.ListLit):
        return [item for item in expr.items if isinstance(item, ast.Name)]
    return []
