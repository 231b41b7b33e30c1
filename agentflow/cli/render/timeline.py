"""`agentflow trace` as text: the span tree, one line per span, each with a bar on a shared
time axis, the critical path marked with `*` and drawn solid (`█`; other spans `▒`)."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from agentflow.cli.render.views import count, duration, money, render, styled

if TYPE_CHECKING:
    from rich.console import RenderableType
    from rich.text import Text

    from agentflow.runtime.state.views.trace import Trace, TraceSpan

CRITICAL, OTHER = "█", "▒"
KIND_STYLES = {
    "run": "blue",
    "node": "cyan",
    "agent": "magenta",
    "step": "white",
    "model": "green",
    "tool": "yellow",
}
DURATION_WIDTH = 9
MIN_BAR, MIN_LABEL = 10, 20


def layout(width: int) -> tuple[int, int]:
    """The widths of the label and of the bar (between its two `│`) for a line of `width`."""
    fixed = 2 + DURATION_WIDTH + 1 + 2  # marker, duration, gap, the bar's two edges
    bar = max(MIN_BAR, (width - fixed) * 2 // 5)
    return max(MIN_LABEL, width - fixed - bar), bar


def bar(offset_ms: float, duration_ms: float, total_ms: float, size: int, fill: str) -> str:
    """`size` cells with `fill` where the span lies on [0, total_ms] (at least one cell)."""
    if total_ms <= 0:
        return fill * size
    first = min(max(math.floor(offset_ms / total_ms * size), 0), size - 1)
    last = min(max(math.ceil((offset_ms + duration_ms) / total_ms * size), first + 1), size)
    return " " * first + fill * (last - first) + " " * (size - last)


def _path_summary(view: Trace) -> str:
    """How many spans the critical path holds, and the shown one that took most of it."""
    shown = [span for span in view.spans if span.critical and span.depth > 0]
    count = len(view.critical_path)
    summary = f"{count} span{'s' if count != 1 else ''}"
    if shown and view.duration_ms:
        longest = max(shown, key=lambda span: (span.duration_ms, -span.depth))
        share = longest.duration_ms / view.duration_ms
        summary += f"; most of it in {longest.name} ({duration(longest.duration_ms)}, {share:.0%})"
    return summary


def render_trace(view: Trace, *, width: int, color: bool) -> str:
    """The whole view: a header, the critical path, the axis and one line per span."""
    parts: list[RenderableType] = [_header(view)]
    if view.note:
        parts.append(styled(view.note, "yellow"))
    if not view.spans:
        return render(parts, width, color)
    parts.append(styled(f"* critical path: {_path_summary(view)}", "bold"))
    label_width, bar_width = layout(width)
    parts.append(styled(""))
    parts.append(_axis(view, label_width, bar_width))
    total = view.duration_ms or 0.0
    parts.extend(_line(span, total, label_width, bar_width) for span in view.spans)
    if view.hidden_spans:
        parts.append(
            styled(f"({view.hidden_spans} deeper spans hidden by --depth {view.depth})", "dim")
        )
    return render(parts, width, color)


def _header(view: Trace) -> RenderableType:
    from rich.console import Group

    spans = f"{view.total_spans} span" + ("" if view.total_spans == 1 else "s")
    if view.source == "node_results":
        spans = f"{view.total_spans - 1} node" + ("" if view.total_spans == 2 else "s")
    took = f" · {duration(view.duration_ms)}" if view.spans else ""
    return Group(
        styled(f"run {view.run_id} · {view.workflow} · {view.status}{took} · {spans}", "bold"),
        styled(f"trace {view.trace_id or '— (no trace id recorded)'}", "dim"),
    )


def _axis(view: Trace, label_width: int, bar_width: int) -> Text:
    left, right = "0", duration(view.duration_ms)
    inner = left + " " * max(bar_width - len(left) - len(right), 1) + right
    return styled(" " * (2 + label_width + DURATION_WIDTH + 1) + " " + inner, "dim")


def _line(span: TraceSpan, total_ms: float, label_width: int, bar_width: int) -> Text:
    from rich.text import Text

    label = "  " * span.depth + span.name + _suffix(span)
    if len(label) > label_width:
        label = label[: label_width - 1] + "…"
    fill = CRITICAL if span.critical else OTHER
    kind_style = KIND_STYLES.get(span.kind, "")
    line = Text()
    line.append("* " if span.critical else "  ", "bold red" if span.critical else "")
    name_style = "red" if span.status == "error" else ("bold" if span.critical else "")
    line.append(label.ljust(label_width), name_style)
    line.append(duration(span.duration_ms).rjust(DURATION_WIDTH), "dim")
    line.append(" │", "dim")
    line.append(
        bar(span.offset_ms, span.duration_ms, total_ms, bar_width, fill),
        f"bold {kind_style}" if span.critical else kind_style,
    )
    line.append("│", "dim")
    return line


def _suffix(span: TraceSpan) -> str:
    """What follows a span's name: its tokens and cost (model spans, nodes from node
    results), and ✗ when it failed."""
    extra = []
    if span.kind in ("model", "node") and (span.input_tokens or span.output_tokens):
        extra.append(f"{count((span.input_tokens or 0) + (span.output_tokens or 0))} tok")
    if span.kind in ("model", "node") and span.cost_usd:
        extra.append(money(span.cost_usd))
    text = "".join(f" · {item}" for item in extra)
    return text + (" ✗" if span.status == "error" else "")
