"""The Runtime of one run: it owns policy, models, tools and the record of every node."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from agentflow.compiler.plan import Plan
from agentflow.runtime.agent_loop import Account, AgentRun
from agentflow.runtime.errors import NodeError
from agentflow.runtime.models import ModelRouter
from agentflow.runtime.policy.budgets import BudgetManager
from agentflow.runtime.policy.enforcer import Grants, PolicyEnforcer
from agentflow.runtime.state.store import StateStore
from agentflow.runtime.telemetry import attributes as attr
from agentflow.runtime.tool_registry import ToolRegistry

if TYPE_CHECKING:
    from agentflow.runtime.telemetry.spans import RunTrace, SpanHandle


@dataclass
class NodeReport:
    """What happened to one node (a map item, an iteration and a delegated call are nodes too)."""

    id: str
    status: str  # succeeded | failed | skipped
    attempts: int
    duration_ms: float
    cost_usd: Decimal
    input_tokens: int = 0
    output_tokens: int = 0
    callee: str | None = None
    error: str | None = None


class RunEvents(Protocol):
    """Progress callbacks (the CLI's live view); every method is optional to act on."""

    def node_started(self, node: str, callee: str | None) -> None: ...

    def node_finished(self, report: NodeReport) -> None: ...


class NoEvents:
    def node_started(self, node: str, callee: str | None) -> None:
        return None

    def node_finished(self, report: NodeReport) -> None:
        return None


class Runtime:
    """Everything one run shares: enforcement, routing, tools, limits and its node records."""

    def __init__(
        self,
        plan: Plan,
        *,
        run_id: str,
        principal: str,
        grants: Grants,
        store: StateStore,
        env: Mapping[str, str],
        offline: bool,
        events: RunEvents | None = None,
        http_client: Any = None,
        trace: RunTrace,
        root: SpanHandle,
    ) -> None:
        self.plan = plan
        self.run_id = run_id
        self.grants = grants
        self.store = store
        self.events = events or NoEvents()
        self.trace = trace
        self.root = root  # the run's span: the parent of the top-level workflow's nodes
        budgets = BudgetManager(plan.budgets, store, run_id, principal)
        self.enforcer = PolicyEnforcer(plan, run_id, principal, grants, store, budgets)
        base_dir = Path(plan.base_dir)
        self.semaphore = asyncio.Semaphore(plan.policy.max_concurrency)
        self.router = ModelRouter(
            plan, base_dir, env, offline, self.enforcer, self.semaphore, http_client, trace=trace
        )
        self.tools = ToolRegistry(plan, base_dir, env, self.enforcer, self.semaphore, trace)
        self.reports: list[NodeReport] = []
        self.nodes_run = 0
        self.max_nodes: int | None = None

    # ---------------------------------------------------------------- totals

    @property
    def cost(self) -> Decimal:
        return sum((r.cost_usd for r in self.reports), Decimal(0))

    @property
    def tokens(self) -> tuple[int, int]:
        return (
            sum(r.input_tokens for r in self.reports),
            sum(r.output_tokens for r in self.reports),
        )

    def count_node(self, node: str) -> None:
        self.nodes_run += 1
        if self.max_nodes is not None and self.nodes_run > self.max_nodes:
            raise NodeError(
                "failed",
                f"the run executed more than max_nodes = {self.max_nodes} nodes",
                node=node,
            )

    def record(
        self,
        report: NodeReport,
        output: Any,
        error: NodeError | None,
        started: float,
        span: SpanHandle | None = None,
    ) -> None:
        """Keep a node's report, store its result and end its span (if it has one)."""
        if span is not None:
            self.trace.end_node(span, report, error)
        self.reports.append(report)
        self.store.record_node(
            self.run_id,
            report.id,
            report.status,
            report.attempts,
            output,
            error.as_value() if error else None,
            report.cost_usd,
            report.input_tokens,
            report.output_tokens,
            started,
            time.time(),
        )
        self.events.node_finished(report)

    # ---------------------------------------------------------------- invoking callees

    async def invoke(
        self,
        kind: str,
        callee: str,
        arguments: dict[str, Any],
        node: str,
        grants: Grants,
        budgets: list[str],
        account: Account,
        parent: SpanHandle,
    ) -> Any:
        """Run one agent, tool or workflow for `node` under the run's policy; its span is a
        child of `parent` (the node's)."""
        if kind == "tool":
            # a node that calls a tool is that tool call: its span is the node's
            return (await self.tools.run(callee, arguments, node, None, grants, parent))[0]
        if kind == "agent":
            return await self._invoke_agent(
                callee, arguments, node, grants, budgets, account, parent
            )
        from agentflow.runtime.scheduler import WorkflowRunner

        workflow = self.plan.workflows[callee]
        self.enforcer.authorize("workflow", callee, node, grants=grants)
        inner = Grants.of_roles(self.plan, [workflow.run_as]) if workflow.run_as else grants
        span = self.trace.start_run(callee, parent, node)
        runner = WorkflowRunner(
            self,
            workflow,
            arguments,
            prefix=f"{node}/",
            grants=inner,
            inherited_budgets=budgets,
            parent=span,
        )
        try:
            value = await runner.run()
        except BaseException as error:
            self.trace.end(span, error=error)
            raise
        self.trace.end(span, {attr.STATUS: "succeeded", attr.POLICY_DECISION: "allow"})
        return value

    async def _invoke_agent(
        self,
        callee: str,
        arguments: dict[str, Any],
        node: str,
        grants: Grants,
        budgets: list[str],
        account: Account,
        parent: SpanHandle,
    ) -> Any:
        agent = self.plan.agents[callee]
        span = self.trace.agent(agent, self.router.models.get(agent.model), node, parent)
        cost, tokens_in, tokens_out = account.cost, account.input_tokens, account.output_tokens
        try:
            self.enforcer.authorize("agent", callee, node, grants=grants)
            inputs = self.enforcer.validate(
                {**agent.input_defaults, **arguments},
                agent.input_schema,
                f"the inputs of agent `{callee}`",
                node,
                callee,
            )
            spend = list(dict.fromkeys([*budgets, *([agent.budget] if agent.budget else [])]))
            timeout = float(agent.timeout_s) if agent.timeout_s else None
            try:
                async with asyncio.timeout(timeout):
                    run = AgentRun(self, agent, node, spend, grants, account, span)
                    value = await run.run(inputs)
            except TimeoutError as error:
                raise NodeError(
                    "timeout",
                    f"agent `{callee}` took longer than {timeout}s",
                    node=node,
                    callee=callee,
                ) from error
        except BaseException as error:
            self._end_agent(span, account, cost, tokens_in, tokens_out, error)
            raise
        self._end_agent(span, account, cost, tokens_in, tokens_out, None)
        return value

    def _end_agent(
        self,
        span: SpanHandle,
        account: Account,
        cost: Decimal,
        tokens_in: int,
        tokens_out: int,
        error: BaseException | None,
    ) -> None:
        """End an agent's span with what this invocation spent (the account is the node's)."""
        attributes: dict[str, Any] = {
            attr.COST_USD: float(account.cost - cost),
            attr.GEN_AI_USAGE_INPUT_TOKENS: account.input_tokens - tokens_in,
            attr.GEN_AI_USAGE_OUTPUT_TOKENS: account.output_tokens - tokens_out,
        }
        if error is None:
            attributes[attr.STATUS] = "succeeded"
            attributes[attr.POLICY_DECISION] = "allow"
        self.trace.end(span, attributes, error)

    async def invoke_node(
        self,
        kind: str,
        callee: str,
        arguments: dict[str, Any],
        node: str,
        grants: Grants,
        budgets: list[str] | None,
        parent: SpanHandle,
    ) -> Any:
        """A delegated call (an agent calling an agent or workflow) as a node of its own,
        its span a child of `parent` (the step that made the call)."""
        self.count_node(node)
        self.events.node_started(node, callee)
        account = Account()
        started, clock = time.time(), time.perf_counter()
        span = self.trace.node(node, f"call_{kind}", callee, parent)
        try:
            value = await self.invoke(
                kind, callee, arguments, node, grants, budgets or [], account, span
            )
        except NodeError as error:
            report = self.report(node, "failed", 1, clock, account, callee, error)
            self.record(report, None, error, started, span)
            raise
        except BaseException as error:
            self.trace.end(span, error=error)
            raise
        report = self.report(node, "succeeded", 1, clock, account, callee)
        self.record(report, value, None, started, span)
        return value

    @staticmethod
    def report(
        node: str,
        status: str,
        attempts: int,
        clock: float,
        account: Account,
        callee: str | None,
        error: NodeError | None = None,
    ) -> NodeReport:
        return NodeReport(
            node,
            status,
            attempts,
            (time.perf_counter() - clock) * 1000,
            account.cost,
            account.input_tokens,
            account.output_tokens,
            callee,
            str(error) if error else None,
        )
