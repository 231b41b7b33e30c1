"""The compliance report for people: one block per check, then a summary line.

PASS  budgets          every agent under a budget
      `writer`: its own budget `team`
FAIL  redaction        redaction configured
      the policy sets no `redact` classes: inputs reach models unmasked
      fix: add `redact = [email, phone, credit_card, api_key]` to the `policy` block
"""

from __future__ import annotations

from agentflow.cli.render.text import Piece, render_lines
from agentflow.compliance.model import ComplianceReport

LABELS = {"pass": "PASS", "fail": "FAIL", "warn": "WARN", "skip": "SKIP"}
STYLES = {"pass": "bold green", "fail": "bold red", "warn": "bold yellow", "skip": "dim"}
INDENT = "      "

Line = list[Piece]  # (text, rich style or "") pieces


def render(report: ComplianceReport, *, color: bool = False) -> str:
    """The report as text, with ANSI colours when `color`."""
    return render_lines(_lines(report), color=color)


def _lines(report: ComplianceReport) -> list[Line]:
    review = report.review
    history = review.history
    lines: list[Line] = [[(f"compliance report for {review.path}", "bold")]]
    if history is None:
        lines.append([("history: none (no state store)", "dim")])
    else:
        runs = sum(history.statuses.values())
        noun = "run" if runs == 1 else "runs"
        summary = f"history: {runs} {noun} in the last {review.days} days"
        lines.append([(f"{summary} ({history.store_path})", "dim")])
    lines.append([])
    width = max(len(result.id) for result in report.results) if report.results else 0
    for result in report.results:
        lines.append(
            [
                (LABELS[result.status], STYLES[result.status]),
                (f"  {result.id.ljust(width)}  {result.title}", ""),
            ]
        )
        lines.extend([(INDENT + item, "")] for item in result.evidence)
        if result.recommendation:
            lines.append([(INDENT, ""), ("fix: ", "bold cyan"), (result.recommendation, "")])
    lines.append([])
    counts = report.counts
    words = {"pass": "passed", "fail": "failed", "warn": "warnings", "skip": "skipped"}
    summary = ", ".join(f"{counts[s]} {words[s]}" for s in words if counts[s])
    verdict = "compliant" if report.ok else "not compliant"
    lines.append(
        [
            (verdict, "bold green" if report.ok else "bold red"),
            (f": {len(report.results)} checks, {summary}", ""),
        ]
    )
    return lines
