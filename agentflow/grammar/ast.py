"""The abstract syntax tree: frozen dataclasses named after grammar rules, each with a span."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from agentflow.source import Span

# ============================================================ expressions


@dataclass(frozen=True, slots=True)
class Name:
    name: str
    span: Span


@dataclass(frozen=True, slots=True)
class StringLit:
    """A string literal; `value` is decoded (escapes applied, `\"\"\"` dedented)."""

    value: str
    raw: str
    bad_escapes: tuple[int, ...]
    span: Span

    @property
    def is_template(self) -> bool:
        return "{{" in self.value or "{%" in self.value


@dataclass(frozen=True, slots=True)
class NumberLit:
    """An int or float; `value` is None when the literal is malformed (`1__0`)."""

    value: int | float | None
    raw: str
    span: Span


@dataclass(frozen=True, slots=True)
class CountLit:
    """`200k`, `2M`: an integer count."""

    value: int | None
    raw: str
    span: Span


@dataclass(frozen=True, slots=True)
class MoneyLit:
    """`$0.50`: US dollars, exact."""

    value: Decimal | None
    raw: str
    span: Span


@dataclass(frozen=True, slots=True)
class DurationLit:
    """`250ms`, `30s`, `5min`, `2h`, `30d`, in seconds."""

    seconds: Decimal | None
    raw: str
    span: Span


@dataclass(frozen=True, slots=True)
class PercentLit:
    """`80%`; `value` is the percentage (80, not 0.8)."""

    value: Decimal | None
    raw: str
    span: Span


@dataclass(frozen=True, slots=True)
class RateLit:
    """`30/min`: a count per period, the period in seconds."""

    count: Decimal | None
    per_seconds: int
    raw: str
    span: Span


@dataclass(frozen=True, slots=True)
class BoolLit:
    value: bool
    span: Span


@dataclass(frozen=True, slots=True)
class ListLit:
    items: tuple[Expr, ...]
    span: Span


@dataclass(frozen=True, slots=True)
class Entry:
    key: str
    key_span: Span
    value: Expr
    span: Span


@dataclass(frozen=True, slots=True)
class RecordLit:
    entries: tuple[Entry, ...]
    span: Span


@dataclass(frozen=True, slots=True)
class Comprehension:
    element: Expr
    targets: tuple[Name, ...]
    iterable: Expr
    condition: Expr | None
    span: Span


@dataclass(frozen=True, slots=True)
class Argument:
    """A call argument; `name` is None for a positional argument."""

    name: str | None
    name_span: Span | None
    value: Expr
    span: Span


@dataclass(frozen=True, slots=True)
class Call:
    callee: Name
    arguments: tuple[Argument, ...]
    span: Span


@dataclass(frozen=True, slots=True)
class Attribute:
    target: Expr
    name: str
    name_span: Span
    span: Span


@dataclass(frozen=True, slots=True)
class Index:
    target: Expr
    index: Expr
    span: Span


@dataclass(frozen=True, slots=True)
class Unary:
    """`op` is `-` or `not`."""

    op: str
    operand: Expr
    span: Span


@dataclass(frozen=True, slots=True)
class Binary:
    """`op` is one of + - * / == != < <= > >= in `not in` and or ??."""

    op: str
    left: Expr
    right: Expr
    span: Span


Literal = StringLit | NumberLit | CountLit | MoneyLit | DurationLit | PercentLit | RateLit | BoolLit
Expr = (
    Name | Literal | ListLit | RecordLit | Comprehension | Call | Attribute | Index | Unary | Binary
)

# ============================================================ types


@dataclass(frozen=True, slots=True)
class TypeName:
    name: str
    span: Span


@dataclass(frozen=True, slots=True)
class TypeApp:
    """`list[T]`, `map[T]`, `Result[T]`."""

    name: str
    arguments: tuple[TypeExpr, ...]
    span: Span


@dataclass(frozen=True, slots=True)
class Field:
    name: str
    name_span: Span
    type: TypeExpr
    default: Expr | None
    span: Span


@dataclass(frozen=True, slots=True)
class RecordType:
    fields: tuple[Field, ...]
    span: Span


@dataclass(frozen=True, slots=True)
class EnumType:
    members: tuple[StringLit, ...]
    span: Span


@dataclass(frozen=True, slots=True)
class OptionalType:
    inner: TypeExpr
    span: Span


TypeExpr = TypeName | TypeApp | RecordType | EnumType | OptionalType

# ============================================================ declarations


@dataclass(frozen=True, slots=True)
class Setting:
    name: str
    name_span: Span
    value: Expr
    span: Span


@dataclass(frozen=True, slots=True)
class InputBlock:
    fields: RecordType
    span: Span


@dataclass(frozen=True, slots=True)
class OutputBlock:
    type: TypeExpr
    span: Span


BodyItem = Setting | InputBlock | OutputBlock


@dataclass(frozen=True, slots=True)
class Body:
    items: tuple[BodyItem, ...]
    span: Span

    @property
    def settings(self) -> tuple[Setting, ...]:
        return tuple(item for item in self.items if isinstance(item, Setting))


@dataclass(frozen=True, slots=True)
class StdlibSource:
    """`stdlib.calculator`: `namespace` is what was written before the dot."""

    namespace: str
    name: str
    name_span: Span
    span: Span


@dataclass(frozen=True, slots=True)
class PythonSource:
    """`python("module:function")`: `kind` is what was written before the parenthesis."""

    kind: str
    target: StringLit
    span: Span


@dataclass(frozen=True, slots=True)
class ModelDecl:
    name: str
    name_span: Span
    body: Body
    span: Span


@dataclass(frozen=True, slots=True)
class ToolDecl:
    name: str
    name_span: Span
    source: StdlibSource | PythonSource
    body: Body | None
    span: Span


@dataclass(frozen=True, slots=True)
class TypeDecl:
    name: str
    name_span: Span
    fields: RecordType
    span: Span


@dataclass(frozen=True, slots=True)
class RoleDecl:
    name: str
    name_span: Span
    body: Body
    span: Span


@dataclass(frozen=True, slots=True)
class PrincipalDecl:
    name: str
    name_span: Span
    body: Body
    span: Span


@dataclass(frozen=True, slots=True)
class BudgetDecl:
    name: str
    name_span: Span
    body: Body
    span: Span


@dataclass(frozen=True, slots=True)
class PolicyDecl:
    body: Body
    span: Span


@dataclass(frozen=True, slots=True)
class AgentDecl:
    name: str
    name_span: Span
    body: Body
    span: Span


# ============================================================ workflow statements


@dataclass(frozen=True, slots=True)
class TryCall:
    call: Expr
    span: Span


@dataclass(frozen=True, slots=True)
class MapCall:
    item: Name
    iterable: Expr
    concurrency: Expr | None
    call: Expr
    span: Span


@dataclass(frozen=True, slots=True)
class IterateCall:
    variable: Name
    initial: Expr
    until: Expr
    max: Expr
    call: Expr
    span: Span


NodeValue = Expr | TryCall | MapCall | IterateCall


@dataclass(frozen=True, slots=True)
class NodeSettings:
    settings: tuple[Setting, ...]
    span: Span


@dataclass(frozen=True, slots=True)
class Binding:
    name: str
    name_span: Span
    value: NodeValue
    settings: NodeSettings | None
    guard: Expr | None
    span: Span


@dataclass(frozen=True, slots=True)
class WorkflowSetting:
    """`run_as`, `budget`, `timeout` or `max_nodes` in a workflow body."""

    name: str
    name_span: Span
    value: Expr
    span: Span


@dataclass(frozen=True, slots=True)
class Block:
    statements: tuple[Statement, ...]
    span: Span


@dataclass(frozen=True, slots=True)
class If:
    condition: Expr
    then: Block
    otherwise: Block | If | None
    span: Span


@dataclass(frozen=True, slots=True)
class SwitchCase:
    label: StringLit
    body: Block
    span: Span


@dataclass(frozen=True, slots=True)
class Switch:
    subject: Expr
    cases: tuple[SwitchCase, ...]
    default: Block | None
    span: Span


@dataclass(frozen=True, slots=True)
class Return:
    value: Expr
    span: Span


@dataclass(frozen=True, slots=True)
class Fail:
    message: Expr
    guard: Expr | None
    span: Span


Statement = Binding | WorkflowSetting | If | Switch | Return | Fail


@dataclass(frozen=True, slots=True)
class Param:
    name: str
    name_span: Span
    type: TypeExpr
    default: Expr | None
    span: Span


@dataclass(frozen=True, slots=True)
class WorkflowDecl:
    name: str
    name_span: Span
    params: tuple[Param, ...]
    result: TypeExpr
    body: Block
    span: Span


Declaration = (
    ModelDecl
    | ToolDecl
    | TypeDecl
    | RoleDecl
    | PrincipalDecl
    | BudgetDecl
    | PolicyDecl
    | AgentDecl
    | WorkflowDecl
)

# ============================================================ file


@dataclass(frozen=True, slots=True)
class Header:
    version: NumberLit
    span: Span


@dataclass(frozen=True, slots=True)
class Comment:
    text: str
    span: Span


@dataclass(frozen=True, slots=True)
class Program:
    header: Header | None
    declarations: tuple[Declaration, ...]
    comments: tuple[Comment, ...]
    span: Span
