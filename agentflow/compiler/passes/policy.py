"""Pass 4: what the compiler can prove about permissions and secrets before any run."""

from __future__ import annotations

import re
from dataclasses import dataclass, fields, is_dataclass

from agentflow.compiler.context import Context, ref_names
from agentflow.compiler.workflow_model import WorkflowInfo
from agentflow.diagnostics import Label
from agentflow.grammar import ast

CREDENTIAL_PATTERNS = (
    ("an Anthropic API key", re.compile(r"sk-ant-[A-Za-z0-9_\-]{16,}")),
    ("an OpenAI-style API key", re.compile(r"sk-(?:proj-)?[A-Za-z0-9_\-]{20,}")),
    ("an AWS access key id", re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b")),
    ("a GitHub token", re.compile(r"\bgh[pousr]_[A-Za-z0-9]{36,}\b")),
    ("a Slack token", re.compile(r"\bxox[abprs]-[A-Za-z0-9\-]{10,}")),
    ("a private key", re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----")),
    ("a long hex secret", re.compile(r"\b[0-9a-fA-F]{40,}\b")),
    (
        "a long base64 secret",
        re.compile(
            r"(?<![A-Za-z0-9+/])(?=[A-Za-z0-9+/]*[0-9])"
            r"(?=[A-Za-z0-9+/]*[a-z])(?=[A-Za-z0-9+/]*[A-Z])"
            r"[A-Za-z0-9+/]{40,}={0,2}"
        ),
    ),
)
ROLE_LISTS = {"tool": "tools", "agent": "agents", "workflow": "workflows"}


@dataclass(frozen=True, slots=True)
class RoleGrants:
    """What one role allows, by kind."""

    tools: frozenset[str]
    agents: frozenset[str]
    workflows: frozenset[str]

    def allows(self, kind: str, name: str) -> bool:
        return name in getattr(self, ROLE_LISTS[kind])


def run(ctx: Context) -> None:
    _check_credentials(ctx)
    roles = _grants(ctx)
    if not roles:
        return
    holders = _role_holders(ctx)
    for name, info in ctx.workflows.items():
        run_as = info.settings.get("run_as")
        if (
            run_as is None
            or not isinstance(run_as.value, ast.Name)
            or run_as.value.name not in roles
        ):
            if run_as is None:
                _check_startable(ctx, name, roles, holders)
            continue
        role_name = run_as.value.name
        if ctx.of_kind("principal") and role_name not in holders:
            ctx.sink.report(
                "AF409",
                run_as.value.span,
                f"no principal holds role `{role_name}`, so `{name}` can never start",
                hint=f"add `{role_name}` to a principal's `roles`",
            )
        _check_calls(ctx, info, role_name, roles[role_name])


def _grants(ctx: Context) -> dict[str, RoleGrants]:
    result: dict[str, RoleGrants] = {}
    for declaration in ctx.of_kind("role"):
        body = declaration.node.body
        lists = {}
        for kind, key in ROLE_LISTS.items():
            setting = ctx.setting(body, key)
            lists[kind] = (
                frozenset(r.name for r in ref_names(setting.value)) if setting else frozenset()
            )
        result[declaration.name] = RoleGrants(lists["tool"], lists["agent"], lists["workflow"])
    return result


def _role_holders(ctx: Context) -> set[str]:
    held: set[str] = set()
    for declaration in ctx.of_kind("principal"):
        setting = ctx.setting(declaration.node.body, "roles")
        if setting:
            held |= {r.name for r in ref_names(setting.value)}
    return held


def _check_startable(
    ctx: Context, workflow: str, roles: dict[str, RoleGrants], holders: set[str]
) -> None:
    if not ctx.of_kind("principal"):
        return
    if any(roles[r].allows("workflow", workflow) for r in holders if r in roles):
        return
    ctx.sink.report(
        "AF405",
        ctx.declarations[workflow].name_span,
        f"workflow `{workflow}` has no `run_as`, and no principal's role lists it",
        hint="add `run_as = ROLE` naming a role a principal holds",
    )


def _check_calls(ctx: Context, info: WorkflowInfo, role_name: str, grants: RoleGrants) -> None:
    role_span = ctx.declarations[role_name].name_span
    for occurrence in info.calls():
        callee, kind = occurrence.callee, occurrence.callee_kind
        if callee is None or kind is None:
            continue
        call = occurrence.call
        span = call.callee.span if call else occurrence.stmt.name_span
        if not grants.allows(kind, callee):
            ctx.sink.report(
                "AF401",
                span,
                f"role `{role_name}` does not allow {kind} `{callee}`",
                labels=[Label(role_span, f"`{info.decl.name}` runs as `{role_name}`")],
                hint=f"add `{callee}` to the `{ROLE_LISTS[kind]}` of role `{role_name}`",
            )
        if kind == "agent":
            _check_agent_tools(ctx, callee, role_name, grants, span, set())


def _check_agent_tools(
    ctx: Context,
    agent: str,
    role_name: str,
    grants: RoleGrants,
    call_span: ast.Span,
    seen: set[str],
) -> None:
    if agent in seen:
        return
    seen.add(agent)
    declaration = ctx.declarations[agent]
    tools = ctx.setting(declaration.node.body, "tools")
    for ref in ref_names(tools.value) if tools else []:
        target = ctx.declarations.get(ref.name)
        if target is None or target.kind not in ROLE_LISTS:
            continue
        if not grants.allows(target.kind, ref.name):
            ctx.sink.report(
                "AF402",
                call_span,
                f"agent `{agent}` uses {target.kind} `{ref.name}`, which role `{role_name}` "
                "does not allow",
                labels=[Label(ref.span, f"`{agent}` lists `{ref.name}` here")],
                hint=f"add `{ref.name}` to the `{ROLE_LISTS[target.kind]}` of role `{role_name}`",
            )
        elif target.kind == "agent":
            _check_agent_tools(ctx, ref.name, role_name, grants, call_span, seen)


def _check_credentials(ctx: Context) -> None:
    for literal in _strings(ctx.program):
        for label, pattern in CREDENTIAL_PATTERNS:
            if pattern.search(literal.value):
                ctx.sink.report(
                    "AF403",
                    literal.span,
                    f"this string looks like {label}",
                    hint='never write secrets in the file; read them with `env("NAME")`',
                )
                break


def _strings(program: ast.Program) -> list[ast.StringLit]:
    """Every string literal in the program (iterative walk)."""
    found: list[ast.StringLit] = []
    stack: list[object] = list(program.declarations)
    while stack:
        node = stack.pop()
        if isinstance(node, ast.StringLit):
            found.append(node)
        elif isinstance(node, tuple):
            stack.extend(node)
        elif is_dataclass(node) and not isinstance(node, type):
            for f in fields(node):
                if f.name != "span" and not f.name.endswith("_span"):
                    stack.append(getattr(node, f.name))
    return found
