"""Pass 1: the header, top-level names, types, settings and every callable's signature."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

from agentflow.compiler import python_tools, settings, templates
from agentflow.compiler.builtins import BUILTINS
from agentflow.compiler.context import (
    DECLARATION_KINDS,
    Context,
    Declaration,
    Signature,
    similar,
)
from agentflow.compiler.expressions import ExprTyper
from agentflow.compiler.schema import (
    BUILTIN_TYPE_NAMES,
    COMMON_TOOL_SETTINGS,
    SETTINGS,
    STDLIB_TOOLS,
)
from agentflow.compiler.typeexpr import TypeResolver
from agentflow.compiler.types import (
    MESSAGE,
    STRING,
    UNKNOWN,
    FieldT,
    ListT,
    RecordT,
    Type,
    is_assignable,
)
from agentflow.diagnostics import Label
from agentflow.grammar import ast
from agentflow.source import Span

RESERVED = frozenset({*BUILTIN_TYPE_NAMES, *BUILTINS, "stdlib", "python", "true", "false"})


def run(ctx: Context) -> None:
    _check_header(ctx)
    _collect_declarations(ctx)
    resolver = TypeResolver(ctx)
    resolver.resolve_named_types()
    for declaration in list(ctx.declarations.values()):
        visit = _VISITORS.get(declaration.kind)
        if visit:
            visit(ctx, declaration.node, resolver)
    policies = [d for d in ctx.program.declarations if isinstance(d, ast.PolicyDecl)]
    for extra in policies[1:]:
        ctx.sink.report(
            "AF102",
            extra.span.cover(Span(extra.span.start, extra.span.start + 6)),
            "`policy` is declared twice",
            labels=[Label(policies[0].span, "first here")],
        )
    if policies:
        ctx.policy = policies[0]
        settings.check_settings(
            ctx,
            policies[0].body.settings,
            SETTINGS["policy"],
            "`policy`",
            Span(policies[0].span.start, policies[0].span.start + 6),
        )
        _no_blocks(ctx, policies[0].body, "`policy`")


def _check_header(ctx: Context) -> None:
    header = ctx.program.header
    if header is None:
        first = ctx.program.declarations[0].span.start if ctx.program.declarations else 0
        ctx.sink.report(
            "AF002",
            Span(first, first),
            "the file does not start with `agentflow 1`",
            hint="add `agentflow 1` as the first line",
        )
    elif header.version.raw != "1":
        ctx.sink.report(
            "AF003",
            header.version.span,
            f"unknown language version `{header.version.raw}`",
            hint="this compiler reads `agentflow 1`",
        )


def _collect_declarations(ctx: Context) -> None:
    for node in ctx.program.declarations:
        kind = DECLARATION_KINDS.get(type(node))
        if kind is None:
            continue
        name, span = getattr(node, "name", ""), getattr(node, "name_span", node.span)
        if name in RESERVED:
            ctx.sink.report(
                "AF115",
                span,
                f"`{name}` is a built-in name and cannot name a {kind}",
                hint=f"rename it, e.g. `my_{name.lower()}`",
            )
            continue
        previous = ctx.declarations.get(name)
        if previous is not None:
            ctx.sink.report(
                "AF102",
                span,
                f"`{name}` is declared twice",
                labels=[Label(previous.name_span, f"first declared here as a {previous.kind}")],
                hint="names are unique per file",
            )
            continue
        ctx.declarations[name] = Declaration(kind, name, node, span)


def _header_span(node: ast.Declaration) -> Span:
    name_span = getattr(node, "name_span", None)
    return Span(node.span.start, name_span.end) if name_span else node.span


def _no_blocks(ctx: Context, body: ast.Body, owner: str) -> None:
    for item in body.items:
        if isinstance(item, ast.InputBlock | ast.OutputBlock):
            word = "input" if isinstance(item, ast.InputBlock) else "output"
            ctx.sink.report(
                "AF104",
                Span(item.span.start, item.span.start + len(word)),
                f"{owner} has no `{word}`",
            )


def _visit_model(ctx: Context, node: ast.ModelDecl, resolver: TypeResolver) -> None:
    owner = f"model `{node.name}`"
    found = settings.check_settings(
        ctx, node.body.settings, SETTINGS["model"], owner, _header_span(node)
    )
    _no_blocks(ctx, node.body, owner)
    provider = found.get("provider")
    provider_name = (
        provider.value.name if provider and isinstance(provider.value, ast.Name) else None
    )
    if provider_name in ("anthropic", "openai") and "name" not in found:
        ctx.sink.report(
            "AF106",
            _header_span(node),
            f"{owner} is missing the required setting `name`",
            hint=f'name the {provider_name} model, e.g. `name = "..."`',
        )
    temperature = found.get("temperature")
    if temperature is not None and provider_name == "anthropic":
        ctx.sink.report(
            "AF116",
            temperature.name_span,
            "`temperature` is not sent to anthropic models (the API rejects it)",
            hint="remove it; steer the model in its `system` prompt instead",
        )
    fallback = found.get("fallback")
    if fallback and isinstance(fallback.value, ast.Name) and fallback.value.name == node.name:
        ctx.sink.report("AF306", fallback.value.span, f"model `{node.name}` falls back to itself")


def _visit_role(ctx: Context, node: ast.RoleDecl, resolver: TypeResolver) -> None:
    owner = f"role `{node.name}`"
    settings.check_settings(ctx, node.body.settings, SETTINGS["role"], owner, _header_span(node))
    _no_blocks(ctx, node.body, owner)


def _visit_principal(ctx: Context, node: ast.PrincipalDecl, resolver: TypeResolver) -> None:
    owner = f"principal `{node.name}`"
    settings.check_settings(
        ctx, node.body.settings, SETTINGS["principal"], owner, _header_span(node)
    )
    _no_blocks(ctx, node.body, owner)


def _visit_budget(ctx: Context, node: ast.BudgetDecl, resolver: TypeResolver) -> None:
    owner = f"budget `{node.name}`"
    found = settings.check_settings(
        ctx, node.body.settings, SETTINGS["budget"], owner, _header_span(node)
    )
    _no_blocks(ctx, node.body, owner)
    windows = [(n, found[n].value) for n in ("per_run", "daily", "monthly") if n in found]
    amounts = [
        (n, v.value, v.span)
        for n, v in windows
        if isinstance(v, ast.MoneyLit) and v.value is not None
    ]
    for (small, small_value, small_span), (large, large_value, _) in itertools.pairwise(amounts):
        if small_value > large_value:
            ctx.sink.report(
                "AF504",
                small_span,
                f"`{small}` ({small_value:f} USD) is above `{large}` "
                f"({large_value:f} USD) in {owner}",
                hint=f"`{small}` can never be reached; lower it or raise `{large}`",
            )


def _visit_tool(ctx: Context, node: ast.ToolDecl, resolver: TypeResolver) -> None:
    owner = f"tool `{node.name}`"
    body_settings = node.body.settings if node.body else ()
    source = node.source
    declared_input, declared_output = _declared_signature(node.body, resolver)
    if isinstance(source, ast.StdlibSource):
        stdlib = STDLIB_TOOLS.get(source.name) if source.namespace == "stdlib" else None
        if source.namespace != "stdlib":
            ctx.sink.report(
                "AF105",
                source.span,
                f"unknown tool source `{source.namespace}.{source.name}`",
                hint='tools come from `stdlib.NAME` or `python("module:function")`',
            )
        elif stdlib is None:
            ctx.sink.report(
                "AF105",
                source.name_span,
                f"`stdlib.{source.name}` is not a standard tool",
                hint=similar(source.name, STDLIB_TOOLS)
                or "standard tools: " + ", ".join(STDLIB_TOOLS),
            )
        schema = {**COMMON_TOOL_SETTINGS, **(stdlib.settings if stdlib else {})}
        found = settings.check_settings(ctx, body_settings, schema, owner, _header_span(node))
        if stdlib is None:
            ctx.signatures[node.name] = Signature(RecordT(()), UNKNOWN)
            return
        if declared_input or declared_output:
            block = next(
                i
                for i in (node.body.items if node.body else ())
                if isinstance(i, ast.InputBlock | ast.OutputBlock)
            )
            ctx.sink.report(
                "AF104",
                block.span,
                f"`stdlib.{source.name}` has a fixed signature; remove `input`/`output`",
            )
        _check_confinement(ctx, node, stdlib.confinement, found, source.name)
        signature = Signature(stdlib.input, stdlib.output)
    else:
        found = settings.check_settings(
            ctx, body_settings, COMMON_TOOL_SETTINGS, owner, _header_span(node)
        )
        signature = python_tools.signature(ctx, node, declared_input, declared_output)
    ctx.signatures[node.name] = _apply_bind(ctx, node, signature, found.get("bind"))


def _declared_signature(
    body: ast.Body | None, resolver: TypeResolver
) -> tuple[RecordT | None, Type | None]:
    declared_input: RecordT | None = None
    declared_output: Type | None = None
    for item in body.items if body else ():
        if isinstance(item, ast.InputBlock):
            declared_input = resolver.record(item.fields, owner_kind="input")
        elif isinstance(item, ast.OutputBlock):
            declared_output = resolver.resolve(item.type)
    return declared_input, declared_output


def _check_confinement(
    ctx: Context,
    node: ast.ToolDecl,
    confinement: str | None,
    found: dict[str, ast.Setting],
    tool_name: str,
) -> None:
    if confinement and confinement not in found:
        example = '["./docs"]' if confinement == "roots" else '["api.example.com"]'
        ctx.sink.report(
            "AF407",
            node.source.span,
            f"`stdlib.{tool_name}` needs `{confinement}`: tools are confined by default",
            hint=f"add `{{ {confinement} = {example} }}`",
        )
    for key in ("roots", "corpus"):
        setting = found.get(key)
        if setting is None:
            continue
        values = setting.value.items if isinstance(setting.value, ast.ListLit) else (setting.value,)
        for value in values:
            if (
                isinstance(value, ast.StringLit)
                and not value.is_template
                and not (ctx.base_dir / value.value).is_dir()
            ):
                ctx.sink.report(
                    "AF114",
                    value.span,
                    f"directory `{value.value}` does not exist",
                    hint=f"paths are relative to `{ctx.base_dir}`",
                )


def _apply_bind(
    ctx: Context, node: ast.ToolDecl, signature: Signature, bind: ast.Setting | None
) -> Signature:
    if bind is None or not isinstance(bind.value, ast.RecordLit):
        return signature
    bound: list[str] = []
    for entry in bind.value.entries:
        field = signature.inputs.field(entry.key)
        if field is None:
            ctx.sink.report(
                "AF203",
                entry.key_span,
                f"tool `{node.name}` has no input `{entry.key}` to bind",
                hint=similar(entry.key, [f.name for f in signature.inputs.fields]),
            )
            continue
        value_type = ExprTyper(ctx, {}).infer(entry.value, field.type)
        if not is_assignable(value_type, field.type):
            ctx.sink.report(
                "AF201",
                entry.value.span,
                f"`{entry.key}` expects `{field.type}`, found `{value_type}`",
            )
        bound.append(entry.key)
    remaining = tuple(f for f in signature.inputs.fields if f.name not in bound)
    return Signature(RecordT(remaining), signature.output, tuple(bound))


def _visit_agent(ctx: Context, node: ast.AgentDecl, resolver: TypeResolver) -> None:
    owner = f"agent `{node.name}`"
    found = settings.check_settings(
        ctx, node.body.settings, SETTINGS["agent"], owner, _header_span(node)
    )
    declared_input, declared_output = _declared_signature(node.body, resolver)
    inputs = declared_input or RecordT(())
    output = declared_output or STRING
    ctx.signatures[node.name] = Signature(inputs, output)
    if "system" not in found and "prompt" not in found:
        ctx.sink.report(
            "AF227",
            _header_span(node),
            f"{owner} has neither `system` nor `prompt`",
            hint='add `prompt = "..."` with what the model should do',
        )
    scope = {f.name: f.type for f in inputs.fields}
    for key in ("system", "prompt"):
        setting = found.get(key)
        if setting and isinstance(setting.value, ast.StringLit):
            templates.check_template(ctx, setting.value, scope, where=f"{owner}'s inputs")
    history = found.get("history")
    if history and isinstance(history.value, ast.Name):
        field = inputs.field(history.value.name)
        if field is None or not is_assignable(field.type, ListT(MESSAGE)):
            found_text = f"has type `{field.type}`" if field else "is not one of its inputs"
            ctx.sink.report(
                "AF218",
                history.value.span,
                f"`history` must name an input of type `list[Message]`; "
                f"`{history.value.name}` {found_text}",
                hint=f"declare `{history.value.name}: list[Message]` in `input {{ ... }}`",
            )


def _visit_workflow(ctx: Context, node: ast.WorkflowDecl, resolver: TypeResolver) -> None:
    fields: list[FieldT] = []
    seen: dict[str, ast.Param] = {}
    for param in node.params:
        if param.name in seen:
            ctx.sink.report(
                "AF107",
                param.name_span,
                f"parameter `{param.name}` is declared twice",
                labels=[Label(seen[param.name].name_span, "first declared here")],
            )
            continue
        seen[param.name] = param
        param_type = resolver.resolve(param.type)
        if param.default is not None:
            resolver.check_default(param.default, param_type, param.name)
        fields.append(FieldT(param.name, param_type, required=param.default is None))
    ctx.signatures[node.name] = Signature(RecordT(tuple(fields)), resolver.resolve(node.result))


def _visit_type(ctx: Context, node: ast.TypeDecl, resolver: TypeResolver) -> None:
    """Named types are resolved up front by the resolver."""


_VISITORS: dict[str, Callable[[Context, Any, TypeResolver], None]] = {
    "model": _visit_model,
    "tool": _visit_tool,
    "type": _visit_type,
    "role": _visit_role,
    "principal": _visit_principal,
    "budget": _visit_budget,
    "agent": _visit_agent,
    "workflow": _visit_workflow,
}
