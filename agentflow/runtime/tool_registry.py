"""Every tool call goes through here: permission, argument validation, `bind`, rate limit,
timeout and retry, output validation, metrics and audit."""

from __future__ import annotations

import asyncio
import importlib
import inspect
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from agentflow.compiler.plan import Plan, ToolPlan
from agentflow.runtime.errors import NodeError
from agentflow.runtime.retry import backoff_delay, should_retry, within
from agentflow.runtime.telemetry import attributes as attr

if TYPE_CHECKING:
    from agentflow.runtime.policy.enforcer import Grants, PolicyEnforcer
    from agentflow.runtime.telemetry.spans import RunTrace, SpanHandle


@dataclass
class ToolStats:
    calls: int = 0
    errors: int = 0
    seconds: float = 0.0


class ToolRegistry:
    """The tools of one program, ready to call under policy."""

    def __init__(
        self,
        plan: Plan,
        base_dir: Path,
        env: Mapping[str, str],
        enforcer: PolicyEnforcer,
        slots: asyncio.Semaphore,
        trace: RunTrace,
    ) -> None:
        self.plan = plan
        self.trace = trace
        self.base_dir = base_dir
        self.env = env
        self.enforcer = enforcer
        self.slots = slots  # the run's `max_concurrency`, shared with model requests
        self.stats: dict[str, ToolStats] = {name: ToolStats() for name in plan.tools}
        self._functions: dict[str, Callable[..., Any]] = {}
        self._async: set[str] = set()
        self._register(plan)

    @staticmethod
    def _register(plan: Plan) -> None:
        """Refuse a plan whose tools cannot be called: an unknown stdlib tool, a schema that
        is not an object schema (a plan edited by hand or from another version)."""
        from agentflow.stdlib_tools import TOOLS

        for tool in plan.tools.values():
            if tool.kind == "stdlib" and tool.stdlib not in TOOLS:
                raise NodeError(
                    "tool",
                    f"tool `{tool.name}`: no standard tool `{tool.stdlib}`",
                    callee=tool.name,
                )
            if tool.input_schema.get("type") != "object":
                raise NodeError(
                    "validation",
                    f"tool `{tool.name}`: its input schema is not an object schema",
                    callee=tool.name,
                )

    async def call(
        self,
        name: str,
        arguments: Mapping[str, Any],
        node: str,
        *,
        agent: str | None = None,
        grants: Grants | None = None,
        parent: SpanHandle,
        call_id: str | None = None,
    ) -> Any:
        """Run tool `name` with `arguments` for `node` on behalf of `agent` (a tool call an
        agent's model made); its `execute_tool` span is a child of `parent`."""
        trace = self.trace
        span = trace.tool(name, node, parent, call_id)
        try:
            result, attempts = await self.run(name, arguments, node, agent, grants, span)
        except NodeError as error:
            trace.end(span, {attr.ATTEMPTS: error.attempts}, error)
            raise
        except BaseException as error:
            trace.end(span, error=error)
            raise
        trace.end_tool(span, attempts)
        return result

    async def run(
        self,
        name: str,
        arguments: Mapping[str, Any],
        node: str,
        agent: str | None,
        grants: Grants | None,
        span: SpanHandle,
    ) -> tuple[Any, int]:
        """Run a tool: its validated result and the number of attempts it took. `span` is the
        call's span (a tool node's own span, when a node calls the tool): it gets the call's
        retries as events and, when content capture is on, its arguments and result."""
        capture = self.trace.capture
        if capture:
            self.trace.tool_content(span, arguments=arguments)
        tool = self.plan.tools[name]
        self.enforcer.authorize("tool", name, node, grants=grants, agent=agent)
        fixed = sorted(set(arguments) & set(tool.bound)) if tool.bound else None
        if fixed:
            raise NodeError(
                "validation", f"`{fixed[0]}` is fixed by the tool's `bind`", node=node, callee=name
            )
        args = self.enforcer.validate(
            dict(arguments), tool.input_schema, f"the arguments of tool `{name}`", node, name
        )
        args.update(tool.bound)
        timeout = float(tool.timeout_s) if tool.timeout_s else None
        await self.enforcer.rate_limit(f"tool:{name}", tool.rate_limit, timeout, node)
        stats = self.stats[name]
        attempt = 0
        while True:
            attempt += 1
            started = time.perf_counter()
            stats.calls += 1
            try:
                async with self.slots, within(timeout):
                    result = await self._invoke(tool, args, node)
                value = self.enforcer.validate(
                    result, tool.output_schema, f"the result of tool `{name}`", node, name
                )
                if capture:
                    self.trace.tool_content(span, result=value)
                return value, attempt
            except TimeoutError as error:
                stats.errors += 1
                failure = NodeError(
                    "timeout",
                    f"tool `{name}` took longer than {timeout}s",
                    node=node,
                    callee=name,
                    attempts=attempt,
                )
                if not should_retry(tool.retry, failure.kind, attempt):
                    raise failure from error
            except NodeError as error:
                stats.errors += 1
                error.attempts = attempt
                failure = error
                if not should_retry(tool.retry, error.kind, attempt):
                    raise
            finally:
                stats.seconds += time.perf_counter() - started
            delay = backoff_delay(tool.retry, attempt)
            self.trace.retry_event(span, attempt, failure, delay)
            await asyncio.sleep(delay)

    async def _invoke(self, tool: ToolPlan, args: dict[str, Any], node: str) -> Any:
        if tool.kind == "stdlib":
            return await self._invoke_stdlib(tool, args, node)
        function = self._function(tool, node)
        try:
            if tool.name in self._async:
                return await function(**args)
            return await asyncio.to_thread(function, **args)
        except NodeError:
            raise
        except Exception as error:  # the tool's own failure, returned to the caller as data
            raise NodeError(
                "tool", f"{type(error).__name__}: {error}", node=node, callee=tool.name
            ) from error

    async def _invoke_stdlib(self, tool: ToolPlan, args: dict[str, Any], node: str) -> Any:
        from pydantic import ValidationError

        from agentflow.stdlib_tools import get_tool
        from agentflow.stdlib_tools.base import ToolContext, ToolError

        implementation = get_tool(tool.stdlib or "")
        secrets = {}
        for setting, variable in tool.secrets.items():
            if variable not in self.env:
                raise NodeError(
                    "tool",
                    f"environment variable `{variable}` for `{setting}` is not set",
                    node=node,
                    callee=tool.name,
                )
            secrets[setting] = self.env[variable]
        try:
            parsed = implementation.Input.model_validate(args)
            context = ToolContext(self.base_dir, tool.settings, secrets)
            return await implementation.run(parsed, context)
        except ValidationError as error:
            raise NodeError("validation", str(error), node=node, callee=tool.name) from error
        except ToolError as error:
            raise NodeError(error.kind, str(error), node=node, callee=tool.name) from error

    def _function(self, tool: ToolPlan, node: str) -> Callable[..., Any]:
        if tool.name in self._functions:
            return self._functions[tool.name]
        module_name, _, function_name = (tool.target or "").partition(":")
        base = str(self.base_dir)
        if base not in sys.path:
            sys.path.insert(0, base)
        try:
            function = getattr(importlib.import_module(module_name), function_name)
        except Exception as error:
            raise NodeError(
                "tool", f"cannot load `{tool.target}`: {error}", node=node, callee=tool.name
            ) from error
        self._functions[tool.name] = function
        if inspect.iscoroutinefunction(function):
            self._async.add(tool.name)
        return function
