"""The one enforcement point: every node, agent step and tool call passes through here.

Order (LANGUAGE.md, "Policy on every node"): the principal is authenticated (once, when the
run starts), its role allows the callee, inputs match their types, text a model will see is
redacted, rate limits, then the budget reserves the worst case. Every decision is audited.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from agentflow.compiler.plan import Plan, RateLimit
from agentflow.runtime.errors import NodeError
from agentflow.runtime.policy.budgets import BudgetManager, Reservation
from agentflow.runtime.state.store import AuditEvent, StateStore

KIND_LISTS = {"tool": "tools", "agent": "agents", "workflow": "workflows"}


def denial(action: str, resource: str, reason: str) -> dict[str, Any]:
    """The details of a NodeError for a refusal that was audited where it was decided; the
    `policy` entry becomes an `agentflow.policy` event of the span the refusal fails."""
    return {
        "audited": True,
        "policy": {"action": action, "resource": resource, "reason": reason},
    }


@dataclass(frozen=True, slots=True)
class Grants:
    """What the run may call; None means everything (no roles are declared)."""

    tools: frozenset[str] | None
    agents: frozenset[str] | None
    workflows: frozenset[str] | None

    def allows(self, kind: str, name: str) -> bool:
        allowed = getattr(self, KIND_LISTS[kind])
        return allowed is None or name in allowed

    @classmethod
    def everything(cls) -> Grants:
        return cls(None, None, None)

    @classmethod
    def of_roles(cls, plan: Plan, roles: Sequence[str]) -> Grants:
        if not plan.roles:
            return cls.everything()
        lists = {
            kind: frozenset(
                n
                for r in roles
                if r in plan.roles
                for n in getattr(plan.roles[r], KIND_LISTS[kind])
            )
            for kind in KIND_LISTS
        }
        return cls(lists["tool"], lists["agent"], lists["workflow"])


class PolicyEnforcer:
    """Checks and audits one run's calls."""

    def __init__(
        self,
        plan: Plan,
        run_id: str,
        principal: str,
        grants: Grants,
        store: StateStore,
        budgets: BudgetManager,
    ) -> None:
        from agentflow.runtime.policy.ratelimit import RateLimiterRegistry

        self.plan = plan
        self.run_id = run_id
        self.principal = principal
        self.grants = grants
        self.store = store
        self.budgets = budgets
        self.limiters = RateLimiterRegistry()
        self.redact_classes = tuple(plan.policy.redact)
        self.audit_on = plan.policy.audit

    # ---------------------------------------------------------------- auditing

    def audit(
        self, action: str, resource: str | None, decision: str, reason: str = "", **details: Any
    ) -> None:
        if not self.audit_on and decision == "allow":
            return
        self.store.audit(  # stamped here: the store would copy the event to stamp it
            AuditEvent(
                self.run_id,
                self.principal,
                action,
                resource,
                decision,
                reason,
                details or None,
                time.time(),
            )
        )

    # ---------------------------------------------------------------- checks

    def authorize(
        self,
        kind: str,
        name: str,
        node: str,
        grants: Grants | None = None,
        agent: str | None = None,
    ) -> None:
        """The run's role (and, for an agent's tool call, the agent's `tools`) allows the callee."""
        grants = grants or self.grants
        resource = f"{kind}:{name}"
        if agent is not None:
            listed = self.plan.agents[agent].tools
            if name not in listed:
                self.audit(
                    "authorize",
                    resource,
                    "deny",
                    f"not in the tools of agent `{agent}`",
                    node=node,
                    agent=agent,
                )
                raise NodeError(
                    "denied",
                    f"agent `{agent}` may not use {kind} `{name}`",
                    node=node,
                    callee=name,
                    details=denial("authorize", resource, f"not in the tools of agent `{agent}`"),
                )
        if not grants.allows(kind, name):
            self.audit("authorize", resource, "deny", "not allowed by the run's role", node=node)
            raise NodeError(
                "denied",
                f"the run's role does not allow {kind} `{name}`",
                node=node,
                callee=name,
                details=denial("authorize", resource, "not allowed by the run's role"),
            )
        self.audit("authorize", resource, "allow", node=node)

    def validate(
        self, value: Any, schema: Mapping[str, Any], what: str, node: str, callee: str | None = None
    ) -> Any:
        """The value conformed to its schema, or a validation error naming every problem."""
        from agentflow.runtime.validation import conform, fits, validate

        if fits(value, schema):
            return value
        problems = validate(value, schema)
        if problems:
            message = f"{what} is invalid: " + "; ".join(problems[:5])
            kinds = (("tool", self.plan.tools), ("agent", self.plan.agents))
            kind = next((k for k, table in kinds if callee in table), "workflow")
            resource = f"{kind}:{callee}" if callee else kind
            self.audit("validate", resource, "deny", message, node=node)
            raise NodeError(
                "validation",
                message,
                node=node,
                callee=callee,
                details=denial("validate", resource, message),
            )
        return conform(value, schema)

    def redact_text(self, text: str, node: str) -> str:
        if not self.redact_classes or not text:
            return text
        from agentflow.runtime.policy.redaction import redact

        result = redact(text, self.redact_classes)
        if result.counts:
            self.audit(
                "redact",
                None,
                "info",
                "masked before a model saw it",
                node=node,
                counts=result.counts,
            )
        return result.text

    def redact_value(self, value: Any, node: str) -> Any:
        if not self.redact_classes:
            return value
        from agentflow.runtime.policy.redaction import redact_value

        masked, counts = redact_value(value, self.redact_classes)
        if counts:
            self.audit(
                "redact", None, "info", "masked before a model saw it", node=node, counts=counts
            )
        return masked

    async def rate_limit(
        self, key: str, limit: RateLimit | None, timeout: float | None, node: str
    ) -> None:
        if limit is None:
            return
        bucket = self.limiters.get(key, limit)
        if not await bucket.acquire(timeout):
            self.audit("rate_limit", key, "deny", "over the rate limit", node=node)
            raise NodeError(
                "rate_limited",
                f"`{key}` is over its rate limit",
                node=node,
                callee=key.split(":", 1)[-1],
                details=denial("rate_limit", key, "over the rate limit"),
            )

    def reserve(
        self, budgets: Sequence[str], amount: Decimal, tokens: int, node: str, callee: str | None
    ) -> Reservation:
        reservation = self.budgets.reserve(budgets, amount, tokens, node, callee)
        if reservation.budgets:
            self.audit(
                "budget.reserve",
                ",".join(reservation.budgets),
                "allow",
                node=node,
                amount_usd=str(amount),
                tokens=tokens,
            )
        return reservation

    def settle(self, reservation: Reservation, amount: Decimal, tokens: int, node: str) -> None:
        self.budgets.settle(reservation, amount, tokens, node)
