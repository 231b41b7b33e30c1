"""Terminal text for the store views (`runs`, `show`, `budget`; `trace` is in timeline.py).

Rendered with rich into a string at a given width: coloured only when asked, plain text
otherwise (what the snapshots hold). Markup is off, so a node called `items[0]` prints as is.
"""

from __future__ import annotations

import io
import json
import time
from collections.abc import Iterable
from decimal import Decimal
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import Console, RenderableType
    from rich.table import Table
    from rich.text import Text

    from agentflow.runtime.state.views.budget import (
        BudgetReport,
        BudgetView,
        Projection,
        WindowSpend,
    )
    from agentflow.runtime.state.views.runs import RunList
    from agentflow.runtime.state.views.show import RunDetail

STATUS_STYLES = {
    "succeeded": "green",
    "ok": "green",
    "failed": "red",
    "error": "red",
    "denied": "red",
    "running": "yellow",
    "skipped": "dim",
    "deny": "red",
    "warn": "yellow",
    "allow": "green",
    "info": "blue",
}
MAX_STRING = 200  # characters of one string value shown in text mode
MAX_ITEMS = 20  # items of one list or object shown in text mode
MAX_LINES = 60  # lines of one inputs/output block shown in text mode
MAX_NODES = 200  # node rows shown in text mode
FULL_HINT = "--full or --json shows everything"


# ---------------------------------------------------------------- formatting


def money(amount: Decimal | None) -> str:
    """`$0.00061905`, exact; an unknown amount is `—`."""
    from agentflow.runtime.state.views.common import money as digits

    if amount is None:
        return "—"
    text = digits(amount)
    _, dot, cents = text.partition(".")
    return f"${text}0" if dot and len(cents) == 1 else f"${text}"  # $0.10, not $0.1


def money_short(amount: Decimal) -> str:
    """An amount to four decimals for a table (`$0.0006`); a little more than zero that
    rounds to nothing is `<$0.0001`. Exact amounts are in `show` and `--json`."""
    from agentflow.runtime.state.views.common import money as digits

    rounded = amount.quantize(Decimal("0.0001"))
    if not rounded and amount > 0:
        return "<$0.0001"
    return f"${digits(rounded)}"


def local_time(epoch: float | None, *, seconds: bool = True) -> str:
    """An instant in local time, `2026-11-24 14:03:05`."""
    if epoch is None:
        return "—"
    pattern = "%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M"
    return time.strftime(pattern, time.localtime(epoch))


def ago(epoch: float, now: float) -> str:
    """How long before `now`: `just now`, `45s ago`, `12m ago`, `3h ago`, `5d ago`."""
    seconds = now - epoch
    if seconds < 0:
        return "in the future"
    if seconds < 5:
        return "just now"
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        if seconds >= size:
            return f"{int(seconds // size)}{unit} ago"
    return "just now"


def duration(ms: float | None) -> str:
    """`0.4 ms`, `164 ms`, `1.23 s`, `2m 05s`, `1h 02m`; unknown is `—`."""
    if ms is None:
        return "—"
    if ms < 10:
        return f"{ms:.1f} ms"
    if ms < 1000:
        return f"{ms:.0f} ms"
    seconds = ms / 1000
    if seconds < 60:
        return f"{seconds:.2f} s"
    if seconds < 3600:
        return f"{int(seconds // 60)}m {int(seconds % 60):02d}s"
    return f"{int(seconds // 3600)}h {int(seconds % 3600 // 60):02d}m"


def count(n: int) -> str:
    return f"{n:,}"


def shorten(value: Any) -> tuple[Any, bool]:
    """A value with long strings, lists and objects cut (for text mode), and whether any was."""
    cut = False

    def walk(item: Any) -> Any:
        nonlocal cut
        if isinstance(item, str) and len(item) > MAX_STRING:
            cut = True
            return f"{item[:MAX_STRING]}… (+{len(item) - MAX_STRING} chars)"
        if isinstance(item, list):
            shown = [walk(v) for v in item[:MAX_ITEMS]]
            if len(item) > MAX_ITEMS:
                cut = True
                shown.append(f"… {len(item) - MAX_ITEMS} more items")
            return shown
        if isinstance(item, dict):
            keys = list(item)
            shown_dict = {str(k): walk(item[k]) for k in keys[:MAX_ITEMS]}
            if len(keys) > MAX_ITEMS:
                cut = True
                shown_dict["…"] = f"{len(keys) - MAX_ITEMS} more keys"
            return shown_dict
        return item

    return walk(value), cut


def value_block(value: Any, *, full: bool) -> list[str]:
    """A stored value as indented lines: text as it is, anything else as pretty JSON."""
    cut = False
    if not full:
        value, cut = shorten(value)
    text = value if isinstance(value, str) else json.dumps(value, indent=2, ensure_ascii=False)
    lines = text.splitlines() or [""]
    if not full and len(lines) > MAX_LINES:
        lines = [*lines[:MAX_LINES], f"… {len(lines) - MAX_LINES} more lines"]
        cut = True
    result = [f"  {line}" for line in lines]
    if cut:
        result.append(f"  ({FULL_HINT})")
    return result


# ---------------------------------------------------------------- rich plumbing


def console(width: int, color: bool) -> Console:
    """A console writing into a string, `width` columns wide."""
    from rich.console import Console

    return Console(
        file=io.StringIO(),
        width=width,
        color_system="standard" if color else None,
        force_terminal=color,
        no_color=not color,
        markup=False,
        highlight=False,
        emoji=False,
        soft_wrap=False,
    )


def render(renderables: Iterable[RenderableType], width: int, color: bool) -> str:
    """Print renderables into a string; trailing blanks on each line are dropped."""
    out = console(width, color)
    for item in renderables:
        out.print(item)
    text = out.file.getvalue()  # type: ignore[attr-defined]
    return "\n".join(line.rstrip() for line in text.splitlines())


def styled(text: str, style: str = "") -> Text:
    from rich.text import Text

    return Text(text, style=style)


def status_text(status: str) -> Text:
    return styled(status, STATUS_STYLES.get(status, ""))


def table(*columns: str, right: Iterable[str] = (), gap: int = 2) -> Table:
    """A borderless table with lower-case headers, the columns in `right` right-aligned,
    `gap` spaces between columns."""
    from rich.table import Table

    aligned = set(right)
    result = Table(
        box=None,
        header_style="bold",
        pad_edge=False,
        show_edge=False,
        padding=(0, gap, 0, 0),
    )
    for column in columns:
        result.add_column(column, justify="right" if column in aligned else "left", no_wrap=True)
    return result


def indented(renderable: RenderableType, by: int = 2) -> RenderableType:
    from rich.padding import Padding

    return Padding.indent(renderable, by)


def heading(text: str) -> Text:
    return styled(text, "bold")


# ---------------------------------------------------------------- runs


def render_runs(view: RunList, *, width: int, color: bool) -> str:
    """The runs table, then how many matched and what the limit left out."""
    if not view.runs:
        return _footer(view) if view.matched else "no runs match"
    grid = table(
        "run",
        "workflow",
        "status",
        "principal",
        "started",
        "duration",
        "cost",
        "tokens",
        right=("duration", "cost", "tokens"),
        gap=1,
    )
    for shrinkable in (grid.columns[1], grid.columns[3]):  # workflow, principal
        shrinkable.no_wrap, shrinkable.overflow = False, "ellipsis"
    for run in view.runs:
        purged = run.purged_at is not None
        grid.add_row(
            run.id,
            run.workflow,
            status_text(run.status),
            run.principal or "—",
            local_time(run.started_at, seconds=False),
            "running" if run.finished_at is None else duration(run.duration_ms),
            money_short(run.cost_usd),
            count(run.tokens),
            style="dim" if purged else None,
        )
    return render([grid, _footer(view)], width, color)


def _footer(view: RunList) -> str:
    noun = "run" if view.matched == 1 else "runs"
    text = f"{count(view.matched)} {noun}, newest first"
    if view.more > 0:
        text = (
            f"{count(len(view.runs))} of {count(view.matched)} matching {noun}, newest first;"
            f" {count(view.more)} more (--limit N)"
        )
    purged = sum(1 for run in view.runs if run.purged_at is not None)
    if purged:
        text += f"; {purged} purged by retention (details removed)"
    return text


# ---------------------------------------------------------------- show


def render_show(view: RunDetail, *, now: float, width: int, color: bool, full: bool = False) -> str:
    """One run: header, inputs, output, nodes, policy decisions, models, errors."""
    run = view.run
    parts: list[RenderableType] = []
    head = styled(f"run {run.id}", "bold")
    parts.append(head)
    fields = [
        ("workflow", styled(run.workflow)),
        ("status", status_text(run.status)),
        ("principal", styled(_principal(run.principal, run.role))),
        ("started", styled(f"{local_time(run.started_at)} ({ago(run.started_at, now)})")),
        ("finished", styled(_finished(run.finished_at, run.duration_ms))),
        (
            "cost",
            styled(
                f"{money(run.cost_usd)} · {count(run.input_tokens)} in / "
                f"{count(run.output_tokens)} out tokens"
            ),
        ),
        ("trace", styled(view.trace_id or "— (no trace recorded)")),
        ("source", styled(view.source)),
    ]
    if view.purged and run.purged_at is not None:
        fields.append(
            (
                "purged",
                styled(
                    f"details purged by retention on {local_time(run.purged_at)}: inputs, "
                    "output, errors, node results and spans are no longer kept",
                    "yellow",
                ),
            )
        )
    grid = _fields(fields)
    parts.append(grid)
    if not view.purged:
        parts.append(styled(""))
        parts.extend(_value_section("inputs", view.inputs, full))
        parts.append(styled(""))
        parts.extend(_value_section("output", view.output, full))
    if view.nodes or not view.purged:
        parts.append(styled(""))
        parts.extend(_nodes_section(view, full))
    parts.append(styled(""))
    parts.extend(_policy_section(view))
    if view.models:
        parts.append(styled(""))
        parts.extend(_models_section(view))
    if view.errors:
        parts.append(styled(""))
        parts.append(heading("errors"))
        for line in view.errors:
            where = "run" if line.where == "run" else f"node {line.where}"
            kind = f"{line.kind}: " if line.kind and line.where != "run" else ""
            parts.append(indented(styled(f"{where}: {kind}{line.message}", "red")))
    return render(parts, width, color)


def _fields(rows: list[tuple[str, Text]]) -> Table:
    from rich.table import Table

    grid = Table.grid(padding=(0, 2), pad_edge=False)
    grid.add_column(no_wrap=True)
    grid.add_column(overflow="fold")
    for name, value in rows:
        grid.add_row(styled(f"  {name}", "dim"), value)
    return grid


def _principal(principal: str | None, role: str | None) -> str:
    name = principal or "—"
    return f"{name} (role {role})" if role else name


def _finished(finished: float | None, ms: float | None) -> str:
    if finished is None:
        return "— (still running, or the process died before recording the end)"
    return f"{local_time(finished)} · took {duration(ms)}"


def _value_section(name: str, value: Any, full: bool) -> list[RenderableType]:
    if value is None:
        return [heading(f"{name}: none")]
    from rich.console import Group
    from rich.text import Text

    # Unless --full, one line per line: cropped at the edge instead of wrapped. (A Group
    # keeps each Text's own settings; printed side by side they would be joined.)
    lines = [
        Text(line, no_wrap=not full, overflow="ellipsis") for line in value_block(value, full=full)
    ]
    return [heading(name), Group(*lines)]


def _nodes_section(view: RunDetail, full: bool) -> list[RenderableType]:
    if not view.nodes:
        return [heading("nodes: none recorded")]
    grid = table(
        "node",
        "status",
        "attempts",
        "duration",
        "tokens",
        "cost",
        "error",
        right=("attempts", "duration", "tokens", "cost"),
    )
    grid.columns[0].overflow = "fold"
    grid.columns[6].no_wrap = False
    grid.columns[6].overflow = "fold"
    shown = view.nodes if full else view.nodes[:MAX_NODES]
    for node in shown:
        message = node.error.get("message") if isinstance(node.error, dict) else node.error
        grid.add_row(
            node.id,
            status_text(node.status),
            str(node.attempts),
            duration(node.duration_ms),
            count(node.input_tokens + node.output_tokens),
            money(node.cost_usd),
            styled(str(message) if message is not None else "", "red"),
        )
    parts: list[RenderableType] = [
        heading(f"nodes ({count(len(view.nodes))}, in execution order)"),
        indented(grid),
    ]
    if len(shown) < len(view.nodes):
        hidden = count(len(view.nodes) - len(shown))
        parts.append(styled(f"  … {hidden} more nodes ({FULL_HINT})", "dim"))
    return parts


def _policy_section(view: RunDetail) -> list[RenderableType]:
    policy = view.policy
    counted = " · ".join(f"{n} {decision}" for decision, n in policy.counts.items())
    parts: list[RenderableType] = [heading(f"policy decisions: {counted}")]
    if not policy.decisions:
        if policy.listed != "all":
            parts.append(styled("  no denials or warnings (--all-decisions lists every record)"))
        return parts
    grid = table("time", "decision", "action", "resource", "node", "reason")
    grid.columns[5].no_wrap = False
    for item in policy.decisions:
        grid.add_row(
            time.strftime("%H:%M:%S", time.localtime(item.at)),
            status_text(item.decision),
            item.action,
            item.resource or "",
            item.node or "",
            item.reason,
        )
    parts.append(indented(grid))
    return parts


def _models_section(view: RunDetail) -> list[RenderableType]:
    grid = table(
        "model", "calls", "input", "output", "cost", right=("calls", "input", "output", "cost")
    )
    for model in view.models:
        grid.add_row(
            model.model,
            count(model.calls),
            count(model.input_tokens),
            count(model.output_tokens),
            money(model.cost_usd),
        )
    return [heading("models (from the spend ledger)"), indented(grid)]


# ---------------------------------------------------------------- budget


def render_budget(view: BudgetReport, *, width: int, color: bool) -> str:
    """Each budget: its windows against their limits, the projection, the alerts."""
    parts: list[RenderableType] = []
    if view.limits_note:
        parts.append(styled(view.limits_note, "yellow"))
    if not view.budgets:
        what = f"run {view.run_id}" if view.run_id else "this store"
        parts.append(styled(f"no budget spend recorded for {what}"))
    for budget in view.budgets:
        if parts:
            parts.append(styled(""))
        parts.extend(_budget_section(budget, view.run_id is not None))
    return render(parts, width, color)


def _budget_section(budget: BudgetView, one_run: bool) -> list[RenderableType]:
    parts: list[RenderableType] = [heading(f"budget {budget.name}")]
    parts.append(styled(f"  {_limits(budget)}", "dim"))
    if budget.windows:
        grid = table(
            "window",
            "spent",
            "reserved",
            "tokens",
            "limit",
            "used",
            right=("spent", "reserved", "tokens", "limit", "used"),
        )
        for window in budget.windows:
            grid.add_row(
                window.key + (" !" if window.alerted else ""),
                money(window.spent_usd),
                money(window.reserved_usd),
                count(window.tokens),
                _limit(window),
                _used(window),
            )
        parts.append(indented(grid))
        if any(window.alerted for window in budget.windows):
            parts.append(styled("  (! = the window passed its alert threshold)", "dim"))
    else:
        parts.append(styled("  no spend recorded in its current windows"))
    if budget.projection is not None:
        parts.extend(_projection(budget.projection))
    since = "in this run" if one_run else "this month"
    if budget.alerts_total == 0:
        parts.append(styled(f"  alerts {since}: none"))
        return parts
    shown = len(budget.alerts)
    extra = f", the last {shown} shown" if shown < budget.alerts_total else ""
    parts.append(styled(f"  alerts {since}: {budget.alerts_total}{extra}"))
    grid = table("time", "decision", "run", "node", "reason")
    grid.columns[4].no_wrap = False
    for alert in budget.alerts:
        grid.add_row(
            local_time(alert.at, seconds=False),
            status_text(alert.decision),
            alert.run_id or "—",
            alert.node or "—",
            alert.reason,
        )
    parts.append(indented(grid, 4))
    return parts


def _projection(p: Projection) -> list[RenderableType]:
    if p.projected_usd is None:
        return [styled(f"  month-end projection: unknown ({p.month} has only just begun)")]
    over = p.limit_usd is not None and p.percent is not None and p.percent > 100
    of_limit = (
        f" of {money(p.limit_usd)} ({p.percent:g}%)"
        if p.limit_usd is not None and p.percent is not None
        else ""
    )
    return [
        styled(
            f"  month-end projection: {money_short(p.projected_usd)}{of_limit}",
            "red" if over else "",
        ),
        styled(
            f"    {money(p.month_to_date_usd)} so far ({p.basis}) over"
            f" {p.elapsed_fraction:.1%} of {p.month}, at the same rate",
            "dim",
        ),
    ]


def _limits(budget: BudgetView) -> str:
    limits = budget.limits
    if limits is None:
        return "limits unknown"
    parts = []
    for label, amount in (
        ("per run", limits.per_run),
        ("daily", limits.daily),
        ("monthly", limits.monthly),
    ):
        if amount is not None:
            parts.append(f"{label} {money(amount)}")
    if limits.tokens_per_run is not None:
        parts.append(f"{count(limits.tokens_per_run)} tokens per run")
    if limits.alert_at_percent is not None:
        parts.append(f"alert at {limits.alert_at_percent:f}%")
    parts.append(f"on exceed {limits.on_exceed}")
    return ", ".join(parts) + (f" (from {limits.program})" if limits.program else "")


def _limit(window: WindowSpend) -> str:
    parts = []
    if window.limit_usd is not None:
        parts.append(money(window.limit_usd))
    if window.limit_tokens is not None:
        parts.append(f"{count(window.limit_tokens)} tok")
    return " / ".join(parts) or "—"


def _used(window: WindowSpend) -> Text:
    parts = []
    if window.percent is not None:
        parts.append(f"{window.percent:g}%")
    if window.tokens_percent is not None:
        parts.append(f"{window.tokens_percent:g}% tok")
    worst = max((p for p in (window.percent, window.tokens_percent) if p is not None), default=0)
    style = "red" if worst >= 100 else "yellow" if window.alerted else ""
    return styled(" / ".join(parts) or "—", style)
