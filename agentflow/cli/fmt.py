"""`agentflow fmt [--check] [--diff] PATH...` and `agentflow fmt -` (stdin to stdout).

Files are rewritten only when their canonical form differs. `--check` and `--diff` write
nothing and exit 1 when a file would change; a file with syntax errors also exits 1.
"""

from __future__ import annotations

import argparse
import difflib
import os
import sys
from typing import TYPE_CHECKING

from agentflow.cli import error, write
from agentflow.cli.render import render, use_color
from agentflow.diagnostics import Diagnostic
from agentflow.files import collect_paths, decode_source, read_source
from agentflow.source import Source

if TYPE_CHECKING:
    from agentflow.grammar.printer import FormatResult

STDIN = "-"


def configure(parser: argparse.ArgumentParser) -> None:
    """Add `fmt`'s arguments."""
    parser.add_argument(
        "paths", nargs="+", metavar="PATH", help="program files or folders, or - for stdin"
    )
    parser.add_argument(
        "--check", action="store_true", help="write nothing; exit 1 if any file would change"
    )
    parser.add_argument(
        "--diff", action="store_true", help="write nothing; print a diff of what would change"
    )
    parser.add_argument("--no-color", action="store_true", help="never colour diagnostics")


def run(args: argparse.Namespace) -> int:
    """Format each program, or stdin when the only path is `-`."""
    if STDIN in args.paths:
        if args.paths != [STDIN]:
            error("`-` (stdin) cannot be combined with other paths")
            return 2
        return _format_stdin(args)
    files, missing = collect_paths(args.paths)
    if missing:
        for path in missing:
            error(f"no such file or directory: {path}")
        return 2
    changed: list[str] = []
    failed = 0
    for path in files:
        source, diagnostics = read_source(path)
        result = _format(source) if source is not None else None
        if source is None or result is None or result.text is None:
            _report(diagnostics + (list(result.diagnostics) if result else []), args)
            failed += 1
            continue
        if result.text == source.text:
            continue
        if args.diff:
            write(_diff(source.text, result.text, path))
        elif args.check:
            print(f"would reformat {path}")
        else:
            try:
                _write_file(path, result.text)
            except OSError as problem:
                error(f"cannot write {path}: {(problem.strerror or str(problem)).lower()}")
                failed += 1
                continue
        changed.append(path)
    _summary(len(changed), len(files) - len(changed) - failed, args)
    return 1 if failed or (changed and (args.check or args.diff)) else 0


def _format_stdin(args: argparse.Namespace) -> int:
    buffer = getattr(sys.stdin, "buffer", None)
    data = buffer.read() if buffer is not None else sys.stdin.read().encode("utf-8")
    source, diagnostics = decode_source(data, "<stdin>")
    result = _format(source) if source is not None else None
    if source is None or result is None or result.text is None:
        _report(diagnostics + (list(result.diagnostics) if result else []), args)
        return 1
    unchanged = result.text == source.text
    if args.diff:
        write(_diff(source.text, result.text, "<stdin>"))
    elif not args.check:
        sys.stdout.write(result.text)
        sys.stdout.flush()
    return 0 if unchanged or not (args.check or args.diff) else 1


def _format(source: Source) -> FormatResult:
    from agentflow.grammar.printer import format_source

    return format_source(source)


def _report(diagnostics: list[Diagnostic], args: argparse.Namespace) -> None:
    color = use_color(sys.stderr, disabled=args.no_color)
    write(render("text", diagnostics, color=color), sys.stderr)


def _diff(before: str, after: str, path: str) -> str:
    """A unified diff; a last line without a newline is marked as `diff` does."""
    lines = difflib.unified_diff(
        before.splitlines(keepends=True),
        after.splitlines(keepends=True),
        fromfile=f"{path} (original)",
        tofile=f"{path} (formatted)",
    )
    return "".join(
        line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in lines
    )


def _write_file(path: str, text: str) -> None:
    """Replace a file's text atomically, keeping its permissions."""
    temporary = f"{path}.agentflow-fmt.tmp"
    try:
        with open(temporary, "w", encoding="utf-8", newline="") as file:
            file.write(text)
        os.chmod(temporary, os.stat(path).st_mode & 0o7777)
        os.replace(temporary, path)
    except OSError:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise


def _summary(changed: int, unchanged: int, args: argparse.Namespace) -> None:
    verb = "would be reformatted" if args.check or args.diff else "reformatted"
    parts = []
    if changed:
        parts.append(f"{_files(changed)} {verb}")
    if unchanged:
        parts.append(f"{_files(unchanged)} left unchanged")
    if parts:
        print(", ".join(parts), file=sys.stderr)


def _files(count: int) -> str:
    return f"{count} file" if count == 1 else f"{count} files"
