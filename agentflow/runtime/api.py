"""Starting a run: authenticate, authorize the workflow, execute it, record the outcome."""

from __future__ import annotations

import os
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from agentflow.compiler.plan import Plan
from agentflow.runtime.engine import NodeReport, RunEvents, Runtime
from agentflow.runtime.errors import DENIAL_KINDS, NodeError
from agentflow.runtime.policy.enforcer import Grants
from agentflow.runtime.state.store import AuditEvent, StateStore, default_state_dir


@dataclass
class RunResult:
    """The outcome of one run, as `agentflow run --json` prints it."""

    run_id: str
    workflow: str
    status: str  # succeeded | failed | denied
    output: Any = None
    error: dict[str, Any] | None = None
    cost_usd: Decimal = Decimal(0)
    input_tokens: int = 0
    output_tokens: int = 0
    nodes: list[NodeReport] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "workflow": self.workflow,
            "status": self.status,
            "output": self.output,
            "error": self.error,
            "cost_usd": f"{self.cost_usd:f}",
            "tokens": {"input": self.input_tokens, "output": self.output_tokens},
            "nodes": [
                {
                    "id": n.id,
                    "status": n.status,
                    "attempts": n.attempts,
                    "duration_ms": round(n.duration_ms, 3),
                    "cost_usd": f"{n.cost_usd:f}",
                }
                for n in self.nodes
            ],
        }


def new_run_id() -> str:
    """Time-ordered and unique: `run_<ms since epoch, base 36>_<random>`."""
    millis = int(time.time() * 1000)
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    stamp = ""
    while millis:
        millis, rest = divmod(millis, 36)
        stamp = digits[rest] + stamp
    return f"run_{stamp}_{secrets.token_hex(4)}"


async def run_workflow(
    plan: Plan,
    workflow: str,
    inputs: Mapping[str, Any],
    *,
    token: str | None = None,
    offline: bool = False,
    store: StateStore | None = None,
    state_dir: Path | None = None,
    env: Mapping[str, str] | None = None,
    events: RunEvents | None = None,
    http_client: Any = None,
) -> RunResult:
    """Run `workflow` of `plan` with `inputs` under the program's policy."""
    from agentflow.runtime.policy.authn import Authenticator

    env = os.environ if env is None else env
    owned = store is None
    store = store or StateStore.in_directory(state_dir or default_state_dir())
    run_id = new_run_id()
    target = plan.workflows[workflow]
    try:
        authenticator = Authenticator(plan.principals, env, list(plan.roles))
        auth = authenticator.authenticate(token)
        if auth.principal is None:
            return _refused(
                store,
                plan,
                run_id,
                workflow,
                None,
                f"authentication failed: {auth.reason}",
                "authenticate",
            )
        principal = auth.principal
        if target.run_as and not principal.is_local and target.run_as not in principal.roles:
            return _refused(
                store,
                plan,
                run_id,
                workflow,
                principal.name,
                f"principal `{principal.name}` does not hold role `{target.run_as}`",
                "authorize",
            )
        grants = Grants.of_roles(plan, [target.run_as] if target.run_as else principal.roles)
        if not target.run_as and not grants.allows("workflow", workflow):
            return _refused(
                store,
                plan,
                run_id,
                workflow,
                principal.name,
                f"no role of `{principal.name}` allows workflow `{workflow}`",
                "authorize",
            )
        store.start_run(run_id, workflow, plan.source, principal.name, target.run_as, dict(inputs))
        store.audit(
            AuditEvent(
                run_id,
                principal.name,
                "run.start",
                f"workflow:{workflow}",
                "allow",
                details={"role": target.run_as},
            )
        )
        try:
            runtime = Runtime(
                plan,
                run_id=run_id,
                principal=principal.name,
                grants=grants,
                store=store,
                env=env,
                offline=offline,
                events=events,
                http_client=http_client,
            )
        except NodeError as error:  # the plan's tools cannot be registered
            result = RunResult(run_id, workflow, "failed", error=error.as_json())
        else:
            result = await _execute(runtime, workflow, dict(inputs))
        store.audit(
            AuditEvent(
                run_id,
                principal.name,
                "run.end",
                f"workflow:{workflow}",
                "info",
                result.status,
                {"cost_usd": f"{result.cost_usd:f}"},
            )
        )
        store.finish_run(
            run_id,
            result.status,
            result.output,
            result.error,
            result.cost_usd,
            result.input_tokens,
            result.output_tokens,
        )
        return result
    finally:
        if owned:
            store.close()


async def _execute(runtime: Runtime, workflow: str, inputs: dict[str, Any]) -> RunResult:
    from agentflow.runtime.scheduler import WorkflowRunner

    plan = runtime.plan
    result = RunResult(runtime.run_id, workflow, "succeeded")
    try:
        result.output = await WorkflowRunner(runtime, plan.workflows[workflow], inputs).run()
    except NodeError as error:
        result.status = "denied" if error.kind in DENIAL_KINDS else "failed"
        result.error = error.as_json()
    result.nodes = runtime.reports
    result.warnings = list(runtime.enforcer.budgets.alerts)
    result.cost_usd = runtime.cost
    result.input_tokens, result.output_tokens = runtime.tokens
    return result


def _refused(
    store: StateStore,
    plan: Plan,
    run_id: str,
    workflow: str,
    principal: str | None,
    reason: str,
    action: str,
) -> RunResult:
    store.audit(AuditEvent(run_id, principal, action, f"workflow:{workflow}", "deny", reason))
    store.start_run(run_id, workflow, plan.source, principal, plan.workflows[workflow].run_as, None)
    error = {"code": "denied", "kind": "denied", "message": reason, "node": None}
    store.finish_run(run_id, "denied", None, error, Decimal(0), 0, 0)
    return RunResult(run_id, workflow, "denied", error=error)
