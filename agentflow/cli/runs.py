"""`agentflow runs [--workflow W] [--status S] [--since 7d] [--principal P] [--limit N]`: the
recorded runs, newest first.

Exit status: 0 (even when nothing matches), 1 when there is no state store, 2 on a usage
error (a bad `--since` or `--limit`).
"""

from __future__ import annotations

import argparse

from agentflow.cli import error, write
from agentflow.cli._store_views import (
    EXIT_NOT_FOUND,
    EXIT_OK,
    EXIT_USAGE,
    color,
    configure_common,
    now,
    open_store,
    print_json,
    width,
)
from agentflow.runtime.state.views.runs import DEFAULT_LIMIT, STATUSES


def configure(parser: argparse.ArgumentParser) -> None:
    """Add `runs`' arguments."""
    parser.add_argument("-w", "--workflow", help="only runs of this workflow")
    parser.add_argument("-s", "--status", choices=STATUSES, help="only runs in this state")
    parser.add_argument(
        "--since",
        metavar="WHEN",
        help="only runs started since: a duration back from now (30m, 12h, 7d, 2w) or an "
        "ISO date or date-time (2026-11-01, local time unless it has an offset)",
    )
    parser.add_argument("-p", "--principal", help="only runs started by this principal")
    parser.add_argument(
        "-n",
        "--limit",
        type=int,
        default=DEFAULT_LIMIT,
        metavar="N",
        help=f"show at most N runs (default {DEFAULT_LIMIT}; 0 only counts them)",
    )
    configure_common(parser)


def run(args: argparse.Namespace) -> int:
    """List the runs; see the module docstring for exit statuses."""
    from agentflow.runtime.state.views.common import parse_since
    from agentflow.runtime.state.views.runs import RunFilters, list_runs

    if args.limit < 0:
        error(f"--limit must be 0 or more, found {args.limit}")
        return EXIT_USAGE
    since = None
    if args.since is not None:
        try:
            since = parse_since(args.since, now())
        except ValueError as problem:
            error(str(problem))
            return EXIT_USAGE
    store = open_store(args)
    if store is None:
        return EXIT_NOT_FOUND
    try:
        view = list_runs(
            store, RunFilters(args.workflow, args.status, since, args.principal, args.limit)
        )
    finally:
        store.close()
    if args.json:
        print_json(view)
        return EXIT_OK
    from agentflow.cli.render.views import render_runs

    write(render_runs(view, width=width(), color=color(args)))
    return EXIT_OK
