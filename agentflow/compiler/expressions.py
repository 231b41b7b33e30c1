"""Typing expressions, bidirectionally: `infer(expr, expected)` reports and returns a type."""

from __future__ import annotations

from collections.abc import Callable

from agentflow.compiler import templates
from agentflow.compiler.builtins import BUILTINS, BuiltinArgs, BuiltinError, type_builtin
from agentflow.compiler.context import CALLABLE_KINDS, Context, similar
from agentflow.compiler.types import (
    BOOL,
    DURATION,
    EMPTY,
    FLOAT,
    INT,
    MONEY,
    PERCENT,
    RATE,
    STRING,
    UNKNOWN,
    EnumT,
    FieldT,
    ListT,
    MapT,
    OptionalT,
    RecordT,
    Type,
    UnknownT,
    is_assignable,
    join,
    optional,
    strip_optional,
)
from agentflow.diagnostics import Label
from agentflow.grammar import ast
from agentflow.source import Span

Lookup = Callable[[str], "Type | None"]
NUMBERS = (INT, FLOAT)


def mismatch(found: Type, expected: Type) -> str:
    """Why `found` does not fit `expected`, for messages."""
    found_record = strip_optional(found) if isinstance(found, OptionalT) else found
    if isinstance(found, OptionalT) and is_assignable(found.inner, expected):
        return f"`{found}` may be absent, but `{expected}` is needed"
    if isinstance(found_record, RecordT) and isinstance(expected, RecordT):
        for wanted in expected.fields:
            got = found_record.field(wanted.name)
            if got is None and wanted.required:
                return f"`{found}` has no field `{wanted.name}` that `{expected}` needs"
            if got is not None and not is_assignable(got.type, wanted.type):
                return (
                    f"field `{wanted.name}` is `{got.type}`, but `{expected}` needs `{wanted.type}`"
                )
    return f"expected `{expected}`, found `{found}`"


class ExprTyper:
    """Types the expressions of one scope; `refs` collects the outer names used."""

    def __init__(
        self,
        ctx: Context,
        scope: dict[str, Type],
        lookup: Lookup | None = None,
        *,
        in_workflow: bool = False,
    ) -> None:
        self.ctx = ctx
        self.scopes: list[dict[str, Type]] = [scope]
        self.lookup = lookup
        self.in_workflow = in_workflow
        self.refs: set[str] = set()
        self.comprehension_depth = 0

    # ---------------------------------------------------------------- entry points

    def infer(self, expr: ast.Expr, expected: Type | None = None) -> Type:
        visit = getattr(self, f"visit_{type(expr).__name__}")
        result: Type = visit(expr, expected)
        return result

    def check(self, expr: ast.Expr, expected: Type, code: str, what: str) -> Type:
        """Infer and require assignability to `expected`, reporting `code` otherwise."""
        found = self.infer(expr, expected)
        if not is_assignable(found, expected):
            hint = (
                "give a default with `??`"
                if isinstance(found, OptionalT) and is_assignable(found.inner, expected)
                else None
            )
            code = "AF207" if hint else code
            self.ctx.sink.report(code, expr.span, f"{what}: {mismatch(found, expected)}", hint=hint)
        return found

    def condition(self, expr: ast.Expr, what: str) -> None:
        found = self.infer(expr, BOOL)
        if isinstance(expr, ast.BoolLit):
            self.ctx.sink.report(
                "AF903", expr.span, f"{what} is always `{str(expr.value).lower()}`"
            )
        if not is_assignable(found, BOOL):
            code = "AF207" if isinstance(found, OptionalT) and found.inner == BOOL else "AF206"
            self.ctx.sink.report(
                code,
                expr.span,
                f"{what} must be `bool`, found `{found}`",
                hint='compare it, e.g. `x == "value"` or `len(xs) > 0`',
            )

    # ---------------------------------------------------------------- names

    def resolve_name(self, name: str, span: Span) -> Type:
        for scope in reversed(self.scopes):
            if name in scope:
                if scope is self.scopes[0]:
                    self.refs.add(name)
                return scope[name]
        if self.lookup is not None:
            found = self.lookup(name)
            if found is not None:
                self.refs.add(name)
                return found
        declaration = self.ctx.declarations.get(name)
        if declaration is not None:
            self.ctx.uses[name] += 1
            advice = f"call it: `{name}(...)`" if declaration.kind in CALLABLE_KINDS else None
            self.ctx.sink.report(
                "AF103",
                span,
                f"`{name}` is a {declaration.kind}, not a value",
                hint=advice,
                labels=[Label(declaration.name_span, "declared here")],
            )
            return UNKNOWN
        self.ctx.sink.report(
            "AF101", span, f"`{name}` is not defined", hint=similar(name, self.visible_names())
        )
        return UNKNOWN

    def visible_names(self) -> list[str]:
        names = [n for scope in self.scopes for n in scope]
        extra = getattr(self.lookup, "names", None)
        if callable(extra):
            names.extend(extra())
        return names

    def visit_Name(self, expr: ast.Name, expected: Type | None) -> Type:
        return self.resolve_name(expr.name, expr.span)

    # ---------------------------------------------------------------- literals

    def visit_StringLit(self, expr: ast.StringLit, expected: Type | None) -> Type:
        if expr.is_template:
            if self.in_workflow:
                self.refs |= templates.check_template(
                    self.ctx, expr, self.template_scope(), where="this workflow"
                )
            return STRING
        target = strip_optional(expected) if expected is not None else None
        if isinstance(target, EnumT):
            if expr.value not in target.members:
                self.ctx.sink.report(
                    "AF208",
                    expr.span,
                    f'`"{expr.value}"` is not one of {target}',
                    hint=similar(expr.value, target.members),
                )
                return UNKNOWN
            return target
        return STRING

    def template_scope(self) -> dict[str, Type]:
        scope: dict[str, Type] = {}
        extra = getattr(self.lookup, "names", None)
        if callable(extra) and self.lookup is not None:
            for name in extra():
                found = self.lookup(name)
                if found is not None:
                    scope[name] = found
        for frame in self.scopes:
            scope.update(frame)
        return scope

    def visit_NumberLit(self, expr: ast.NumberLit, expected: Type | None) -> Type:
        if expr.value is None:
            return UNKNOWN  # reported by AF010's lint rule
        return FLOAT if isinstance(expr.value, float) else INT

    def visit_CountLit(self, expr: ast.CountLit, expected: Type | None) -> Type:
        return UNKNOWN if expr.value is None else INT

    def _unit(self, expr: ast.Expr, value: object, unit: Type) -> Type:
        return UNKNOWN if value is None else unit  # malformed: reported by AF010's lint rule

    def visit_MoneyLit(self, expr: ast.MoneyLit, expected: Type | None) -> Type:
        return self._unit(expr, expr.value, MONEY)

    def visit_DurationLit(self, expr: ast.DurationLit, expected: Type | None) -> Type:
        return self._unit(expr, expr.seconds, DURATION)

    def visit_PercentLit(self, expr: ast.PercentLit, expected: Type | None) -> Type:
        return self._unit(expr, expr.value, PERCENT)

    def visit_RateLit(self, expr: ast.RateLit, expected: Type | None) -> Type:
        return self._unit(expr, expr.count, RATE)

    def visit_BoolLit(self, expr: ast.BoolLit, expected: Type | None) -> Type:
        return BOOL

    def visit_ListLit(self, expr: ast.ListLit, expected: Type | None) -> Type:
        target = strip_optional(expected) if expected is not None else None
        element_expected = target.element if isinstance(target, ListT) else None
        if not expr.items:
            if element_expected is None:
                self.ctx.sink.report(
                    "AF216",
                    expr.span,
                    "the type of `[]` is unknown here",
                    hint="bind it where a list type is expected",
                )
                return ListT(EMPTY)
            return ListT(element_expected)
        element: Type | None = None
        for item in expr.items:
            item_type = self.infer(item, element_expected)
            if element is None:
                element = item_type
                continue
            joined = join(element, item_type)
            if joined is None:
                self.ctx.sink.report(
                    "AF215",
                    item.span,
                    f"list items must share a type: `{item_type}` after `{element}`",
                )
                return ListT(UNKNOWN)
            element = joined
        return ListT(element or UNKNOWN)

    def visit_RecordLit(self, expr: ast.RecordLit, expected: Type | None) -> Type:
        target = strip_optional(expected) if expected is not None else None
        seen: dict[str, ast.Entry] = {}
        fields: list[FieldT] = []
        for entry in expr.entries:
            if entry.key in seen:
                self.ctx.sink.report(
                    "AF107",
                    entry.key_span,
                    f"key `{entry.key}` is given twice",
                    labels=[Label(seen[entry.key].key_span, "first given here")],
                )
                continue
            seen[entry.key] = entry
            field_expected: Type | None = None
            if isinstance(target, RecordT):
                wanted = target.field(entry.key)
                if wanted is None:
                    self.ctx.sink.report(
                        "AF204",
                        entry.key_span,
                        f"`{target}` has no field `{entry.key}`",
                        hint=similar(entry.key, [f.name for f in target.fields]),
                    )
                else:
                    field_expected = wanted.type
            elif isinstance(target, MapT):
                field_expected = target.value
            fields.append(FieldT(entry.key, self.infer(entry.value, field_expected)))
        if isinstance(target, MapT):
            value: Type | None = target.value
            for f in fields:
                value = join(value, f.type) if value is not None else None
            return MapT(value or UNKNOWN)
        if not fields and target is None:
            self.ctx.sink.report(
                "AF216",
                expr.span,
                "the type of `{}` is unknown here",
                hint="bind it where a record or map type is expected",
            )
        return RecordT(tuple(fields))

    # ---------------------------------------------------------------- access

    def visit_Attribute(self, expr: ast.Attribute, expected: Type | None) -> Type:
        target = self.infer(expr.target)
        if isinstance(target, UnknownT):
            return UNKNOWN
        if isinstance(target, OptionalT):
            self.ctx.sink.report(
                "AF207",
                expr.target.span,
                f"this value may be absent (`{target}`)",
                hint=f"give a default first: `(x ?? ...).{expr.name}`, or guard with `when`",
            )
            target = target.inner
        if isinstance(target, MapT):
            return optional(target.value)
        if not isinstance(target, RecordT):
            self.ctx.sink.report(
                "AF204", expr.name_span, f"`{target}` has no fields; cannot read `.{expr.name}`"
            )
            return UNKNOWN
        found = target.field(expr.name)
        if found is None:
            self.ctx.sink.report(
                "AF204",
                expr.name_span,
                f"`{target}` has no field `{expr.name}`",
                hint=similar(expr.name, [f.name for f in target.fields]),
            )
            return UNKNOWN
        return found.type

    def visit_Index(self, expr: ast.Index, expected: Type | None) -> Type:
        target = self.infer(expr.target)
        index = self.infer(expr.index)
        if isinstance(target, UnknownT):
            return UNKNOWN
        if isinstance(target, ListT):
            if not is_assignable(index, INT):
                self.ctx.sink.report(
                    "AF205", expr.index.span, f"a list index must be `int`, found `{index}`"
                )
            return target.element
        if isinstance(target, MapT):
            if not is_assignable(index, STRING):
                self.ctx.sink.report(
                    "AF205", expr.index.span, f"a map key must be `string`, found `{index}`"
                )
            return optional(target.value)
        self.ctx.sink.report(
            "AF205",
            expr.target.span,
            f"`{target}` cannot be indexed",
            hint="only lists and maps can be indexed; read record fields with `.`",
        )
        return UNKNOWN

    # ---------------------------------------------------------------- calls

    def visit_Call(self, expr: ast.Call, expected: Type | None) -> Type:
        name = expr.callee.name
        declaration = self.ctx.declarations.get(name)
        if declaration is not None and declaration.kind in CALLABLE_KINDS:
            self.ctx.uses[name] += 1
            for argument in expr.arguments:
                self.infer(argument.value)
            signature = self.ctx.signatures.get(name)
            if self.comprehension_depth:
                self.ctx.sink.report(
                    "AF220",
                    expr.span,
                    f"comprehensions are pure; `{name}` is a {declaration.kind}",
                    hint="use `map item in list => call(...)` instead",
                )
            else:
                self.ctx.sink.report(
                    "AF221",
                    expr.span,
                    f"a call to {declaration.kind} `{name}` must be bound to a name",
                    hint=f"bind it first: `result = {name}(...)`, then use `result`",
                )
            return signature.output if signature else UNKNOWN
        if name in BUILTINS and (declaration is None):
            return self._builtin(expr)
        if declaration is not None:
            self.ctx.uses[name] += 1
            self.ctx.sink.report(
                "AF214",
                expr.callee.span,
                f"`{name}` is a {declaration.kind}; it cannot be called",
                labels=[Label(declaration.name_span, "declared here")],
            )
        else:
            known = [
                *BUILTINS,
                *(d.name for d in self.ctx.declarations.values() if d.kind in CALLABLE_KINDS),
            ]
            self.ctx.sink.report(
                "AF101",
                expr.callee.span,
                f"no function, agent, tool or workflow named `{name}`",
                hint=similar(name, known),
            )
        for argument in expr.arguments:
            self.infer(argument.value)
        return UNKNOWN

    def _builtin(self, expr: ast.Call) -> Type:
        name = expr.callee.name
        positional: list[Type] = []
        named: dict[str, Type] = {}
        literals: dict[str, str] = {}
        for argument in expr.arguments:
            value_type = self.infer(argument.value)
            key = argument.name if argument.name is not None else str(len(positional))
            if isinstance(argument.value, ast.StringLit) and not argument.value.is_template:
                literals[key] = argument.value.value
            if argument.name is None:
                positional.append(value_type)
            else:
                named[argument.name] = value_type
        if name == "env" and self.in_workflow:
            self.ctx.sink.report(
                "AF406",
                expr.span,
                "a secret read with `env()` inside a workflow may reach a "
                "model, the output or the audit log",
                hint="pass secrets only to `api_key`/`token` settings",
            )
        try:
            return type_builtin(BuiltinArgs(name, positional, named, literals))
        except BuiltinError as error:
            self.ctx.sink.report("AF217", expr.span, str(error))
            return UNKNOWN

    # ---------------------------------------------------------------- operators

    def visit_Unary(self, expr: ast.Unary, expected: Type | None) -> Type:
        operand = self.infer(expr.operand)
        if isinstance(operand, UnknownT):
            return BOOL if expr.op == "not" else UNKNOWN
        if expr.op == "not":
            if operand != BOOL:
                self.ctx.sink.report("AF215", expr.span, f"`not` needs `bool`, found `{operand}`")
            return BOOL
        if operand not in (INT, FLOAT, MONEY, DURATION):
            self.ctx.sink.report("AF215", expr.span, f"`-` needs a number, found `{operand}`")
            return UNKNOWN
        return operand

    def visit_Binary(self, expr: ast.Binary, expected: Type | None) -> Type:
        if expr.op in ("and", "or"):
            for side in (expr.left, expr.right):
                found = self.infer(side, BOOL)
                if not is_assignable(found, BOOL):
                    self.ctx.sink.report(
                        "AF215", side.span, f"`{expr.op}` needs `bool` operands, found `{found}`"
                    )
            return BOOL
        if expr.op == "??":
            return self._coalesce(expr, expected)
        left = self.infer(expr.left)
        right = self.infer(expr.right, left if isinstance(left, EnumT) else None)
        if isinstance(left, UnknownT) or isinstance(right, UnknownT):
            return (
                BOOL if expr.op in ("==", "!=", "<", "<=", ">", ">=", "in", "not in") else UNKNOWN
            )
        if expr.op in ("==", "!="):
            return self._equality(expr, left, right)
        if expr.op in ("<", "<=", ">", ">="):
            if not (_ordered_pair(left, right)):
                self._operator_error(expr, left, right)
            return BOOL
        if expr.op in ("in", "not in"):
            return self._membership(expr, left, right)
        return self._arithmetic(expr, left, right)

    def _coalesce(self, expr: ast.Binary, expected: Type | None) -> Type:
        left = self.infer(expr.left, expected)
        if not isinstance(left, OptionalT | UnknownT):
            self.ctx.sink.report(
                "AF902",
                expr.right.span,
                f"the left side of `??` is never absent (`{left}`)",
                hint="remove `?? ...`",
            )
        inner = strip_optional(left)
        right = self.infer(expr.right, inner if not isinstance(inner, UnknownT) else expected)
        joined = join(inner, right)
        if joined is None:
            self.ctx.sink.report(
                "AF215",
                expr.right.span,
                f"the default of `??` has type `{right}`, but the value is `{inner}`",
            )
            return UNKNOWN
        return joined

    def _equality(self, expr: ast.Binary, left: Type, right: Type) -> Type:
        if isinstance(right, EnumT) and isinstance(expr.left, ast.StringLit):
            self.infer(expr.left, right)
        if join(left, right) is None and not (_numeric(left) and _numeric(right)):
            self._operator_error(expr, left, right)
        return BOOL

    def _membership(self, expr: ast.Binary, left: Type, right: Type) -> Type:
        container = strip_optional(right)
        if isinstance(container, ListT):
            if join(left, container.element) is None:
                self._operator_error(expr, left, right)
        elif isinstance(container, MapT) or is_assignable(container, STRING):
            if not is_assignable(left, STRING):
                self._operator_error(expr, left, right)
        else:
            self._operator_error(expr, left, right)
        return BOOL

    def _arithmetic(self, expr: ast.Binary, left: Type, right: Type) -> Type:
        op = expr.op
        if op == "+":
            if is_assignable(left, STRING) and is_assignable(right, STRING):
                return STRING
            if isinstance(left, ListT) and isinstance(right, ListT):
                element = join(left.element, right.element)
                if element is not None:
                    return ListT(element)
        if _numeric(left) and _numeric(right):
            if op == "/" or FLOAT in (left, right):
                return FLOAT
            return INT
        if left in (MONEY, DURATION):
            if op in ("+", "-") and right == left:
                return left
            if op in ("*", "/") and _numeric(right):
                return left
        if op == "*" and right in (MONEY, DURATION) and _numeric(left):
            return right
        self._operator_error(expr, left, right)
        return UNKNOWN

    def _operator_error(self, expr: ast.Binary, left: Type, right: Type) -> None:
        self.ctx.sink.report(
            "AF215", expr.span, f"`{expr.op}` cannot combine `{left}` and `{right}`"
        )

    # ---------------------------------------------------------------- comprehensions

    def visit_Comprehension(self, expr: ast.Comprehension, expected: Type | None) -> Type:
        iterable = self.infer(expr.iterable)
        element: Type = UNKNOWN
        if isinstance(iterable, ListT):
            element = iterable.element
        elif not isinstance(iterable, UnknownT):
            self.ctx.sink.report(
                "AF209",
                expr.iterable.span,
                f"a comprehension iterates over a list, found `{iterable}`",
            )
        frame: dict[str, Type] = {}
        if len(expr.targets) == 1:
            frame[expr.targets[0].name] = element
        elif (
            len(expr.targets) == 2
            and isinstance(element, RecordT)
            and [f.name for f in element.fields] == ["first", "second"]
        ):
            frame[expr.targets[0].name] = element.fields[0].type
            frame[expr.targets[1].name] = element.fields[1].type
        else:
            if not isinstance(element, UnknownT):
                self.ctx.sink.report(
                    "AF209",
                    expr.targets[0].span.cover(expr.targets[-1].span),
                    f"{len(expr.targets)} names cannot unpack `{element}`",
                    hint="unpack pairs from `zip(a, b)`: `for x, y in zip(a, b)`",
                )
            for target in expr.targets:
                frame[target.name] = UNKNOWN
        self.scopes.append(frame)
        self.comprehension_depth += 1
        try:
            if expr.condition is not None:
                self.condition(expr.condition, "a comprehension condition")
            result = self.infer(expr.element)
        finally:
            self.comprehension_depth -= 1
            self.scopes.pop()
        return ListT(result)


def _numeric(t: Type) -> bool:
    return t in NUMBERS


def _ordered_pair(left: Type, right: Type) -> bool:
    if _numeric(left) and _numeric(right):
        return True
    if is_assignable(left, STRING) and is_assignable(right, STRING):
        return True
    return left == right and left in (MONEY, DURATION, PERCENT)
