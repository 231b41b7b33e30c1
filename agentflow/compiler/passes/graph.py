"""Pass 3: graph shape: returns, unused bindings/parameters/declarations, recursive calls."""

from __future__ import annotations

from agentflow.compiler import graphs
from agentflow.compiler.context import Context, ref_names
from agentflow.compiler.workflow_model import WorkflowInfo
from agentflow.diagnostics import Label
from agentflow.grammar import ast

NEVER_UNUSED = ("workflow", "principal")


def run(ctx: Context) -> None:
    for info in ctx.workflows.values():
        _check_returns(ctx, info)
        _check_unused_bindings(ctx, info)
    _check_recursion(ctx)
    _check_unused_declarations(ctx)


def _check_returns(ctx: Context, info: WorkflowInfo) -> None:
    decl = info.decl
    if not info.returns:
        ctx.sink.report(
            "AF302",
            decl.name_span,
            f"workflow `{decl.name}` has no `return`",
            hint="end it with `return <value>`",
        )
        return
    first = info.returns[0]
    for ending in info.returns:
        if ending.path:
            ctx.sink.report(
                "AF303",
                ending.stmt.span,
                "`return` must be at the top level of the workflow body",
                hint="bind a value in each branch and return it after the block",
            )
        elif ending is not first:
            ctx.sink.report(
                "AF303",
                ending.stmt.span,
                f"workflow `{decl.name}` returns twice",
                labels=[Label(first.stmt.span, "first `return` here")],
            )


def referenced_names(info: WorkflowInfo) -> set[str]:
    """Every name some statement of the workflow refers to (bindings do not count themselves)."""
    used: set[str] = set()
    for name, occurrences in info.occurrences.items():
        for occurrence in occurrences:
            used |= occurrence.deps - {name}
    for branch in info.branches:
        used |= branch.deps
    for ending in [*info.returns, *info.fails]:
        used |= ending.deps
    return used


def _check_unused_bindings(ctx: Context, info: WorkflowInfo) -> None:
    used = referenced_names(info)
    for name, occurrences in info.occurrences.items():
        if name in used or name.startswith("_"):
            continue
        for occurrence in occurrences:
            ctx.sink.report(
                "AF304",
                occurrence.stmt.name_span,
                f"binding `{name}` is never used",
                hint=f"use it, remove it, or name it `_{name}` if it runs only for its effect",
            )
    for param in info.decl.params:
        if param.name not in used and not param.name.startswith("_"):
            ctx.sink.report(
                "AF307",
                param.name_span,
                f"parameter `{param.name}` is never used",
                hint=f"remove it, or name it `_{param.name}`",
            )


def _callees(ctx: Context) -> dict[str, set[str]]:
    """Who calls whom: workflows call what they bind; agents call the agents/workflows they list."""
    edges: dict[str, set[str]] = {}
    for name, info in ctx.workflows.items():
        edges[name] = {
            o.callee
            for o in info.calls()
            if o.callee_kind in ("agent", "workflow") and o.callee is not None
        }
    for declaration in ctx.of_kind("agent"):
        tools = ctx.setting(declaration.node.body, "tools")
        listed = ref_names(tools.value) if tools else []
        edges[declaration.name] = {
            ref.name
            for ref in listed
            if ctx.declarations.get(ref.name)
            and ctx.declarations[ref.name].kind in ("agent", "workflow")
        }
    for declaration in ctx.of_kind("model"):
        fallback = ctx.setting(declaration.node.body, "fallback")
        if (
            fallback
            and isinstance(fallback.value, ast.Name)
            and fallback.value.name != declaration.name
        ):
            edges[declaration.name] = {fallback.value.name}
    return edges


def _check_recursion(ctx: Context) -> None:
    edges = _callees(ctx)
    for component in graphs.components(sorted(edges), edges):
        if len(component) == 1:
            continue  # self-calls are reported where they are written
        cycle = graphs.cycle_in(component, edges)
        chain = " -> ".join(f"`{n}`" for n in [*cycle, cycle[0]])
        spans = [ctx.declarations[n].name_span for n in cycle]
        kind = ctx.declarations[cycle[0]].kind
        ctx.sink.report(
            "AF306",
            spans[0],
            f"{kind}s call each other in a cycle: {chain}",
            labels=[Label(s, f"`{n}`") for n, s in zip(cycle[1:], spans[1:], strict=False)],
            hint="calls must form a tree; bound repetition with `iterate ... max N`",
        )
    for name, callees in edges.items():
        if name in callees:
            ctx.sink.report(
                "AF306",
                ctx.declarations[name].name_span,
                f"`{name}` calls itself",
                hint="bound repetition with `iterate ... max N`",
            )


def _check_unused_declarations(ctx: Context) -> None:
    for declaration in ctx.declarations.values():
        if declaration.kind in NEVER_UNUSED or ctx.uses[declaration.name]:
            continue
        if declaration.name.startswith("_"):
            continue
        ctx.sink.report(
            "AF305",
            declaration.name_span,
            f"{declaration.kind} `{declaration.name}` is never used",
            hint="remove it, or use it",
        )
