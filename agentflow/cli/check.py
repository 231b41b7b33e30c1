"""`agentflow check PATH... [--format text|json|sarif|github] [--no-color]`.

Exit status: 0 when there are no errors (warnings allowed), 1 when there is any, 2 on a
usage error such as a path that does not exist.
"""

from __future__ import annotations

import argparse
import sys

from agentflow.cli import error, write
from agentflow.cli.render import FORMATS, render, use_color
from agentflow.diagnostics import Diagnostic, sorted_diagnostics
from agentflow.files import collect_paths, read_source


def configure(parser: argparse.ArgumentParser) -> None:
    """Add `check`'s arguments."""
    parser.add_argument("paths", nargs="+", metavar="PATH", help="program files or folders")
    parser.add_argument(
        "--format", choices=FORMATS, default="text", help="output format (default: text)"
    )
    parser.add_argument("--no-color", action="store_true", help="never colour the text output")


def run(args: argparse.Namespace) -> int:
    """Check every program under the given paths and print the diagnostics to stdout."""
    files, missing = collect_paths(args.paths)
    if missing:
        for path in missing:
            error(f"no such file or directory: {path}")
        return 2
    if not files:
        print("agentflow: warning: no .agentflow files found", file=sys.stderr)
        return 0
    diagnostics: list[Diagnostic] = []
    for path in files:
        diagnostics.extend(check_file(path))
    color = args.format == "text" and use_color(sys.stdout, disabled=args.no_color)
    write(render(args.format, diagnostics, color=color))
    return 1 if any(d.is_error for d in diagnostics) else 0


def check_file(path: str) -> list[Diagnostic]:
    """Every diagnostic of one file, in file order (a file that cannot be read gives AF0xx)."""
    source, diagnostics = read_source(path)
    if source is None:
        return diagnostics
    from agentflow.compiler.pipeline import analyze

    return sorted_diagnostics(analyze(source).diagnostics)
