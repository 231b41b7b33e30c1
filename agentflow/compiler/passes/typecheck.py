"""Pass 2: type every workflow body as a dataflow graph (order in the file does not matter)."""

from __future__ import annotations

from agentflow.compiler import graphs, settings
from agentflow.compiler.context import CALLABLE_KINDS, Context, Signature, similar
from agentflow.compiler.expressions import ExprTyper, mismatch
from agentflow.compiler.freenames import binding_names, expr_names
from agentflow.compiler.schema import SETTINGS
from agentflow.compiler.types import (
    INT,
    STRING,
    UNKNOWN,
    EnumT,
    ListT,
    OptionalT,
    Type,
    UnknownT,
    is_assignable,
    join,
    optional,
    result_of,
)
from agentflow.compiler.workflow_model import Branch, Ending, Occurrence, Path, WorkflowInfo
from agentflow.diagnostics import DiagnosticSink, Label
from agentflow.grammar import ast
from agentflow.source import Span

MAX_ITERATIONS = 1000  # `iterate` is unrolled into this many nodes at most


def run(ctx: Context) -> None:
    for declaration in ctx.of_kind("workflow"):
        ctx.workflows[declaration.name] = WorkflowChecker(ctx, declaration.node).check()


class WorkflowChecker:
    """Collects a workflow's statements, orders its bindings by dependency and types them."""

    def __init__(self, ctx: Context, decl: ast.WorkflowDecl) -> None:
        self.ctx = ctx
        signature = ctx.signatures.get(decl.name)
        params = {f.name: f.type for f in signature.inputs.fields} if signature else {}
        self.info = WorkflowInfo(decl, params)
        self.types: dict[str, Type] = {}
        self.current_path: Path = ()
        self._branch_counter = 0

    # ---------------------------------------------------------------- collecting

    def check(self) -> WorkflowInfo:
        self._collect(self.info.decl.body, ())
        self._check_settings()
        self._report_duplicates()
        self._order()
        for name in self.info.order:
            for occurrence in self.info.occurrences.get(name, []):
                self._type_occurrence(occurrence)
            self.types[name] = self._joined_type(name)
        self._check_branches()
        self._check_endings()
        return self.info

    def _collect(self, block: ast.Block, path: Path) -> None:
        for stmt in block.statements:
            if isinstance(stmt, ast.Binding):
                occurrence = Occurrence(stmt.name, stmt, path, deps=binding_names(stmt))
                self.info.occurrences.setdefault(stmt.name, []).append(occurrence)
            elif isinstance(stmt, ast.WorkflowSetting):
                self._collect_setting(stmt, path)
            elif isinstance(stmt, ast.If):
                self._collect_if(stmt, path)
            elif isinstance(stmt, ast.Switch):
                self._collect_switch(stmt, path)
            elif isinstance(stmt, ast.Return):
                self.info.returns.append(Ending(stmt, path, expr_names(stmt.value)))
            elif isinstance(stmt, ast.Fail):
                deps = expr_names(stmt.message) | expr_names(stmt.guard)
                self.info.fails.append(Ending(stmt, path, deps))

    def _collect_setting(self, stmt: ast.WorkflowSetting, path: Path) -> None:
        if path:
            self.ctx.sink.report(
                "AF104",
                stmt.name_span,
                f"`{stmt.name}` is a workflow setting; it cannot be set in a branch",
            )
            return
        setting = ast.Setting(stmt.name, stmt.name_span, stmt.value, stmt.span)
        previous = self.info.settings.get(stmt.name)
        if previous is not None:
            self.ctx.sink.report(
                "AF107",
                stmt.name_span,
                f"setting `{stmt.name}` is given twice",
                labels=[Label(previous.name_span, "first given here")],
            )
            return
        self.info.settings[stmt.name] = setting

    def _new_branch_id(self, word: str) -> str:
        self._branch_counter += 1
        return f"{word}#{self._branch_counter}"

    def _collect_if(self, stmt: ast.If, path: Path) -> None:
        branch_id = self._new_branch_id("if")
        arms: list[tuple[str, Path]] = [("then", (*path, f"{branch_id}:then"))]
        branch = Branch(branch_id, stmt, path, arms, expr_names(stmt.condition))
        self.info.branches.append(branch)
        self._collect(stmt.then, arms[0][1])
        if isinstance(stmt.otherwise, ast.Block):
            arms.append(("else", (*path, f"{branch_id}:else")))
            self._collect(stmt.otherwise, arms[1][1])
        elif isinstance(stmt.otherwise, ast.If):
            arms.append(("else", (*path, f"{branch_id}:else")))
            self._collect(ast.Block((stmt.otherwise,), stmt.otherwise.span), arms[1][1])

    def _collect_switch(self, stmt: ast.Switch, path: Path) -> None:
        branch_id = self._new_branch_id("switch")
        branch = Branch(branch_id, stmt, path, [], expr_names(stmt.subject))
        self.info.branches.append(branch)
        for index, case in enumerate(stmt.cases):
            arm_path = (*path, f"{branch_id}:{index}")
            branch.arms.append((case.label.value, arm_path))
            self._collect(case.body, arm_path)
        if stmt.default is not None:
            arm_path = (*path, f"{branch_id}:else")
            branch.arms.append(("else", arm_path))
            self._collect(stmt.default, arm_path)

    def _check_settings(self) -> None:
        decl = self.info.decl
        owner = f"workflow `{decl.name}`"
        settings.check_settings(
            self.ctx,
            tuple(self.info.settings.values()),
            SETTINGS["workflow"],
            owner,
            decl.name_span,
        )

    def _report_duplicates(self) -> None:
        from agentflow.compiler.passes.resolve import RESERVED

        for param in self.info.decl.params:
            if param.name in RESERVED:
                self._reserved(param.name, param.name_span, "parameter")
        for name, occurrences in self.info.occurrences.items():
            if name in RESERVED:
                self._reserved(name, occurrences[0].stmt.name_span, "binding")
            if name in self.info.params:
                first = occurrences[0].stmt
                param = next(p for p in self.info.decl.params if p.name == name)
                self.ctx.sink.report(
                    "AF102",
                    first.name_span,
                    f"`{name}` is already a parameter of this workflow",
                    labels=[Label(param.name_span, "parameter declared here")],
                )
                continue
            for i, later in enumerate(occurrences):
                for earlier in occurrences[:i]:
                    if _nested(earlier.path, later.path) or _nested(later.path, earlier.path):
                        self.ctx.sink.report(
                            "AF102",
                            later.stmt.name_span,
                            f"`{name}` is bound twice",
                            labels=[Label(earlier.stmt.name_span, "first bound here")],
                            hint="a name may be bound once per path; use a new name",
                        )
                        break

    def _reserved(self, name: str, span: Span, what: str) -> None:
        self.ctx.sink.report(
            "AF115",
            span,
            f"`{name}` is a built-in name and cannot name a {what}",
            hint=f"rename it, e.g. `{name}_value`",
        )

    # ---------------------------------------------------------------- ordering

    def _order(self) -> None:
        names = list(self.info.occurrences)
        edges: dict[str, set[str]] = {}
        for name, occurrences in self.info.occurrences.items():
            deps: set[str] = set()
            for occurrence in occurrences:
                deps |= occurrence.deps | self._control_deps(occurrence.path)
            edges[name] = {d for d in deps if d in self.info.occurrences}
        for component in graphs.components(names, edges):
            if graphs.is_cyclic(component, edges):
                cycle = graphs.cycle_in(component, edges)
                self.info.cycles.append(cycle)
                self._report_cycle(cycle)
                for member in component:
                    self.types[member] = UNKNOWN
            else:
                self.info.order.append(component[0])

    def _control_deps(self, path: Path) -> set[str]:
        deps: set[str] = set()
        for arm in path:
            branch_id = arm.split(":")[0]
            branch = next(b for b in self.info.branches if b.id == branch_id)
            deps |= branch.deps
        return deps

    def _report_cycle(self, cycle: list[str]) -> None:
        spans = [self.info.occurrences[n][0].stmt.name_span for n in cycle]
        chain = " -> ".join(f"`{n}`" for n in [*cycle, cycle[0]])
        labels = [
            Label(span, f"`{n}` depends on `{cycle[(i + 1) % len(cycle)]}`")
            for i, (n, span) in enumerate(zip(cycle, spans, strict=False))
        ]
        self.ctx.sink.report(
            "AF301",
            spans[0],
            f"these bindings depend on each other: {chain}",
            labels=labels[1:] if len(labels) > 1 else labels,
            hint="a workflow is a DAG; use `iterate ... max N` for bounded loops",
        )

    # ---------------------------------------------------------------- name visibility

    def lookup(self, name: str) -> Type | None:
        if name in self.info.params:
            return self.info.params[name]
        occurrences = self.info.occurrences.get(name)
        if not occurrences:
            return None
        enclosing = [o for o in occurrences if _nested(o.path, self.current_path)]
        if enclosing:
            found = enclosing[0]
            if found.type is None:
                return UNKNOWN
            return optional(found.type) if found.guarded else found.type
        return self.types.get(name, UNKNOWN)

    def names(self) -> list[str]:
        return [*self.info.params, *self.info.occurrences]

    def _typer(self, path: Path) -> ExprTyper:
        self.current_path = path
        return ExprTyper(self.ctx, {}, _Lookup(self), in_workflow=True)

    def _joined_type(self, name: str) -> Type:
        occurrences = self.info.occurrences[name]
        result: Type | None = None
        for occurrence in occurrences:
            own = occurrence.type or UNKNOWN
            own = optional(own) if occurrence.guarded else own
            if result is None:
                result = own
                continue
            joined = join(result, own)
            if joined is None:
                self.ctx.sink.report(
                    "AF228",
                    occurrence.stmt.name_span,
                    f"`{name}` is `{own}` here but `{result}` in another branch",
                    labels=[Label(occurrences[0].stmt.name_span, f"`{result}` here")],
                )
                return UNKNOWN
            result = joined
        assert result is not None
        if not self._bound_on_every_path(name, self.info.decl.body, ()):
            result = optional(result)
        return result

    def _bound_on_every_path(self, name: str, block: ast.Block, path: Path) -> bool:
        for stmt in block.statements:
            if isinstance(stmt, ast.Binding) and stmt.name == name:
                return True
            branch = self._branch_of(stmt)
            if branch is None:
                continue
            if isinstance(stmt, ast.If):
                if stmt.otherwise is None:
                    continue
                otherwise = (
                    stmt.otherwise
                    if isinstance(stmt.otherwise, ast.Block)
                    else ast.Block((stmt.otherwise,), stmt.otherwise.span)
                )
                if self._bound_on_every_path(name, stmt.then, ()) and self._bound_on_every_path(
                    name, otherwise, ()
                ):
                    return True
            elif isinstance(stmt, ast.Switch):
                if stmt.default is None and not branch.exhaustive:
                    continue
                blocks = [c.body for c in stmt.cases] + ([stmt.default] if stmt.default else [])
                if blocks and all(self._bound_on_every_path(name, b, ()) for b in blocks):
                    return True
        return False

    def _branch_of(self, stmt: ast.Statement) -> Branch | None:
        for branch in self.info.branches:
            if branch.stmt is stmt:
                if isinstance(stmt, ast.Switch) and not branch.exhaustive:
                    branch.exhaustive = self._switch_exhaustive(branch)
                return branch
        return None

    def _switch_exhaustive(self, branch: Branch) -> bool:
        assert isinstance(branch.stmt, ast.Switch)
        real_sink = self.ctx.sink
        self.ctx.sink = DiagnosticSink(real_sink.source)  # the subject is reported once, later
        try:
            subject = self._typer(branch.path).infer(branch.stmt.subject)
        finally:
            self.ctx.sink = real_sink
        labels = {c.label.value for c in branch.stmt.cases}
        return isinstance(subject, EnumT) and set(subject.members) <= labels

    # ---------------------------------------------------------------- typing bindings

    def _type_occurrence(self, occurrence: Occurrence) -> None:
        stmt = occurrence.stmt
        typer = self._typer(occurrence.path)
        value = stmt.value
        if isinstance(value, ast.TryCall):
            occurrence.kind = "try"
            inner = self._call(occurrence, value.call, typer, "`try`")
            occurrence.type = result_of(inner) if inner is not None else UNKNOWN
        elif isinstance(value, ast.MapCall):
            occurrence.kind = "map"
            occurrence.type = self._map(occurrence, value, typer)
        elif isinstance(value, ast.IterateCall):
            occurrence.kind = "iterate"
            occurrence.type = self._iterate(occurrence, value, typer)
        elif isinstance(value, ast.Call) and self._is_callable(value):
            occurrence.kind = "call"
            occurrence.type = self._call(occurrence, value, typer, "") or UNKNOWN
        else:
            occurrence.type = typer.infer(value)
        self._check_node_settings(occurrence, typer)
        if stmt.guard is not None:
            typer.condition(stmt.guard, "a `when` condition")

    def _is_callable(self, call: ast.Call) -> bool:
        declaration = self.ctx.declarations.get(call.callee.name)
        return declaration is not None and declaration.kind in CALLABLE_KINDS

    def _call(
        self, occurrence: Occurrence, expr: ast.Expr, typer: ExprTyper, construct: str
    ) -> Type | None:
        """Check a call to an agent, tool or workflow; None when `expr` is not such a call."""
        if not isinstance(expr, ast.Call) or not self._is_callable(expr):
            self.ctx.sink.report(
                "AF225",
                expr.span,
                f"{construct} needs a call to an agent, tool or workflow",
                hint="e.g. `try researcher(topic: topic)`",
            )
            typer.infer(expr)
            return None
        name = expr.callee.name
        declaration = self.ctx.declarations[name]
        self.ctx.uses[name] += 1
        occurrence.callee, occurrence.callee_kind = name, declaration.kind
        signature = self.ctx.signatures.get(name) or Signature(ListT(UNKNOWN), UNKNOWN)  # type: ignore[arg-type]
        self.check_arguments(expr, signature, typer)
        return signature.output

    def check_arguments(self, call: ast.Call, signature: Signature, typer: ExprTyper) -> None:
        """Named arguments only; each known, given once, of the right type; none missing."""
        inputs = signature.inputs
        given: dict[str, ast.Argument] = {}
        callee = call.callee.name
        for argument in call.arguments:
            if argument.name is None:
                self.ctx.sink.report(
                    "AF213",
                    argument.span,
                    f"arguments to `{callee}` must be named",
                    hint=_named_hint(inputs, len(given)),
                )
                typer.infer(argument.value)
                continue
            assert argument.name_span is not None
            if argument.name in given:
                self.ctx.sink.report(
                    "AF107",
                    argument.name_span,
                    f"argument `{argument.name}` is given twice",
                    labels=[
                        Label(given[argument.name].name_span or argument.span, "first given here")
                    ],
                )
                continue
            given[argument.name] = argument
            field = inputs.field(argument.name) if hasattr(inputs, "field") else None
            if field is None:
                typer.infer(argument.value)
                if argument.name in signature.bound:
                    self.ctx.sink.report(
                        "AF203",
                        argument.name_span,
                        f"`{argument.name}` is fixed by the tool's `bind`",
                        hint="bound arguments cannot be set by callers",
                    )
                else:
                    self.ctx.sink.report(
                        "AF203",
                        argument.name_span,
                        f"`{callee}` has no input `{argument.name}`",
                        hint=similar(argument.name, [f.name for f in inputs.fields])
                        or _inputs_hint(inputs),
                    )
                continue
            found = typer.infer(argument.value, field.type)
            if not is_assignable(found, field.type):
                optional_fix = isinstance(found, OptionalT) and is_assignable(
                    found.inner, field.type
                )
                self.ctx.sink.report(
                    "AF207" if optional_fix else "AF201",
                    argument.value.span,
                    f"argument `{argument.name}` of `{callee}`: {mismatch(found, field.type)}",
                    hint="give a default with `??`" if optional_fix else None,
                )
        missing = [
            f.name for f in getattr(inputs, "fields", ()) if f.required and f.name not in given
        ]
        if missing:
            listed = ", ".join(f"`{m}`" for m in missing)
            self.ctx.sink.report(
                "AF202",
                call.span,
                f"`{callee}` is missing {'argument' if len(missing) == 1 else 'arguments'} "
                f"{listed}",
                hint="add " + ", ".join(f"`{m}: ...`" for m in missing),
            )

    def _map(self, occurrence: Occurrence, value: ast.MapCall, typer: ExprTyper) -> Type:
        iterable = typer.infer(value.iterable)
        element: Type = UNKNOWN
        if isinstance(iterable, ListT):
            element = iterable.element
        elif not isinstance(iterable, UnknownT):
            hint = "give a default with `??`" if isinstance(iterable, OptionalT) else None
            self.ctx.sink.report(
                "AF209",
                value.iterable.span,
                f"`map` goes over a list, found `{iterable}`",
                hint=hint,
            )
        if value.concurrency is not None:
            found = typer.infer(value.concurrency)
            if (
                not isinstance(value.concurrency, ast.NumberLit)
                or found != INT
                or (value.concurrency.value or 0) < 1
            ):
                self.ctx.sink.report(
                    "AF212", value.concurrency.span, "`concurrency` must be a whole number ≥ 1"
                )
        typer.scopes.append({value.item.name: element})
        try:
            inner = self._call(occurrence, value.call, typer, "`map`")
        finally:
            typer.scopes.pop()
        return ListT(inner) if inner is not None else UNKNOWN

    def _iterate(self, occurrence: Occurrence, value: ast.IterateCall, typer: ExprTyper) -> Type:
        initial = self._call(occurrence, value.initial, typer, "`iterate`") or UNKNOWN
        first_callee = occurrence.callee
        if (
            not isinstance(value.max, ast.NumberLit)
            or not isinstance(value.max.value, int)
            or not 1 <= value.max.value <= MAX_ITERATIONS
        ):
            typer.infer(value.max)
            self.ctx.sink.report(
                "AF224",
                value.max.span,
                f"`max` must be a whole number literal from 1 to {MAX_ITERATIONS}",
                hint="the bound makes the loop's cost predictable: `max 4`",
            )
        typer.scopes.append({value.variable.name: initial})
        try:
            typer.condition(value.until, "an `until` condition")
            step = self._call(occurrence, value.call, typer, "`iterate`")
        finally:
            typer.scopes.pop()
        if step is not None and not is_assignable(step, initial):
            self.ctx.sink.report(
                "AF224",
                value.call.span,
                f"each step must return the type of the first value: {mismatch(step, initial)}",
            )
        occurrence.callee = occurrence.callee or first_callee
        return initial

    def _check_node_settings(self, occurrence: Occurrence, typer: ExprTyper) -> None:
        node_settings = occurrence.stmt.settings
        if node_settings is None:
            return
        if occurrence.kind == "pure":
            self.ctx.sink.report(
                "AF225",
                node_settings.span,
                "`retry`, `timeout` and `fallback` apply only to calls",
                hint="remove the settings, or bind a call",
            )
            return
        found = settings.check_settings(
            self.ctx, node_settings.settings, SETTINGS["node"], "a call", occurrence.stmt.name_span
        )
        fallback = found.get("fallback")
        if fallback is not None and occurrence.type is not None:
            target = occurrence.type
            if occurrence.kind == "map" and isinstance(target, ListT):
                target = target.element  # settings on `map` apply to each item
            found_type = typer.infer(fallback.value, target)
            if not is_assignable(found_type, target):
                self.ctx.sink.report(
                    "AF211",
                    fallback.value.span,
                    f"`fallback` must have the node's type: {mismatch(found_type, target)}",
                )

    # ---------------------------------------------------------------- branches and endings

    def _check_branches(self) -> None:
        for branch in self.info.branches:
            typer = self._typer(branch.path)
            if isinstance(branch.stmt, ast.If):
                typer.condition(branch.stmt.condition, "an `if` condition")
            else:
                self._check_switch(branch, typer)

    def _check_switch(self, branch: Branch, typer: ExprTyper) -> None:
        stmt = branch.stmt
        assert isinstance(stmt, ast.Switch)
        subject = typer.infer(stmt.subject)
        if isinstance(subject, UnknownT):
            return
        seen: dict[str, ast.SwitchCase] = {}
        for case in stmt.cases:
            label = case.label.value
            if label in seen:
                self.ctx.sink.report(
                    "AF223",
                    case.label.span,
                    f'case `"{label}"` is repeated',
                    labels=[Label(seen[label].label.span, "first here")],
                )
                continue
            seen[label] = case
            if isinstance(subject, EnumT) and label not in subject.members:
                self.ctx.sink.report(
                    "AF223",
                    case.label.span,
                    f'`"{label}"` is not one of {subject}',
                    hint=similar(label, subject.members),
                )
        if isinstance(subject, EnumT):
            missing = [m for m in subject.members if m not in seen]
            if missing and stmt.default is None:
                listed = ", ".join(f'`"{m}"`' for m in missing)
                self.ctx.sink.report(
                    "AF222",
                    stmt.subject.span,
                    f"this `switch` does not cover {listed}",
                    hint="add the missing cases or an `else => { ... }`",
                )
        elif not is_assignable(subject, STRING):
            self.ctx.sink.report(
                "AF223", stmt.subject.span, f"`switch` needs a string or an enum, found `{subject}`"
            )

    def _check_endings(self) -> None:
        decl = self.info.decl
        signature = self.ctx.signatures.get(decl.name)
        result = signature.output if signature else UNKNOWN
        for ending in self.info.returns:
            stmt = ending.stmt
            assert isinstance(stmt, ast.Return)
            typer = self._typer(ending.path)
            found = typer.infer(stmt.value, result)
            if not is_assignable(found, result):
                optional_fix = isinstance(found, OptionalT) and is_assignable(found.inner, result)
                self.ctx.sink.report(
                    "AF207" if optional_fix else "AF210",
                    stmt.value.span,
                    f"`{decl.name}` returns `{result}`: {mismatch(found, result)}",
                    hint="give a default with `??`" if optional_fix else None,
                )
        for ending in self.info.fails:
            stmt = ending.stmt
            assert isinstance(stmt, ast.Fail)
            typer = self._typer(ending.path)
            message = typer.infer(stmt.message)
            if not is_assignable(message, STRING):
                self.ctx.sink.report(
                    "AF201",
                    stmt.message.span,
                    f"a `fail` message must be a string, found `{message}`",
                )
            if stmt.guard is not None:
                typer.condition(stmt.guard, "a `fail ... when` condition")


class _Lookup:
    """Name lookup for expression typing inside a workflow (also lists visible names)."""

    def __init__(self, checker: WorkflowChecker) -> None:
        self.checker = checker

    def __call__(self, name: str) -> Type | None:
        return self.checker.lookup(name)

    def names(self) -> list[str]:
        return self.checker.names()


def _nested(outer: Path, inner: Path) -> bool:
    """Whether a statement at `outer` encloses (or shares a block with) one at `inner`."""
    return inner[: len(outer)] == outer


def _named_hint(inputs: object, position: int) -> str | None:
    fields = getattr(inputs, "fields", ())
    if position < len(fields):
        return f"write `{fields[position].name}: ...`"
    return None


def _inputs_hint(inputs: object) -> str:
    fields = getattr(inputs, "fields", ())
    if not fields:
        return "it takes no arguments"
    return "inputs: " + ", ".join(f"`{f.name}`" for f in fields)
