"""The agent loop: ask the model, run the tools it calls, until it answers in the output type."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from agentflow.compiler.plan import AgentPlan
from agentflow.runtime.errors import NodeError
from agentflow.runtime.policy.enforcer import denial
from agentflow.runtime.telemetry import attributes as attr
from agentflow.runtime.values import EvalError, render_template

if TYPE_CHECKING:
    from agentflow.runtime.engine import Runtime
    from agentflow.runtime.policy.enforcer import Grants
    from agentflow.runtime.providers.base import (
        ChatMessage,
        ModelRequest,
        ModelResponse,
        ToolCall,
        ToolSpec,
    )
    from agentflow.runtime.telemetry.spans import SpanHandle

REPAIR_TURNS = 1
_STEP_DONE = {attr.STATUS: "succeeded"}
_FENCE = re.compile(r"^```(?:json)?\s*(.*?)\s*```$", re.S)


@dataclass
class Account:
    """Cost and tokens spent on behalf of one node."""

    cost: Decimal = Decimal(0)
    input_tokens: int = 0
    output_tokens: int = 0


def is_text_schema(schema: dict[str, Any]) -> bool:
    return schema.get("type") == "string" and "enum" not in schema


def parse_output(text: str, schema: dict[str, Any]) -> tuple[Any, list[str]]:
    """The model's final answer as a value of the output type, or the problems with it."""
    from agentflow.runtime.validation import validate

    if is_text_schema(schema):
        return text, []
    body = text.strip()
    fenced = _FENCE.match(body)
    if fenced:
        body = fenced.group(1)
    try:
        value = json.loads(body)
    except json.JSONDecodeError as error:
        return None, [f"the reply is not JSON ({error.msg} at position {error.pos})"]
    return value, validate(value, schema)


def render(template: str | None, inputs: dict[str, Any], what: str, node: str) -> str | None:
    if template is None:
        return None
    try:
        return render_template(template, inputs)
    except EvalError as error:
        raise NodeError("validation", f"{what}: {error}", node=node) from error


class AgentRun:
    """One invocation of an agent for one node."""

    def __init__(
        self,
        runtime: Runtime,
        agent: AgentPlan,
        node: str,
        budgets: list[str],
        grants: Grants,
        account: Account,
        span: SpanHandle,
    ) -> None:
        self.runtime = runtime
        self.agent = agent
        self.node = node
        self.budgets = budgets
        self.grants = grants
        self.account = account
        self.span = span  # the agent's span: the parent of its steps
        self.children = 0

    async def run(self, inputs: dict[str, Any]) -> Any:
        from agentflow.runtime.providers.base import ChatMessage

        agent, enforcer = self.agent, self.runtime.enforcer
        system = render(agent.system, inputs, f"the system prompt of `{agent.name}`", self.node)
        prompt = render(agent.prompt, inputs, f"the prompt of `{agent.name}`", self.node)
        if prompt is None:
            shown = {k: v for k, v in inputs.items() if k != agent.history}
            prompt = json.dumps(shown, ensure_ascii=False, default=str)
        messages: list[ChatMessage] = [
            ChatMessage(m["role"], enforcer.redact_text(str(m["content"]), self.node))
            for m in (inputs.get(agent.history) or [] if agent.history else [])
        ]
        messages.append(ChatMessage("user", enforcer.redact_text(prompt, self.node)))
        system = enforcer.redact_text(system, self.node) if system else None
        tools = tuple(self._tool_specs())
        schema = agent.output_schema
        repairs = REPAIR_TURNS
        steps = 0
        trace = self.runtime.trace
        while steps < agent.max_steps + (REPAIR_TURNS - repairs):  # a repair turn is extra
            steps += 1
            step = trace.step(steps, self.node, self.span)
            try:
                response = await self._step(step, system, messages, tools, inputs)
            except BaseException as error:
                trace.end(step, error=error)
                raise
            if response.tool_calls:
                trace.end(step, _STEP_DONE)
                continue
            value, problems = parse_output(response.text, schema)
            if not problems:
                trace.end(step, _STEP_DONE)
                return value
            invalid = NodeError(
                "validation",
                f"agent `{agent.name}` answered outside its output type: "
                + "; ".join(problems[:3]),
                node=self.node,
                callee=agent.name,
            )
            trace.end(step, error=invalid)
            if repairs == 0:
                raise invalid
            repairs -= 1
            messages.append(ChatMessage("assistant", response.text))
            messages.append(
                ChatMessage(
                    "user",
                    "Your reply does not match the required JSON "
                    "schema: " + "; ".join(problems[:5]) + ". Reply again "
                    "with only the JSON value.",
                )
            )
        raise NodeError(
            "failed",
            f"agent `{agent.name}` did not finish within {agent.max_steps} steps (max_steps)",
            node=self.node,
            callee=agent.name,
        )

    async def _step(
        self,
        step: SpanHandle,
        system: str | None,
        messages: list[ChatMessage],
        tools: tuple[ToolSpec, ...],
        inputs: dict[str, Any],
    ) -> ModelResponse:
        """One turn: ask the model, then run the tools it called (their results appended)."""
        from agentflow.runtime.providers.base import ChatMessage

        call = await self.runtime.router.complete(
            self.agent.model,
            lambda model: self._request(model, system, messages, tools, inputs),
            self.node,
            self.budgets,
            step,
        )
        usage = call.response.usage
        self.account.cost += call.cost
        self.account.input_tokens += usage.input_tokens
        self.account.output_tokens += usage.output_tokens
        response = call.response
        if response.tool_calls:
            messages.append(ChatMessage("assistant", response.text, tool_calls=response.tool_calls))
            for tool_call in response.tool_calls:
                messages.append(await self._run_tool(tool_call, step))
        return response

    def _request(
        self,
        model: Any,
        system: str | None,
        messages: list[ChatMessage],
        tools: tuple[ToolSpec, ...],
        inputs: dict[str, Any],
    ) -> ModelRequest:
        from agentflow.runtime.providers.base import ModelRequest

        schema = self.agent.output_schema
        return ModelRequest(
            model=model,
            agent=self.agent.name,
            system=system,
            messages=tuple(messages),
            tools=tools,
            output_schema=None if is_text_schema(schema) else schema,
            max_tokens=self.agent.max_tokens or model.max_tokens,
            temperature=self.agent.temperature
            if self.agent.temperature is not None
            else model.temperature,
            inputs=inputs,
        )

    def _tool_specs(self) -> list[ToolSpec]:
        from agentflow.runtime.providers.base import ToolSpec

        plan = self.runtime.plan
        specs = []
        for name in self.agent.tools:
            if name in plan.tools:
                tool = plan.tools[name]
                specs.append(ToolSpec(name, tool.description or name, tool.input_schema))
            elif name in plan.agents:
                callee = plan.agents[name]
                specs.append(
                    ToolSpec(
                        name, callee.description or f"Ask the `{name}` agent", callee.input_schema
                    )
                )
            elif name in plan.workflows:
                specs.append(
                    ToolSpec(name, f"Run the `{name}` workflow", plan.workflows[name].params)
                )
        return specs

    async def _run_tool(self, call: ToolCall, step: SpanHandle) -> ChatMessage:
        """Execute one tool call (its span under `step`); failures go back to the model as
        error results."""
        from agentflow.runtime.providers.base import ChatMessage

        plan = self.runtime.plan
        delegated = call.name in plan.agents or call.name in plan.workflows
        spanned = False  # whether the call got a span of its own (its tool's or its node's)
        try:
            if "__invalid_json__" in call.arguments:
                raise NodeError(
                    "validation",
                    "the arguments are not valid JSON",
                    node=self.node,
                    callee=call.name,
                )
            if call.name in plan.tools:
                spanned = True
                result = await self.runtime.tools.call(
                    call.name,
                    call.arguments,
                    self.node,
                    agent=self.agent.name,
                    grants=self.grants,
                    parent=step,
                    call_id=call.id,
                )
            elif delegated:
                self.children += 1
                kind = "agent" if call.name in plan.agents else "workflow"
                self.runtime.enforcer.authorize(
                    kind, call.name, self.node, grants=self.grants, agent=self.agent.name
                )
                child = f"{self.node}/{call.name}#{self.children}"
                spanned = True
                result = await self.runtime.invoke_node(
                    kind, call.name, call.arguments, child, self.grants, self.budgets, step
                )
            else:
                reason = "not a tool of this agent"
                resource = f"tool:{call.name}"
                self.runtime.enforcer.audit(
                    "authorize",
                    resource,
                    "deny",
                    reason,
                    node=self.node,
                    agent=self.agent.name,
                )
                raise NodeError(
                    "denied",
                    f"`{call.name}` is not one of this agent's tools",
                    node=self.node,
                    callee=call.name,
                    details=denial("authorize", resource, reason),
                )
        except NodeError as error:
            if not spanned:  # refused before a span of its own existed: a failed tool span
                self.runtime.trace.refused_tool(
                    call.name, self.node, step, call.id, call.arguments, error
                )
            decision = "deny" if error.kind == "denied" else "info"
            if not error.details.get("audited"):  # a policy refusal was audited where decided
                self.runtime.enforcer.audit(
                    "tool.error",
                    f"tool:{call.name}",
                    decision,
                    error.message,
                    node=self.node,
                    kind=error.kind,
                )
            content = f"error ({error.kind}): {error.message}"
            return ChatMessage(
                "tool",
                self.runtime.enforcer.redact_text(content, self.node),
                tool_call_id=call.id,
                is_error=True,
            )
        text = (
            result
            if isinstance(result, str)
            else json.dumps(result, ensure_ascii=False, default=str)
        )
        return ChatMessage(
            "tool", self.runtime.enforcer.redact_text(text, self.node), tool_call_id=call.id
        )
