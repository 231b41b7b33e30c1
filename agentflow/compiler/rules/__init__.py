"""The diagnostic catalogue: one module per code, `afNNN_slug.py`.

A rule module defines `RULE = Rule(...)`; its docstring is the `agentflow explain`
text (What it does / Why / Example / Use instead). Modules are imported on first use,
so checking a clean file imports none of them.
"""

from __future__ import annotations

import importlib
import os
import re
from dataclasses import dataclass
from functools import cache

from agentflow.diagnostics import Severity

_MODULE_NAME = re.compile(r"^af(\d{3})_([a-z0-9_]+)\.py$")


@dataclass(frozen=True, slots=True)
class Rule:
    """A diagnostic code: its short name, default severity and one-line summary."""

    code: str
    name: str
    severity: Severity
    summary: str


@dataclass(frozen=True, slots=True)
class RuleDoc:
    """A rule with its explanation text."""

    rule: Rule
    explanation: str


@cache
def _modules() -> dict[str, str]:
    """Map each code to its module name, from the file names (no imports)."""
    found: dict[str, str] = {}
    for filename in os.listdir(os.path.dirname(__file__)):
        match = _MODULE_NAME.match(filename)
        if match:
            found[f"AF{match.group(1)}"] = filename[:-3]
    return found


def codes() -> list[str]:
    """Every known code, sorted."""
    return sorted(_modules())


@cache
def document(code: str) -> RuleDoc:
    """The rule and explanation of a code; KeyError if the code is unknown."""
    module = importlib.import_module(f"{__name__}.{_modules()[code.upper()]}")
    rule: Rule = module.RULE
    return RuleDoc(rule, (module.__doc__ or "").strip())


def lookup(code: str) -> Rule:
    """The rule of a code; KeyError if the code is unknown."""
    return document(code).rule
