"""Budgets: reserve a call's worst case before it runs, settle its real cost after.

Each budget has windows (this run, today, this month, in UTC) kept in the state store, so
they hold across runs and across processes sharing the store. A reservation covers every
budget that applies to the call, all or nothing.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from agentflow.compiler.plan import BudgetPlan
from agentflow.runtime.errors import NodeError
from agentflow.runtime.state.store import AuditEvent, StateStore, Window


@dataclass
class Reservation:
    """What was held for one call, to be settled afterwards."""

    budgets: list[str]
    windows: dict[str, list[Window]]
    amount: Decimal
    tokens: int
    settled: bool = False
    warnings: list[str] = field(default_factory=list)
    alerts: list[tuple[str, str]] = field(default_factory=list)  # (budget, window), for spans


def windows_for(budget: BudgetPlan, run_id: str, now: float | None = None) -> list[Window]:
    """The windows a budget limits: per run (dollars and tokens), per UTC day and month."""
    moment = time.gmtime(now if now is not None else time.time())
    result = []
    if budget.per_run is not None or budget.tokens_per_run is not None:
        result.append(Window(f"run:{run_id}", budget.per_run, budget.tokens_per_run))
    if budget.daily is not None:
        result.append(Window(time.strftime("day:%Y-%m-%d", moment), budget.daily))
    if budget.monthly is not None:
        result.append(Window(time.strftime("month:%Y-%m", moment), budget.monthly))
    return result


class BudgetManager:
    """Reserves and settles spend for one run against the program's budgets."""

    def __init__(
        self,
        budgets: dict[str, BudgetPlan],
        store: StateStore,
        run_id: str,
        principal: str | None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.budgets = budgets
        self.store = store
        self.run_id = run_id
        self.principal = principal
        self.clock = clock
        self.alerts: list[str] = []

    def reserve(
        self, names: Sequence[str], amount: Decimal, tokens: int, node: str, callee: str | None
    ) -> Reservation:
        """Hold `amount` and `tokens` in every applicable budget window, or raise a budget error."""
        reservation = Reservation([], {}, amount, tokens)
        for name in dict.fromkeys(names):
            budget = self.budgets.get(name)
            if budget is None:
                continue
            windows = windows_for(budget, self.run_id, self.clock())
            enforce = budget.on_exceed == "stop"
            outcome = self.store.reserve(
                name, windows, amount, tokens, budget.alert_at_percent, enforce
            )
            if not outcome.granted:
                self.release(reservation)
                unit = "$" if outcome.unit == "usd" else ""
                tokens_word = " tokens" if outcome.unit == "tokens" else ""
                reason = (
                    f"{outcome.refused_window} has {unit}{outcome.spent:f}{tokens_word} "
                    f"committed of {unit}{outcome.limit:f}{tokens_word}"
                )
                self._audit("budget.reserve", name, "deny", reason, node, amount)
                raise NodeError(
                    "budget",
                    f"budget `{name}` cannot cover this call: {reason}",
                    node=node,
                    callee=callee,
                    details={
                        "audited": True,
                        "policy": {
                            "action": "budget.reserve",
                            "resource": f"budget:{name}",
                            "reason": reason,
                        },
                    },
                )
            reservation.budgets.append(name)
            reservation.windows[name] = windows
            for window in outcome.alerts:
                message = f"budget `{name}` passed its alert threshold in {window}"
                reservation.warnings.append(message)
                reservation.alerts.append((name, window))
                self.alerts.append(message)
                self._audit("budget.alert", name, "warn", message, node, amount)
        return reservation

    def settle(self, reservation: Reservation, amount: Decimal, tokens: int, node: str) -> None:
        """Record the real cost and release what was held."""
        if reservation.settled:
            return
        reservation.settled = True
        for name in reservation.budgets:
            self.store.settle(
                name,
                reservation.windows[name],
                reservation.amount,
                reservation.tokens,
                amount,
                tokens,
            )

    def release(self, reservation: Reservation) -> None:
        """Give back a reservation that was never spent."""
        self.settle(reservation, Decimal(0), 0, "")

    def _audit(
        self, action: str, budget: str, decision: str, reason: str, node: str, amount: Decimal
    ) -> None:
        self.store.audit(
            AuditEvent(
                run_id=self.run_id,
                principal=self.principal,
                action=action,
                resource=f"budget:{budget}",
                decision=decision,
                reason=reason,
                details={"node": node, "amount_usd": str(amount)},
            )
        )
