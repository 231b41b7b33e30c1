"""`agentflow compile FILE [-o plan.json]`: the executable plan as JSON."""

from __future__ import annotations

import argparse
import os
import sys
from typing import TYPE_CHECKING

from agentflow.cli import error, write
from agentflow.cli.render import render, use_color
from agentflow.diagnostics import sorted_diagnostics
from agentflow.files import read_source

if TYPE_CHECKING:
    from agentflow.compiler.plan import Plan


def configure(parser: argparse.ArgumentParser) -> None:
    """Add `compile`'s arguments."""
    parser.add_argument("file", metavar="FILE", help="the program to compile")
    parser.add_argument(
        "-o", "--output", metavar="PATH", help="write the plan here (default: stdout)"
    )
    parser.add_argument("--no-color", action="store_true", help="never colour diagnostics")


def run(args: argparse.Namespace) -> int:
    """Compile and print (or write) the plan; diagnostics go to stderr."""
    plan = build_plan(args.file, no_color=args.no_color)
    if isinstance(plan, int):
        return plan
    text = plan.model_dump_json(indent=2) + "\n"
    if args.output is None:
        sys.stdout.write(text)
        sys.stdout.flush()
        return 0
    try:
        with open(args.output, "w", encoding="utf-8") as file:
            file.write(text)
    except OSError as problem:
        error(f"cannot write {args.output}: {(problem.strerror or str(problem)).lower()}")
        return 1
    return 0


def build_plan(path: str, *, no_color: bool = False) -> Plan | int:
    """A file's plan, or the exit status after reporting why there is none.

    Diagnostics (warnings too) are printed to stderr; a missing path is a usage error (2).
    """
    if not os.path.exists(path):
        error(f"no such file or directory: {path}")
        return 2
    source, diagnostics = read_source(path)
    plan = None
    if source is not None:
        from agentflow.compiler.pipeline import analyze

        analysis = analyze(source, lower=True)
        diagnostics = sorted_diagnostics(analysis.diagnostics)
        plan = analysis.plan
    if diagnostics:
        color = use_color(sys.stderr, disabled=no_color)
        write(render("text", diagnostics, color=color), sys.stderr)
    if any(d.is_error for d in diagnostics):
        return 1
    if plan is None:
        error(f"the compiler produced no plan for {path}")
        return 1
    return plan
