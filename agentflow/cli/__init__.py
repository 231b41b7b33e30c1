"""The `agentflow` command line: `main.py` dispatches to one module per subcommand."""

from __future__ import annotations

import sys
from typing import TextIO


def error(message: str, *, stream: TextIO | None = None) -> None:
    """Print an `agentflow: error: ...` line (usage and file-system problems) to stderr."""
    print(f"agentflow: error: {message}", file=stream or sys.stderr)


def write(text: str, stream: TextIO | None = None) -> None:
    """Write text to a stream (stdout by default), ending it with a newline if it lacks one."""
    out = stream or sys.stdout
    if text:
        out.write(text if text.endswith("\n") else text + "\n")
        out.flush()
