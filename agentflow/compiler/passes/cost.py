"""Pass 5: worst-case cost of every agent and workflow, against the budgets that bound them.

An agent's worst case is `max_steps × max_tokens × (input price + output price)` per attempt
(each step reads and writes at most `max_tokens` of new text), times its attempts, plus the
worst delegated call per step. A workflow adds its calls: `map` over a literal list counts its
items, `iterate` counts `max N`, and of `if`/`switch` arms only the dearest counts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from agentflow.compiler.context import Context, ref_names
from agentflow.compiler.prices import MILLION, Price, model_price
from agentflow.compiler.schema import DEFAULT_MAX_STEPS, DEFAULT_MAX_TOKENS
from agentflow.compiler.workflow_model import Occurrence, WorkflowInfo
from agentflow.grammar import ast
from agentflow.source import Span


@dataclass
class Cost:
    """A worst case in dollars and tokens; `bounded` is False when fan-out has no limit."""

    usd: Decimal = Decimal(0)
    tokens: int = 0
    bounded: bool = True
    parts: list[tuple[str, Decimal]] = field(default_factory=list)

    def add(self, other: Cost, times: int = 1, label: str | None = None) -> None:
        self.usd += other.usd * times
        self.tokens += other.tokens * times
        self.bounded = self.bounded and other.bounded
        if label and other.usd:
            self.parts.append((label, other.usd * times))


def run(ctx: Context) -> None:
    CostModel(ctx).check()


def _int_setting(ctx: Context, body: ast.Body, name: str) -> int | None:
    setting = ctx.setting(body, name)
    value = setting.value if setting else None
    if isinstance(value, ast.NumberLit | ast.CountLit) and isinstance(value.value, int):
        return value.value
    return None


def attempts_of(value: ast.Expr | None) -> int:
    """How many times a call may run under `retry = N` or `retry = { attempts: N }`."""
    if isinstance(value, ast.NumberLit | ast.CountLit) and isinstance(value.value, int):
        return 1 + max(value.value, 0)
    if isinstance(value, ast.RecordLit):
        for entry in value.entries:
            if (
                entry.key == "attempts"
                and isinstance(entry.value, ast.NumberLit)
                and isinstance(entry.value.value, int)
            ):
                return max(entry.value.value, 1)
        return 1
    return 1


def money(amount: Decimal) -> str:
    return f"${amount.quantize(Decimal('0.0001')).normalize():f}" if amount else "$0"


class CostModel:
    """Computes and caches worst cases; reports what budgets cannot cover."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.agent_costs: dict[str, Cost] = {}
        self.workflow_costs: dict[str, Cost] = {}
        self.prices: dict[str, Price | None] = {}
        self._active: set[str] = set()

    def check(self) -> None:
        for declaration in self.ctx.of_kind("model"):
            price = self.price(declaration.name)
            if price is None:
                self.ctx.sink.report(
                    "AF502",
                    declaration.name_span,
                    f"the price of model `{declaration.name}` is not known",
                    hint="set `price = { input: $..., output: $... }` (per million tokens)",
                )
        for declaration in self.ctx.of_kind("agent"):
            cost = self.agent(declaration.name)
            self._against_budget(
                declaration.node.body, cost, declaration.name_span, f"agent `{declaration.name}`"
            )
        for name, info in self.ctx.workflows.items():
            cost = self.workflow(name)
            budget = info.settings.get("budget")
            if budget is not None:
                self._report_unbounded(info, cost)
                self._against_budget_ref(
                    budget.value, cost, info.decl.name_span, f"workflow `{name}`"
                )
        self.ctx.cost_model = self

    # ---------------------------------------------------------------- prices

    def price(self, model: str) -> Price | None:
        if model not in self.prices:
            declaration = self.ctx.declarations.get(model)
            self.prices[model] = (
                model_price(declaration.node)
                if declaration and declaration.kind == "model"
                else None
            )
        return self.prices[model]

    def _model_chain(self, model: str) -> list[str]:
        chain: list[str] = []
        while model and model not in chain and model in self.ctx.declarations:
            chain.append(model)
            fallback = self.ctx.setting(self.ctx.declarations[model].node.body, "fallback")
            model = fallback.value.name if fallback and isinstance(fallback.value, ast.Name) else ""
        return chain

    # ---------------------------------------------------------------- agents

    def agent(self, name: str) -> Cost:
        if name in self.agent_costs:
            return self.agent_costs[name]
        if name in self._active:
            return Cost()
        self._active.add(name)
        body: ast.Body = self.ctx.declarations[name].node.body
        model_setting = self.ctx.setting(body, "model")
        model = (
            model_setting.value.name
            if model_setting and isinstance(model_setting.value, ast.Name)
            else ""
        )
        steps = _int_setting(self.ctx, body, "max_steps") or DEFAULT_MAX_STEPS
        max_tokens = _int_setting(self.ctx, body, "max_tokens")
        per_step = Decimal(0)
        tokens_per_step = 0
        for candidate in self._model_chain(model):
            price = self.price(candidate) or Price(Decimal(0), Decimal(0), "unknown")
            model_body = self.ctx.declarations[candidate].node.body
            limit = (
                max_tokens or _int_setting(self.ctx, model_body, "max_tokens") or DEFAULT_MAX_TOKENS
            )
            step = Decimal(limit) * (price.input + price.output) / MILLION
            per_step = max(per_step, step)
            tokens_per_step = max(tokens_per_step, 2 * limit)
        retry = self.ctx.setting(body, "retry")
        attempts = attempts_of(retry.value if retry else None)
        cost = Cost(per_step * steps * attempts, tokens_per_step * steps * attempts)
        tools = self.ctx.setting(body, "tools")
        listed = ref_names(tools.value) if tools else []
        delegates = [c for c in (self._callee(ref.name) for ref in listed) if c is not None]
        if delegates:
            dearest = max(delegates, key=lambda c: c.usd)
            cost.add(dearest, steps * attempts)
        self._active.discard(name)
        self.agent_costs[name] = cost
        return cost

    def _callee(self, name: str) -> Cost | None:
        declaration = self.ctx.declarations.get(name)
        if declaration is None:
            return None
        if declaration.kind == "agent":
            return self.agent(name)
        if declaration.kind == "workflow":
            return self.workflow(name)
        return None

    # ---------------------------------------------------------------- workflows

    def workflow(self, name: str) -> Cost:
        if name in self.workflow_costs:
            return self.workflow_costs[name]
        info = self.ctx.workflows.get(name)
        if info is None or name in self._active:
            return Cost()
        self._active.add(name)
        by_stmt = {id(o.stmt): o for o in info.all_occurrences()}
        cost = self._block(info.decl.body, by_stmt)
        self._active.discard(name)
        self.workflow_costs[name] = cost
        return cost

    def _block(self, block: ast.Block, by_stmt: dict[int, Occurrence]) -> Cost:
        total = Cost()
        for stmt in block.statements:
            if isinstance(stmt, ast.Binding) and id(stmt) in by_stmt:
                occurrence = by_stmt[id(stmt)]
                node = self.node(occurrence)
                total.add(node, label=f"{occurrence.name} ({occurrence.callee})")
            elif isinstance(stmt, ast.If):
                arms = [self._block(stmt.then, by_stmt)]
                if isinstance(stmt.otherwise, ast.Block):
                    arms.append(self._block(stmt.otherwise, by_stmt))
                elif isinstance(stmt.otherwise, ast.If):
                    arms.append(
                        self._block(ast.Block((stmt.otherwise,), stmt.otherwise.span), by_stmt)
                    )
                total.add(max(arms, key=lambda c: c.usd))
            elif isinstance(stmt, ast.Switch):
                blocks = [c.body for c in stmt.cases] + ([stmt.default] if stmt.default else [])
                if blocks:
                    total.add(max((self._block(b, by_stmt) for b in blocks), key=lambda c: c.usd))
        return total

    def node(self, occurrence: Occurrence) -> Cost:
        """The worst case of one binding, counting retries, map items and iterations."""
        if occurrence.callee is None:
            return Cost()
        callee = self._callee(occurrence.callee) or Cost()
        settings = occurrence.stmt.settings
        retry = (
            next((s.value for s in settings.settings if s.name == "retry"), None)
            if settings
            else None
        )
        times = attempts_of(retry)
        cost = Cost()
        value = occurrence.stmt.value
        if isinstance(value, ast.MapCall):
            if isinstance(value.iterable, ast.ListLit):
                times *= len(value.iterable.items)
            else:
                cost.bounded = False
        elif isinstance(value, ast.IterateCall) and isinstance(value.max, ast.NumberLit):
            times *= value.max.value if isinstance(value.max.value, int) else 1
        cost.add(callee, times)
        return cost

    # ---------------------------------------------------------------- budgets

    def _report_unbounded(self, info: WorkflowInfo, cost: Cost) -> None:
        if cost.bounded:
            return
        for occurrence in info.all_occurrences():
            value = occurrence.stmt.value
            if (
                isinstance(value, ast.MapCall)
                and not isinstance(value.iterable, ast.ListLit)
                and occurrence.callee_kind in ("agent", "workflow")
            ):
                self.ctx.sink.report(
                    "AF503",
                    value.iterable.span,
                    f"the cost of `{occurrence.name}` grows with the length of this list",
                    hint="the budget is still enforced at run time; `max_nodes` bounds fan-out",
                )

    def _against_budget(self, body: ast.Body, cost: Cost, span: Span, owner: str) -> None:
        budget = self.ctx.setting(body, "budget")
        if budget is not None:
            self._against_budget_ref(budget.value, cost, span, owner)

    def _against_budget_ref(self, ref: ast.Expr, cost: Cost, span: Span, owner: str) -> None:
        if not isinstance(ref, ast.Name):
            return
        declaration = self.ctx.declarations.get(ref.name)
        if declaration is None or declaration.kind != "budget":
            return
        body: ast.Body = declaration.node.body
        for window, label in (
            ("per_run", "per run"),
            ("daily", "per day"),
            ("monthly", "per month"),
        ):
            setting = self.ctx.setting(body, window)
            limit = (
                setting.value.value if setting and isinstance(setting.value, ast.MoneyLit) else None
            )
            if limit is not None and cost.usd > limit:
                ctx_parts = ", ".join(f"{label_} {money(usd)}" for label_, usd in cost.parts[:4])
                self.ctx.sink.report(
                    "AF501",
                    span,
                    f"{owner} may cost up to {money(cost.usd)} in one run, but budget "
                    f"`{ref.name}` allows {money(limit)} {label}",
                    hint=(f"worst case: {ctx_parts}; " if ctx_parts else "")
                    + "lower `max_steps`/`max_tokens`, or raise the budget",
                )
                break
        tokens = _int_setting(self.ctx, body, "tokens_per_run")
        if tokens is not None and cost.tokens > tokens:
            self.ctx.sink.report(
                "AF501",
                span,
                f"{owner} may use up to {cost.tokens:,} tokens in one run, but budget "
                f"`{ref.name}` allows {tokens:,}",
                hint="lower `max_steps`/`max_tokens`, or raise `tokens_per_run`",
            )
