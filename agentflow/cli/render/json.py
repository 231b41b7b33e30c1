"""Diagnostics as JSON: `{"diagnostics": [...], "errors": N, "warnings": N}`."""

from __future__ import annotations

import json

from agentflow.diagnostics import Diagnostic, Severity


def render(diagnostics: list[Diagnostic], *, color: bool = False) -> str:
    """The JSON text; each diagnostic is `Diagnostic.to_dict()` (`color` is ignored)."""
    document = {
        "diagnostics": [d.to_dict() for d in diagnostics],
        "errors": sum(d.severity is Severity.ERROR for d in diagnostics),
        "warnings": sum(d.severity is Severity.WARNING for d in diagnostics),
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
