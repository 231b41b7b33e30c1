"""`agentflow gc [FILE] [--older-than 30d]`: enforce the retention policy on the state store.

Runs that finished before the cutoff (now minus the program's `retention`, or `--older-than`)
lose their inputs, outputs, node results, traces and per-run budget windows; their summary,
the day and month spend, the ledger and the audit log stay, and the deletion is audited.
With FILE, only the runs of its workflows are purged. Exit status: 0 done, 1 the state store
cannot be opened, 2 usage (no retention to apply, a bad duration, a program with errors).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from agentflow.cli import error, write


def configure(parser: argparse.ArgumentParser) -> None:
    """Add `gc`'s arguments."""
    parser.add_argument(
        "file", metavar="FILE", nargs="?", help="the program whose `retention` to apply"
    )
    parser.add_argument(
        "--older-than",
        metavar="DURATION",
        help="purge runs that finished longer ago than this (30d, 12h, ...), whatever FILE says",
    )
    parser.add_argument(
        "--state",
        metavar="DIR",
        type=Path,
        help="state store directory (default: $AGENTFLOW_STATE or .agentflow)",
    )
    parser.add_argument("--dry-run", action="store_true", help="show what would go; change nothing")
    parser.add_argument(
        "--vacuum", action="store_true", help="then give the freed space back to the file system"
    )
    parser.add_argument("--json", action="store_true", help="print the result as one JSON object")
    parser.add_argument("--no-color", action="store_true", help="never colour diagnostics")


def run(args: argparse.Namespace) -> int:
    """Work out the cutoff, purge (or count) what is past it, and report."""
    from agentflow.runtime.state.retention import collect_garbage, parse_duration

    older_than: float | None = None
    if args.older_than is not None:
        try:
            older_than = parse_duration(args.older_than)
        except ValueError as problem:
            error(f"--older-than: {problem}")
            return 2
    workflows: list[str] | None = None
    if args.file is not None:
        from agentflow.cli.compile import build_plan

        plan = build_plan(args.file, no_color=args.no_color)
        if isinstance(plan, int):
            return 2
        workflows = sorted(plan.workflows)
        if older_than is None:
            if plan.policy.retention_s is None:
                error(
                    f"{args.file} sets no retention: add `retention = 30d` to its `policy`"
                    " block, or give --older-than"
                )
                return 2
            older_than = float(plan.policy.retention_s)
    elif older_than is None:
        error("give a program whose policy sets `retention`, or --older-than DURATION")
        return 2
    from agentflow.runtime.policy.authn import local_user_name
    from agentflow.runtime.state.store import StateStore, StoreError, default_state_dir

    try:
        store = StateStore.in_directory(args.state or default_state_dir(), create=False)
    except StoreError as problem:
        error(str(problem))
        return 1
    try:
        report = collect_garbage(
            store,
            older_than,
            workflows=workflows,
            dry_run=args.dry_run,
            vacuum=args.vacuum,
            principal=local_user_name(),
        )
    finally:
        store.close()
    if args.json:
        write(json.dumps(report.to_json(), indent=2))
    else:
        from agentflow.cli.render.audit import gc_text

        write(gc_text(report))
    return 0
