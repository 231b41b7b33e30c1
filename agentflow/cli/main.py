"""`agentflow`: the entry point, dispatching to one module per subcommand.

Start-up stays fast: only the chosen subcommand's module is imported, and it configures its
own arguments (`configure(parser)`) and does the work (`run(args) -> int`).
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from types import ModuleType

# name → help; the module is agentflow.cli.<name>
COMMANDS: dict[str, str] = {
    "check": "report every problem in programs (files or folders)",
    "explain": "explain a diagnostic code, or list them all",
    "fmt": "format programs in the canonical style",
    "compile": "compile a program to its executable plan (JSON)",
    "graph": "draw a workflow's graph (Mermaid or Graphviz)",
    "run": "run a workflow under policy (offline with --offline)",
    "lsp": "run the language server over stdio",
    "runs": "list the recorded runs, newest first",
    "show": "show one run: inputs, output, nodes, policy decisions, errors",
    "trace": "show a run's spans as a tree on a timeline",
    "budget": "show spend per budget window, alerts and a month-end projection",
    "audit": "verify, export or report on the audit log (compliance checks)",
    "gc": "delete run data older than the retention policy (audited)",
}

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2
EXIT_INTERNAL = 70  # EX_SOFTWARE: distinct from 3, which means denied
EXIT_INTERRUPTED = 130


def main(argv: list[str] | None = None) -> int:
    """Run the command line and return its exit status (the console script exits with it)."""
    args_list = sys.argv[1:] if argv is None else list(argv)
    try:
        return _run(args_list)
    except SystemExit as exit_:  # argparse: --help, --version, usage errors
        return _exit_status(exit_.code)
    except KeyboardInterrupt:
        print(file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        _silence_stdout()
        return EXIT_FAILURE
    except Exception as error:  # a bug: say so plainly instead of a traceback
        if os.environ.get("AGENTFLOW_TRACEBACK"):
            raise
        print(
            f"agentflow: internal error: {type(error).__name__}: {error}\n"
            "this is a bug in agentflow; set AGENTFLOW_TRACEBACK=1 to see the traceback",
            file=sys.stderr,
        )
        return EXIT_INTERNAL


def _run(argv: list[str]) -> int:
    parser, subparsers = _parser()
    name = _chosen_command(argv)
    module: ModuleType | None = None
    if name is not None:
        module = importlib.import_module(f"agentflow.cli.{name}")
        module.configure(subparsers[name])
    args = parser.parse_args(argv)
    if module is None:  # e.g. `agentflow --no-such-flag` was already rejected; this is `agentflow`
        parser.print_usage(sys.stderr)
        print("agentflow: error: choose a command", file=sys.stderr)
        return EXIT_USAGE
    status: int = module.run(args)
    return status


def _parser() -> tuple[argparse.ArgumentParser, dict[str, argparse.ArgumentParser]]:
    from agentflow import __version__

    parser = argparse.ArgumentParser(
        prog="agentflow",
        description="A declarative language and compiler for governed AI-agent workflows.",
    )
    parser.add_argument("--version", action="version", version=f"agentflow {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    subparsers = {
        name: commands.add_parser(name, help=help_, description=help_[0].upper() + help_[1:] + ".")
        for name, help_ in COMMANDS.items()
    }
    return parser, subparsers


def _chosen_command(argv: list[str]) -> str | None:
    """The subcommand named in argv: the first argument that is not an option."""
    for arg in argv:
        if arg == "--":
            return None
        if not arg.startswith("-"):
            return arg if arg in COMMANDS else None
    return None


def _exit_status(code: object) -> int:
    if code is None:
        return EXIT_OK
    if isinstance(code, int):
        return code
    print(code, file=sys.stderr)
    return EXIT_FAILURE


def _silence_stdout() -> None:
    """After a broken pipe, point stdout at devnull so the interpreter's final flush is quiet."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass


if __name__ == "__main__":
    sys.exit(main())
