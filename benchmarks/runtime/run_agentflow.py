#!/usr/bin/env python3
"""agentflow on the runtime workloads W1-W4 of ../shared/bench/README.md (the peer's spec).

Each workload is an agentflow program (benchmarks/runtime/workloads/), compiled once with
`agentflow.compile` (compile time reported separately as `compile_s`) and run with
`agentflow.runtime.api.run_workflow` exactly as `agentflow run` does: policy enforcement
on (an allow-all role that is still checked and audited on every node, a budget on the
workflow, `policy { audit = true }`), node results, budget windows and the hash-chained
audit log written to a real SQLite state store in a temporary directory (one store per
workload and variant, reused across its repeats). A sample is the wall time of one
`run_workflow` call (W4: of 200 sequential calls), from the call until its result is
available, including the state store's commits; every result is checked after the clock
stops and a mismatch aborts the script.

W1 and W3 (500 bindings each) are generated at run time into a temporary directory by
workloads/generate.py; W2 and W4 are the files in workloads/.

Output: one JSON object per line, in the record format of ../shared/bench/README.md
(`"framework": "agentflow"`), so that
    python3 ../shared/bench/compare.py --a langgraph lg*.jsonl --b agentflow af*.jsonl
sets both systems side by side. Variants other than `primary` are extra data points.

Usage (from the repo root, with agentflow's dependencies installed):
    python benchmarks/runtime/run_agentflow.py [--repeats 7] [--warmup 2] [--only W1,W4]
    python benchmarks/runtime/run_agentflow.py --only W4 --profile W4   # + cProfile (stderr)
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import gc
import io
import json
import os
import platform
import pstats
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
WORKLOADS = HERE / "workloads"
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(WORKLOADS))

import bench_tools  # noqa: E402  (the same module object the runtime's tool registry imports)
import generate  # noqa: E402

import agentflow  # noqa: E402
from agentflow.runtime.api import RunResult, run_workflow  # noqa: E402
from agentflow.runtime.state.store import StateStore  # noqa: E402

W1_N = 500
W2_N = 1000
W2_SLEEP_S = bench_tools.W2_SLEEP_S
W3_LAYERS = 10
W3_WIDTH = 50
W3_SLEEP_S = bench_tools.W3_SLEEP_S
W4_RUNS = 200
W4_TOOL_CALLS = 3
W4_STEPS = 2 * W4_TOOL_CALLS + 1  # 4 model steps + 3 tool steps
MOD = bench_tools.MOD
W4_ANSWER = "answer: " + ",".join(f"value-of-k{t}" for t in range(W4_TOOL_CALLS))


# ---------------------------------------------------------------- helpers (as the peer's) ---


def _stats(samples: list[float]) -> dict[str, Any]:
    return {
        "median_s": statistics.median(samples),
        "min_s": min(samples),
        "max_s": max(samples),
        "samples_s": [round(x, 6) for x in samples],
    }


def _emit(rec: dict[str, Any]) -> None:
    out = {k: (round(v, 9) if isinstance(v, float) else v) for k, v in rec.items()}
    print(json.dumps(out), flush=True)


async def _measure(
    run_once: Callable[[], Awaitable[Any]], check: Callable[[Any], None], repeats: int, warmup: int
) -> list[float]:
    """Time `await run_once()` `repeats` times after `warmup` untimed runs."""
    for _ in range(warmup):
        check(await run_once())
    samples = []
    for _ in range(repeats):
        gc.collect()
        t0 = time.perf_counter()
        result = await run_once()
        samples.append(time.perf_counter() - t0)
        check(result)  # outside the timed region
    return samples


def calibrate(repeats: int) -> dict[str, Any]:
    """The peer harness's calibration: a fixed 300k-iteration pure-Python loop, timed."""

    def spin() -> int:
        s = 0
        for i in range(300_000):
            s += i & 7
        return s

    spin()
    samples = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        spin()
        samples.append(time.perf_counter() - t0)
    st = _stats(samples)
    del st["samples_s"]
    st["spread_max_over_min"] = st["max_s"] / st["min_s"]
    return st


def _cpu_steal() -> int | None:
    try:
        with open("/proc/stat") as f:
            parts = f.readline().split()
        return int(parts[8])
    except Exception:
        return None


# ---------------------------------------------------------------- programs ---


def ungoverned(source: str) -> str:
    """The same program without role, `run_as`, budget and with `audit = false`.

    What is left still runs through the one enforcement point (authorization against
    "everything", input and output validation) and still writes node results to the store;
    it shows what the audit log, RBAC lists and budget windows cost.
    """
    kept = []
    for line in source.splitlines():
        stripped = line.strip()
        if stripped.startswith(("role ", "run_as", "budget =")):
            continue
        kept.append(
            line.replace("audit           = true", "audit = false").replace(
                "audit = true", "audit = false"
            )
        )
    return "\n".join(kept) + "\n"


@dataclass
class Program:
    """One compiled workload program and the state store its runs write to."""

    path: Path
    source: str
    workflow: str
    plan: Any = None
    compile_s: float = 0.0
    store: StateStore | None = None
    run_ids: list[str] = field(default_factory=list)

    def compile(self, repeats: int) -> None:
        times = []
        for _ in range(max(1, repeats)):
            t0 = time.perf_counter()
            self.plan = agentflow.compile(self.source, str(self.path))
            times.append(time.perf_counter() - t0)
        self.compile_s = statistics.median(times)

    async def run(self, inputs: dict[str, Any]) -> RunResult:
        return await run_workflow(self.plan, self.workflow, inputs, store=self.store, env={})

    def store_counts(self) -> dict[str, Any]:
        """Rows the runs left in the state store (evidence that the ledger and audit are on)."""
        assert self.store is not None
        runs = self.store.query("SELECT COUNT(*) AS n FROM runs")[0]["n"]
        nodes = self.store.query("SELECT COUNT(*) AS n FROM node_results")[0]["n"]
        audit = self.store.query("SELECT COUNT(*) AS n FROM audit")[0]["n"]
        spend = self.store.query("SELECT COUNT(*) AS n FROM spend")[0]["n"]
        return {
            "store_runs": runs,
            "node_rows_per_run": round(nodes / runs, 2) if runs else 0,
            "audit_rows_per_run": round(audit / runs, 2) if runs else 0,
            "spend_windows": spend,
        }


_OPEN_STORES: list[StateStore] = []


def _program(
    tmp: Path, name: str, source: str, workflow: str, directory: Path | None, compile_repeats: int
) -> Program:
    """Write `source` (W1/W3: into the temporary directory next to a copy of bench_tools.py;
    W2/W4: next to the committed file, so its script and tools resolve) and compile it."""
    if directory is None:
        path = generate.write(tmp / "programs", name, source)
    else:
        path = directory / name
        if not path.exists() or path.read_text(encoding="utf-8") != source:
            path = generate.write(tmp / "programs", name, source)
            if (directory / "w4_script.json").exists():
                shutil.copyfile(directory / "w4_script.json", path.parent / "w4_script.json")
    program = Program(path, source, workflow)
    program.compile(compile_repeats)
    state = tmp / "state" / name.replace(".agentflow", "")
    program.store = StateStore.in_directory(state)
    _OPEN_STORES.append(program.store)
    return program


# ---------------------------------------------------------------- checks ---


def _ok(result: RunResult) -> Any:
    if result.status != "succeeded":
        raise AssertionError(f"run {result.run_id} {result.status}: {result.error}")
    return result.output


def check_w1(n: int) -> Callable[[RunResult], None]:
    def check(result: RunResult) -> None:
        out = _ok(result)
        assert out == n, out

    return check


def check_w2(n: int) -> Callable[[RunResult], None]:
    def check(result: RunResult) -> None:
        out = _ok(result)
        assert out == {"count": n, "total": n * (n - 1) // 2}, out

    return check


def w3_expected(layers: int, width: int) -> int:
    prev = [j + 1 for j in range(width)]
    for _k in range(1, layers):
        s = sum(prev)
        prev = [(s + j) % MOD for j in range(width)]
    return sum(prev) % MOD


def check_w3(layers: int, width: int) -> Callable[[RunResult], None]:
    expected = w3_expected(layers, width)

    def check(result: RunResult) -> None:
        out = _ok(result)
        assert out == expected, (out, expected)

    return check


def check_w4(runs: int) -> Callable[[list[RunResult]], None]:
    keys = [f"k{t}" for t in range(W4_TOOL_CALLS)]

    def check(results: list[RunResult]) -> None:
        assert len(results) == runs, len(results)
        for result in results:
            assert _ok(result) == W4_ANSWER, result.output
            assert [n.status for n in result.nodes] == ["succeeded"], result.nodes
        # the tool saw k0, k1, k2 in that order in every run
        assert keys * runs == bench_tools.LOOKUPS, bench_tools.LOOKUPS[:8]
        bench_tools.LOOKUPS.clear()

    return check


async def deep_check_w4(program: Program) -> None:
    """Once, untimed: the conversation of a run is exactly the spec's 8 messages.

    The agent's conversation is not part of its result, so a spy on the offline provider
    captures the last request (user, then (assistant tool call, tool result) x 3); the reply
    to it is the 8th message, the final answer."""
    from agentflow.runtime.providers.offline import OfflineProvider

    original = OfflineProvider.complete
    requests: list[Any] = []

    async def spy(self: Any, request: Any) -> Any:
        requests.append(request)
        return await original(self, request)

    OfflineProvider.complete = spy  # type: ignore[method-assign]
    try:
        result = await program.run({"q": "go"})
    finally:
        OfflineProvider.complete = original  # type: ignore[method-assign]
    assert _ok(result) == W4_ANSWER
    assert len(requests) == W4_TOOL_CALLS + 1, len(requests)
    messages = requests[-1].messages
    roles = [m.role for m in messages]
    assert roles == ["user"] + ["assistant", "tool"] * W4_TOOL_CALLS, roles
    assert messages[0].content == "go", messages[0].content
    tool_results = [m.content for m in messages if m.role == "tool"]
    assert tool_results == [f"value-of-k{t}" for t in range(W4_TOOL_CALLS)], tool_results
    for t, m in enumerate(messages[1::2]):
        assert [(c.name, c.arguments) for c in m.tool_calls] == [("lookup", {"key": f"k{t}"})]
    bench_tools.LOOKUPS.clear()


# ---------------------------------------------------------------- floor ---


async def floor_w4(program: Program, runs: int) -> list[str]:
    """agentflow's own fake model and tool driven by a hand-written loop (no runtime)."""
    from agentflow.runtime.providers.base import ChatMessage, ModelRequest, ToolSpec
    from agentflow.runtime.providers.offline import OfflineProvider

    plan = program.plan
    model = plan.models["fake"]
    provider = OfflineProvider(model, base_dir=Path(plan.base_dir))
    tool = plan.tools["lookup"]
    tools = (ToolSpec("lookup", tool.description or "lookup", tool.input_schema),)
    outs = []
    for _ in range(runs):
        messages = [ChatMessage("user", "go")]
        while True:
            request = ModelRequest(
                model=model,
                agent="assistant",
                system=None,
                messages=tuple(messages),
                tools=tools,
                output_schema=None,
                max_tokens=model.max_tokens,
                temperature=None,
                inputs={"q": "go"},
            )
            response = await provider.complete(request)
            if not response.tool_calls:
                break
            messages.append(ChatMessage("assistant", response.text, tool_calls=response.tool_calls))
            for call in response.tool_calls:
                value = await bench_tools.lookup(**call.arguments)
                messages.append(ChatMessage("tool", value, tool_call_id=call.id))
        outs.append(response.text)
    return outs


# ---------------------------------------------------------------- profile ---


class Profiler:
    """One extra, untimed run of a workload under cProfile; top functions to stderr."""

    def __init__(self, wanted: set[str], top: int, out: Path | None) -> None:
        self.wanted, self.top, self.out = wanted, top, out

    async def maybe(
        self,
        workload: str,
        variant: str,
        run_once: Callable[[], Awaitable[Any]],
        check: Callable[[Any], None],
    ) -> None:
        if variant != "primary" or workload.split("_")[0] not in self.wanted:
            return
        profile = cProfile.Profile()
        gc.collect()
        profile.enable()
        result = await run_once()
        profile.disable()
        check(result)
        text = io.StringIO()
        stats = pstats.Stats(profile, stream=text).strip_dirs().sort_stats("cumulative")
        stats.print_stats(self.top)
        report = f"## cProfile: {workload} {variant} (one run, sorted by cumulative time)\n"
        report += text.getvalue()
        text = io.StringIO()
        pstats.Stats(profile, stream=text).strip_dirs().sort_stats("tottime").print_stats(self.top)
        report += f"\n## cProfile: {workload} {variant} (same run, sorted by own time)\n"
        report += text.getvalue()
        print(report, file=sys.stderr, flush=True)
        if self.out is not None:
            with self.out.open("a", encoding="utf-8") as f:
                f.write(report + "\n")


# ---------------------------------------------------------------- main ---


async def main_async(args: argparse.Namespace, tmp: Path) -> None:
    R, W = args.repeats, args.warmup
    C = max(1, min(R, args.compile_repeats))
    want = set(args.only.split(",")) if args.only else {"W1", "W2", "W3", "W4"}
    variants = not args.primary_only
    base = {
        "framework": "agentflow",
        "api": "run_workflow",
        "policy": "on",
        "audit": "on",
        "state_store": "sqlite",
    }
    profiler = Profiler(
        set(args.profile.split(",")) if args.profile else set(), args.top, args.profile_out
    )

    def governance(variant: str) -> dict[str, Any]:
        if variant == "ungoverned":
            return {"policy": "allow-everything (no role, no budget)", "audit": "off"}
        return {}

    # W1 ----------------------------------------------------------------
    if "W1" in want:
        n = args.w1_n
        source = generate.w1_chain(n)
        kinds = [("primary", source)]
        if variants:
            kinds.append(("ungoverned", ungoverned(source)))
        for variant, text in kinds:
            prog = _program(tmp, f"w1_chain_{variant}.agentflow", text, "chain", None, C)

            def run_w1(prog: Program = prog) -> Awaitable[RunResult]:
                return prog.run({"start": 0})

            s = await _measure(run_w1, check_w1(n), R, W)
            await profiler.maybe("W1_chain", variant, run_w1, check_w1(n))
            st = _stats(s)
            _emit(
                {
                    "workload": "W1_chain",
                    "variant": variant,
                    **base,
                    **governance(variant),
                    "form": f"{n} bindings, each an async python tool call",
                    "n": n,
                    **st,
                    "critical_path_s": 0.0,
                    "per_node_us": st["median_s"] / n * 1e6,
                    "compile_s": prog.compile_s,
                    **prog.store_counts(),
                    "repeats": R,
                    "ok": True,
                }
            )

    # W2 ----------------------------------------------------------------
    if "W2" in want:
        n, cp = args.w2_n, W2_SLEEP_S
        source = (WORKLOADS / "w2_fanout.agentflow").read_text(encoding="utf-8")
        kinds = [("primary", source)]
        if variants:
            kinds.append(("ungoverned", ungoverned(source)))
        for variant, text in kinds:
            prog = _program(
                tmp,
                "w2_fanout.agentflow" if variant == "primary" else f"w2_fanout_{variant}.agentflow",
                text,
                "fanout",
                WORKLOADS,
                C,
            )

            def run_w2(prog: Program = prog) -> Awaitable[RunResult]:
                return prog.run({"items": list(range(n))})  # a fresh input every repeat

            s = await _measure(run_w2, check_w2(n), R, W)
            await profiler.maybe("W2_fanout", variant, run_w2, check_w2(n))
            st = _stats(s)
            _emit(
                {
                    "workload": "W2_fanout",
                    "variant": variant,
                    **base,
                    **governance(variant),
                    "fanout_style": "map i in items concurrency 1000 => work(i: i)",
                    "n": n,
                    **st,
                    "critical_path_s": cp,
                    "ratio_to_critical_path": st["median_s"] / cp,
                    "per_node_us": (st["median_s"] - cp) / n * 1e6,
                    "compile_s": prog.compile_s,
                    **prog.store_counts(),
                    "repeats": R,
                    "ok": True,
                }
            )

    # W3 ----------------------------------------------------------------
    if "W3" in want:
        L, Wd = args.w3_layers, args.w3_width
        cp = L * W3_SLEEP_S
        kinds = [("primary", "barrier")]
        if variants:
            kinds += [("join-nodes", "join-nodes"), ("map-layers", "map-layers")]
        for variant, style in kinds:
            text = generate.w3_diamond(L, Wd, style)
            prog = _program(tmp, f"w3_diamond_{style}.agentflow", text, "diamond", None, C)

            def run_w3(prog: Program = prog) -> Awaitable[RunResult]:
                return prog.run({})

            s = await _measure(run_w3, check_w3(L, Wd), R, W)
            await profiler.maybe("W3_diamond", variant, run_w3, check_w3(L, Wd))
            st = _stats(s)
            _emit(
                {
                    "workload": "W3_diamond",
                    "variant": variant,
                    **base,
                    "edge_style": style,
                    "n": L * Wd,
                    "layers": L,
                    "width": Wd,
                    **st,
                    "critical_path_s": cp,
                    "ratio_to_critical_path": st["median_s"] / cp,
                    "per_node_us": (st["median_s"] - cp) / (L * Wd) * 1e6,
                    "compile_s": prog.compile_s,
                    **prog.store_counts(),
                    "repeats": R,
                    "ok": True,
                }
            )

    # W4 ----------------------------------------------------------------
    if "W4" in want:
        runs = args.w4_runs
        source = (WORKLOADS / "w4_agent.agentflow").read_text(encoding="utf-8")
        kinds = [("primary", source)]
        if variants:
            kinds.append(("ungoverned", ungoverned(source)))
        primary_prog: Program | None = None
        for variant, text in kinds:
            prog = _program(
                tmp,
                "w4_agent.agentflow" if variant == "primary" else f"w4_agent_{variant}.agentflow",
                text,
                "agent_run",
                WORKLOADS,
                C,
            )
            primary_prog = primary_prog or prog
            await deep_check_w4(prog)

            async def batch(prog: Program = prog) -> list[RunResult]:
                return [await prog.run({"q": "go"}) for _ in range(runs)]

            s = await _measure(batch, check_w4(runs), R, W)
            await profiler.maybe("W4_agent", variant, batch, check_w4(runs))
            st = _stats(s)
            _emit(
                {
                    "workload": "W4_agent",
                    "variant": variant,
                    **base,
                    **governance(variant),
                    "agent": "agentflow agent + offline provider with script",
                    "n": runs,
                    "tool_calls_per_run": W4_TOOL_CALLS,
                    **st,
                    "per_run_ms": st["median_s"] / runs * 1e3,
                    "per_run_min_ms": st["min_s"] / runs * 1e3,
                    "per_run_max_ms": st["max_s"] / runs * 1e3,
                    "per_node_us": st["median_s"] / runs / W4_STEPS * 1e6,
                    "compile_s": prog.compile_s,
                    **prog.store_counts(),
                    "repeats": R,
                    "ok": True,
                }
            )
        if variants and not args.no_floor and primary_prog is not None:

            def check_floor(outs: list[str]) -> None:
                assert outs == [W4_ANSWER] * runs, outs[:2]
                assert [f"k{t}" for t in range(W4_TOOL_CALLS)] * runs == bench_tools.LOOKUPS
                bench_tools.LOOKUPS.clear()

            prog = primary_prog
            s = await _measure(lambda: floor_w4(prog, runs), check_floor, R, W)
            st = _stats(s)
            _emit(
                {
                    "workload": "W4_agent",
                    "variant": "offline-model-floor",
                    "framework": "agentflow",
                    "api": "OfflineProvider.complete, no runtime",
                    "n": runs,
                    **st,
                    "per_run_ms": st["median_s"] / runs * 1e3,
                    "per_node_us": st["median_s"] / runs / W4_STEPS * 1e6,
                    "repeats": R,
                    "ok": True,
                }
            )


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--repeats", type=int, default=7, help="timed repeats (>=5)")
    p.add_argument("--warmup", type=int, default=2, help="untimed warm-up runs")
    p.add_argument("--only", default="", help="comma list, e.g. W1,W3")
    p.add_argument("--primary-only", action="store_true", help="skip variants and the floor")
    p.add_argument("--no-floor", action="store_true", help="skip W4's offline-model floor")
    p.add_argument(
        "--compile-repeats",
        type=int,
        default=3,
        help="compiles timed per program for compile_s (at most --repeats)",
    )
    p.add_argument(
        "--profile",
        default="",
        help="comma list of workloads (e.g. W4) to run once more under cProfile; "
        "the report goes to stderr",
    )
    p.add_argument("--profile-out", type=Path, default=None, help="also append it to a file")
    p.add_argument("--top", type=int, default=15, help="functions listed by --profile")
    p.add_argument(
        "--keep",
        type=Path,
        default=None,
        help="keep the generated programs and state stores in this directory",
    )
    p.add_argument("--w1-n", type=int, default=W1_N)
    p.add_argument("--w2-n", type=int, default=W2_N)
    p.add_argument("--w3-layers", type=int, default=W3_LAYERS)
    p.add_argument("--w3-width", type=int, default=W3_WIDTH)
    p.add_argument("--w4-runs", type=int, default=W4_RUNS)
    args = p.parse_args()

    steal0 = _cpu_steal()
    _emit(
        {
            "workload": "env",
            "framework": "agentflow",
            "python": platform.python_version(),
            "implementation": platform.python_implementation(),
            "agentflow": getattr(agentflow, "__version__", "?"),
            "sqlite": sqlite3.sqlite_version,
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
            "loadavg": os.getloadavg(),
            "repeats": args.repeats,
            "warmup": args.warmup,
        }
    )
    _emit({"workload": "calibration", "what": "300k-iteration pure-Python loop", **calibrate(15)})
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="af-bench-") as scratch:
        directory = args.keep or Path(scratch)
        directory.mkdir(parents=True, exist_ok=True)
        try:
            asyncio.run(main_async(args, directory))
        finally:
            for store in _OPEN_STORES:
                store.close()
    steal1 = _cpu_steal()
    _emit(
        {
            "workload": "calibration_end",
            **calibrate(15),
            "loadavg": os.getloadavg(),
            "cpu_steal_ticks": (steal1 - steal0)
            if steal0 is not None and steal1 is not None
            else None,
            "total_wall_s": time.perf_counter() - t0,
        }
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
