"""`agentflow trace RUN [--depth N]`: a run's spans as a tree with a timeline bar each, the
critical path marked. RUN is a run id, a unique prefix of one, or `last`.

Exit status: 0 (also when the run has no spans: the view says why), 1 when the run is
unknown or ambiguous or there is no store, 2 on a usage error.
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
    open_store,
    print_json,
    width,
)


def configure(parser: argparse.ArgumentParser) -> None:
    """Add `trace`'s arguments."""
    parser.add_argument(
        "run_ref", metavar="RUN", help="a run id, a unique prefix of one, or `last`"
    )
    parser.add_argument(
        "-d",
        "--depth",
        type=int,
        metavar="N",
        help="show spans at most N levels below the run's span (0: the run only)",
    )
    configure_common(parser)


def run(args: argparse.Namespace) -> int:
    """Show the trace; see the module docstring for exit statuses."""
    from agentflow.runtime.state.views.common import RunNotFound, resolve_run
    from agentflow.runtime.state.views.trace import run_trace

    if args.depth is not None and args.depth < 0:
        error(f"--depth must be 0 or more, found {args.depth}")
        return EXIT_USAGE
    if not args.run_ref.strip():
        error("RUN must not be empty")
        return EXIT_USAGE
    store = open_store(args)
    if store is None:
        return EXIT_NOT_FOUND
    try:
        view = run_trace(store, resolve_run(store, args.run_ref), depth=args.depth)
    except RunNotFound as problem:
        error(str(problem))
        return EXIT_NOT_FOUND
    finally:
        store.close()
    if args.json:
        print_json(view)
        return EXIT_OK
    from agentflow.cli.render.timeline import render_trace

    write(render_trace(view, width=width(), color=color(args)))
    return EXIT_OK
