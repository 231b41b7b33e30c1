"""The run's progress: a live table on a terminal, and a summary when it ends."""

from __future__ import annotations

import json
import sys
import time
from decimal import Decimal
from types import TracebackType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from agentflow.runtime.api import RunResult
    from agentflow.runtime.engine import NodeReport

MARKS = {"succeeded": "✓", "failed": "✗", "skipped": "·", "running": "…"}
STYLES = {
    "succeeded": "green",
    "failed": "red",
    "denied": "red",
    "running": "yellow",
    "skipped": "dim",
}


class Progress:
    """Receives node events; with `live`, redraws a table on stderr as nodes start and finish."""

    def __init__(self, *, live: bool) -> None:
        self.live = live
        self.rows: dict[str, list[Any]] = {}
        self._live: Any = None
        self._started = time.perf_counter()

    def __enter__(self) -> Progress:
        if self.live:
            from rich.console import Console
            from rich.live import Live

            self._live = Live(
                self._table(), console=Console(stderr=True), transient=True, refresh_per_second=8
            )
            self._live.__enter__()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if self._live is not None:
            self._live.__exit__(kind, error, trace)

    def node_started(self, node: str, callee: str | None) -> None:
        self.rows[node] = [node, callee or "", "running", time.perf_counter(), Decimal(0)]
        self._refresh()

    def node_finished(self, report: NodeReport) -> None:
        self.rows[report.id] = [
            report.id,
            report.callee or "",
            report.status,
            report.duration_ms,
            report.cost_usd,
        ]
        self._refresh()

    def _refresh(self) -> None:
        if self._live is not None:
            self._live.update(self._table())

    def _table(self) -> Any:
        from rich.table import Table

        table = Table(box=None, show_header=True, header_style="bold")
        for column in ("node", "callee", "state", "time", "cost"):
            table.add_column(column)
        now = time.perf_counter()
        for node, callee, state, timing, cost in list(self.rows.values())[-30:]:
            elapsed = (now - timing) * 1000 if state == "running" else timing
            table.add_row(
                node,
                callee,
                f"[{STYLES.get(state, '')}]{MARKS.get(state, '')} {state}",
                f"{elapsed:,.0f} ms",
                f"${cost:f}",
            )
        return table

    def summary(self, result: RunResult, *, color: bool) -> str:
        """What the run did, as text: status, each node, cost, tokens, output or error."""
        status = result.status
        head = f"{MARKS.get(status, '✗')} {result.workflow} {status}"
        lines = [
            f"{head} · ${result.cost_usd:f} · {result.input_tokens} in / "
            f"{result.output_tokens} out tokens · run {result.run_id}"
            + (f" · trace {result.trace_id}" if result.trace_id else "")
        ]
        width = max((len(n.id) for n in result.nodes), default=4)
        for node in result.nodes:
            tries = f"{node.attempts} attempt" + ("s" if node.attempts != 1 else "")
            lines.append(
                f"  {MARKS.get(node.status, ' ')} {node.id:<{width}}  "
                f"{node.duration_ms:8.1f} ms  ${node.cost_usd:f}  {tries}"
            )
        if result.error:
            lines.append(f"error: {result.error['message']}")
        else:
            shown = (
                result.output
                if isinstance(result.output, str)
                else json.dumps(result.output, indent=2, ensure_ascii=False, default=str)
            )
            lines.append("output:")
            lines.append(shown)
        text = "\n".join(lines)
        if color and sys.stdout.isatty():
            style = STYLES.get(status, "")
            text = text.replace(
                head, f"\x1b[1;{'32' if style == 'green' else '31'}m{head}\x1b[0m", 1
            )
        return text
