"""What `agentflow runs`, `show`, `trace` and `budget` share: their common flags, opening the
store read-side, the clock, the terminal width and printing a view.

Not a command itself (main.COMMANDS does not list it); imports nothing heavy.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from agentflow.cli import error, write

if TYPE_CHECKING:
    from agentflow.runtime.state.store import StateStore

EXIT_OK, EXIT_NOT_FOUND, EXIT_USAGE = 0, 1, 2
DEFAULT_WIDTH = 100  # when the width cannot be known (not a terminal, no COLUMNS)


def configure_common(parser: argparse.ArgumentParser) -> None:
    """Add `--state`, `--json` and `--no-color`."""
    parser.add_argument(
        "--state",
        metavar="DIR",
        type=Path,
        help="state store directory (default: $AGENTFLOW_STATE or .agentflow)",
    )
    parser.add_argument("--json", action="store_true", help="print the view as JSON")
    parser.add_argument("--no-color", action="store_true", help="never colour the output")


def open_store(args: argparse.Namespace) -> StateStore | None:
    """The store `--state` names (or the default one), or None after saying why not."""
    from agentflow.runtime.state.store import StateStore, StoreError, default_state_dir

    directory = args.state if args.state is not None else default_state_dir()
    try:
        return StateStore.in_directory(directory, create=False)
    except StoreError as problem:
        error(str(problem))
        return None


CLOCK: Callable[[], float] = time.time  # replaced by tests that need a fixed "now"


def now() -> float:
    """The current time, from CLOCK."""
    return CLOCK()


def width() -> int:
    """The terminal's width, `COLUMNS` if set, else DEFAULT_WIDTH."""
    return max(shutil.get_terminal_size((DEFAULT_WIDTH, 24)).columns, 40)


def color(args: argparse.Namespace) -> bool:
    """Colour only on a terminal, never with `--no-color` or NO_COLOR."""
    from agentflow.cli.render import use_color

    return use_color(sys.stdout, disabled=args.no_color)


def print_json(view: Any) -> None:
    """Print a view as JSON (`agentflow.runtime.state.views.common.to_json`)."""
    from agentflow.runtime.state.views.common import dumps

    write(dumps(view))
