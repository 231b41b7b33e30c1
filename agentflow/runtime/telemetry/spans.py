"""One run's spans: `RunTrace`, the helpers the runtime calls to start, annotate and end
them (names and attributes from `attributes.py`), on the SDK or on the store-only path.

The tree: `run {workflow}` → `node {id}` (map items under their map node) → `invoke_agent
{agent}` → `step {n}` → `chat {model}` and `execute_tool {tool}`; a delegated call's node
under the step that made it, a sub-workflow's `run` under its calling node. Parents are
always passed explicitly (`SpanHandle`), never taken from the ambient context, so parallel
branches and the scheduler's inline continuations cannot mis-parent a span.

Cost: a node span is started with its attributes in one call and finished with one
`set_attributes`; a pure node's span is made in one call after it ran. Allowed policy
decisions are summarized as the `agentflow.policy.decision` attribute of the span that was
allowed; denials are `agentflow.policy` events. Free text (error messages, event reasons,
captured content) goes through the run's `Cleaner`.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Final, Protocol

from opentelemetry.context import Context
from opentelemetry.trace import Span, Status, StatusCode, get_current_span, set_span_in_context

from agentflow.runtime.errors import DENIAL_KINDS, NodeError
from agentflow.runtime.telemetry import attributes as attr
from agentflow.runtime.telemetry.content import (
    Cleaner,
    input_messages,
    output_messages,
    system_instructions,
)
from agentflow.runtime.telemetry.store_spans import StoreRows, StoreSpan, new_span_id, new_trace_id

if TYPE_CHECKING:
    from decimal import Decimal

    from opentelemetry.trace import Tracer

    from agentflow.compiler.plan import AgentPlan, ModelPlan
    from agentflow.runtime.api import RunResult
    from agentflow.runtime.engine import NodeReport
    from agentflow.runtime.providers.base import ModelRequest, ModelResponse
    from agentflow.runtime.state.store import StateStore

PROVIDER_NAMES: Final = {"offline": "agentflow.offline"}  # others are their own GenAI name
MESSAGE_LIMIT: Final = 500  # characters of an error message kept in a span status or event


def provider_name(provider: str) -> str:
    """The GenAI `gen_ai.provider.name` of an agentflow model provider."""
    return PROVIDER_NAMES.get(provider, provider)


def request_model(model: ModelPlan) -> str:
    return model.model_name or model.name


class SpanHandle(Protocol):
    """A started span (`span`) and the context that makes it a parent (`context`)."""

    @property
    def span(self) -> Span: ...

    @property
    def context(self) -> Context: ...


class SdkSpanHandle:
    """An SDK span and its context as a parent (built once, when first used)."""

    __slots__ = ("_base", "_context", "span")

    def __init__(self, span: Span, base: Context) -> None:
        self.span = span
        self._base = base
        self._context: Context | None = None

    @property
    def context(self) -> Context:
        context = self._context
        if context is None:
            context = self._context = set_span_in_context(self.span, self._base)
        return context


class RunTrace:
    """The spans of one run: helpers that start, annotate and end them. With a `tracer`
    they are SDK spans; without (the store-only path) `StoreSpan`s written to `store`."""

    def __init__(
        self,
        tracer: Tracer | None,
        run_id: str,
        store: StateStore,
        cleaner: Cleaner,
        base: Context,
        *,
        capture: bool,
    ) -> None:
        self.tracer = tracer
        self.events = tracer is not None  # store-only spans keep no events: build none
        self.run_id = run_id
        self.cleaner = cleaner
        self.capture = capture
        self.base = base  # the ambient context when the run started
        self.trace_id = ""  # hex, once the run span started
        # the store-only path joins the trace of an ambient span, as the SDK would
        ambient = get_current_span(base).get_span_context()
        self._root_parent: str | None = None
        if ambient.is_valid:
            self._root_parent = format(ambient.span_id, "016x")
        trace_id = ambient.trace_id if ambient.is_valid else new_trace_id()
        self.rows = StoreRows(store, run_id, trace_id, base)

    def _start(
        self,
        name: str,
        parent: SpanHandle | None,
        attributes: dict[str, Any],
        start_time: int | None = None,
    ) -> SpanHandle:
        tracer = self.tracer
        if tracer is None:  # a StoreSpan is its own handle
            return StoreSpan(
                self.rows,
                new_span_id(),
                self._root_parent if parent is None else getattr(parent, "hex", None),
                name,
                attributes,
                start_time if start_time is not None else time.time_ns(),
            )
        context = parent.context if parent is not None else self.base
        span = tracer.start_span(name, context, attributes=attributes, start_time=start_time)
        return SdkSpanHandle(span, self.base)

    def flush(self) -> None:
        """Hand the store-only spans that ended to the store now (at the end of a run)."""
        self.rows.flush()

    # ---------------------------------------------------------------- runs

    def start_run(
        self, workflow: str, parent: SpanHandle | None = None, node: str | None = None
    ) -> SpanHandle:
        """The span of a run (the root, or a sub-workflow's under its calling node)."""
        attributes: dict[str, Any] = {
            attr.SPAN_KIND: "run",
            attr.RUN_ID: self.run_id,
            attr.WORKFLOW: workflow,
        }
        if node is not None:
            attributes[attr.NODE_ID] = node
        handle = self._start(f"run {workflow}", parent, attributes)
        if parent is None:
            self.trace_id = format(handle.span.get_span_context().trace_id, "032x")
        return handle

    def end_run(self, handle: SpanHandle, result: RunResult, error: BaseException | None) -> None:
        """End the root run span with the run's outcome."""
        span = handle.span
        span.set_attributes(
            {
                attr.STATUS: result.status,
                attr.COST_USD: float(result.cost_usd),
                attr.GEN_AI_USAGE_INPUT_TOKENS: result.input_tokens,
                attr.GEN_AI_USAGE_OUTPUT_TOKENS: result.output_tokens,
            }
        )
        if error is not None:
            self.mark_failed(handle, error)
        elif result.error:
            self._error_status(span, str(result.error.get("kind")), str(result.error["message"]))
        span.end()
        self.rows.flush()

    def principal(
        self, handle: SpanHandle, principal: str, role: str | None, decision: str
    ) -> None:
        """Who the run runs as, and whether it was allowed to start."""
        attributes = {attr.PRINCIPAL: principal, attr.POLICY_DECISION: decision}
        if role:
            attributes[attr.ROLE] = role
        handle.span.set_attributes(attributes)

    def deny(self, handle: SpanHandle, action: str, resource: str, reason: str) -> None:
        """A refusal decided outside a NodeError (a run refused before it starts)."""
        handle.span.set_attribute(attr.POLICY_DECISION, "deny")
        self.policy_event(handle, action, resource, "deny", reason)

    # ---------------------------------------------------------------- nodes

    def node(
        self,
        node_id: str,
        kind: str,
        callee: str | None,
        parent: SpanHandle,
        tool: bool = False,
    ) -> SpanHandle:
        """A node's span. A node that calls a tool (`tool`) is that tool call: its span has
        the `execute_tool` GenAI attributes rather than a child span of its own."""
        attributes = {
            attr.SPAN_KIND: "node",
            attr.RUN_ID: self.run_id,
            attr.NODE_ID: node_id,
            attr.NODE_KIND: kind,
        }
        if callee:
            attributes[attr.CALLEE] = callee
            if tool:
                attributes[attr.GEN_AI_OPERATION_NAME] = attr.OPERATION_EXECUTE_TOOL
                attributes[attr.GEN_AI_TOOL_NAME] = callee
        return self._start("node " + node_id, parent, attributes)

    def end_node(self, handle: SpanHandle, report: NodeReport, error: NodeError | None) -> None:
        span = handle.span
        status = report.status
        if error is None:
            span.set_attributes(
                {
                    attr.STATUS: status,
                    attr.ATTEMPTS: report.attempts,
                    attr.COST_USD: float(report.cost_usd),
                    attr.POLICY_DECISION: "allow",  # its callee was authorized
                }
            )
        else:
            span.set_attributes(
                {attr.ATTEMPTS: report.attempts, attr.COST_USD: float(report.cost_usd)}
            )
            self.mark_failed(handle, error)
        span.end()

    def finished_node(
        self, node_id: str, kind: str, parent: SpanHandle, start_ns: int, status: str
    ) -> None:
        """The span of a node that ran synchronously (a pure node), made after it ran."""
        attributes = {
            attr.SPAN_KIND: "node",
            attr.RUN_ID: self.run_id,
            attr.NODE_ID: node_id,
            attr.NODE_KIND: kind,
            attr.STATUS: status,
            attr.ATTEMPTS: 1,
        }
        self._start("node " + node_id, parent, attributes, start_ns).span.end()

    # ---------------------------------------------------------------- agents

    def agent(
        self, agent: AgentPlan, model: ModelPlan | None, node: str, parent: SpanHandle
    ) -> SpanHandle:
        attributes: dict[str, Any] = {
            attr.SPAN_KIND: "agent",
            attr.RUN_ID: self.run_id,
            attr.NODE_ID: node,
            attr.GEN_AI_OPERATION_NAME: attr.OPERATION_INVOKE_AGENT,
            attr.GEN_AI_AGENT_NAME: agent.name,
        }
        if model is not None:
            attributes[attr.GEN_AI_PROVIDER_NAME] = provider_name(model.provider)
            attributes[attr.GEN_AI_REQUEST_MODEL] = request_model(model)
        return self._start(f"invoke_agent {agent.name}", parent, attributes)

    def step(self, number: int, node: str, parent: SpanHandle) -> SpanHandle:
        attributes = {
            attr.SPAN_KIND: "step",
            attr.RUN_ID: self.run_id,
            attr.NODE_ID: node,
            attr.STEP: number,
        }
        return self._start(f"step {number}", parent, attributes)

    def chat(
        self,
        model: ModelPlan,
        request: ModelRequest,
        node: str,
        parent: SpanHandle,
        budgets: Sequence[str],
        attempt: int,
    ) -> SpanHandle:
        name = request_model(model)
        attributes: dict[str, Any] = {
            attr.SPAN_KIND: "model",
            attr.RUN_ID: self.run_id,
            attr.NODE_ID: node,
            attr.GEN_AI_OPERATION_NAME: attr.OPERATION_CHAT,
            attr.GEN_AI_PROVIDER_NAME: provider_name(model.provider),
            attr.GEN_AI_REQUEST_MODEL: name,
            attr.GEN_AI_REQUEST_MAX_TOKENS: request.max_tokens,
            attr.GEN_AI_AGENT_NAME: request.agent,
            attr.CALLEE: model.name,
            attr.ATTEMPTS: attempt,
        }
        if request.temperature is not None:
            attributes[attr.GEN_AI_REQUEST_TEMPERATURE] = request.temperature
        if budgets:
            attributes[attr.BUDGETS] = tuple(budgets)
        if self.capture:
            clean = self.cleaner
            attributes[attr.GEN_AI_INPUT_MESSAGES] = clean.json(input_messages(request.messages))
            system = system_instructions(request)
            if system is not None:
                attributes[attr.GEN_AI_SYSTEM_INSTRUCTIONS] = clean.json(system)
        return self._start(f"chat {name}", parent, attributes)

    def end_chat(self, handle: SpanHandle, response: ModelResponse, cost: Decimal) -> None:
        attributes: dict[str, Any] = {
            attr.STATUS: "succeeded",
            attr.GEN_AI_RESPONSE_MODEL: response.model,
            attr.GEN_AI_RESPONSE_FINISH_REASONS: (response.finish_reason,),
            attr.GEN_AI_USAGE_INPUT_TOKENS: response.usage.input_tokens,
            attr.GEN_AI_USAGE_OUTPUT_TOKENS: response.usage.output_tokens,
            attr.COST_USD: float(cost),
        }
        if self.capture:
            attributes[attr.GEN_AI_OUTPUT_MESSAGES] = self.cleaner.json(output_messages(response))
        handle.span.set_attributes(attributes)
        handle.span.end()

    # ---------------------------------------------------------------- tools

    def tool(
        self, name: str, node: str, parent: SpanHandle, call_id: str | None = None
    ) -> SpanHandle:
        """The span of a tool call an agent's model made (its content, when captured, is
        added by the tool registry)."""
        attributes: dict[str, Any] = {
            attr.SPAN_KIND: "tool",
            attr.RUN_ID: self.run_id,
            attr.NODE_ID: node,
            attr.GEN_AI_OPERATION_NAME: attr.OPERATION_EXECUTE_TOOL,
            attr.GEN_AI_TOOL_NAME: name,
        }
        if call_id:
            attributes[attr.GEN_AI_TOOL_CALL_ID] = call_id
        return self._start(f"execute_tool {name}", parent, attributes)

    def end_tool(self, handle: SpanHandle, attempts: int) -> None:
        handle.span.set_attributes(
            {attr.STATUS: "succeeded", attr.ATTEMPTS: attempts, attr.POLICY_DECISION: "allow"}
        )
        handle.span.end()

    def tool_content(
        self, handle: SpanHandle, *, arguments: Any = None, result: Any = None
    ) -> None:
        """Tool arguments or result on a span (content capture is on)."""
        if arguments is not None:
            handle.span.set_attribute(attr.GEN_AI_TOOL_CALL_ARGUMENTS, self.cleaner.json(arguments))
        if result is not None:
            handle.span.set_attribute(attr.GEN_AI_TOOL_CALL_RESULT, self.cleaner.json(result))

    def refused_tool(
        self,
        name: str,
        node: str,
        parent: SpanHandle,
        call_id: str | None,
        arguments: Mapping[str, Any] | None,
        error: NodeError,
    ) -> None:
        """The span of a tool call that was refused before it could start."""
        handle = self.tool(name, node, parent, call_id)
        if self.capture and arguments is not None:
            self.tool_content(handle, arguments=arguments)
        self.end(handle, error=error)

    # ---------------------------------------------------------------- ending, errors, events

    def end(
        self,
        handle: SpanHandle,
        attributes: Mapping[str, Any] | None = None,
        error: BaseException | None = None,
    ) -> None:
        """End a span: `attributes` added, failed with `error` if given (a cancelled span
        gets the status `cancelled` and no error)."""
        span = handle.span
        if attributes:
            span.set_attributes(attributes)
        if error is not None:
            self.mark_failed(handle, error)
        span.end()

    def mark_failed(self, handle: SpanHandle, error: BaseException) -> None:
        span = handle.span
        if isinstance(error, asyncio.CancelledError):
            span.set_attribute(attr.STATUS, "cancelled")
            return
        if isinstance(error, NodeError):
            kind, message = error.kind, error.message
            span.set_attribute(attr.STATUS, "denied" if kind in DENIAL_KINDS else "failed")
            policy = error.details.get("policy")
            if isinstance(policy, dict):
                span.set_attribute(attr.POLICY_DECISION, "deny")
                if not error.details.get("traced"):
                    error.details["traced"] = True
                    self.policy_event(
                        handle,
                        str(policy.get("action", "authorize")),
                        policy.get("resource"),
                        "deny",
                        str(policy.get("reason") or message),
                    )
        else:
            kind, message = type(error).__name__, str(error)
            span.set_attribute(attr.STATUS, "failed")
        self._error_status(span, kind, message)

    def _error_status(self, span: Span, kind: str, message: str) -> None:
        span.set_attribute(attr.ERROR_TYPE, kind)
        span.set_status(Status(StatusCode.ERROR, self.cleaner.text(message[:MESSAGE_LIMIT])))

    def policy_event(
        self,
        handle: SpanHandle,
        action: str,
        resource: Any,
        decision: str,
        reason: str,
    ) -> None:
        if not self.events:
            return
        attributes = {
            attr.POLICY_DECISION: decision,
            attr.POLICY_ACTION: action,
            attr.POLICY_REASON: self.cleaner.text(reason[:MESSAGE_LIMIT]),
        }
        if isinstance(resource, str):
            attributes[attr.POLICY_RESOURCE] = resource
        handle.span.add_event(attr.EVENT_POLICY, attributes)

    def retry_event(
        self, handle: SpanHandle, attempt: int, error: NodeError, delay_s: float
    ) -> None:
        if not self.events:
            return
        handle.span.add_event(
            attr.EVENT_RETRY,
            {
                attr.ATTEMPTS: attempt,
                attr.ERROR_TYPE: error.kind,
                attr.RETRY_DELAY_S: delay_s,
                attr.MESSAGE: self.cleaner.text(error.message[:MESSAGE_LIMIT]),
            },
        )

    def failover_event(
        self, handle: SpanHandle, from_model: str, to_model: str, error_kind: str, reason: str
    ) -> None:
        if not self.events:
            return
        handle.span.add_event(
            attr.EVENT_FAILOVER,
            {
                attr.MODEL_FROM: from_model,
                attr.MODEL_TO: to_model,
                attr.ERROR_TYPE: error_kind,
                attr.MESSAGE: self.cleaner.text(reason[:MESSAGE_LIMIT]),
            },
        )

    def budget_alert_event(self, handle: SpanHandle, budget: str, window: str) -> None:
        if not self.events:
            return
        handle.span.add_event(
            attr.EVENT_BUDGET_ALERT,
            {
                attr.BUDGET: budget,
                attr.BUDGET_WINDOW: window,
                attr.MESSAGE: f"budget `{budget}` passed its alert threshold in {window}",
            },
        )
