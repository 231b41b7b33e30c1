"""Output formats for diagnostics, one module each; imported only when chosen."""

from __future__ import annotations

import importlib
import os
from typing import TextIO

from agentflow.diagnostics import Diagnostic

FORMATS = ("text", "json", "sarif", "github")


def render(format: str, diagnostics: list[Diagnostic], *, color: bool = False) -> str:
    """Render diagnostics in one of `FORMATS`."""
    if format not in FORMATS:
        raise ValueError(f"unknown format {format!r}")
    module = importlib.import_module(f"{__name__}.{format}")
    result: str = module.render(diagnostics, color=color)
    return result


def use_color(stream: TextIO, *, disabled: bool = False) -> bool:
    """Colour only on a terminal, unless turned off by a flag or `NO_COLOR` (no-color.org)."""
    if disabled or os.environ.get("NO_COLOR"):
        return False
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty and isatty())
    except ValueError:  # a closed stream
        return False
