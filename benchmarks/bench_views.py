"""How fast are the store views? `agentflow runs`, `show`, `trace` and `budget` on a state
store of 100,000 runs, in-process and as fresh processes.

    python benchmarks/bench_views.py                       # 100,000 runs (built once, ~1 min)
    python benchmarks/bench_views.py --runs-in-store 10000 --repeat 3 --cold-runs 3 --no-save

The store is generated with `executemany` in one transaction (through the real schema, so
the real indexes) and kept in `--store DIR` (default: a folder in the temp directory named
after its size) for the next time; `--rebuild` makes it again. Each run has five node
results, two ledger rows, seven audit records (hash-chained), eight spans and a per-run
spend window; day and month windows hold the totals. 10% of the runs older than 90 days are
purged the way `agentflow gc` leaves them.

Prints a Markdown table and appends one JSON object per line to
`benchmarks/results/views-<date>.jsonl`. Goal: `runs` and `show` under 0.5 s each (reported,
not enforced).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import io
import json
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from agentflow.runtime.state.store import GENESIS_HASH, StateStore, audit_hash  # noqa: E402

GOAL_S = 0.5
WORKFLOWS = [f"workflow_{i:02d}" for i in range(20)]
PRINCIPALS = [f"user{i:02d}" for i in range(50)]
BUDGETS = ["support", "research", "reports", "ops", "sales"]
MODELS = ["claude-sonnet-4-5", "gpt-4o-mini", "claude-haiku-4-5"]
DAY = 86400.0


# ------------------------------------------------------------------ the store


def _run_id(started: float, rng: random.Random) -> str:
    millis, digits, stamp = int(started * 1000), "0123456789abcdefghijklmnopqrstuvwxyz", ""
    while millis:
        millis, rest = divmod(millis, 36)
        stamp = digits[rest] + stamp
    return f"run_{stamp}_{rng.getrandbits(32):08x}"


def build_store(directory: Path, runs: int, now: float, seed: int = 7) -> dict[str, Any]:
    """Write a store of `runs` runs spread over the last 120 days; returns a few run ids."""
    rng = random.Random(seed)
    directory.mkdir(parents=True, exist_ok=True)
    StateStore.in_directory(directory).close()  # the schema, indexes and meta
    db = __import__("sqlite3").connect(directory / "state.db", isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=OFF")
    rows: dict[str, list[tuple[Any, ...]]] = defaultdict(list)
    spend: dict[tuple[str, str], list[Any]] = defaultdict(lambda: [Decimal(0), 0])
    previous = GENESIS_HASH
    seq = 0
    sample: dict[str, Any] = {}
    span_counter = 0
    for index in range(runs):
        started = now - 120 * DAY * (1 - index / runs) + rng.random()
        run_id = _run_id(started, rng)
        workflow = WORKFLOWS[index % len(WORKFLOWS)]
        principal = PRINCIPALS[rng.randrange(len(PRINCIPALS))]
        roll = rng.random()
        status = (
            "failed"
            if roll < 0.06
            else "denied"
            if roll < 0.09
            else "running"
            if roll < 0.091
            else "succeeded"
        )
        took = rng.uniform(0.5, 30)
        finished = None if status == "running" else started + took
        budget = BUDGETS[index % len(BUDGETS)]
        costs = [Decimal(rng.randrange(1, 40_000)) / Decimal(1_000_000) for _ in range(2)]
        tokens = [(rng.randrange(200, 4000), rng.randrange(50, 900)) for _ in range(2)]
        total = sum(costs, Decimal(0))
        error = (
            json.dumps({"code": "timeout", "kind": "timeout", "message": "model timed out"})
            if status == "failed"
            else None
        )
        purged = started < now - 90 * DAY and rng.random() < 0.1
        rows["runs"].append(
            (
                run_id,
                workflow,
                f"{workflow}.agentflow",
                principal,
                "operator",
                status,
                None if purged else json.dumps({"ticket": f"T-{index}", "body": "x" * 120}),
                None if purged else json.dumps({"answer": "y" * 200}),
                None if purged else error,
                str(total),
                sum(t[0] for t in tokens),
                sum(t[1] for t in tokens),
                started,
                finished,
                None if purged else f"{rng.getrandbits(128):032x}",
                started + 91 * DAY if purged else None,
            )
        )
        end = finished or started + took
        nodes = ["fetch", "classify", "route", "draft", "reply"]
        if not purged:
            step = (end - started) / len(nodes)
            for n, node in enumerate(nodes):
                node_status = "failed" if status == "failed" and n == 4 else "succeeded"
                cost = costs[n % 2] if n in (1, 3) else Decimal(0)
                rows["node_results"].append(
                    (
                        run_id,
                        node,
                        node_status,
                        1,
                        json.dumps({"value": n}),
                        error if node_status == "failed" else None,
                        str(cost),
                        tokens[n % 2][0] if n in (1, 3) else 0,
                        tokens[n % 2][1] if n in (1, 3) else 0,
                        started + n * step,
                        started + (n + 1) * step,
                    )
                )
            start_ns, end_ns = int(started * 1e9), int(end * 1e9)
            trace_id = rows["runs"][-1][14]
            ids = []
            for name, kind, parent in (
                (f"run {workflow}", "run", None),
                ("node classify", "node", 0),
                ("invoke_agent classifier", "agent", 1),
                ("step 1", "step", 2),
                (f"chat {MODELS[0]}", "model", 3),
                ("execute_tool search", "tool", 3),
                ("node draft", "node", 0),
                ("node reply", "node", 0),
            ):
                span_counter += 1
                ids.append(f"{span_counter:016x}")
                share = len(ids) - 1
                rows["spans"].append(
                    (
                        run_id,
                        ids[-1],
                        trace_id,
                        None if parent is None else ids[parent],
                        name,
                        kind,
                        None,
                        start_ns + share * (end_ns - start_ns) // 20,
                        end_ns - share * (end_ns - start_ns) // 40,
                        "ok",
                        json.dumps(
                            {
                                "gen_ai.request.model": MODELS[0],
                                "gen_ai.usage.input_tokens": tokens[0][0],
                                "gen_ai.usage.output_tokens": tokens[0][1],
                                "agentflow.cost_usd": float(costs[0]),
                            }
                            if kind == "model"
                            else {"agentflow.span.kind": kind}
                        ),
                    )
                )
        for n in range(2):
            rows["ledger"].append(
                (
                    run_id,
                    ("classify", "draft")[n],
                    MODELS[n],
                    budget,
                    str(costs[n]),
                    tokens[n][0],
                    tokens[n][1],
                    started + n,
                )
            )
        events = [
            ("run.start", f"workflow:{workflow}", "allow", ""),
            ("authorize", "agent:classifier", "allow", ""),
            ("budget.reserve", budget, "allow", ""),
            ("authorize", "tool:search", "allow", ""),
            ("authorize", "agent:writer", "allow", ""),
            ("redact", None, "info", "masked before a model saw it"),
            ("run.end", f"workflow:{workflow}", "info", status),
        ]
        if status == "denied":
            events[3] = ("authorize", "tool:http_get", "deny", "not allowed by the run's role")
        if rng.random() < 0.01:
            events[4] = (
                "budget.alert",
                f"budget:{budget}",
                "warn",
                f"budget `{budget}` passed its alert threshold",
            )
        for offset, (action, resource, decision, reason) in enumerate(events):
            seq += 1
            record = {
                "run_id": run_id,
                "at": started + offset * 0.01,
                "principal": principal,
                "action": action,
                "resource": resource,
                "decision": decision,
                "reason": reason,
                "details": json.dumps({"node": "classify"}),
            }
            digest = audit_hash(previous, record)
            rows["audit"].append((seq, *record.values(), previous, digest))
            previous = digest
        day = time.strftime("day:%Y-%m-%d", time.gmtime(started))
        month = time.strftime("month:%Y-%m", time.gmtime(started))
        for window in ([] if purged else [f"run:{run_id}"]) + [day, month]:
            spend[(budget, window)][0] += total
            spend[(budget, window)][1] += sum(a + b for a, b in tokens)
        if index == runs // 2:
            sample["middle"] = run_id
    sample["newest"] = rows["runs"][-1][0]
    sample["workflow"] = WORKFLOWS[3]
    db.execute("BEGIN")
    statements = {
        "runs": "INSERT INTO runs (id, workflow, source, principal, role, status, inputs, output,"
        " error, cost_usd, input_tokens, output_tokens, started_at, finished_at, trace_id,"
        " purged_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        "node_results": "INSERT INTO node_results VALUES (?,?,?,?,?,?,?,?,?,?,?)",
        "spans": "INSERT INTO spans VALUES (?,?,?,?,?,?,?,?,?,?,?)",
        "ledger": "INSERT INTO ledger (run_id, node_id, model, budgets, amount_usd, input_tokens,"
        " output_tokens, at) VALUES (?,?,?,?,?,?,?,?)",
        "audit": "INSERT INTO audit (seq, run_id, at, principal, action, resource, decision,"
        " reason, details, prev_hash, hash) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
    }
    for table, sql in statements.items():
        db.executemany(sql, rows[table])
    db.executemany(
        "INSERT INTO spend (budget, window, spent, tokens) VALUES (?,?,?,?)",
        [(b, w, str(v[0]), v[1]) for (b, w), v in spend.items()],
    )
    db.execute("INSERT OR REPLACE INTO meta VALUES ('audit_head', ?)", (f"{seq}:{previous}",))
    db.execute("COMMIT")
    db.execute("ANALYZE")
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    counts = {table: len(rows[table]) for table in statements} | {"spend": len(spend)}
    (directory / "bench.json").write_text(
        json.dumps({"runs": runs, "sample": sample, "counts": counts})
    )
    return {"sample": sample, "counts": counts}


# ------------------------------------------------------------------ timing


def time_in_process(argv: list[str], repeat: int) -> dict[str, Any]:
    """Median wall time of `agentflow.cli.main.main(argv)` (output discarded), after a warm-up."""
    from agentflow.cli.main import main

    def once() -> tuple[float, int, str]:
        out = io.StringIO()
        started = time.perf_counter()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
            status = main(argv)
        return time.perf_counter() - started, status, out.getvalue()

    _, status, text = once()
    samples = [once()[0] for _ in range(repeat)]
    return {
        "exit_code": status,
        "output_lines": text.count("\n"),
        "median_s": round(statistics.median(samples), 4),
        "min_s": round(min(samples), 4),
        "max_s": round(max(samples), 4),
    }


def time_cold(argv: list[str], repeat: int) -> dict[str, Any]:
    """Median wall time of a fresh `python -m agentflow.cli.main ARGV` (after one untimed run)."""
    command = [sys.executable, "-m", "agentflow.cli.main", *argv]
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    env["NO_COLOR"] = "1"
    subprocess.run(command, cwd=ROOT, env=env, capture_output=True, check=False)
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        subprocess.run(command, cwd=ROOT, env=env, capture_output=True, check=False)
        samples.append(time.perf_counter() - started)
    return {
        "cold_median_s": round(statistics.median(samples), 4),
        "cold_min_s": round(min(samples), 4),
    }


def cases(state: str, sample: dict[str, Any]) -> list[tuple[str, list[str]]]:
    middle = sample["middle"]
    common = ["--state", state, "--no-color"]
    return [
        ("runs", ["runs", *common]),
        ("runs --json", ["runs", "--json", *common]),
        ("runs --workflow", ["runs", "--workflow", sample["workflow"], *common]),
        ("runs --status failed", ["runs", "--status", "failed", *common]),
        ("runs --since 7d", ["runs", "--since", "7d", *common]),
        ("runs --principal", ["runs", "--principal", PRINCIPALS[7], *common]),
        ("runs --limit 1000", ["runs", "--limit", "1000", *common]),
        ("show (prefix)", ["show", middle[: len(middle) - 4], *common]),
        ("show --json", ["show", middle, "--json", *common]),
        ("show --all-decisions", ["show", middle, "--all-decisions", *common]),
        ("show last", ["show", "last", *common]),
        ("trace", ["trace", middle, *common]),
        ("budget", ["budget", *common]),
    ]


def markdown(records: list[dict[str, Any]]) -> str:
    store = next(r for r in records if r["benchmark"] == "store")
    tables = ", ".join(f"{k} {v:,}" for k, v in store["counts"].items())
    built = f"; built in {store['build_s']} s" if store.get("build_s") else ""
    lines = [
        f"Store: {store['runs']:,} runs, {store['size_mb']} MB ({tables}){built}",
        "",
        "| command | in-process median | cold process median | goal |",
        "|---|---|---|---|",
    ]
    for r in records:
        if r["benchmark"] != "view":
            continue
        goal = f"< {GOAL_S} s: {'yes' if r['meets_goal'] else 'NO'}" if "meets_goal" in r else ""
        cold = f"{r['cold_median_s']} s" if "cold_median_s" in r else "—"
        lines.append(f"| `agentflow {r['case']}` | {r['median_s']} s | {cold} | {goal} |")
    python = next((r for r in records if r["benchmark"] == "python_startup"), None)
    if python:
        lines += ["", f"Python start-up alone (`python -c pass`): {python['cold_median_s']} s."]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs-in-store", type=int, default=100_000)
    parser.add_argument("--store", help="where the generated store lives (reused if there)")
    parser.add_argument("--rebuild", action="store_true", help="generate the store again")
    parser.add_argument("--repeat", type=int, default=7, help="timed in-process runs (median)")
    parser.add_argument("--cold-runs", type=int, default=5, help="fresh processes (median)")
    parser.add_argument("--results", default=str(ROOT / "benchmarks" / "results"))
    parser.add_argument("--no-save", action="store_true", help="do not write the JSONL file")
    args = parser.parse_args(argv)

    n = args.runs_in_store
    directory = Path(args.store or Path(tempfile.gettempdir()) / f"agentflow-bench-views-{n}")
    meta = directory / "bench.json"
    build_s = None
    if args.rebuild or not meta.is_file() or json.loads(meta.read_text())["runs"] != n:
        shutil.rmtree(directory, ignore_errors=True)
        print(f"building a store of {n:,} runs in {directory} ...", file=sys.stderr)
        started = time.perf_counter()
        build_store(directory, n, time.time())
        build_s = round(time.perf_counter() - started, 1)
    info = json.loads(meta.read_text())
    records: list[dict[str, Any]] = [
        {
            "benchmark": "env",
            "python": platform.python_version(),
            "platform": platform.platform(),
            "cpu_count": os.cpu_count(),
            "loadavg": os.getloadavg() if hasattr(os, "getloadavg") else None,
        },
        {
            "benchmark": "store",
            "runs": n,
            "counts": info["counts"],
            "size_mb": round((directory / "state.db").stat().st_size / 1e6, 1),
            "build_s": build_s,
        },
    ]
    os.environ["NO_COLOR"] = "1"
    for name, case_argv in cases(str(directory), info["sample"]):
        record: dict[str, Any] = {"benchmark": "view", "case": name}
        record |= time_in_process(case_argv, args.repeat)
        if args.cold_runs:
            record |= time_cold(case_argv, args.cold_runs)
        if name.startswith(("runs", "show")) and "--limit" not in name:
            worst = max(record["median_s"], record.get("cold_median_s", 0))
            record |= {"goal_s": GOAL_S, "meets_goal": worst < GOAL_S}
        records.append(record)
        print(
            f"{name}: {record['median_s']} s in-process, "
            f"{record.get('cold_median_s', '—')} s cold (exit {record['exit_code']})",
            file=sys.stderr,
        )
    if args.cold_runs:
        started_at = [sys.executable, "-c", "pass"]
        samples = []
        for _ in range(args.cold_runs):
            started = time.perf_counter()
            subprocess.run(started_at, check=False)
            samples.append(time.perf_counter() - started)
        records.append(
            {"benchmark": "python_startup", "cold_median_s": round(statistics.median(samples), 4)}
        )
    now = dt.datetime.now(dt.UTC)
    for record in records:
        record["date"] = now.isoformat(timespec="seconds")
    print(markdown(records))
    if not args.no_save:
        results = Path(args.results)
        results.mkdir(parents=True, exist_ok=True)
        path = results / f"views-{now.date().isoformat()}.jsonl"
        with path.open("a") as file:
            for record in records:
                file.write(json.dumps(record) + "\n")
        print(f"\nwrote {path}", file=sys.stderr)
    failed = [r["case"] for r in records if r["benchmark"] == "view" and r["exit_code"] != 0]
    if failed:
        print(f"FAIL: non-zero exit status from {failed}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
