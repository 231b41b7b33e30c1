"""Lowering: a checked program becomes the executable Plan (iterate unrolled, branches joined)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, cast

from agentflow.compiler import plan as p
from agentflow.compiler.context import Context, ref_names
from agentflow.compiler.jsonschema import schema_of
from agentflow.compiler.passes.cost import CostModel
from agentflow.compiler.prices import model_price
from agentflow.compiler.schema import DEFAULT_MAX_CONCURRENCY, DEFAULT_MAX_STEPS, DEFAULT_MAX_TOKENS
from agentflow.compiler.settings import is_env_call
from agentflow.compiler.types import UNKNOWN
from agentflow.compiler.workflow_model import Branch, Occurrence, Path, WorkflowInfo
from agentflow.grammar import ast
from agentflow.source import Span


def lower_program(ctx: Context) -> p.Plan:
    """The plan of a program that checked without errors."""
    return Lowerer(ctx).plan()


# ================================================================== literal values


def literal(expr: ast.Expr | None) -> Any:
    """The JSON value of a setting's literal (names become strings, `env()` a marker)."""
    if expr is None:
        return None
    if isinstance(expr, ast.StringLit):
        return expr.value
    if isinstance(expr, ast.NumberLit | ast.CountLit | ast.BoolLit):
        return expr.value
    if isinstance(expr, ast.MoneyLit | ast.PercentLit):
        return str(expr.value)
    if isinstance(expr, ast.DurationLit):
        return str(expr.seconds)
    if isinstance(expr, ast.RateLit):
        return {"count": str(expr.count), "per_seconds": expr.per_seconds}
    if isinstance(expr, ast.Name):
        return expr.name
    if isinstance(expr, ast.ListLit):
        return [literal(item) for item in expr.items]
    if isinstance(expr, ast.RecordLit):
        return {entry.key: literal(entry.value) for entry in expr.entries}
    if is_env_call(expr):
        assert isinstance(expr, ast.Call)
        return {"env": literal(expr.arguments[0].value)}
    return None


def input_defaults(body: ast.Body) -> dict[str, Any]:
    """The literal defaults of an `input { ... }` block."""
    for item in body.items:
        if isinstance(item, ast.InputBlock):
            return {f.name: literal(f.default) for f in item.fields.fields if f.default is not None}
    return {}


def retry_of(expr: ast.Expr | None) -> p.Retry:
    if expr is None:
        return p.Retry()
    if isinstance(expr, ast.NumberLit | ast.CountLit) and isinstance(expr.value, int):
        return p.Retry(attempts=1 + expr.value)
    values = literal(expr) if isinstance(expr, ast.RecordLit) else {}
    return p.Retry(
        attempts=int(values.get("attempts", 1)),
        on=[str(kind) for kind in values.get("on", [])],
        backoff_s=Decimal(values.get("backoff", "0.5")),
        max_delay_s=Decimal(values.get("max_delay", "30")),
        jitter=bool(values.get("jitter", True)),
    )


def rate_of(expr: ast.Expr | None) -> p.RateLimit | None:
    if isinstance(expr, ast.RateLit) and expr.count is not None:
        return p.RateLimit(count=expr.count, per_seconds=expr.per_seconds)
    return None


def seconds_of(expr: ast.Expr | None) -> Decimal | None:
    return expr.seconds if isinstance(expr, ast.DurationLit) else None


def env_name(expr: ast.Expr | None) -> str | None:
    value = literal(expr)
    return value["env"] if isinstance(value, dict) and "env" in value else None


class Lowerer:
    """Builds the Plan from the checked AST and what the passes learned."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.costs: CostModel = ctx.cost_model or CostModel(ctx)

    def settings(self, body: ast.Body | None) -> dict[str, ast.Expr]:
        return {s.name: s.value for s in body.settings} if body else {}

    def plan(self) -> p.Plan:
        ctx = self.ctx
        result = p.Plan(
            source=ctx.source.path,
            base_dir=str(ctx.base_dir.resolve()),
            models={d.name: self.model(d.node) for d in ctx.of_kind("model")},
            tools={d.name: self.tool(d.node) for d in ctx.of_kind("tool")},
            agents={d.name: self.agent(d.node) for d in ctx.of_kind("agent")},
            types={name: schema_of(t) for name, t in ctx.named_types.items()},
            roles={d.name: self.role(d.node) for d in ctx.of_kind("role")},
            principals={d.name: self.principal(d.node) for d in ctx.of_kind("principal")},
            budgets={d.name: self.budget(d.node) for d in ctx.of_kind("budget")},
            policy=self.policy(),
            workflows={
                name: WorkflowLowerer(self, info).lower() for name, info in ctx.workflows.items()
            },
        )
        return result

    # ---------------------------------------------------------------- declarations

    def model(self, node: ast.ModelDecl) -> p.ModelPlan:
        s = self.settings(node.body)
        price = model_price(node)
        fallback = s.get("fallback")
        return p.ModelPlan(
            name=node.name,
            provider=literal(s.get("provider")),
            model_name=literal(s.get("name")),
            api_key_env=env_name(s.get("api_key")),
            base_url=literal(s.get("base_url")) if not is_env_call(s.get("base_url")) else None,
            max_tokens=literal(s.get("max_tokens")) or DEFAULT_MAX_TOKENS,
            temperature=literal(s.get("temperature")),
            fallback=fallback.name if isinstance(fallback, ast.Name) else None,
            price=p.Price(input=price.input, output=price.output, source=price.source)
            if price
            else None,
            script=literal(s.get("script")),
            timeout_s=seconds_of(s.get("timeout")),
            retry=retry_of(s.get("retry"))
            if "retry" in s
            else p.Retry(attempts=3, backoff_s=Decimal(1)),
            rate_limit=rate_of(s.get("rate_limit")),
        )

    def tool(self, node: ast.ToolDecl) -> p.ToolPlan:
        s = self.settings(node.body)
        signature = self.ctx.signatures[node.name]
        common = ("rate_limit", "timeout", "retry", "description", "bind")
        secrets = {k: env_name(v) for k, v in s.items() if env_name(v)}
        settings = {k: literal(v) for k, v in s.items() if k not in common and k not in secrets}
        bound = literal(s["bind"]) if isinstance(s.get("bind"), ast.RecordLit) else {}
        full_inputs = [*signature.inputs.fields]
        source = node.source
        return p.ToolPlan(
            name=node.name,
            kind="stdlib" if isinstance(source, ast.StdlibSource) else "python",
            stdlib=source.name if isinstance(source, ast.StdlibSource) else None,
            target=source.target.value if isinstance(source, ast.PythonSource) else None,
            settings=settings,
            secrets={k: v for k, v in secrets.items() if v},
            bound=bound,
            input_schema=schema_of(type(signature.inputs)(tuple(full_inputs))),
            output_schema=schema_of(signature.output),
            description=literal(s.get("description")) or "",
            timeout_s=seconds_of(s.get("timeout")),
            retry=retry_of(s.get("retry")),
            rate_limit=rate_of(s.get("rate_limit")),
        )

    def agent(self, node: ast.AgentDecl) -> p.AgentPlan:
        s = self.settings(node.body)
        signature = self.ctx.signatures[node.name]
        tools = s.get("tools")
        return p.AgentPlan(
            name=node.name,
            model=literal(s.get("model")),
            tools=[r.name for r in ref_names(tools)] if tools is not None else [],
            budget=literal(s.get("budget")),
            max_steps=literal(s.get("max_steps")) or DEFAULT_MAX_STEPS,
            max_tokens=literal(s.get("max_tokens")),
            temperature=literal(s.get("temperature")),
            timeout_s=seconds_of(s.get("timeout")),
            retry=retry_of(s.get("retry")),
            system=literal(s.get("system")),
            prompt=literal(s.get("prompt")),
            history=literal(s.get("history")),
            description=literal(s.get("description")) or "",
            input_schema=schema_of(signature.inputs),
            input_defaults=input_defaults(node.body),
            output_schema=schema_of(signature.output),
            worst_case_usd=self.costs.agent(node.name).usd,
        )

    def role(self, node: ast.RoleDecl) -> p.RolePlan:
        s = self.settings(node.body)
        return p.RolePlan(
            **{
                k: [r.name for r in ref_names(s[k])]
                for k in ("tools", "agents", "workflows")
                if k in s
            }
        )

    def principal(self, node: ast.PrincipalDecl) -> p.PrincipalPlan:
        s = self.settings(node.body)
        return p.PrincipalPlan(
            roles=[r.name for r in ref_names(s["roles"])], token_env=env_name(s.get("token")) or ""
        )

    def budget(self, node: ast.BudgetDecl) -> p.BudgetPlan:
        s = self.settings(node.body)

        def amount(name: str) -> Decimal | None:
            value = s.get(name)
            return value.value if isinstance(value, ast.MoneyLit | ast.PercentLit) else None

        return p.BudgetPlan(
            per_run=amount("per_run"),
            daily=amount("daily"),
            monthly=amount("monthly"),
            tokens_per_run=literal(s.get("tokens_per_run")),
            alert_at_percent=amount("alert_at"),
            on_exceed=literal(s.get("on_exceed")) or "stop",
        )

    def policy(self) -> p.PolicyPlan:
        if self.ctx.policy is None:
            return p.PolicyPlan()
        s = self.settings(self.ctx.policy.body)
        return p.PolicyPlan(
            audit=literal(s.get("audit")) if "audit" in s else True,
            retention_s=seconds_of(s.get("retention")),
            redact=[str(v) for v in literal(s.get("redact")) or []],
            max_concurrency=literal(s.get("max_concurrency")) or DEFAULT_MAX_CONCURRENCY,
        )


class WorkflowLowerer:
    """Lowers one workflow body to nodes."""

    def __init__(self, owner: Lowerer, info: WorkflowInfo) -> None:
        self.owner = owner
        self.ctx = owner.ctx
        self.info = info
        self.nodes: list[p.Node] = []
        self.branch_ids = {b.id: b.id for b in info.branches}
        self._assign_ids()

    def _assign_ids(self) -> None:
        """A binding's node id is its name; bound in several arms, `name@branch.arm` per arm."""
        for name, occurrences in self.info.occurrences.items():
            for occurrence in occurrences:
                ref = self.branch_ref(occurrence.path) if len(occurrences) > 1 else None
                occurrence.id = f"{name}@{ref.node}.{ref.arm}" if ref else name

    # ---------------------------------------------------------------- helpers

    def position(self, span: Span) -> tuple[int, int, int, int]:
        start, end = self.ctx.source.position(span.start), self.ctx.source.position(span.end)
        return (start.line, start.column, end.line, end.column)

    def branch_ref(self, path: Path) -> p.BranchRef | None:
        if not path:
            return None
        branch_id, arm = path[-1].split(":")
        branch = next(b for b in self.info.branches if b.id == branch_id)
        label = arm if arm in ("then", "else") else branch.arms[int(arm)][0]
        return p.BranchRef(node=self.branch_ids[branch_id], arm=label)

    def resolve(self, name: str, path: Path, local: set[str]) -> dict[str, Any]:
        if name in local:
            return {"var": name}
        if name in self.info.params:
            return {"param": name}
        occurrences = self.info.occurrences.get(name, [])
        for occurrence in occurrences:
            if path[: len(occurrence.path)] == occurrence.path:
                return {"node": occurrence.id}
        return {"node": name}

    def expr(self, expr: ast.Expr | None, path: Path, local: set[str] | None = None) -> Any:
        return ExprLowerer(self, path, local or set()).lower(expr) if expr is not None else None

    def depends(self, values: list[Any], path: Path) -> list[str]:
        found: set[str] = set()
        stack = list(values)
        while stack:
            value = stack.pop()
            if isinstance(value, dict):
                if "node" in value and len(value) == 1:
                    found.add(value["node"])
                stack.extend(value.values())
            elif isinstance(value, list):
                stack.extend(value)
        ref = self.branch_ref(path)
        if ref:
            found.add(ref.node)
        return sorted(found)

    def policy(self, callee: str | None, kind: str | None) -> p.NodePolicy:
        budgets = []
        workflow_budget = self.info.settings.get("budget")
        if workflow_budget and isinstance(workflow_budget.value, ast.Name):
            budgets.append(workflow_budget.value.name)
        if kind == "agent" and callee:
            agent_budget = self.ctx.setting(self.ctx.declarations[callee].node.body, "budget")
            if agent_budget and isinstance(agent_budget.value, ast.Name):
                budgets.append(agent_budget.value.name)
        run_as = self.info.settings.get("run_as")
        return p.NodePolicy(
            authenticate=bool(self.ctx.of_kind("principal")),
            role=run_as.value.name if run_as and isinstance(run_as.value, ast.Name) else None,
            budgets=budgets,
        )

    # ---------------------------------------------------------------- workflow

    def lower(self) -> p.WorkflowPlan:
        for branch in self.info.branches:
            self.nodes.append(self.branch(branch))
        for occurrence in self.info.all_occurrences():
            self.binding(occurrence)
        for name, occurrences in self.info.occurrences.items():
            if len(occurrences) > 1:
                first = occurrences[0]
                self.nodes.append(
                    p.Node(
                        id=name,
                        kind="join",
                        binding=name,
                        sources=[o.id for o in occurrences],
                        depends_on=sorted(o.id for o in occurrences),
                        output_schema=schema_of(first.type or UNKNOWN),
                        span=self.position(first.stmt.name_span),
                    )
                )
        for index, ending in enumerate(self.info.fails, start=1):
            stmt = ending.stmt
            assert isinstance(stmt, ast.Fail)
            message, guard = (
                self.expr(stmt.message, ending.path),
                self.expr(stmt.guard, ending.path),
            )
            self.nodes.append(
                p.Node(
                    id=f"fail#{index}",
                    kind="fail",
                    value=message,
                    guard=guard,
                    guarded=guard is not None,
                    branch=self.branch_ref(ending.path),
                    depends_on=self.depends([message, guard], ending.path),
                    span=self.position(stmt.span),
                )
            )
        ret = self.info.returns[0]
        assert isinstance(ret.stmt, ast.Return)
        value = self.expr(ret.stmt.value, ret.path)
        self.nodes.append(
            p.Node(
                id="return",
                kind="return",
                value=value,
                depends_on=self.depends([value], ret.path),
                span=self.position(ret.stmt.span),
            )
        )
        signature = self.ctx.signatures[self.info.decl.name]
        s = self.info.settings
        cost = self.owner.costs.workflow(self.info.decl.name)
        return p.WorkflowPlan(
            name=self.info.decl.name,
            params=schema_of(signature.inputs),
            param_defaults={
                prm.name: self.expr(prm.default, ())
                for prm in self.info.decl.params
                if prm.default is not None
            },
            result_schema=schema_of(signature.output),
            run_as=literal(s["run_as"].value) if "run_as" in s else None,
            budget=literal(s["budget"].value) if "budget" in s else None,
            timeout_s=seconds_of(s["timeout"].value) if "timeout" in s else None,
            max_nodes=literal(s["max_nodes"].value) if "max_nodes" in s else None,
            nodes=self.nodes,
            output="return",
            worst_case_usd=cost.usd,
            cost_bounded=cost.bounded,
        )

    def branch(self, branch: Branch) -> p.Node:
        stmt = branch.stmt
        value = self.expr(stmt.condition if isinstance(stmt, ast.If) else stmt.subject, branch.path)
        return p.Node(
            id=self.branch_ids[branch.id],
            kind="branch",
            value=value,
            arms=[label for label, _ in branch.arms],
            branch=self.branch_ref(branch.path),
            depends_on=self.depends([value], branch.path),
            span=self.position(Span(stmt.span.start, stmt.span.start + 2)),
        )

    def binding(self, occurrence: Occurrence) -> None:
        stmt = occurrence.stmt
        path = occurrence.path
        schema = schema_of(occurrence.type or UNKNOWN)
        settings = {s.name: s.value for s in stmt.settings.settings} if stmt.settings else {}
        guard = self.expr(stmt.guard, path)
        common: dict[str, Any] = {
            "binding": occurrence.name,
            "guard": guard,
            "guarded": guard is not None,
            "branch": self.branch_ref(path),
            "retry": retry_of(settings["retry"]) if "retry" in settings else None,
            "timeout_s": seconds_of(settings.get("timeout")),
            "fallback": self.expr(settings.get("fallback"), path),
            "has_fallback": "fallback" in settings,
            "span": self.position(stmt.span),
        }
        value = stmt.value
        if occurrence.kind == "pure":
            lowered = self.expr(value, path)  # type: ignore[arg-type]
            self.nodes.append(
                p.Node(
                    id=occurrence.id,
                    kind="pure",
                    value=lowered,
                    output_schema=schema,
                    depends_on=self.depends([lowered, guard], path),
                    **common,
                )
            )
            return
        kind = cast(p.NodeKind, f"call_{occurrence.callee_kind}")
        cost = self.owner.costs.node(occurrence).usd
        policy = self.policy(occurrence.callee, occurrence.callee_kind)
        if isinstance(value, ast.IterateCall):
            self.iterate(occurrence, value, kind, policy, common)
            return
        call = occurrence.call
        assert call is not None
        local = {value.item.name} if isinstance(value, ast.MapCall) else set()
        arguments = {a.name: self.expr(a.value, path, local) for a in call.arguments if a.name}
        map_spec = None
        if isinstance(value, ast.MapCall):
            concurrency = (
                value.concurrency.value if isinstance(value.concurrency, ast.NumberLit) else None
            )
            map_spec = p.MapSpec(
                item=value.item.name,
                iterable=self.expr(value.iterable, path),
                concurrency=concurrency if isinstance(concurrency, int) else None,
            )
            kind = "map"
        extra = [map_spec.iterable] if map_spec else []
        self.nodes.append(
            p.Node(
                id=occurrence.id,
                kind=kind,
                callee=occurrence.callee,
                arguments=arguments,
                map=map_spec,
                is_try=isinstance(value, ast.TryCall),
                output_schema=schema,
                policy=policy,
                worst_case_usd=cost,
                depends_on=self.depends([arguments, guard, common["fallback"], *extra], path),
                **common,
            )
        )

    def iterate(
        self,
        occurrence: Occurrence,
        value: ast.IterateCall,
        kind: p.NodeKind,
        policy: p.NodePolicy,
        common: dict[str, Any],
    ) -> None:
        path = occurrence.path
        steps = (
            value.max.value
            if isinstance(value.max, ast.NumberLit) and isinstance(value.max.value, int)
            else 1
        )
        variable = value.variable.name
        step_cost = self.owner.costs.node(occurrence).usd / steps
        ids: list[str] = []
        for index in range(1, steps + 1):
            call = value.initial if index == 1 else value.call
            assert isinstance(call, ast.Call)
            local = set() if index == 1 else {variable}
            arguments = {a.name: self.expr(a.value, path, local) for a in call.arguments if a.name}
            node_id = f"{occurrence.id}#{index}"
            locals_: dict[str, Any] = {}
            guard = common["guard"]
            requires: list[str] = []
            if index > 1:
                previous = ids[-1]
                locals_ = {variable: {"node": previous}}
                until = self.expr(value.until, path, {variable})
                stop = {"op": "not", "args": [until]}
                guard = stop if guard is None else {"op": "and", "args": [guard, stop]}
                requires = [previous]
            step_common = {**common, "guard": guard, "guarded": guard is not None}
            self.nodes.append(
                p.Node(
                    id=node_id,
                    kind=kind,
                    callee=call.callee.name,
                    arguments=arguments,
                    locals=locals_,
                    requires=requires,
                    output_schema=schema_of(occurrence.type or UNKNOWN),
                    policy=policy,
                    worst_case_usd=step_cost,
                    depends_on=sorted(
                        set(self.depends([arguments, guard, step_common["fallback"]], path))
                        | set(requires)
                    ),
                    **step_common,
                )
            )
            ids.append(node_id)
        self.nodes.append(
            p.Node(
                id=occurrence.id,
                kind="join",
                binding=occurrence.name,
                sources=ids,
                depends_on=list(ids),
                output_schema=schema_of(occurrence.type or UNKNOWN),
                branch=common["branch"],
                span=common["span"],
            )
        )


class ExprLowerer:
    """AST expressions to the plan's JSON expression trees."""

    def __init__(self, owner: WorkflowLowerer, path: Path, local: set[str]) -> None:
        self.owner = owner
        self.path = path
        self.local = set(local)

    def lower(self, expr: ast.Expr) -> Any:
        visit = getattr(self, f"visit_{type(expr).__name__}")
        return visit(expr)

    def visit_Name(self, expr: ast.Name) -> Any:
        return self.owner.resolve(expr.name, self.path, self.local)

    def visit_StringLit(self, expr: ast.StringLit) -> Any:
        if not expr.is_template:
            return {"lit": expr.value}
        from agentflow.compiler.freenames import template_names

        refs = {
            name: self.owner.resolve(name, self.path, self.local)
            for name in sorted(template_names(expr.value))
            if name in self.local
            or name in self.owner.info.params
            or name in self.owner.info.occurrences
        }
        return {"template": expr.value, "refs": refs}

    def visit_NumberLit(self, expr: ast.NumberLit) -> Any:
        return {"lit": expr.value}

    visit_CountLit = visit_NumberLit

    def visit_BoolLit(self, expr: ast.BoolLit) -> Any:
        return {"lit": expr.value}

    def visit_MoneyLit(self, expr: ast.MoneyLit) -> Any:
        return {"money": str(expr.value)}

    def visit_DurationLit(self, expr: ast.DurationLit) -> Any:
        return {"seconds": str(expr.seconds)}

    def visit_PercentLit(self, expr: ast.PercentLit) -> Any:
        return {"lit": float(expr.value or 0)}

    def visit_RateLit(self, expr: ast.RateLit) -> Any:
        return {"lit": literal(expr)}

    def visit_ListLit(self, expr: ast.ListLit) -> Any:
        return {"list": [self.lower(item) for item in expr.items]}

    def visit_RecordLit(self, expr: ast.RecordLit) -> Any:
        return {"record": {entry.key: self.lower(entry.value) for entry in expr.entries}}

    def visit_Attribute(self, expr: ast.Attribute) -> Any:
        return {"attr": [self.lower(expr.target), expr.name]}

    def visit_Index(self, expr: ast.Index) -> Any:
        return {"index": [self.lower(expr.target), self.lower(expr.index)]}

    def visit_Unary(self, expr: ast.Unary) -> Any:
        return {"op": "neg" if expr.op == "-" else "not", "args": [self.lower(expr.operand)]}

    def visit_Binary(self, expr: ast.Binary) -> Any:
        return {"op": expr.op, "args": [self.lower(expr.left), self.lower(expr.right)]}

    def visit_Call(self, expr: ast.Call) -> Any:
        return {
            "call": expr.callee.name,
            "args": [self.lower(a.value) for a in expr.arguments if a.name is None],
            "kwargs": {a.name: self.lower(a.value) for a in expr.arguments if a.name is not None},
        }

    def visit_Comprehension(self, expr: ast.Comprehension) -> Any:
        iterable = self.lower(expr.iterable)
        targets = [t.name for t in expr.targets]
        saved = set(self.local)
        self.local |= set(targets)
        try:
            element = self.lower(expr.element)
            condition = self.lower(expr.condition) if expr.condition is not None else None
        finally:
            self.local = saved
        return {
            "comprehension": {
                "element": element,
                "targets": targets,
                "iterable": iterable,
                "condition": condition,
            }
        }
