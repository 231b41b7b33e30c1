"""How long after an edit does the language server publish diagnostics?

    python benchmarks/bench_lsp.py                    # 2,000 lines, median of 20 edits
    python benchmarks/bench_lsp.py --lines 10000 --edits 10

Starts `agentflow lsp` as editors do, opens a generated program, then times each
`didChange` (a one-line incremental edit) to the `publishDiagnostics` that answers it.
Prints the median, min and max in milliseconds (goal: median under 100 ms at 2,000 lines).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
from pathlib import Path

from lsprotocol import types
from pygls.lsp.client import LanguageClient

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

from gen_program import generate  # noqa: E402

URI = "file:///bench/generated.agentflow"
GOAL_MS = 100.0


async def measure(lines: int, edits: int) -> list[float]:
    text = generate(lines)
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
        # insert a comment line below the header: a real keystroke-sized edit
        insertion = types.Position(line=1, character=0)
        started = time.perf_counter()
        client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(uri=URI, version=n + 2),
                content_changes=[
                    types.TextDocumentContentChangePartial(
                        range=types.Range(start=insertion, end=insertion),
                        text=f"# edit {n}\n",
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
    timings = asyncio.run(measure(args.lines, args.edits))
    median = statistics.median(timings)
    print(
        f"didChange → publishDiagnostics, {args.lines} lines, {args.edits} edits: "
        f"median {median:.1f} ms (min {min(timings):.1f}, max {max(timings):.1f}); "
        f"goal < {GOAL_MS:.0f} ms"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
