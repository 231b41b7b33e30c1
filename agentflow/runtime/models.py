"""Calling models: retries, a circuit breaker per model, failover to `fallback`, and cost.

Each attempt reserves its worst case (input tokens counted + `max_tokens` of output) in the
node's budgets before the request is sent, and settles the real usage after.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from agentflow.compiler.plan import ModelPlan, Plan
from agentflow.runtime.errors import NodeError
from agentflow.runtime.retry import backoff_delay, should_retry

if TYPE_CHECKING:
    from agentflow.runtime.policy.enforcer import PolicyEnforcer
    from agentflow.runtime.providers.base import ModelRequest, ModelResponse, Provider
    from agentflow.runtime.telemetry.spans import RunTrace, SpanHandle

MILLION = Decimal(1_000_000)
FAILURES_TO_OPEN = 3
# Input a provider bills but the request does not show: Anthropic adds a tool-use system
# prompt (about 313 tokens measured) whenever tools are offered, which structured output uses.
HIDDEN_PROMPT_TOKENS = {"anthropic": 400}
OPEN_SECONDS = 30.0


@dataclass
class Circuit:
    """Opens after repeated failures; after a cool-down one probe call may close it again."""

    failures: int = 0
    opened_at: float | None = None
    probing: bool = False

    def available(self, now: float) -> bool:
        if self.opened_at is None:
            return True
        if now - self.opened_at >= OPEN_SECONDS and not self.probing:
            self.probing = True
            return True
        return False

    def succeeded(self) -> None:
        self.failures, self.opened_at, self.probing = 0, None, False

    def failed(self, now: float) -> None:
        self.failures += 1
        self.probing = False
        if self.failures >= FAILURES_TO_OPEN:
            self.opened_at = now


@dataclass(frozen=True, slots=True)
class ModelCall:
    """The outcome of one model request: the response, the model that served it, its cost."""

    response: ModelResponse
    model: str
    cost: Decimal
    attempts: int


def price_of(model: ModelPlan, input_tokens: int, output_tokens: int) -> Decimal:
    if model.price is None:
        return Decimal(0)
    return (model.price.input * input_tokens + model.price.output * output_tokens) / MILLION


def offline_model(model: ModelPlan) -> ModelPlan:
    """The model as `--offline` runs it: the offline provider, free unless the file set a price."""
    price = model.price if model.price is not None and model.price.source == "file" else None
    return model.model_copy(update={"provider": "offline", "price": price, "fallback": None})


class ModelRouter:
    """Routes an agent's requests to providers, with retries, circuits and failover."""

    def __init__(
        self,
        plan: Plan,
        base_dir: Path,
        env: Mapping[str, str],
        offline: bool,
        enforcer: PolicyEnforcer,
        slots: asyncio.Semaphore,
        http_client: Any = None,
        clock: Callable[[], float] = time.monotonic,
        *,
        trace: RunTrace,
    ) -> None:
        self.models = {name: offline_model(m) if offline else m for name, m in plan.models.items()}
        self.base_dir = base_dir
        self.env = env
        self.enforcer = enforcer
        self.slots = slots  # the run's `max_concurrency`, shared with tool calls
        self.http_client = http_client
        self.clock = clock
        self.trace = trace
        self._providers: dict[str, Provider] = {}
        self._circuits: dict[str, Circuit] = {}

    def provider(self, name: str) -> Provider:
        if name not in self._providers:
            from agentflow.runtime.providers.base import provider_for

            self._providers[name] = provider_for(
                self.models[name],
                base_dir=self.base_dir,
                env=self.env,
                http_client=self.http_client,
            )
        return self._providers[name]

    def chain(self, name: str) -> list[str]:
        """The model and its fallbacks, in order (each once)."""
        result: list[str] = []
        while name and name in self.models and name not in result:
            result.append(name)
            name = self.models[name].fallback or ""
        return result

    async def complete(
        self,
        model_name: str,
        build: Callable[[ModelPlan], ModelRequest],
        node: str,
        budgets: list[str],
        step: SpanHandle,
    ) -> ModelCall:
        """Serve one step of an agent (its span `step`, the parent of each request's `chat`
        span): the first model in the chain that answers."""
        last_error: NodeError | None = None
        chain = self.chain(model_name)
        for index, candidate in enumerate(chain):
            circuit = self._circuits.setdefault(candidate, Circuit())
            if not circuit.available(self.clock()):
                self.enforcer.audit(
                    "model.circuit_open",
                    f"model:{candidate}",
                    "info",
                    "skipped: circuit open",
                    node=node,
                )
                if index + 1 < len(chain):
                    self.trace.failover_event(
                        step, candidate, chain[index + 1], "model", "skipped: circuit open"
                    )
                continue
            try:
                call = await self._with_retries(
                    candidate, build(self.models[candidate]), node, budgets, step
                )
            except NodeError as error:
                if error.kind in ("budget", "denied", "validation"):
                    raise
                circuit.failed(self.clock())
                last_error = error
                if index + 1 < len(chain):
                    self.enforcer.audit(
                        "model.failover",
                        f"model:{chain[index + 1]}",
                        "warn",
                        f"`{candidate}` failed: {error.message}",
                        node=node,
                        from_model=candidate,
                    )
                    self.trace.failover_event(
                        step,
                        candidate,
                        chain[index + 1],
                        error.kind,
                        f"`{candidate}` failed: {error.message}",
                    )
                continue
            circuit.succeeded()
            return call
        if last_error is None:
            last_error = NodeError(
                "model",
                f"model `{model_name}` is unavailable (circuit open)",
                node=node,
                callee=model_name,
            )
        raise last_error

    async def _with_retries(
        self, name: str, request: ModelRequest, node: str, budgets: list[str], step: SpanHandle
    ) -> ModelCall:
        from agentflow.runtime.providers.base import ProviderError
        from agentflow.runtime.tokens import count_tokens

        model = self.models[name]
        policy = model.retry
        input_tokens = estimate_input_tokens(request, count_tokens, model.provider)
        timeout = float(model.timeout_s) if model.timeout_s else None
        trace = self.trace
        attempt = 0
        while True:
            attempt += 1
            await self.enforcer.rate_limit(f"model:{name}", model.rate_limit, timeout, node)
            estimate = price_of(model, input_tokens, request.max_tokens)
            reservation = self.enforcer.reserve(
                budgets, estimate, input_tokens + request.max_tokens, node, name
            )
            usage = (0, 0)
            chat = trace.chat(model, request, node, step, reservation.budgets, attempt)
            for budget, window in reservation.alerts:
                trace.budget_alert_event(chat, budget, window)
            try:
                async with self.slots, asyncio.timeout(timeout):
                    response = await self.provider(name).complete(request)
                usage = (response.usage.input_tokens, response.usage.output_tokens)
                call = ModelCall(response, name, price_of(model, *usage), attempt)
                trace.end_chat(chat, response, call.cost)
                return call
            except ProviderError as error:
                kind = (
                    error.kind
                    if error.kind in ("rate_limited", "timeout", "validation")
                    else "model"
                )
                failure = NodeError(kind, str(error), node=node, callee=name, attempts=attempt)
                trace.end(chat, error=failure)
                if not error.retryable or not should_retry(policy, failure.kind, attempt):
                    raise failure from error
                delay = backoff_delay(policy, attempt, error.retry_after)
            except TimeoutError as error:
                failure = NodeError(
                    "timeout",
                    f"model `{name}` did not answer in {timeout}s",
                    node=node,
                    callee=name,
                    attempts=attempt,
                )
                trace.end(chat, error=failure)
                if not should_retry(policy, "timeout", attempt):
                    raise failure from error
                delay = backoff_delay(policy, attempt)
            except BaseException as error:
                if chat.span.is_recording():
                    trace.end(chat, error=error)
                raise
            finally:
                spent = price_of(model, *usage)
                self.enforcer.settle(reservation, spent, sum(usage), node)
                if any(usage):
                    self.enforcer.store.record_spend(
                        self.enforcer.run_id, node, name, budgets, spent, *usage
                    )
            trace.retry_event(step, attempt, failure, delay)
            await asyncio.sleep(delay)


def estimate_input_tokens(
    request: ModelRequest, count: Callable[[str, str], int], provider: str
) -> int:
    """Tokens the request will read: system prompt, every message and the tool schemas."""
    import json

    parts = [request.system or ""]
    for message in request.messages:
        parts.append(message.content)
        parts.extend(json.dumps(c.arguments) for c in message.tool_calls)
    parts.extend(
        json.dumps({"n": t.name, "d": t.description, "s": t.input_schema}) for t in request.tools
    )
    if request.output_schema:
        parts.append(json.dumps(request.output_schema))
    overhead = (
        HIDDEN_PROMPT_TOKENS.get(provider, 0) if request.tools or request.output_schema else 0
    )
    return count("\n".join(parts), provider) + overhead
