"""`tool-roles`: every tool is governed by a role (roles are allow-lists; unlisted is denied)."""

from __future__ import annotations

from agentflow.compliance.model import CheckResult, Review

ID = "tool-roles"
TITLE = "no tool without a role"


def check(review: Review) -> CheckResult:
    plan = review.plan
    if not plan.tools:
        return CheckResult(ID, TITLE, "pass", ("the program declares no tools",))
    tools = ", ".join(f"`{t}`" for t in sorted(plan.tools))
    if not plan.roles:
        return CheckResult(
            ID,
            TITLE,
            "fail",
            (f"no roles are declared, so every run may call every tool: {tools}",),
            "declare `role`s listing the tools each may use, and run each workflow under one"
            " (`run_as = ROLE`)",
        )
    evidence = []
    orphans = []
    for tool in sorted(plan.tools):
        holders = sorted(name for name, role in plan.roles.items() if tool in role.tools)
        if holders:
            evidence.append(f"`{tool}`: allowed by {', '.join(f'`{r}`' for r in holders)}")
        else:
            orphans.append(tool)
            evidence.append(f"`{tool}`: in no role, so every call to it is denied")
    if orphans:
        names = ", ".join(f"`{t}`" for t in orphans)
        return CheckResult(
            ID,
            TITLE,
            "warn",
            tuple(evidence),
            f"add {names} to the role that should own it, or remove the declaration",
        )
    return CheckResult(ID, TITLE, "pass", tuple(evidence))
