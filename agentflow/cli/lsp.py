"""`agentflow lsp`: run the language server over stdio (for editors).

pygls is imported here only, so no other command pays for it.
"""

from __future__ import annotations

import argparse


def configure(parser: argparse.ArgumentParser) -> None:
    """`lsp` takes no arguments; `--stdio` is accepted because editors pass it."""
    parser.add_argument("--stdio", action="store_true", help="talk over stdio (the default)")


def run(args: argparse.Namespace) -> int:
    from agentflow.lsp.server import main

    main()
    return 0
