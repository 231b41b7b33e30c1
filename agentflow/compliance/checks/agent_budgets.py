"""`budgets`: every agent spends under a budget with a limit, wherever it is called from.

An agent is covered by its own `budget`, or by the `budget` of the workflow a call is in
(and of the workflows and agents above it, which the runtime passes down). Any workflow may
start a run, so each is followed as an entry point with no budget above it.
"""

from __future__ import annotations

from collections import defaultdict

from agentflow.compiler.plan import Plan
from agentflow.compliance.model import CheckResult, Review

ID = "budgets"
TITLE = "every agent under a budget"


def check(review: Review) -> CheckResult:
    plan = review.plan
    if not plan.agents:
        return CheckResult(ID, TITLE, "pass", ("the program declares no agents",))
    exposed, reached = _exposed(plan)
    evidence = [
        _describe(plan, name, exposed.get(name), name in reached) for name in sorted(plan.agents)
    ]
    unlimited = sorted(n for n, b in plan.budgets.items() if not _limits(plan, n))
    evidence.extend(f"budget `{n}` sets no limit, so it bounds nothing" for n in unlimited)
    if not exposed:
        return CheckResult(ID, TITLE, "pass", tuple(evidence))
    names = ", ".join(f"`{n}`" for n in sorted(exposed))
    return CheckResult(
        ID,
        TITLE,
        "fail",
        tuple(evidence),
        f"give {names} a `budget` (with `per_run`, `daily` or `monthly`), or set one on"
        f" every workflow that calls {'it' if len(exposed) == 1 else 'them'}",
    )


def _limits(plan: Plan, name: str | None) -> bool:
    budget = plan.budgets.get(name or "")
    return budget is not None and any(
        limit is not None
        for limit in (budget.per_run, budget.daily, budget.monthly, budget.tokens_per_run)
    )


def _exposed(plan: Plan) -> tuple[dict[str, set[str]], set[str]]:
    """Agent -> the callers (`workflow x`, `agent y`) from which it runs with no limit above;
    and every agent some workflow reaches."""
    exposed: dict[str, set[str]] = defaultdict(set)
    reached: set[str] = set()
    seen: set[tuple[str, bool]] = set()
    stack = [(name, False, "") for name in sorted(plan.workflows)]
    while stack:
        name, covered, caller = stack.pop()
        if name in plan.agents:
            agent = plan.agents[name]
            reached.add(name)
            covered = covered or _limits(plan, agent.budget)
            if not covered:
                exposed[name].add(caller)
            callees = agent.tools
            caller = f"agent `{name}`"
        else:
            workflow = plan.workflows[name]
            covered = covered or _limits(plan, workflow.budget)
            callees = [n.callee for n in workflow.nodes if n.callee]
            caller = f"workflow `{name}`"
        if (name, covered) in seen:
            continue
        seen.add((name, covered))
        stack.extend(
            (callee, covered, caller)
            for callee in callees
            if callee in plan.agents or callee in plan.workflows
        )
    return dict(exposed), reached


def _describe(plan: Plan, name: str, callers: set[str] | None, reached: bool) -> str:
    agent = plan.agents[name]
    if callers:
        return f"`{name}`: no budget limits it when called from {', '.join(sorted(callers))}"
    if _limits(plan, agent.budget):
        return f"`{name}`: its own budget `{agent.budget}`"
    if not reached:
        return f"`{name}`: no budget, but no workflow calls it"
    return f"`{name}`: the budget of every workflow that calls it"
