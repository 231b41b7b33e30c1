"""How long after an edit does the language server publish diagnostics?

    python benchmarks/bench_lsp.py                    # 2,000 lines, median of 20 edits
    python benchmarks/bench_lsp.py --lines 10000 --edits 10

Starts `agentflow lsp` as editors do, opens a generated program, then times each
`didChange` to the `publishDiagnostics` that answers it, for two kinds of edit: a comment
line inserted at the top (every declaration below moves) and a character typed inside a
string in the middle of the file (one declaration changes). Prints the median, min and max
in milliseconds (goal: median under 100 ms at 2,000 lines).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.lsp.client import LanguageClient

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

from gen_program import generate  # noqa: E402

URI = "file:///bench/generated.agentflow"
GOAL_MS = 100.0


def comment_at_top(n: int, lines: list[str]) -> tuple[types.Position, str]:
    """Insert a comment line below the header."""
    return types.Position(line=1, character=0), f"# edit {n}\n"


def keystroke_in_the_middle(n: int, lines: list[str]) -> tuple[types.Position, str]:
    """Type one character inside the first string literal past the middle of the file."""
    for number in range(len(lines) // 2, len(lines)):
        column = lines[number].find('"')
        if column >= 0:
            return types.Position(line=number, character=column + 1), "x"
    raise SystemExit("no string literal in the second half of the program")


EDITS = {"comment at the top": comment_at_top, "keystroke in the middle": keystroke_in_the_middle}


async def measure(lines: int, edits: int, make_edit: Any) -> list[float]:
    text = generate(lines)
    lines_of_text = text.splitlines()
    client = LanguageClient("bench-lsp", "1")
    published: asyncio.Queue[types.PublishDiagnosticsParams] = asyncio.Queue()

    @client.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    def on_diagnostics(params: types.PublishDiagnosticsParams) -> None:
        published.put_nowait(params)

    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    await client.start_io(sys.executable, "-m", "agentflow.cli.main", "lsp", env=env)
    await client.initialize_async(types.InitializeParams(capabilities=types.ClientCapabilities()))
    client.initialized(types.InitializedParams())
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(
                uri=URI, language_id="agentflow", version=1, text=text
            )
        )
    )
    first = await published.get()
    if any(d.severity == types.DiagnosticSeverity.Error for d in first.diagnostics):
        raise SystemExit("the generated program has errors")
    timings: list[float] = []
    for n in range(edits):
        insertion, inserted = make_edit(n, lines_of_text)
        started = time.perf_counter()
        client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(uri=URI, version=n + 2),
                content_changes=[
                    types.TextDocumentContentChangePartial(
                        range=types.Range(start=insertion, end=insertion),
                        text=inserted,
                    )
                ],
            )
        )
        while (await published.get()).version != n + 2:
            pass
        timings.append((time.perf_counter() - started) * 1000)
    await client.shutdown_async(None)
    client.exit(None)
    await client.stop()
    return timings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=2000)
    parser.add_argument("--edits", type=int, default=20)
    args = parser.parse_args(argv)
    for name, make_edit in EDITS.items():
        timings = asyncio.run(measure(args.lines, args.edits, make_edit))
        median = statistics.median(timings)
        print(
            f"didChange → publishDiagnostics, {args.lines} lines, {args.edits} edits, {name}: "
            f"median {median:.1f} ms (min {min(timings):.1f}, max {max(timings):.1f}); "
            f"goal < {GOAL_MS:.0f} ms"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
