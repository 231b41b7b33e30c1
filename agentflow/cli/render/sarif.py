"""Diagnostics as SARIF 2.1.0 (code-scanning upload), built as a plain dict.

Columns count Unicode code points (`columnKind` says so); `endColumn` is exclusive, as in
SARIF. Each code used in the run becomes a rule with its summary and explanation.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from urllib.parse import quote

from agentflow.diagnostics import Diagnostic, Severity, Suggestion

SCHEMA = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
VERSION = "2.1.0"
INFORMATION_URI = "https://github.com/agentflow/agentflow"

_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


def render(diagnostics: list[Diagnostic], *, color: bool = False) -> str:
    """The SARIF log as JSON text (`color` is ignored)."""
    return json.dumps(sarif_log(diagnostics), indent=2, ensure_ascii=False) + "\n"


def sarif_log(diagnostics: list[Diagnostic]) -> dict[str, object]:
    """The SARIF log as a dict: one run of the `agentflow` tool."""
    from agentflow import __version__

    codes = sorted({d.code for d in diagnostics})
    index = {code: i for i, code in enumerate(codes)}
    by_code = {d.code: d for d in diagnostics}
    return {
        "$schema": SCHEMA,
        "version": VERSION,
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "agentflow",
                        "version": __version__,
                        "semanticVersion": __version__,
                        "informationUri": INFORMATION_URI,
                        "rules": [_rule(code, by_code[code]) for code in codes],
                    }
                },
                "columnKind": "unicodeCodePoints",
                "results": [_result(d, index[d.code]) for d in diagnostics],
            }
        ],
    }


def _rule(code: str, example: Diagnostic) -> dict[str, object]:
    """A reporting descriptor; falls back to the diagnostic itself for an undocumented code."""
    from agentflow.compiler.rules import document

    try:
        doc = document(code)
    except (KeyError, ImportError):
        name, summary, explanation, severity = code, example.message, "", example.severity
    else:
        from agentflow.cli.explain import explanation_body

        rule, explanation = doc.rule, explanation_body(doc)
        name, summary, severity = rule.name, rule.summary, rule.severity
    descriptor: dict[str, object] = {
        "id": code,
        "name": name,
        "shortDescription": {"text": summary},
        "defaultConfiguration": {"level": _LEVEL[severity]},
    }
    if explanation:
        descriptor["fullDescription"] = {"text": explanation}
        descriptor["help"] = {"text": explanation, "markdown": explanation}
    return descriptor


def _result(d: Diagnostic, rule_index: int) -> dict[str, object]:
    result: dict[str, object] = {
        "ruleId": d.code,
        "ruleIndex": rule_index,
        "level": _LEVEL[d.severity],
        "message": {"text": d.message},
        "locations": [{"physicalLocation": _physical(d, d.span.start, d.span.end)}],
    }
    if d.labels:
        result["relatedLocations"] = [
            {
                "id": i,
                "physicalLocation": _physical(d, label.span.start, label.span.end),
                "message": {"text": label.message},
            }
            for i, label in enumerate(d.labels, start=1)
        ]
    if d.hint:
        result["properties"] = {"hint": d.hint}
    if d.suggestion is not None:
        result["fixes"] = [_fix(d, d.suggestion)]
    return result


def _fix(d: Diagnostic, suggestion: Suggestion) -> dict[str, object]:
    replacement = {
        "deletedRegion": _region(d, suggestion.span.start, suggestion.span.end),
        "insertedContent": {"text": suggestion.replacement},
    }
    return {
        "description": {"text": suggestion.message or f"replace with `{suggestion.replacement}`"},
        "artifactChanges": [
            {"artifactLocation": {"uri": artifact_uri(d.file)}, "replacements": [replacement]}
        ],
    }


def _physical(d: Diagnostic, start: int, end: int) -> dict[str, object]:
    return {"artifactLocation": {"uri": artifact_uri(d.file)}, "region": _region(d, start, end)}


def _region(d: Diagnostic, start: int, end: int) -> dict[str, int]:
    first, last = d.source.position(start), d.source.position(end)
    return {
        "startLine": first.line,
        "startColumn": first.column,
        "endLine": last.line,
        "endColumn": last.column,
    }


def artifact_uri(path: str) -> str:
    """A relative path as a relative URI reference (`/`-separated); an absolute one as `file:`."""
    if os.path.isabs(path):
        return Path(path).as_uri()
    return quote(path.replace(os.sep, "/"))
