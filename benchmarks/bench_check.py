"""How fast is `agentflow check`? Generated programs in-process, and a cold CLI start.

    python benchmarks/bench_check.py                 # 1k, 10k and 50k lines; cold start; imports
    python benchmarks/bench_check.py --profile       # also a cProfile of the 10k-line check
    python benchmarks/bench_check.py --sizes 1000 --runs 3 --cold-runs 5   # quick

Prints a Markdown table and appends one JSON object per line to
`benchmarks/results/check-<date>.jsonl`. Exits 1 if a cold `check` imports a model SDK,
httpx or OpenTelemetry (the goals on time are reported, not enforced).
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import io
import json
import os
import platform
import pstats
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from gen_program import generate  # noqa: E402

SMALL_FILE = ROOT / "examples" / "hello.agentflow"
HEAVY = ("anthropic", "openai", "httpx", "opentelemetry")  # must not be imported by `check`
NOTABLE = ("pydantic", "jinja2", "lark", "networkx", "genai_prices", "rich", "httpx2")
GOALS = {"check_10k_s": 1.0, "cold_check_s": 0.3}


def env_record() -> dict[str, object]:
    load = os.getloadavg() if hasattr(os, "getloadavg") else None
    return {
        "benchmark": "env",
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "cpu_count": os.cpu_count(),
        "loadavg": load,
        "executable": sys.executable,
    }


# ------------------------------------------------------------------ in-process check


def bench_check(lines: int, runs: int) -> dict[str, object]:
    """Median wall time of `agentflow.check` on a generated program, after one warm-up."""
    import agentflow

    text = generate(lines)
    actual = text.count("\n")
    diagnostics = agentflow.check(text, "generated.agentflow")  # warm-up (and validity)
    errors = [f"{d.line}:{d.column} {d.code} {d.message}" for d in diagnostics if d.is_error]
    if errors:
        raise SystemExit(f"generated program of {actual} lines has errors: {errors[:5]}")
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        agentflow.check(text, "generated.agentflow")
        samples.append(time.perf_counter() - started)
    median = statistics.median(samples)
    record: dict[str, object] = {
        "benchmark": "check",
        "lines": actual,
        "bytes": len(text.encode()),
        "diagnostics": len(diagnostics),
        "runs": runs,
        "median_s": round(median, 4),
        "min_s": round(min(samples), 4),
        "max_s": round(max(samples), 4),
        "samples_s": [round(s, 4) for s in samples],
        "lines_per_s": round(actual / median),
    }
    if 9_000 <= actual <= 11_000:
        record["goal_s"] = GOALS["check_10k_s"]
        record["meets_goal"] = median < GOALS["check_10k_s"]
    return record


def profile_check(lines: int, top: int) -> dict[str, object]:
    """cProfile of one `check` of a generated program: the top functions by cumulative time."""
    import agentflow

    text = generate(lines)
    agentflow.check(text, "generated.agentflow")  # warm-up: parser built, modules imported
    profiler = cProfile.Profile()
    profiler.enable()
    agentflow.check(text, "generated.agentflow")
    profiler.disable()
    stats = pstats.Stats(profiler, stream=io.StringIO())
    rows = []
    for (file, line, name), (_, calls, tottime, cumtime, _) in stats.stats.items():  # type: ignore[attr-defined]
        rows.append(
            {
                "function": f"{_short(file)}:{line}({name})",
                "calls": calls,
                "tottime_s": round(tottime, 3),
                "cumtime_s": round(cumtime, 3),
            }
        )
    by_cumulative = sorted(rows, key=lambda r: -float(r["cumtime_s"]))  # type: ignore[arg-type]
    by_own = sorted(rows, key=lambda r: -float(r["tottime_s"]))  # type: ignore[arg-type]
    return {
        "benchmark": "profile",
        "lines": text.count("\n"),
        "total_s": round(stats.total_tt, 3),  # type: ignore[attr-defined]
        "top_cumulative": by_cumulative[:top],
        "top_own_time": by_own[:top],
    }


def stage_times(lines: int, runs: int = 3) -> dict[str, object]:
    """Median seconds of parsing and of each checker pass, with the cyclic GC on and off.

    Uses the pipeline's parts (`parse`, `Context`, `PASSES`) rather than `check`, so the
    record says where the time goes; the same work as `check`, minus sorting diagnostics.
    """
    import gc

    from agentflow.compiler.context import Context
    from agentflow.compiler.passes import PASSES
    from agentflow.diagnostics import DiagnosticSink
    from agentflow.grammar.parser import parse
    from agentflow.source import Source

    text = generate(lines)
    result: dict[str, object] = {"benchmark": "stages", "lines": text.count("\n"), "runs": runs}
    for label, collect in (("gc_on", True), ("gc_off", False)):
        samples: dict[str, list[float]] = {}
        for _ in range(runs + 1):  # the first is a warm-up
            source = Source(text, "generated.agentflow")
            sink = DiagnosticSink(source)
            gc.collect()
            if not collect:
                gc.disable()
            try:
                started = time.perf_counter()
                program = parse(source, sink)
                row = {"parse": time.perf_counter() - started}
                context = Context(source, sink, program)
                for check in PASSES:
                    started = time.perf_counter()
                    check(context)
                    row[check.__module__.rsplit(".", 1)[-1]] = time.perf_counter() - started
            finally:
                gc.enable()
            for stage, seconds in row.items():
                samples.setdefault(stage, []).append(seconds)
        result[label] = {k: round(statistics.median(v[1:]), 4) for k, v in samples.items()}
    return result


def _short(file: str) -> str:
    """A profile entry's file, relative to the project or to its site-packages/stdlib folder."""
    if file.startswith(str(ROOT)):
        return os.path.relpath(file, ROOT)
    return re.sub(r"^.*/(?:site-packages|lib/python\d+\.\d+)/", "", file)


# ------------------------------------------------------------------ cold start


def cli_command() -> list[str]:
    """`.venv/bin/agentflow` when the README's venv exists, else this Python's `-m` entry."""
    script = ROOT / ".venv" / "bin" / "agentflow"
    if script.exists():
        return [str(script)]
    return [sys.executable, "-m", "agentflow.cli.main"]


def _subprocess_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    env.pop("PYTHONPROFILEIMPORTTIME", None)
    return env


def time_command(command: list[str], runs: int, name: str) -> dict[str, object]:
    """Median wall time of a fresh process, after one untimed run (warms disk caches)."""
    env = _subprocess_env()
    first = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(command, cwd=ROOT, env=env, capture_output=True, check=False)
        samples.append(time.perf_counter() - started)
    median = statistics.median(samples)
    record: dict[str, object] = {
        "benchmark": name,
        "command": " ".join(_display(c) for c in command),
        "exit_code": first.returncode,
        "runs": runs,
        "median_s": round(median, 4),
        "min_s": round(min(samples), 4),
        "max_s": round(max(samples), 4),
        "samples_s": [round(s, 4) for s in samples],
    }
    if name == "cold_check":
        record["goal_s"] = GOALS["cold_check_s"]
        record["meets_goal"] = median < GOALS["cold_check_s"]
        if first.returncode != 0:
            raise SystemExit(f"`{record['command']}` failed:\n{first.stdout}{first.stderr}")
    return record


def _display(part: str) -> str:
    try:
        return str(Path(part).relative_to(ROOT))
    except ValueError:
        return "python" if part == sys.executable else part


def import_profile(top: int) -> dict[str, object]:
    """What a cold `check` imports: `-X importtime`, top entries by cumulative time."""
    command = [
        sys.executable,
        "-X",
        "importtime",
        "-m",
        "agentflow.cli.main",
        "check",
        str(SMALL_FILE.relative_to(ROOT)),
    ]
    result = subprocess.run(
        command, cwd=ROOT, env=_subprocess_env(), capture_output=True, text=True
    )
    rows = []
    for line in result.stderr.splitlines():
        if not line.startswith("import time:") or line.count("|") != 2:
            continue
        _, cumulative, module = line.split(":", 1)[1].split("|")
        try:
            rows.append((int(cumulative), module.rstrip(), module.strip()))
        except ValueError:
            continue  # the header line
    modules = {name for _, _, name in rows}
    roots = {name.split(".")[0] for name in modules}
    top_rows = sorted(rows, key=lambda r: -r[0])[:top]
    return {
        "benchmark": "imports",
        "modules": len(modules),
        "top_cumulative": [
            {"module": name, "cumulative_ms": round(us / 1000, 1), "depth": _depth(raw)}
            for us, raw, name in top_rows
        ],
        "notable_imported": sorted(r for r in NOTABLE if r in roots),
        "heavy_imported": sorted(r for r in HEAVY if r in roots),
    }


def _depth(raw: str) -> int:
    return (len(raw) - len(raw.lstrip(" "))) // 2


# ------------------------------------------------------------------ output


def markdown(records: list[dict[str, object]]) -> str:
    out = [
        "| benchmark | size | median | min | max | rate | goal |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in records:
        goal = ""
        if "goal_s" in r:
            goal = f"< {r['goal_s']} s: {'met' if r['meets_goal'] else '**missed**'}"
        if r["benchmark"] == "check":
            out.append(
                f"| check (in-process) | {r['lines']:,} lines | {r['median_s']:.3f} s | "
                f"{r['min_s']:.3f} s | {r['max_s']:.3f} s | {r['lines_per_s']:,} lines/s | {goal} |"
            )
        elif r["benchmark"] in ("cold_check", "python_startup"):
            label = (
                "cold `agentflow check hello`"
                if r["benchmark"] == "cold_check"
                else ("`python -c pass` (reference)")
            )
            out.append(
                f"| {label} | {r['runs']} runs | {r['median_s']:.3f} s | {r['min_s']:.3f} s | "
                f"{r['max_s']:.3f} s | | {goal} |"
            )
    for r in records:
        if r["benchmark"] == "imports":
            out += [
                "",
                f"Cold `check` imports {r['modules']} modules; heaviest (cumulative):",
                "",
                "| module | cumulative |",
                "|---|---|",
            ]
            out += [
                f"| `{row['module']}` | {row['cumulative_ms']} ms |"  # type: ignore[index]
                for row in r["top_cumulative"]
            ]  # type: ignore[attr-defined]
            out += [
                "",
                f"Also imported: {', '.join(r['notable_imported']) or 'none'} "  # type: ignore[arg-type]
                f"(of {', '.join(NOTABLE)}). Heavy (must be none): "
                f"{', '.join(r['heavy_imported']) or 'none'}.",
            ]  # type: ignore[arg-type]
        if r["benchmark"] == "stages":
            on, off = r["gc_on"], r["gc_off"]
            out += [
                "",
                f"Where the time goes, {r['lines']:,} lines (median of {r['runs']}; "
                "the same work with the cyclic GC off, for comparison):",
                "",
                "| stage | seconds | with GC off |",
                "|---|---|---|",
            ]
            out += [f"| {k} | {v:.3f} | {off.get(k, 0):.3f} |" for k, v in on.items()]  # type: ignore[union-attr]
            out.append(
                f"| **total** | **{sum(on.values()):.3f}** | **{sum(off.values()):.3f}** |"  # type: ignore[union-attr]
            )
        if r["benchmark"] == "profile":
            out += [
                "",
                f"cProfile of one check of {r['lines']:,} lines ({r['total_s']} s under "
                "the profiler), top by cumulative time:",
                "",
                "| function | calls | own | cumulative |",
                "|---|---|---|---|",
            ]
            out += [
                f"| `{row['function']}` | {row['calls']:,} | {row['tottime_s']} s | "  # type: ignore[index]
                f"{row['cumtime_s']} s |"
                for row in r["top_cumulative"]
            ]  # type: ignore[attr-defined]
            out += [
                "",
                "Top by own time:",
                "",
                "| function | calls | own | cumulative |",
                "|---|---|---|---|",
            ]
            out += [
                f"| `{row['function']}` | {row['calls']:,} | {row['tottime_s']} s | "  # type: ignore[index]
                f"{row['cumtime_s']} s |"
                for row in r["top_own_time"]
            ]  # type: ignore[attr-defined]
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,50000", help="program sizes in lines")
    parser.add_argument("--runs", type=int, default=5, help="timed runs per size (median)")
    parser.add_argument("--cold-runs", type=int, default=10, help="fresh processes (median)")
    parser.add_argument("--profile", action="store_true", help="cProfile the 10k-line check")
    parser.add_argument("--profile-lines", type=int, default=10_000)
    parser.add_argument("--top", type=int, default=10, help="rows in the profile tables")
    parser.add_argument("--results", default=str(ROOT / "benchmarks" / "results"))
    parser.add_argument("--no-save", action="store_true", help="do not write the JSONL file")
    args = parser.parse_args(argv)

    records: list[dict[str, object]] = [env_record()]
    for size in (int(s) for s in args.sizes.split(",") if s):
        records.append(bench_check(size, args.runs))
        print(f"check {records[-1]['lines']} lines: {records[-1]['median_s']} s", file=sys.stderr)
    records.append(
        time_command(
            [*cli_command(), "check", str(SMALL_FILE.relative_to(ROOT))],
            args.cold_runs,
            "cold_check",
        )
    )
    records.append(time_command([sys.executable, "-c", "pass"], args.cold_runs, "python_startup"))
    records.append(import_profile(max(args.top, 15)))
    if args.profile:
        records.append(stage_times(args.profile_lines))
        records.append(profile_check(args.profile_lines, args.top))
    now = dt.datetime.now(dt.UTC)
    for record in records:
        record["date"] = now.isoformat(timespec="seconds")

    print(markdown(records))
    if not args.no_save:
        results = Path(args.results)
        results.mkdir(parents=True, exist_ok=True)
        path = results / f"check-{now.date().isoformat()}.jsonl"
        with path.open("a") as file:
            for record in records:
                file.write(json.dumps(record) + "\n")
        print(
            f"\nwrote {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}",
            file=sys.stderr,
        )

    heavy = next(r for r in records if r["benchmark"] == "imports")["heavy_imported"]
    if heavy:
        print(f"FAIL: a cold `check` imports {heavy}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
