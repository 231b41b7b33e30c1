"""`agentflow budget [NAME] [--program FILE] [--run RUN]`: spend against each budget window
(this run, today, this month, in UTC), the alerts raised and a projected month-end.

Limits are not stored with the spend: they come from the program — `--program FILE`, or
else the file recorded on the newest run (on RUN with `--run`), and for a budget that one
does not declare, the file recorded on the newest run charged to it — read as it is now, if
it still exists and compiles. A budget whose limits cannot be found is shown without them.

Exit status: 0, 1 when there is no store, the run or the budget is unknown, or `--program`
does not compile, 2 on a usage error.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from agentflow.cli import error, write
from agentflow.cli._store_views import (
    EXIT_NOT_FOUND,
    EXIT_OK,
    EXIT_USAGE,
    color,
    configure_common,
    now,
    open_store,
    print_json,
    width,
)

if TYPE_CHECKING:
    from collections.abc import Mapping

    from agentflow.compiler.plan import BudgetPlan
    from agentflow.runtime.state.store import StateStore
    from agentflow.runtime.state.views.budget import BudgetLimits, BudgetReport

RECENT_RUNS = 5


def configure(parser: argparse.ArgumentParser) -> None:
    """Add `budget`'s arguments."""
    parser.add_argument("name", metavar="NAME", nargs="?", help="only this budget")
    parser.add_argument(
        "--program",
        metavar="FILE",
        help="read the limits from this program (default: the program of the newest run)",
    )
    parser.add_argument(
        "--run", dest="run_ref", metavar="RUN", help="only this run's windows and alerts"
    )
    parser.add_argument(
        "--runs",
        type=int,
        default=RECENT_RUNS,
        metavar="N",
        help=f"show the run windows of the last N runs (default {RECENT_RUNS})",
    )
    configure_common(parser)


def run(args: argparse.Namespace) -> int:
    """Show the budgets; see the module docstring for exit statuses."""
    from agentflow.runtime.state.views.budget import budget_names, budget_report
    from agentflow.runtime.state.views.common import RunNotFound, resolve_run

    if args.runs < 0:
        error(f"--runs must be 0 or more, found {args.runs}")
        return EXIT_USAGE
    store = open_store(args)
    if store is None:
        return EXIT_NOT_FOUND
    try:
        run_id = None
        if args.run_ref is not None:
            try:
                run_id = resolve_run(store, args.run_ref)
            except RunNotFound as problem:
                error(str(problem))
                return EXIT_NOT_FOUND
        limits = Limits(store)
        if args.program is not None:
            status = limits.load_explicit(args.program, no_color=args.no_color)
            if status:
                return status
        else:
            limits.load_recorded(run_id)

        def report() -> BudgetReport:
            return budget_report(
                store,
                limits.found,
                name=args.name,
                run_id=run_id,
                now=now(),
                recent_runs=args.runs,
                limits_note=limits.note,
            )

        view = report()
        if args.program is None and limits.load_for_runs(view):
            view = report()
        if args.name is not None and not view.budgets and run_id is None:
            known = sorted(set(limits.found) | set(budget_names(store)))
            error(f"no budget named `{args.name}`; budgets: {', '.join(known) or 'none recorded'}")
            return EXIT_NOT_FOUND
    finally:
        store.close()
    if args.json:
        print_json(view)
        return EXIT_OK
    from agentflow.cli.render.views import render_budget

    write(render_budget(view, width=width(), color=color(args)))
    return EXIT_OK


class Limits:
    """Budget limits gathered from programs: the one named, or those recorded on runs."""

    def __init__(self, store: StateStore) -> None:
        self.store = store
        self.found: dict[str, BudgetLimits] = {}
        self.note: str | None = None
        self._tried: set[str] = set()

    def load_explicit(self, program: str, *, no_color: bool) -> int:
        """Read `--program`; its diagnostics are printed, and an exit status returned if it
        does not compile (0 when it does)."""
        from agentflow.cli.compile import build_plan

        plan = build_plan(program, no_color=no_color)
        if isinstance(plan, int):
            return plan
        self.found = _from_plan(plan.budgets, program)
        return 0

    def load_recorded(self, run_id: str | None) -> None:
        """Read the program of `run_id`, or of the newest run; say why if it cannot be."""
        if run_id is not None:
            rows = self.store.query("SELECT source FROM runs WHERE id = ?", (run_id,))
        else:
            rows = self.store.query(
                "SELECT source FROM runs ORDER BY started_at DESC, rowid DESC LIMIT 1"
            )
        if not rows:
            self.note = "limits unknown: no run is recorded to name the program (--program FILE)"
            return
        recorded = str(rows[0]["source"])
        whose = "the run" if run_id else "the newest run"
        path = self._find(recorded)
        if path is None:
            self.note = (
                f"limits unknown: {recorded}, the program of {whose}, is not found (--program FILE)"
            )
        elif not self._load(path, recorded):
            self.note = (
                f"limits unknown: {recorded}, the program of {whose}, does not compile now"
                " (--program FILE)"
            )

    def load_for_runs(self, view: BudgetReport) -> bool:
        """For each budget still without limits, read the program of the newest run charged
        to it (from its run windows); whether anything new was found."""
        wanted = {
            window.key.partition(":")[2]
            for budget in view.budgets
            if budget.limits is None
            for window in budget.windows
            if window.kind == "run"
        }
        if not wanted:
            return False
        marks = ", ".join("?" for _ in wanted)
        rows = self.store.query(
            f"SELECT DISTINCT source FROM runs WHERE id IN ({marks})", tuple(sorted(wanted))
        )
        before = len(self.found)
        for row in rows:
            recorded = str(row["source"])
            path = self._find(recorded)
            if path is not None:
                self._load(path, recorded)
        return len(self.found) > before

    def _find(self, recorded: str) -> Path | None:
        """A recorded program path: as it is (relative to here), else relative to the
        directory holding the state directory (where `agentflow run` usually ran)."""
        path = Path(recorded)
        base = self.store.path.parent.parent
        candidates = [path] if path.is_absolute() else [path, base / path]
        return next((c for c in candidates if c.is_file()), None)

    def _load(self, path: Path, label: str) -> bool:
        """Add the budgets of a program not read yet (quietly), naming it `label` (the path
        as recorded); whether it compiled."""
        from agentflow.compiler.pipeline import analyze
        from agentflow.files import read_source

        if str(path) in self._tried:
            return True
        self._tried.add(str(path))
        source, _ = read_source(str(path))
        if source is None:
            return False
        analysis = analyze(source, lower=True)
        if analysis.plan is None or any(d.is_error for d in analysis.diagnostics):
            return False
        for name, limits in _from_plan(analysis.plan.budgets, label).items():
            self.found.setdefault(name, limits)
        return True


def _from_plan(budgets: Mapping[str, BudgetPlan], program: str) -> dict[str, BudgetLimits]:
    from agentflow.runtime.state.views.budget import BudgetLimits

    return {
        name: BudgetLimits(
            program=program,
            per_run=plan.per_run,
            daily=plan.daily,
            monthly=plan.monthly,
            tokens_per_run=plan.tokens_per_run,
            alert_at_percent=plan.alert_at_percent,
            on_exceed=plan.on_exceed,
        )
        for name, plan in budgets.items()
    }
