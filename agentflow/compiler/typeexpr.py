"""Resolving written types (`list[Ticket]`, `"a" | "b"`, `string?`) to static types."""

from __future__ import annotations

from agentflow.compiler.context import Context, similar
from agentflow.compiler.types import (
    ERROR,
    MESSAGE,
    PRIMITIVES,
    UNKNOWN,
    EnumT,
    FieldT,
    ListT,
    MapT,
    OptionalT,
    RecordT,
    Type,
    result_of,
)
from agentflow.diagnostics import Label
from agentflow.grammar import ast

BUILTIN_NAMED = {"Message": MESSAGE, "Error": ERROR}
GENERICS = {"list": 1, "map": 1, "Result": 1}


class TypeResolver:
    """Turns type expressions into types, resolving named types once (cycles reported)."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self._in_progress: set[str] = set()

    def resolve_named_types(self) -> None:
        for declaration in self.ctx.of_kind("type"):
            self._named(declaration.name)

    def _named(self, name: str) -> Type:
        if name in self.ctx.named_types:
            return self.ctx.named_types[name]
        declaration = self.ctx.declarations[name]
        if name in self._in_progress:
            return UNKNOWN
        self._in_progress.add(name)
        record = self.record(declaration.node.fields, owner_kind="type", name=name)
        self._in_progress.discard(name)
        self.ctx.named_types[name] = record
        return record

    def record(
        self, fields: ast.RecordType, owner_kind: str = "record", name: str | None = None
    ) -> RecordT:
        """A record type from written fields; duplicate fields and bad defaults reported."""
        seen: dict[str, ast.Field] = {}
        result: list[FieldT] = []
        for field in fields.fields:
            if field.name in seen:
                self.ctx.sink.report(
                    "AF107",
                    field.name_span,
                    f"field `{field.name}` is declared twice",
                    labels=[Label(seen[field.name].name_span, "first declared here")],
                )
                continue
            seen[field.name] = field
            field_type = self.resolve(field.type)
            if field.default is not None:
                self.check_default(field.default, field_type, field.name)
            required = field.default is None and not isinstance(field_type, OptionalT)
            result.append(FieldT(field.name, field_type, required))
        return RecordT(tuple(result), name)

    def check_default(self, default: ast.Expr, expected: Type, name: str) -> None:
        from agentflow.compiler.expressions import ExprTyper

        found = ExprTyper(self.ctx, {}).infer(default, expected)
        from agentflow.compiler.types import is_assignable

        if not is_assignable(found, expected):
            self.ctx.sink.report(
                "AF226",
                default.span,
                f"the default of `{name}` has type `{found}`, not `{expected}`",
            )

    def resolve(self, node: ast.TypeExpr) -> Type:
        visit = getattr(self, f"_resolve_{type(node).__name__}")
        result: Type = visit(node)
        return result

    def _resolve_TypeName(self, node: ast.TypeName) -> Type:
        if node.name in PRIMITIVES:
            return PRIMITIVES[node.name]
        if node.name in BUILTIN_NAMED:
            return BUILTIN_NAMED[node.name]
        declaration = self.ctx.declarations.get(node.name)
        if declaration is not None and declaration.kind == "type":
            self.ctx.uses[node.name] += 1
            return self._named(node.name)
        if node.name in GENERICS:
            self.ctx.sink.report(
                "AF113",
                node.span,
                f"`{node.name}` needs a type argument",
                hint=f"write `{node.name}[string]`",
            )
            return UNKNOWN
        if declaration is not None:
            self.ctx.sink.report(
                "AF103",
                node.span,
                f"`{node.name}` is a {declaration.kind}, not a type",
                labels=[Label(declaration.name_span, "declared here")],
            )
            return UNKNOWN
        known = [*PRIMITIVES, *BUILTIN_NAMED, *(d.name for d in self.ctx.of_kind("type"))]
        self.ctx.sink.report(
            "AF113", node.span, f"unknown type `{node.name}`", hint=similar(node.name, known)
        )
        return UNKNOWN

    def _resolve_TypeApp(self, node: ast.TypeApp) -> Type:
        arity = GENERICS.get(node.name)
        if arity is None:
            self.ctx.sink.report(
                "AF113",
                node.span,
                f"`{node.name}` takes no type arguments",
                hint="generic types are `list[T]`, `map[T]` and `Result[T]`",
            )
            return UNKNOWN
        if len(node.arguments) != arity:
            self.ctx.sink.report(
                "AF113",
                node.span,
                f"`{node.name}` takes one type argument, found {len(node.arguments)}",
                hint="maps always have string keys: `map[int]`",
            )
            return UNKNOWN
        inner = self.resolve(node.arguments[0])
        if node.name == "list":
            return ListT(inner)
        if node.name == "map":
            return MapT(inner)
        return result_of(inner)

    def _resolve_RecordType(self, node: ast.RecordType) -> Type:
        return self.record(node)

    def _resolve_EnumType(self, node: ast.EnumType) -> Type:
        members: list[str] = []
        for member in node.members:
            if member.value in members:
                self.ctx.sink.report(
                    "AF107", member.span, f"enum member `{member.value}` is repeated"
                )
            else:
                members.append(member.value)
        return EnumT(tuple(members))

    def _resolve_OptionalType(self, node: ast.OptionalType) -> Type:
        inner = self.resolve(node.inner)
        return inner if isinstance(inner, OptionalT) else OptionalT(inner)
