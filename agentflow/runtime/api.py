"""Starting a run: authenticate, authorize the workflow, execute it, record the outcome."""

from __future__ import annotations

import os
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from agentflow.compiler.plan import Plan
from agentflow.runtime.engine import NodeReport, RunEvents, Runtime
from agentflow.runtime.errors import DENIAL_KINDS, NodeError
from agentflow.runtime.policy.enforcer import Grants
from agentflow.runtime.state.store import AuditEvent, StateStore, default_state_dir

if TYPE_CHECKING:
    from agentflow.runtime.telemetry.spans import RunTrace, SpanHandle
    from agentflow.runtime.telemetry.tracing import Telemetry


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
    trace_id: str | None = None  # the run's OpenTelemetry trace id (32 hex digits)

    def to_json(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "trace_id": self.trace_id,
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
    telemetry: Telemetry | None = None,
) -> RunResult:
    """Run `workflow` of `plan` with `inputs` under the program's policy.

    The run is traced: its spans always go to the state store, and also wherever `telemetry`
    exports them (None: the store only)."""
    from opentelemetry import context as otel_context

    from agentflow.runtime.telemetry.content import secret_values
    from agentflow.runtime.telemetry.logs import register_secret
    from agentflow.runtime.telemetry.tracing import default_telemetry

    env = os.environ if env is None else env
    owned = store is None
    store = store or StateStore.in_directory(state_dir or default_state_dir())
    run_id = new_run_id()
    telemetry = telemetry or default_telemetry()
    secrets = secret_values(plan, env, token)
    for secret in secrets:  # masked in log records too
        register_secret(secret)
    trace = telemetry.begin_run(run_id, store, secrets=secrets, redact_classes=plan.policy.redact)
    span = trace.start_run(workflow)
    attached = otel_context.attach(span.context)  # the ambient span, for log correlation
    try:
        return await _run(
            plan,
            workflow,
            inputs,
            token,
            offline,
            store,
            env,
            events,
            http_client,
            run_id,
            trace,
            span,
        )
    except BaseException as error:  # a bug or a cancellation: the run span still ends
        if span.span.is_recording():
            trace.end(span, error=error)
        raise
    finally:
        otel_context.detach(attached)
        telemetry.end_run(trace)
        if owned:
            store.close()


async def _run(
    plan: Plan,
    workflow: str,
    inputs: Mapping[str, Any],
    token: str | None,
    offline: bool,
    store: StateStore,
    env: Mapping[str, str],
    events: RunEvents | None,
    http_client: Any,
    run_id: str,
    trace: RunTrace,
    span: SpanHandle,
) -> RunResult:
    from agentflow.runtime.policy.authn import Authenticator

    target = plan.workflows[workflow]
    refused = _Refusal(store, plan, run_id, workflow, trace, span)
    authenticator = Authenticator(plan.principals, env, list(plan.roles))
    auth = authenticator.authenticate(token)
    if auth.principal is None:
        return refused(None, f"authentication failed: {auth.reason}", "authenticate")
    principal = auth.principal
    if target.run_as and not principal.is_local and target.run_as not in principal.roles:
        return refused(
            principal.name,
            f"principal `{principal.name}` does not hold role `{target.run_as}`",
            "authorize",
        )
    grants = Grants.of_roles(plan, [target.run_as] if target.run_as else principal.roles)
    if not target.run_as and not grants.allows("workflow", workflow):
        return refused(
            principal.name,
            f"no role of `{principal.name}` allows workflow `{workflow}`",
            "authorize",
        )
    store.start_run(run_id, workflow, plan.source, principal.name, target.run_as, dict(inputs))
    store.set_trace_id(run_id, trace.trace_id)
    trace.principal(span, principal.name, target.run_as, "allow")
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
    failure: NodeError | None = None
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
            trace=trace,
            root=span,
        )
    except NodeError as error:  # the plan's tools cannot be registered
        result = RunResult(run_id, workflow, "failed", error=error.as_json())
        failure = error
    else:
        result, failure = await _execute(runtime, workflow, dict(inputs))
    result.trace_id = trace.trace_id
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
    trace.end_run(span, result, failure)
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


async def _execute(
    runtime: Runtime, workflow: str, inputs: dict[str, Any]
) -> tuple[RunResult, NodeError | None]:
    from agentflow.runtime.scheduler import WorkflowRunner

    plan = runtime.plan
    result = RunResult(runtime.run_id, workflow, "succeeded")
    failure: NodeError | None = None
    try:
        result.output = await WorkflowRunner(runtime, plan.workflows[workflow], inputs).run()
    except NodeError as error:
        result.status = "denied" if error.kind in DENIAL_KINDS else "failed"
        result.error = error.as_json()
        failure = error
    result.nodes = runtime.reports
    result.warnings = list(runtime.enforcer.budgets.alerts)
    result.cost_usd = runtime.cost
    result.input_tokens, result.output_tokens = runtime.tokens
    return result, failure


@dataclass
class _Refusal:
    """Refuse a run before it starts: audited, recorded as denied, its span denied."""

    store: StateStore
    plan: Plan
    run_id: str
    workflow: str
    trace: RunTrace
    span: SpanHandle

    def __call__(self, principal: str | None, reason: str, action: str) -> RunResult:
        store, run_id, workflow = self.store, self.run_id, self.workflow
        resource = f"workflow:{workflow}"
        store.audit(AuditEvent(run_id, principal, action, resource, "deny", reason))
        run_as = self.plan.workflows[workflow].run_as
        store.start_run(run_id, workflow, self.plan.source, principal, run_as, None)
        store.set_trace_id(run_id, self.trace.trace_id)
        error = {"code": "denied", "kind": "denied", "message": reason, "node": None}
        result = RunResult(run_id, workflow, "denied", error=error, trace_id=self.trace.trace_id)
        if principal is not None:
            self.trace.principal(self.span, principal, run_as, "deny")
        self.trace.deny(self.span, action, resource, reason)
        self.trace.end_run(self.span, result, None)
        store.finish_run(run_id, "denied", None, error, Decimal(0), 0, 0)
        return result
