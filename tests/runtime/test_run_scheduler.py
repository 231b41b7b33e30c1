"""Scheduler semantics, end to end: small programs with async Python tools that record what
happened (calls, timestamps, concurrency, cancellation) in a module-level list, run through
`run_workflow` with the state store in `tmp_path`.
"""

from __future__ import annotations

import itertools
import sys
import time
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from run_support import (
    HEADER,
    OFFLINE_MODEL,
    compile_program,
    nodes_by_id,
    run_plan,
    stored_nodes,
    write_module,
)

from agentflow.runtime.state.store import StateStore

TOOLS = """
import asyncio
import time

LOG = []            # (event, tag, time)
ACTIVE = [0, 0]     # [running now, most at once]
COUNTS = {}


def _count(key):
    COUNTS[key] = COUNTS.get(key, 0) + 1
    return COUNTS[key]


async def slow(tag: str, seconds: float = 0.2) -> str:
    ACTIVE[0] += 1
    ACTIVE[1] = max(ACTIVE[1], ACTIVE[0])
    LOG.append(("start", tag, time.perf_counter()))
    try:
        await asyncio.sleep(seconds)
    except asyncio.CancelledError:
        LOG.append(("cancelled", tag, time.perf_counter()))
        raise
    finally:
        ACTIVE[0] -= 1
    LOG.append(("end", tag, time.perf_counter()))
    return tag


async def mark(tag: str) -> str:
    LOG.append(("call", tag, time.perf_counter()))
    return "ran " + tag


async def scaled(n: int) -> int:
    ACTIVE[0] += 1
    ACTIVE[1] = max(ACTIVE[1], ACTIVE[0])
    try:
        await asyncio.sleep(0.01 * (6 - n))   # later items finish first
    finally:
        ACTIVE[0] -= 1
    LOG.append(("call", str(n), time.perf_counter()))
    return n * 10


async def flaky(key: str, failures: int) -> str:
    number = _count(key)
    LOG.append(("call", key, time.perf_counter()))
    if number <= failures:
        raise RuntimeError(f"{key} failure {number}")
    return f"{key} ok after {number}"


async def boom(after: float = 0.0) -> str:
    await asyncio.sleep(after)
    LOG.append(("call", "boom", time.perf_counter()))
    raise ValueError("the tool broke")


async def step(n: int) -> int:
    LOG.append(("call", "step", time.perf_counter()))
    return n + 1
"""

TOOL_DECLS = """
tool slow   = python("{m}:slow")
tool mark   = python("{m}:mark")
tool scaled = python("{m}:scaled")
tool flaky  = python("{m}:flaky")
tool boom   = python("{m}:boom")
tool step   = python("{m}:step")
"""


class Program:
    """A program and its tool module in one directory."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.module_name = write_module(directory, TOOLS)
        self.store = StateStore.in_directory(directory / "state")

    def compile(self, body: str) -> Any:
        source = HEADER + OFFLINE_MODEL + TOOL_DECLS.format(m=self.module_name) + body
        return compile_program(self.directory, source)

    def run(self, body: str, workflow: str = "w", inputs: dict[str, Any] | None = None) -> Any:
        return run_plan(self.compile(body), workflow, inputs, store=self.store)

    @property
    def tools(self) -> ModuleType:
        return sys.modules[self.module_name]

    def calls(self, event: str = "call") -> list[str]:
        return [tag for kind, tag, _ in self.tools.LOG if kind == event]


@pytest.fixture
def program(tmp_path: Path) -> Any:
    prog = Program(tmp_path)
    yield prog
    prog.store.close()


# ---------------------------------------------------------------- concurrency


def test_independent_nodes_run_concurrently(program: Program) -> None:
    plan = program.compile(
        """
        workflow w() -> string {
          a = slow(tag: "a")
          b = slow(tag: "b")
          return "{{ a }}+{{ b }}"
        }
        """
    )
    started = time.perf_counter()
    result = run_plan(plan, "w", {}, store=program.store)
    elapsed = time.perf_counter() - started
    assert result.status == "succeeded", result.error
    assert result.output == "a+b"
    assert program.tools.ACTIVE[1] == 2
    starts = {tag: t for kind, tag, t in program.tools.LOG if kind == "start"}
    ends = {tag: t for kind, tag, t in program.tools.LOG if kind == "end"}
    assert max(starts.values()) < min(ends.values())  # both started before either ended
    assert max(ends.values()) - min(starts.values()) < 0.3  # two 0.2 s sleeps overlapped
    assert elapsed < 0.4


def test_a_dependent_node_waits_for_its_input(program: Program) -> None:
    result = program.run(
        """
        workflow w() -> string {
          a = slow(tag: "first", seconds: 0.05)
          b = slow(tag: "{{ a }}-second", seconds: 0.01)
          return b
        }
        """
    )
    assert result.status == "succeeded", result.error
    assert result.output == "first-second"
    log = [(kind, tag) for kind, tag, _ in program.tools.LOG]
    assert log.index(("end", "first")) < log.index(("start", "first-second"))


# ---------------------------------------------------------------- guards and branches


def test_when_guard_skips_the_node_and_default_is_used(program: Program) -> None:
    body = """
        workflow w(x: int) -> string {
          g = mark(tag: "guarded") when x > 5
          v = g ?? "default"
          return v
        }
        """
    skipped = program.run(body, inputs={"x": 1})
    assert skipped.status == "succeeded", skipped.error
    assert skipped.output == "default"
    assert program.calls() == []
    assert nodes_by_id(skipped)["g"].status == "skipped"
    assert stored_nodes(program.store, skipped.run_id)["g"] == "skipped"

    taken = program.run(body, inputs={"x": 9})
    assert taken.status == "succeeded", taken.error
    assert taken.output == "ran guarded"
    assert program.calls() == ["guarded"]


def test_if_else_runs_only_the_taken_branch(program: Program) -> None:
    body = """
        workflow w(x: int) -> string {
          if x > 5 {
            v = mark(tag: "then")
          } else {
            v = mark(tag: "else")
          }
          return v
        }
        """
    high = program.run(body, inputs={"x": 10})
    assert high.status == "succeeded", high.error
    assert high.output == "ran then"
    assert program.calls() == ["then"]

    low = program.run(body, inputs={"x": 1})
    assert low.status == "succeeded", low.error
    assert low.output == "ran else"
    assert program.calls() == ["then", "else"]


def test_if_without_else_leaves_an_optional(program: Program) -> None:
    body = """
        workflow w(x: int) -> string {
          if x > 5 {
            v = mark(tag: "then")
          }
          return v ?? "no branch"
        }
        """
    result = program.run(body, inputs={"x": 1})
    assert result.status == "succeeded", result.error
    assert result.output == "no branch"
    assert program.calls() == []


def test_switch_runs_only_the_matching_arm(program: Program) -> None:
    body = """
        workflow w(kind: "red" | "green" | "blue") -> string {
          switch kind {
            "red" => { v = mark(tag: "R") }
            "green" => { v = mark(tag: "G") }
            else => { v = mark(tag: "other") }
          }
          return v
        }
        """
    green = program.run(body, inputs={"kind": "green"})
    assert green.status == "succeeded", green.error
    assert green.output == "ran G"
    assert program.calls() == ["G"]

    blue = program.run(body, inputs={"kind": "blue"})
    assert blue.status == "succeeded", blue.error
    assert blue.output == "ran other"
    assert program.calls() == ["G", "other"]


# ---------------------------------------------------------------- map


def test_map_keeps_input_order_and_respects_its_concurrency(program: Program) -> None:
    result = program.run(
        """
        workflow w(items: list[int]) -> list[int] {
          out = map n in items concurrency 2 => scaled(n: n)
          return out
        }
        """,
        inputs={"items": [1, 2, 3, 4, 5]},
    )
    assert result.status == "succeeded", result.error
    assert result.output == [10, 20, 30, 40, 50]
    assert program.tools.ACTIVE[1] == 2  # bounded, and actually concurrent
    items = {n.id for n in result.nodes if n.id.startswith("out[")}
    assert items == {f"out[{i}]" for i in range(5)}


def test_map_over_an_empty_list_is_empty(program: Program) -> None:
    result = program.run(
        """
        workflow w(items: list[int]) -> list[int] {
          out = map n in items concurrency 2 => scaled(n: n)
          return out
        }
        """,
        inputs={"items": []},
    )
    assert result.status == "succeeded", result.error
    assert result.output == []
    assert program.calls() == []


# ---------------------------------------------------------------- retry, timeout, fallback, try


def test_per_call_retry_recovers_from_transient_failures(program: Program) -> None:
    result = program.run(
        """
        workflow w() -> string {
          a = flaky(key: "k", failures: 2) { retry = { attempts: 3, backoff: 10ms } }
          return a
        }
        """
    )
    assert result.status == "succeeded", result.error
    assert result.output == "k ok after 3"
    assert program.calls() == ["k", "k", "k"]
    assert nodes_by_id(result)["a"].attempts == 3


def test_retry_limited_to_timeouts_does_not_retry_a_tool_error(program: Program) -> None:
    result = program.run(
        """
        workflow w() -> string {
          a = flaky(key: "k", failures: 2) { retry = { attempts: 3, on: [timeout], backoff: 10ms } }
          return a
        }
        """
    )
    assert result.status == "failed"
    assert program.calls() == ["k"]
    assert result.error["kind"] == "tool"
    assert result.error["node"] == "a"
    assert nodes_by_id(result)["a"].attempts == 1


def test_retry_limited_to_timeouts_retries_a_timeout(program: Program) -> None:
    result = program.run(
        """
        workflow w() -> string {
          a = slow(tag: "t", seconds: 5) { retry = { attempts: 3, on: [timeout], backoff: 10ms }, timeout = 50ms }
          return a
        }
        """
    )
    assert result.status == "failed"
    assert result.error["kind"] == "timeout"
    assert program.calls("start") == ["t", "t", "t"]
    assert program.calls("cancelled") == ["t", "t", "t"]
    assert nodes_by_id(result)["a"].attempts == 3


def test_per_call_timeout_fails_the_node(program: Program) -> None:
    started = time.perf_counter()
    result = program.run(
        """
        workflow w() -> string {
          a = slow(tag: "t", seconds: 5) { timeout = 100ms }
          return a
        }
        """
    )
    assert time.perf_counter() - started < 2
    assert result.status == "failed"
    assert result.error["kind"] == "timeout"
    assert result.error["node"] == "a"
    assert program.calls("cancelled") == ["t"]


def test_fallback_is_used_when_the_call_still_fails(program: Program) -> None:
    result = program.run(
        """
        workflow w() -> string {
          a = flaky(key: "f", failures: 5) { retry = { attempts: 2, backoff: 10ms }, fallback = "plan B" }
          return a
        }
        """
    )
    assert result.status == "succeeded", result.error
    assert result.output == "plan B"
    assert program.calls() == ["f", "f"]
    node = nodes_by_id(result)["a"]
    assert (node.status, node.attempts) == ("failed", 2)


def test_fallback_on_a_timeout(program: Program) -> None:
    result = program.run(
        """
        workflow w() -> string {
          a = slow(tag: "t", seconds: 5) { timeout = 50ms, fallback = "too slow" }
          return a
        }
        """
    )
    assert result.status == "succeeded", result.error
    assert result.output == "too slow"


def test_try_gives_a_result_record(program: Program) -> None:
    result = program.run(
        """
        workflow w() -> {
          bad_ok: bool
          kind: string
          node: string
          message: string
          good_ok: bool
          good: string
        } {
          bad = try boom()
          good = try mark(tag: "fine")
          return {
            bad_ok: bad.ok,
            kind: (bad.error ?? { kind: "failed", message: "", node: "" }).kind,
            node: (bad.error ?? { kind: "failed", message: "", node: "" }).node,
            message: (bad.error ?? { kind: "failed", message: "", node: "" }).message,
            good_ok: good.ok,
            good: good.value ?? "absent",
          }
        }
        """
    )
    assert result.status == "succeeded", result.error
    out = result.output
    assert out["bad_ok"] is False
    assert out["kind"] == "tool"
    assert out["node"] == "bad"
    assert "the tool broke" in out["message"]
    assert out["good_ok"] is True
    assert out["good"] == "ran fine"


def test_try_result_returned_whole(program: Program) -> None:
    result = program.run(
        """
        workflow w() -> Result[string] {
          r = try boom()
          return r
        }
        """
    )
    assert result.status == "succeeded", result.error
    assert result.output["ok"] is False
    assert result.output.get("value") is None
    assert result.output["error"]["kind"] == "tool"
    assert result.output["error"]["node"] == "r"


# ---------------------------------------------------------------- fail, iterate, bounds


def test_fail_when_ends_the_run_with_its_message(program: Program) -> None:
    body = """
        workflow w(n: int) -> string {
          a = mark(tag: "a")
          fail "n is too big: {{ n }}" when n > 3
          return a
        }
        """
    failed = program.run(body, inputs={"n": 7})
    assert failed.status == "failed"
    assert "n is too big: 7" in failed.error["message"]
    assert failed.output is None
    assert failed.error["kind"] == "failed"
    assert failed.error["node"].startswith("fail")
    reasons = [
        row["reason"]
        for row in program.store.query(
            "select reason from audit where run_id=? and action='run.fail'", (failed.run_id,)
        )
    ]
    assert reasons == ["n is too big: 7"]
    fine = program.run(body, inputs={"n": 1})
    assert fine.status == "succeeded", fine.error
    assert fine.output == "ran a"


def test_iterate_stops_as_soon_as_the_condition_holds(program: Program) -> None:
    result = program.run(
        """
        workflow w() -> int {
          last = iterate d = step(n: 0) until d >= 3 max 10 => step(n: d)
          return last
        }
        """
    )
    assert result.status == "succeeded", result.error
    assert result.output == 3
    assert len(program.calls()) == 3  # 0→1, 1→2, 2→3: no call after the condition holds


def test_iterate_never_exceeds_its_max(program: Program) -> None:
    result = program.run(
        """
        workflow w() -> int {
          last = iterate d = step(n: 0) until d >= 100 max 4 => step(n: d)
          return last
        }
        """
    )
    assert result.status == "succeeded", result.error
    assert len(program.calls()) == 4  # INIT included
    assert result.output == 4


def test_iterate_whose_init_already_satisfies_the_condition(program: Program) -> None:
    result = program.run(
        """
        workflow w() -> int {
          last = iterate d = step(n: 50) until d >= 3 max 5 => step(n: d)
          return last
        }
        """
    )
    assert result.status == "succeeded", result.error
    assert result.output == 51
    assert len(program.calls()) == 1


def test_workflow_timeout_bounds_the_run(program: Program) -> None:
    started = time.perf_counter()
    result = program.run(
        """
        workflow w() -> string {
          timeout = 200ms
          a = slow(tag: "long", seconds: 10)
          return a
        }
        """
    )
    assert time.perf_counter() - started < 3
    assert result.status == "failed"
    assert result.error["kind"] == "timeout"
    assert program.calls("cancelled") == ["long"]


def test_max_nodes_exceeded_fails_the_run(program: Program) -> None:
    body = """
        workflow w(items: list[int]) -> list[int] {
          max_nodes = 4
          out = map n in items concurrency 1 => scaled(n: n)
          return out
        }
        """
    small = program.run(body, inputs={"items": [1, 2]})
    assert small.status == "succeeded", small.error
    big = program.run(body, inputs={"items": [1, 2, 3, 4, 5]})
    assert big.status == "failed"
    assert "max_nodes = 4" in big.error["message"]
    assert len(program.calls()) == 2 + 4  # the fifth item never ran
    assert stored_nodes(program.store, big.run_id).get("out[4]") is None


def test_max_nodes_counts_the_nodes_of_sub_workflows(program: Program) -> None:
    body = """
        workflow inner(x: int) -> int {
          y = step(n: x)
          z = step(n: y)
          return z
        }

        workflow w(x: int) -> int {
          max_nodes = 2
          r = inner(x: x)
          return r
        }
        """
    result = program.run(body, inputs={"x": 1})
    assert result.status == "failed"
    assert "max_nodes = 2" in result.error["message"]
    assert len(program.calls()) == 1


# ---------------------------------------------------------------- failure handling


def test_a_failure_cancels_in_flight_siblings_and_keeps_completed_results(
    program: Program,
) -> None:
    started = time.perf_counter()
    result = program.run(
        """
        workflow w() -> string {
          quick = mark(tag: "quick")
          bad = boom(after: 0.1) { retry = { attempts: 2, backoff: 10ms } }
          long = slow(tag: "long", seconds: 5)
          return "{{ quick }} {{ bad }} {{ long }}"
        }
        """
    )
    assert time.perf_counter() - started < 3
    assert result.status == "failed"
    assert program.calls("cancelled") == ["long"]
    assert program.calls("end") == []

    stored = stored_nodes(program.store, result.run_id)
    assert stored["quick"] == "succeeded"
    assert stored["bad"] == "failed"
    assert "return" not in stored

    error = result.error
    assert error["node"] == "bad"
    assert error["kind"] == "tool"
    message = error["message"]
    assert "`bad`" in message  # the node
    assert "`boom`" in message  # the callee
    assert "2 attempt" in message  # the attempts
    assert "ValueError: the tool broke" in message  # the cause
    run = program.store.query("select status from runs where id=?", (result.run_id,))
    assert run[0]["status"] == "failed"


def test_sub_workflow_call(program: Program) -> None:
    result = program.run(
        """
        workflow inner(x: int) -> int {
          y = step(n: x)
          z = step(n: y)
          return z
        }

        workflow w(x: int) -> { inner: int, twice: list[int] } {
          r = inner(x: x)
          many = map v in [1, 2] concurrency 2 => inner(x: v)
          return { inner: r, twice: many }
        }
        """,
        inputs={"x": 5},
    )
    assert result.status == "succeeded", result.error
    assert result.output == {"inner": 7, "twice": [3, 4]}
    assert len(program.calls()) == 6
    ids = set(nodes_by_id(result))
    assert {"r", "r/y", "r/z"} <= ids
    assert {"many[0]/y", "many[1]/z"} <= ids
    stored = stored_nodes(program.store, result.run_id)
    assert stored["r/z"] == "succeeded"


def test_sub_workflow_failure_fails_the_caller(program: Program) -> None:
    result = program.run(
        """
        workflow inner(x: int) -> string {
          y = boom()
          return y
        }

        workflow w(x: int) -> string {
          r = inner(x: x)
          return r
        }
        """,
        inputs={"x": 1},
    )
    assert result.status == "failed"
    assert result.error["kind"] == "tool"
    assert result.error["node"].startswith("r")
    assert stored_nodes(program.store, result.run_id)["r/y"] == "failed"


def test_policy_max_concurrency_bounds_parallel_calls(program: Program) -> None:
    result = program.run(
        """
        policy { max_concurrency = 2 }

        workflow w() -> list[string] {
          a = slow(tag: "a", seconds: 0.05)
          b = slow(tag: "b", seconds: 0.05)
          c = slow(tag: "c", seconds: 0.05)
          d = slow(tag: "d", seconds: 0.05)
          return [a, b, c, d]
        }
        """
    )
    assert result.status == "succeeded", result.error
    assert result.output == ["a", "b", "c", "d"]
    assert program.tools.ACTIVE[1] == 2


def test_sub_workflow_calls_do_not_deadlock_under_max_concurrency_one(program: Program) -> None:
    result = program.run(
        """
        policy { max_concurrency = 1 }

        workflow inner(x: int) -> int {
          y = step(n: x)
          return y
        }

        workflow w(x: int) -> int {
          timeout = 5s
          r = inner(x: x)
          return r
        }
        """,
        inputs={"x": 1},
    )
    assert result.status == "succeeded", result.error
    assert result.output == 2


def test_a_wide_map_of_sub_workflows_does_not_deadlock(program: Program) -> None:
    result = program.run(
        """
        workflow inner(x: int) -> int {
          y = step(n: x)
          return y
        }

        workflow w(items: list[int]) -> list[int] {
          timeout = 5s
          out = map v in items concurrency 16 => inner(x: v)
          return out
        }
        """,
        inputs={"items": list(range(20))},
    )
    assert result.status == "succeeded", result.error
    assert result.output == list(range(1, 21))


def test_retry_of_a_sub_workflow_call_reruns_it(program: Program) -> None:
    result = program.run(
        """
        workflow inner(k: string) -> string {
          y = flaky(key: k, failures: 1)
          return y
        }

        workflow w() -> string {
          r = inner(k: "sub") { retry = { attempts: 2, backoff: 10ms } }
          return r
        }
        """
    )
    assert result.status == "succeeded", result.error
    assert result.output == "sub ok after 2"
    assert nodes_by_id(result)["r"].attempts == 2
    assert stored_nodes(program.store, result.run_id)["r/y"] == "succeeded"


def test_try_around_a_sub_workflow_that_fails(program: Program) -> None:
    result = program.run(
        """
        workflow inner(x: string) -> string {
          fail "inner refuses {{ x }}" when x == "bad"
          y = mark(tag: x)
          return y
        }

        workflow w(v: string) -> { ok: bool, message: string } {
          r = try inner(x: v)
          return { ok: r.ok, message: (r.error ?? { kind: "failed", message: "-", node: "" }).message }
        }
        """,
        inputs={"v": "bad"},
    )
    assert result.status == "succeeded", result.error
    assert result.output == {"ok": False, "message": "inner refuses bad"}


def test_fallback_on_a_map_applies_to_each_item(program: Program) -> None:
    """Settings on `map` apply to each item, so `fallback` has the item's type."""
    plan = program.compile(
        """
        workflow w(items: list[string]) -> list[string] {
          out = map n in items concurrency 2 => flaky(key: n, failures: 9) { fallback = "none" }
          return out
        }
        """
    )
    result = run_plan(plan, "w", {"items": ["p", "q"]}, store=program.store)
    assert result.status == "succeeded", result.error
    assert result.output == ["none", "none"]


def test_map_settings_apply_to_each_item(program: Program) -> None:
    result = program.run(
        """
        workflow w(names: list[string]) -> list[string] {
          out = map k in names concurrency 3 => flaky(key: k, failures: 1) { retry = { attempts: 2, backoff: 10ms } }
          return out
        }
        """,
        inputs={"names": ["a", "b", "c"]},
    )
    assert result.status == "succeeded", result.error
    assert result.output == ["a ok after 2", "b ok after 2", "c ok after 2"]
    nodes = nodes_by_id(result)
    assert [nodes[f"out[{i}]"].attempts for i in range(3)] == [2, 2, 2]


def test_a_failing_map_item_cancels_the_others_and_is_named(program: Program) -> None:
    result = program.run(
        """
        workflow w(tags: list[string]) -> list[string] {
          out = map t in tags concurrency 3 => slow(tag: t, seconds: 0.05) { timeout = 1s }
          bad = boom(after: 0.01)
          return out
        }
        """,
        inputs={"tags": ["x", "y", "z"]},
    )
    assert result.status == "failed"
    assert result.error["node"] == "bad"
    assert sorted(program.calls("cancelled")) == ["x", "y", "z"]

    item_fails = program.run(
        """
        workflow w(names: list[string]) -> list[string] {
          out = map k in names concurrency 3 => flaky(key: k, failures: 1)
          return out
        }
        """,
        inputs={"names": ["p", "q"]},
    )
    assert item_fails.status == "failed"
    assert item_fails.error["node"] in ("out[0]", "out[1]")
    assert item_fails.error["kind"] == "tool"


def test_a_failing_expression_fails_its_node(program: Program) -> None:
    result = program.run(
        """
        workflow w(items: list[int]) -> int {
          third = items[2]
          return third
        }
        """,
        inputs={"items": [1, 2]},
    )
    assert result.status == "failed"
    assert result.error["node"] == "third"
    assert "out of range" in result.error["message"]
    assert stored_nodes(program.store, result.run_id).get("return") is None


def test_retry_backoff_is_honoured(program: Program) -> None:
    started = time.perf_counter()
    result = program.run(
        """
        workflow w() -> string {
          a = flaky(key: "b", failures: 2) { retry = { attempts: 3, backoff: 100ms } }
          return a
        }
        """
    )
    elapsed = time.perf_counter() - started
    assert result.status == "succeeded", result.error
    times = [t for kind, tag, t in program.tools.LOG if kind == "call"]
    gaps = [later - earlier for earlier, later in itertools.pairwise(times)]
    assert len(gaps) == 2
    assert gaps[0] >= 0.045  # 100ms, jittered down to at most half
    assert gaps[1] >= 0.095  # doubled
    assert elapsed < 2


def test_else_if_chain_takes_the_first_true_arm(program: Program) -> None:
    body = """
        workflow w(x: int) -> string {
          if x > 10 {
            v = mark(tag: "big")
          } else if x > 5 {
            v = mark(tag: "medium")
          } else {
            v = mark(tag: "small")
          }
          return v
        }
        """
    outputs = [program.run(body, inputs={"x": x}).output for x in (7, 20, 1)]
    assert outputs == ["ran medium", "ran big", "ran small"]
    assert program.calls() == ["medium", "big", "small"]


def test_switch_on_a_string_without_else_and_no_match(program: Program) -> None:
    body = """
        workflow w(word: string) -> string {
          switch word {
            "a" => { v = mark(tag: "A") }
            "b" => { v = mark(tag: "B") }
          }
          return v ?? "no match"
        }
        """
    result = program.run(body, inputs={"word": "zzz"})
    assert result.status == "succeeded", result.error
    assert result.output == "no match"
    assert program.calls() == []
    matched = program.run(body, inputs={"word": "b"})
    assert matched.output == "ran B"
    assert program.calls() == ["B"]


def test_switch_with_an_arm_named_then(program: Program) -> None:
    result = program.run(
        """
        workflow w(word: string) -> string {
          switch word {
            "then" => { v = mark(tag: "T") }
          }
          return v ?? "no match"
        }
        """,
        inputs={"word": "zzz"},
    )
    assert result.status == "succeeded", result.error
    assert result.output == "no match"
    assert program.calls() == []


def test_a_failure_inside_a_sub_workflow_names_the_inner_node(program: Program) -> None:
    result = program.run(
        """
        workflow inner(k: string) -> string {
          v = flaky(key: k, failures: 9)
          return v
        }
        workflow outer(k: string) -> string {
          r = inner(k: k)
          return r
        }
        """,
        workflow="outer",
        inputs={"k": "deep"},
    )
    assert result.status == "failed"
    assert result.error is not None
    assert result.error["node"] == "r/v"
