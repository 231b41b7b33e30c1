"""Diagnostics as GitHub Actions workflow commands, which annotate the changed lines.

    ::error file=flow.agentflow,line=3,col=14,endLine=3,endColumn=23,title=AF101::unknown name

See "Workflow commands for GitHub Actions": messages escape `%`, CR and LF; property
values also escape `:` and `,`.
"""

from __future__ import annotations

from agentflow.diagnostics import Diagnostic, Severity

_COMMAND = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def render(diagnostics: list[Diagnostic], *, color: bool = False) -> str:
    """One `::error`/`::warning`/`::notice` line per diagnostic (`color` is ignored)."""
    return "".join(_command(d) + "\n" for d in diagnostics)


def _command(d: Diagnostic) -> str:
    properties = {
        "file": d.file,
        "line": d.line,
        "col": d.column,
        "endLine": d.end_line,
        "endColumn": d.end_column,
        "title": d.code,
    }
    joined = ",".join(f"{key}={escape_property(str(value))}" for key, value in properties.items())
    message = d.message if not d.hint else f"{d.message}\nhelp: {d.hint}"
    return f"::{_COMMAND[d.severity]} {joined}::{escape_data(message)}"


def escape_data(text: str) -> str:
    """Escape a command's message."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """Escape a command property's value."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")
