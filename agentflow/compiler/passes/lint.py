"""Pass 6: the lint rules whose logic lives in their own rule module (`check(ctx)`)."""

from __future__ import annotations

import importlib

from agentflow.compiler.context import Context

LINT_RULES = ("af005_invalid_escape", "af010_invalid_literal", "af901_naming_style")


def run(ctx: Context) -> None:
    for module_name in LINT_RULES:
        module = importlib.import_module(f"agentflow.compiler.rules.{module_name}")
        module.check(ctx)
