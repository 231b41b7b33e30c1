"""How fast are `agentflow audit verify`, `audit export` and `agentflow gc` on a large store?

    python benchmarks/bench_audit.py            # verify 1,000,000 audit rows; gc 100,000 runs
    python benchmarks/bench_audit.py --rows 100000 --runs 10000 --no-save   # quick

The audit log is written through the store's own path (`StateStore.audit`, group-committed
inside an event loop), so its chain is exactly what runs produce. The runs for `gc` (each
with 3 node results, 5 spans, a per-run budget window and a ledger row, all finished 40 days
ago) are inserted with plain SQL, as fixtures. Prints a Markdown table and appends one JSON
object per line to `benchmarks/results/audit-<date>.jsonl`.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import io
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from agentflow.cli.render.audit import write_jsonl  # noqa: E402
from agentflow.runtime.state.audit_log import connect, records, verify  # noqa: E402
from agentflow.runtime.state.retention import collect_garbage  # noqa: E402
from agentflow.runtime.state.store import AuditEvent, StateStore  # noqa: E402

DAY = 86400.0
ACTIONS = (
    ("run.start", "workflow:report", "allow"),
    ("authorize", "agent:researcher", "allow"),
    ("budget.reserve", "team", "allow"),
    ("authorize", "tool:search", "allow"),
    ("redact", None, "info"),
    ("run.end", "workflow:report", "info"),
)


def env_record() -> dict[str, object]:
    return {
        "benchmark": "env",
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpu_count": os.cpu_count(),
        "loadavg": os.getloadavg() if hasattr(os, "getloadavg") else None,
    }


async def _fill_audit(store: StateStore, rows: int, chunk: int = 20_000) -> None:
    """`rows` realistic audit events, buffered and group-committed by the store."""
    base = time.time() - 10 * DAY
    for start in range(0, rows, chunk):
        for index in range(start, min(start + chunk, rows)):
            action, resource, decision = ACTIONS[index % len(ACTIONS)]
            store.audit(
                AuditEvent(
                    f"run_bench_{index // len(ACTIONS):08d}",
                    "ci_bot",
                    action,
                    resource,
                    decision,
                    "",
                    {"node": "facts", "amount_usd": "0.0123", "tokens": index % 5000},
                    at=base + index * 0.5,
                )
            )
        await asyncio.sleep(0)
        store.flush()


def bench_verify(directory: Path, rows: int, repeats: int) -> dict[str, object]:
    store = StateStore.in_directory(directory)
    started = time.perf_counter()
    asyncio.run(_fill_audit(store, rows))
    fill_s = time.perf_counter() - started
    store.close()
    samples = []
    for _ in range(repeats):
        db = connect(directory / "state.db")
        started = time.perf_counter()
        report = verify(db)
        samples.append(time.perf_counter() - started)
        db.close()
        assert report.ok and report.checked == rows, report
    db = connect(directory / "state.db")
    started = time.perf_counter()
    written = write_jsonl(records(db), io.StringIO())
    export_s = time.perf_counter() - started
    db.close()
    assert written == rows
    median = statistics.median(samples)
    return {
        "benchmark": "verify",
        "rows": rows,
        "fill_s": round(fill_s, 3),
        "median_s": round(median, 3),
        "samples_s": [round(s, 3) for s in samples],
        "rows_per_s": round(rows / median),
        "export_jsonl_s": round(export_s, 3),
        "db_mb": round((directory / "state.db").stat().st_size / 1e6, 1),
    }


def _fill_runs(directory: Path, runs: int) -> None:
    """`runs` finished runs 40 days old, with their node results, spans, windows and ledger."""
    store = StateStore.in_directory(directory)
    store.close()
    import sqlite3

    db = sqlite3.connect(directory / "state.db")
    finished = time.time() - 40 * DAY
    ids = [f"run_old_{i:08d}" for i in range(runs)]
    db.executemany(
        "INSERT INTO runs (id, workflow, source, principal, status, inputs, output,"
        " cost_usd, started_at, finished_at) VALUES (?,?,?,?,?,?,?,?,?,?)",
        (
            (r, "report", "bench.agentflow", "ci_bot", "succeeded", '{"topic": "tides"}',
             '{"title": "t", "body": "' + "x" * 200 + '"}', "0.0123", finished - 5, finished)
            for r in ids
        ),
    )  # fmt: skip
    db.executemany(
        "INSERT INTO node_results (run_id, node_id, status, output, started_at, finished_at)"
        " VALUES (?,?,?,?,?,?)",
        (
            (r, n, "succeeded", '"' + "y" * 100 + '"', finished - 4, finished)
            for r in ids for n in ("a", "b", "c")
        ),
    )  # fmt: skip
    db.executemany(
        "INSERT INTO spans VALUES (?,?,?,?,?,?,?,?,?,?,?)",
        (
            (r, f"{s:016x}", "a" * 32, None, "span", "node", "a", 1, 2, "ok", '{"k": 1}')
            for r in ids for s in range(5)
        ),
    )  # fmt: skip
    db.executemany(
        "INSERT INTO spend (budget, window, spent) VALUES ('team', ?, '0.0123')",
        ((f"run:{r}",) for r in ids),
    )
    db.executemany(
        "INSERT INTO ledger (run_id, node_id, model, budgets, amount_usd, input_tokens,"
        " output_tokens, at) VALUES (?, 'a', 'sonnet', 'team', '0.0123', 100, 50, ?)",
        ((r, finished) for r in ids),
    )
    db.commit()
    db.close()


def bench_gc(directory: Path, runs: int) -> dict[str, object]:
    _fill_runs(directory, runs)
    store = StateStore.in_directory(directory)
    started = time.perf_counter()
    dry = collect_garbage(store, 30 * DAY, dry_run=True)
    dry_s = time.perf_counter() - started
    started = time.perf_counter()
    report = collect_garbage(store, 30 * DAY, principal="bench")
    gc_s = time.perf_counter() - started
    started = time.perf_counter()
    again = collect_garbage(store, 30 * DAY)
    again_s = time.perf_counter() - started
    store.close()
    assert dry.runs == report.runs == runs and again.runs == 0, (dry, report, again)
    assert report.node_results == 3 * runs and report.spans == 5 * runs
    db = connect(directory / "state.db")
    chain = verify(db)
    db.close()
    assert chain.ok, chain
    return {
        "benchmark": "gc",
        "runs": runs,
        "gc_s": round(gc_s, 3),
        "runs_per_s": round(runs / gc_s),
        "dry_run_s": round(dry_s, 3),
        "second_gc_s": round(again_s, 3),
        "deleted": {"node_results": report.node_results, "spans": report.spans,
                    "spend_windows": report.spend_windows},
    }  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="audit records to verify")
    parser.add_argument("--runs", type=int, default=100_000, help="expired runs to purge")
    parser.add_argument("--repeats", type=int, default=3, help="verify runs (median)")
    parser.add_argument("--results", type=Path, default=ROOT / "benchmarks" / "results")
    parser.add_argument("--no-save", action="store_true")
    args = parser.parse_args()
    records_out: list[dict[str, object]] = [env_record()]
    with tempfile.TemporaryDirectory() as temp:
        records_out.append(bench_verify(Path(temp) / "verify", args.rows, args.repeats))
        records_out.append(bench_gc(Path(temp) / "gc", args.runs))
    v, g = records_out[1], records_out[2]
    table = [
        ("audit verify", f"{v['rows']:,} records", f"{v['median_s']} s (median)",
         f"{v['rows_per_s']:,} records/s"),
        ("audit export (jsonl)", f"{v['rows']:,} records", f"{v['export_jsonl_s']} s", ""),
        ("gc", f"{g['runs']:,} runs", f"{g['gc_s']} s", f"{g['runs_per_s']:,} runs/s"),
        ("gc --dry-run", f"{g['runs']:,} runs", f"{g['dry_run_s']} s", ""),
        ("gc again (nothing left)", f"{g['runs']:,} purged runs", f"{g['second_gc_s']} s", ""),
    ]  # fmt: skip
    print("| benchmark | size | time | rate |")
    print("|---|---|---|---|")
    for row in table:
        print("| " + " | ".join(row) + " |")
    if not args.no_save:
        args.results.mkdir(parents=True, exist_ok=True)
        target = args.results / f"audit-{dt.date.today().isoformat()}.jsonl"
        with target.open("a", encoding="utf-8") as file:
            for record in records_out:
                file.write(json.dumps(record) + "\n")
        print(f"\nrecords appended to {target.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
