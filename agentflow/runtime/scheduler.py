"""The scheduler: runs a workflow's nodes as soon as their inputs are ready.

Every task lives in one `asyncio.TaskGroup`: when a node fails for good, its running siblings
are cancelled and the error surfaces with the node, callee, attempts and cause; results of
nodes that finished are already in the state store. A node whose branch was not taken, whose
guard is false or whose required step was skipped is *skipped*: its value is absent (`None`).
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from agentflow.compiler.plan import Node, Retry, WorkflowPlan
from agentflow.runtime.agent_loop import Account
from agentflow.runtime.engine import NodeReport
from agentflow.runtime.errors import NodeError, RunFailed
from agentflow.runtime.retry import backoff_delay, should_retry, within
from agentflow.runtime.telemetry import attributes as attr
from agentflow.runtime.values import EvalError, Scope, evaluate

if TYPE_CHECKING:
    from agentflow.runtime.engine import Runtime
    from agentflow.runtime.policy.enforcer import Grants
    from agentflow.runtime.telemetry.spans import SpanHandle

VISIBLE = ("pure", "call_agent", "call_tool", "call_workflow", "map", "fail")
SUCCEEDED, SKIPPED, FAILED = "succeeded", "skipped", "failed"
YIELD_EVERY = 64
NO_RETRY = Retry()  # a frozen model: built once, not on every call


class WorkflowRunner:
    """One execution of one workflow (a sub-workflow call gets its own runner).

    Its nodes' spans are children of `parent` (the run's span, or a sub-workflow's `run`
    span), given explicitly: a node continued inline in its predecessor's task is still the
    run's child, not its predecessor's; a map node's items are children of the map node."""

    def __init__(
        self,
        runtime: Runtime,
        workflow: WorkflowPlan,
        inputs: dict[str, Any],
        *,
        prefix: str = "",
        grants: Grants | None = None,
        inherited_budgets: list[str] | None = None,
        parent: SpanHandle | None = None,
    ) -> None:
        self.runtime = runtime
        self.trace = runtime.trace
        self.parent = parent or runtime.root
        self.workflow = workflow
        self.inputs = inputs
        self.prefix = prefix
        self.grants = grants or runtime.grants
        own = [workflow.budget] if workflow.budget else []
        self.budgets = list(dict.fromkeys([*(inherited_budgets or []), *own]))
        self.nodes = {node.id: node for node in workflow.nodes}
        self.results: dict[str, Any] = {}
        self.status: dict[str, str] = {}
        self.branch_arm: dict[str, str] = {}
        self.waiting = {node.id: len(set(node.depends_on)) for node in workflow.nodes}
        self.dependents: dict[str, list[str]] = {node.id: [] for node in workflow.nodes}
        for node in workflow.nodes:
            for dependency in set(node.depends_on):
                self.dependents[dependency].append(node.id)

    # ---------------------------------------------------------------- running

    async def run(self) -> Any:
        params = dict(self.inputs)
        for name, default in self.workflow.param_defaults.items():
            if name not in params:
                params[name] = evaluate(default, Scope({}, {}))
        self.params = self.runtime.enforcer.validate(
            params,
            self.workflow.params,
            f"the inputs of workflow `{self.workflow.name}`",
            self.prefix.rstrip("/") or self.workflow.name,
            self.workflow.name,
        )
        if self.workflow.max_nodes is not None and self.runtime.max_nodes is None:
            self.runtime.max_nodes = self.workflow.max_nodes
        timeout = float(self.workflow.timeout_s) if self.workflow.timeout_s else None
        try:
            async with asyncio.timeout(timeout):
                await self._run_all()
        except TimeoutError as error:
            raise NodeError(
                "timeout",
                f"workflow `{self.workflow.name}` took longer than {timeout}s",
                node=self.prefix.rstrip("/"),
            ) from error
        return self.runtime.enforcer.validate(
            self.results.get(self.workflow.output),
            self.workflow.result_schema,
            f"the result of workflow `{self.workflow.name}`",
            self.workflow.output,
            self.workflow.name,
        )

    async def _run_all(self) -> None:
        """Every node in one TaskGroup; the first failure cancels the rest and is raised."""
        try:
            async with asyncio.TaskGroup() as group:
                self.group = group
                for node_id, count in self.waiting.items():
                    if count == 0:
                        group.create_task(self._chain(node_id))
        except* NodeError as failures:
            raise _first(failures) from None

    async def _chain(self, node_id: str) -> None:
        """Run a node, then continue inline with one ready dependent; spawn tasks for the rest."""
        queue = deque([node_id])
        done = 0
        while queue:
            current = self.nodes[queue.popleft()]
            await self._run(current)
            done += 1
            if done % YIELD_EVERY == 0:
                await asyncio.sleep(0)  # a chain that never suspends must not starve the loop
            ready = []
            for dependent in self.dependents[current.id]:
                self.waiting[dependent] -= 1
                if self.waiting[dependent] == 0:
                    ready.append(dependent)
            if ready:
                queue.append(ready[0])
                for other in ready[1:]:
                    self.group.create_task(self._chain(other))

    async def _run(self, node: Node) -> None:
        if self._skipped(node):
            self._skip(node)
            return
        scope = self._scope(node)
        if node.guard is not None and not self._eval(node.guard, scope, node):
            self._skip(node)
            return
        handler = getattr(self, f"_node_{node.kind}")
        self.results[node.id] = await handler(node, scope)
        self.status[node.id] = SUCCEEDED

    def _skip(self, node: Node) -> None:
        """A node that does not run: its value is absent; user-visible ones are reported."""
        self.results[node.id] = None
        self.status[node.id] = SKIPPED
        if node.kind in VISIBLE:
            report = NodeReport(self._id(node), SKIPPED, 0, 0.0, Decimal(0), callee=node.callee)
            self.runtime.record(report, None, None, time.time())

    def _skipped(self, node: Node) -> bool:
        if node.branch is not None:
            if self.status.get(node.branch.node) != SUCCEEDED:
                return True
            if self.branch_arm.get(node.branch.node) != node.branch.arm:
                return True
        return any(self.status.get(r) != SUCCEEDED for r in node.requires)

    def _scope(self, node: Node) -> Scope:
        scope = Scope(self.results, self.params)
        if node.locals:
            scope = scope.child({k: evaluate(v, scope) for k, v in node.locals.items()})
        return scope

    def _eval(self, expr: Any, scope: Scope, node: Node) -> Any:
        try:
            return evaluate(expr, scope)
        except EvalError as error:
            raise NodeError("failed", str(error), node=self._id(node)) from error

    def _id(self, node: Node | str) -> str:
        return self.prefix + (node if isinstance(node, str) else node.id)

    # ---------------------------------------------------------------- node kinds

    async def _node_pure(self, node: Node, scope: Scope) -> Any:
        node_id = self._id(node)
        self.runtime.count_node(node_id)
        start_ns, clock = time.time_ns(), time.perf_counter()
        try:
            value = self._eval(node.value, scope, node)
        except NodeError as error:
            span = self.trace.node(node_id, node.kind, None, self.parent)
            self.trace.end(span, error=error)
            raise
        report = NodeReport(node_id, SUCCEEDED, 1, (time.perf_counter() - clock) * 1000, Decimal(0))
        self.trace.finished_node(node_id, node.kind, self.parent, start_ns, SUCCEEDED)
        self.runtime.record(report, value, None, start_ns / 1e9)
        return value

    async def _node_branch(self, node: Node, scope: Scope) -> Any:
        value = self._eval(node.value, scope, node)
        if node.id.startswith("if#"):
            arm = "then" if value else "else"
        else:
            arm = value if value in node.arms else "else"
        self.branch_arm[node.id] = arm
        return arm

    async def _node_join(self, node: Node, scope: Scope) -> Any:
        ran = [s for s in node.sources if self.status.get(s) == SUCCEEDED]
        return self.results[ran[-1]] if ran else None

    async def _node_return(self, node: Node, scope: Scope) -> Any:
        return self._eval(node.value, scope, node)

    async def _node_fail(self, node: Node, scope: Scope) -> Any:
        span = self.trace.node(self._id(node), node.kind, None, self.parent)
        try:
            message = self._eval(node.value, scope, node)
            self.runtime.enforcer.audit(
                "run.fail",
                f"workflow:{self.workflow.name}",
                "info",
                str(message),
                node=self._id(node),
            )
            raise RunFailed("failed", str(message), node=self._id(node))
        except BaseException as error:
            self.trace.end(span, error=error)
            raise

    async def _node_call_agent(self, node: Node, scope: Scope) -> Any:
        return await self._call(node, "agent", self._arguments(node, scope), self._id(node))

    async def _node_call_tool(self, node: Node, scope: Scope) -> Any:
        return await self._call(node, "tool", self._arguments(node, scope), self._id(node))

    async def _node_call_workflow(self, node: Node, scope: Scope) -> Any:
        return await self._call(node, "workflow", self._arguments(node, scope), self._id(node))

    async def _node_map(self, node: Node, scope: Scope) -> Any:
        assert node.map is not None and node.callee is not None
        items = self._eval(node.map.iterable, scope, node) or []
        kind = self._callee_kind(node.callee)
        limit = min(
            node.map.concurrency or len(items) or 1, self.runtime.plan.policy.max_concurrency
        )
        gate = asyncio.Semaphore(max(limit, 1))
        results: list[Any] = [None] * len(items)
        span = self.trace.node(self._id(node), node.kind, node.callee, self.parent)

        async def one(index: int, item: Any) -> None:
            async with gate:
                inner = scope.child({node.map.item: item})  # type: ignore[union-attr]
                results[index] = await self._call(
                    node, kind, self._arguments(node, inner), f"{self._id(node)}[{index}]", span
                )

        try:
            async with asyncio.TaskGroup() as group:
                for index, item in enumerate(items):
                    group.create_task(one(index, item))
        except BaseException as error:
            self.trace.end(span, error=_first_leaf(error))
            raise
        self.trace.end(span, {attr.STATUS: SUCCEEDED, attr.ATTEMPTS: 1})
        return results

    def _callee_kind(self, callee: str) -> str:
        plan = self.runtime.plan
        return "agent" if callee in plan.agents else "tool" if callee in plan.tools else "workflow"

    def _arguments(self, node: Node, scope: Scope) -> dict[str, Any]:
        return {name: self._eval(expr, scope, node) for name, expr in node.arguments.items()}

    # ---------------------------------------------------------------- calls

    def _retry_policy(self, node: Node, kind: str) -> Retry:
        if node.retry is not None:
            return node.retry
        if kind == "agent":
            return self.runtime.plan.agents[node.callee or ""].retry
        return NO_RETRY  # tools retry inside the registry; workflows retry their own nodes

    async def _call(
        self,
        node: Node,
        kind: str,
        arguments: dict[str, Any],
        node_id: str,
        parent: SpanHandle | None = None,
    ) -> Any:
        """One call with the node's retry, timeout, `fallback` and `try` semantics; its span
        is a child of `parent` (default: the workflow's run span)."""
        runtime = self.runtime
        runtime.count_node(node_id)
        callee = node.callee or ""
        runtime.events.node_started(node_id, callee)
        node_kind = node.kind if parent is None else f"call_{kind}"  # a map item calls
        span = self.trace.node(node_id, node_kind, callee, parent or self.parent, kind == "tool")
        policy = self._retry_policy(node, kind)
        timeout = float(node.timeout_s) if node.timeout_s else None
        account = Account()
        started, clock = time.time(), time.perf_counter()
        attempt = 0
        try:
            while True:
                attempt += 1
                try:
                    async with within(timeout):
                        value = await runtime.invoke(
                            kind,
                            callee,
                            arguments,
                            node_id,
                            self.grants,
                            self.budgets,
                            account,
                            span,
                        )
                    break
                except TimeoutError:
                    error = NodeError(
                        "timeout",
                        f"`{callee}` took longer than {timeout}s",
                        node=node_id,
                        callee=callee,
                    )
                except NodeError as failure:
                    error = failure
                if not error.node.startswith(f"{node_id}/"):  # keep the innermost failing node
                    error.node, error.callee = node_id, error.callee or callee
                error.attempts = max(error.attempts, attempt)
                if should_retry(policy, error.kind, attempt):
                    delay = backoff_delay(policy, attempt)
                    self.trace.retry_event(span, attempt, error, delay)
                    await asyncio.sleep(delay)
                    continue
                report = runtime.report(node_id, "failed", attempt, clock, account, callee, error)
                runtime.record(report, None, error, started, span)
                if not (node.has_fallback or node.is_try):
                    raise error
                runtime.enforcer.audit(
                    "node.recovered",
                    f"{kind}:{callee}",
                    "info",
                    error.message,
                    node=node_id,
                    kind=error.kind,
                )
                if node.is_try:
                    return {"ok": False, "value": None, "error": error.as_value()}
                return self._eval(node.fallback, Scope(self.results, self.params), node)
        except BaseException as error:  # cancelled (a sibling failed), or a bug
            if span.span.is_recording():  # else it was ended with the node's report
                self.trace.end(span, error=error)
            raise
        runtime.record(
            runtime.report(node_id, SUCCEEDED, attempt, clock, account, callee),
            value,
            None,
            started,
            span,
        )
        return {"ok": True, "value": value, "error": None} if node.is_try else value


def _first_leaf(error: BaseException) -> BaseException:
    """The error itself, or the first leaf of an exception group."""
    while isinstance(error, BaseExceptionGroup):
        error = error.exceptions[0]
    return error


def _first(group: BaseExceptionGroup[NodeError]) -> NodeError:
    """The error to report from a group of simultaneous failures: the first leaf."""
    while True:
        first = group.exceptions[0]
        if isinstance(first, BaseExceptionGroup):
            group = first
            continue
        return first
