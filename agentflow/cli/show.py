"""`agentflow show RUN`: one run in full — inputs, output, each node, the policy decisions,
the models it paid for and its errors. RUN is a run id, a unique prefix of one, or `last`.

Exit status: 0, 1 when the run is unknown or ambiguous or there is no store, 2 on a usage
error.
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


def configure(parser: argparse.ArgumentParser) -> None:
    """Add `show`'s arguments."""
    parser.add_argument(
        "run_ref", metavar="RUN", help="a run id, a unique prefix of one, or `last`"
    )
    parser.add_argument(
        "--all-decisions",
        action="store_true",
        help="list every audit record of the run, not only denials and warnings",
    )
    parser.add_argument(
        "--full", action="store_true", help="do not shorten long inputs and outputs"
    )
    configure_common(parser)


def run(args: argparse.Namespace) -> int:
    """Show the run; see the module docstring for exit statuses."""
    from agentflow.runtime.state.views.common import RunNotFound, resolve_run
    from agentflow.runtime.state.views.show import run_detail

    if not args.run_ref.strip():
        error("RUN must not be empty")
        return EXIT_USAGE
    store = open_store(args)
    if store is None:
        return EXIT_NOT_FOUND
    try:
        run_id = resolve_run(store, args.run_ref)
        view = run_detail(store, run_id, all_decisions=args.all_decisions)
    except RunNotFound as problem:
        error(str(problem))
        return EXIT_NOT_FOUND
    finally:
        store.close()
    if args.json:
        print_json(view)
        return EXIT_OK
    from agentflow.cli.render.views import render_show

    write(render_show(view, now=now(), width=width(), color=color(args), full=args.full))
    return EXIT_OK
