"""Deterministic review helpers for ``examples/code_review.agentflow``.

Pure Python, standard library only, no network and no file access: both
functions take the text of a unified diff and only look at it. agentflow calls
them as ``python("review_tools:lint_diff")`` and ``python("review_tools:diff_stats")``;
their signatures are also declared in the ``.agentflow`` file so it can be
checked without importing this module.
"""

import re
from typing import Literal, TypedDict

Severity = Literal["info", "warning", "error"]


class Finding(TypedDict):
    """One problem found on an added line of the diff."""

    file: str
    line: int
    rule: str
    severity: Severity
    message: str


class DiffStats(TypedDict):
    """Size of a diff: the files it touches and the lines it adds and removes."""

    files: list[str]
    additions: int
    deletions: int


_HUNK = re.compile(r"^@@ -\d+(?:,\d+)? \+(\d+)(?:,\d+)? @@")
_DEBUG_CALL = re.compile(r"\b(print|breakpoint|pdb\.set_trace)\(")
_BARE_EXCEPT = re.compile(r"^\s*except\s*:")
_TODO = re.compile(r"\b(TODO|FIXME|XXX)\b(?!\s*\([A-Z]+-\d+\))")
_SECRET_ASSIGN = re.compile(
    r"""\b(password|passwd|secret|api_key|apikey|token)\s*=\s*["'][^"']{8,}["']""",
    re.IGNORECASE,
)


def _added_lines(diff: str) -> list[tuple[str, int, str]]:
    """Return ``(file, line number in the new file, text)`` for every added line."""
    current = ""
    line_no = 0
    added: list[tuple[str, int, str]] = []
    for raw in diff.splitlines():
        if raw.startswith("+++ "):
            path = raw[4:].strip()
            current = path[2:] if path.startswith("b/") else path
        elif raw.startswith("--- "):
            continue
        elif (match := _HUNK.match(raw)) is not None:
            line_no = int(match.group(1))
        elif raw.startswith("+"):
            added.append((current, line_no, raw[1:]))
            line_no += 1
        elif not raw.startswith("-") and not raw.startswith("\\"):
            line_no += 1  # a context line
    return added


def diff_stats(diff: str) -> DiffStats:
    """Count the files a unified diff touches and the lines it adds and removes."""
    files: list[str] = []
    additions = deletions = 0
    for raw in diff.splitlines():
        if raw.startswith("+++ "):
            path = raw[4:].strip()
            if path != "/dev/null":
                files.append(path[2:] if path.startswith("b/") else path)
        elif raw.startswith("+"):
            additions += 1
        elif raw.startswith("-") and not raw.startswith("--- "):
            deletions += 1
    return {"files": files, "additions": additions, "deletions": deletions}


def lint_diff(diff: str, max_line_length: int = 100) -> list[Finding]:
    """Check the lines a unified diff adds for common review problems.

    Rules: ``line-too-long`` (over ``max_line_length`` characters), ``debug-call``
    (print, breakpoint, pdb), ``bare-except``, ``todo-without-ticket`` (a TODO
    with no ``(ABC-123)`` reference) and ``hardcoded-secret`` (a literal assigned
    to a name like ``password`` or ``api_key``). Only added lines are checked, so
    the author is not blamed for code they did not touch.

    Args:
        diff: the unified diff, as produced by ``git diff``.
        max_line_length: the longest line allowed, in characters.

    Returns:
        The findings, in diff order.
    """
    findings: list[Finding] = []
    for file, line, text in _added_lines(diff):
        is_python = file.endswith(".py")
        problems: list[tuple[str, Severity, str]] = []
        if len(text) > max_line_length:
            problems.append(
                ("line-too-long", "info", f"{len(text)} characters, limit {max_line_length}")
            )
        if is_python and _DEBUG_CALL.search(text) and not text.lstrip().startswith("#"):
            problems.append(("debug-call", "warning", "debug output left in; use the logger"))
        if is_python and _BARE_EXCEPT.match(text):
            problems.append(
                ("bare-except", "error", "bare `except:` also catches KeyboardInterrupt")
            )
        if _TODO.search(text):
            problems.append(
                ("todo-without-ticket", "info", "TODO without a ticket reference like (OPS-123)")
            )
        if _SECRET_ASSIGN.search(text):
            problems.append(
                ("hardcoded-secret", "error", "literal credential in code; use the secrets manager")
            )
        for rule, severity, message in problems:
            findings.append(
                {"file": file, "line": line, "rule": rule, "severity": severity, "message": message}
            )
    return findings
