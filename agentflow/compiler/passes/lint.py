"""Pass 6: the lint rules whose logic lives in their own rule module (`check_node(ctx, node)`),
all fed by one walk over the syntax tree."""

from __future__ import annotations

import importlib

from agentflow.compiler import walk
from agentflow.compiler.context import Context

LINT_RULES = ("af005_invalid_escape", "af010_invalid_literal", "af901_naming_style")


def run(ctx: Context) -> None:
    checks = [
        importlib.import_module(f"agentflow.compiler.rules.{name}").check_node
        for name in LINT_RULES
    ]
    for node in walk.nodes(ctx.program):
        for check in checks:
            check(ctx, node)
