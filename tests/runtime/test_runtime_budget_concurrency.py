"""Budgets under concurrency: 100 parallel model calls against a budget that covers 30 never
spend more than the budget, in one process and across two processes sharing the store.

Every call reserves its worst case (counted input tokens + `max_tokens`, priced) before it
runs. The calls here all cost the same, and the model's `max_tokens = 1` makes the real cost
equal to the reservation (the offline provider cuts its answer to `max_tokens`), so exactly
30 calls fit: a budget that let a 31st through would be overspent.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fakes.servers import FakeServer
from runtime_support import (
    WideFakeServer,
    anthropic_model,
    audit_rows,
    cli_command,
    cli_env,
    compile_program,
    node_rows,
    openai_model,
    query,
    run,
    write_program,
)

import agentflow
from agentflow.compiler.plan import Plan
from agentflow.runtime.models import HIDDEN_PROMPT_TOKENS, estimate_input_tokens, price_of
from agentflow.runtime.providers.base import ChatMessage, ModelRequest
from agentflow.runtime.state.store import StateStore
from agentflow.runtime.tokens import count_tokens

ITEMS = ["same question"] * 100
DENIED = "denied"
FITS = 30

PROGRAM = """agentflow 1
{model}
agent ask {{
  model = m
  input {{ q: string }}
  output = string
  prompt = "Answer {{{{ q }}}}"
}}

budget b {{
  {window} = {limit}
  on_exceed = stop
}}

policy {{ max_concurrency = 100 }}

# `try` per item: a call the budget refuses yields "denied" and the run goes on
workflow one(q: string) -> string {{
  r = try ask(q: q)
  return r.value ?? "{denied}"
}}

workflow many(items: list[string]) -> list[string] {{
  budget = b
  answers = map i in items concurrency 100 => one(q: i)
  return answers
}}
"""

OFFLINE_MODEL = """model m {
  provider = offline
  max_tokens = 1
  price = { input: $1000, output: $2000 }
}
"""


def program(model: str, window: str, limit: str) -> str:
    return PROGRAM.format(model=model, window=window, limit=limit, denied=DENIED)


def reservation(plan: Plan, question: str) -> Decimal:
    """The worst case the router reserves for one `ask` call, from the runtime's own
    estimate functions."""
    model = plan.models["m"]
    request = ModelRequest(
        model=model,
        agent="ask",
        system=None,
        messages=(ChatMessage("user", f"Answer {question}"),),
        tools=(),
        output_schema=None,
        max_tokens=model.max_tokens,
        temperature=None,
    )
    tokens = estimate_input_tokens(request, count_tokens, model.provider)
    return price_of(model, tokens, request.max_tokens)


def calibrated(
    directory: Path, model: str, window: str, extra: str = ""
) -> tuple[Plan, Decimal, Decimal]:
    """The plan with a budget of exactly FITS reservations, the reservation and the limit."""
    draft = compile_program(directory, program(model, window, "$1") + extra)
    each = reservation(draft, ITEMS[0])
    assert each > 0
    limit = each * FITS
    plan = compile_program(directory, program(model, window, f"${limit:f}") + extra)
    assert getattr(plan.budgets["b"], window) == limit
    return plan, each, limit


def spend_rows(state: Path, prefix: str) -> list[dict[str, Any]]:
    return query(state, "SELECT * FROM spend WHERE budget = 'b' AND window LIKE ?", (prefix + "%",))


def test_100_parallel_calls_never_overspend_a_per_run_budget(tmp_path: Path) -> None:
    plan, each, limit = calibrated(tmp_path, OFFLINE_MODEL, "per_run")
    state = tmp_path / "state"

    result = run(plan, "many", {"items": ITEMS}, state_dir=state)

    assert result.status == "succeeded", result.error
    answered = [a for a in result.output if a != DENIED]
    assert len(result.output) == 100
    assert len(answered) == FITS
    assert result.cost_usd == each * FITS == limit
    [window] = spend_rows(state, "run:")
    assert window["window"] == f"run:{result.run_id}"
    assert Decimal(window["spent"]) <= limit
    assert Decimal(window["spent"]) == result.cost_usd
    assert Decimal(window["reserved"]) == 0  # nothing left held
    # every reservation was the computed worst case; 70 were refused
    reserves = [r for r in audit_rows(state, "budget.reserve") if r["decision"] == "allow"]
    assert len(reserves) == FITS
    assert {Decimal(r["details"]["amount_usd"]) for r in reserves} == {each}
    refusals = [r for r in audit_rows(state, "budget.reserve") if r["decision"] == "deny"]
    assert len(refusals) == 100 - FITS
    assert {r["resource"] for r in refusals} == {"budget:b"}
    nodes = node_rows(state, result.run_id)
    calls = {k: v for k, v in nodes.items() if k.endswith("/r")}
    assert len(calls) == 100
    denied = [v for v in calls.values() if v["status"] == "failed"]
    assert len(denied) == 100 - FITS
    assert {v["error"]["kind"] for v in denied} == {"budget"}
    assert sum(Decimal(v["cost_usd"]) for v in calls.values()) == result.cost_usd


def test_concurrent_in_flight_calls_hold_their_reservations(tmp_path: Path) -> None:
    """Against a slow server all 100 calls are in flight together: only the 30 the budget
    can hold are ever sent, whatever the server would have charged."""
    with WideFakeServer("openai") as server:
        model = openai_model(
            "m", server.base_url, max_tokens=1, price="{ input: $1000, output: $2000 }"
        )
        plan, each, limit = calibrated(tmp_path, model, "per_run")
        for _ in range(100):
            server.push_text("ok", delay=0.5, input_tokens=1, output_tokens=1)
        state = tmp_path / "state"

        result = run(plan, "many", {"items": ITEMS}, state_dir=state, env={"AF_TEST_KEY": "k"})

        assert result.status == "succeeded", result.error
        assert len(server.requests) == FITS
        assert result.output.count("ok") == FITS
        assert result.output.count(DENIED) == 100 - FITS
    [window] = spend_rows(state, "run:")
    assert Decimal(window["spent"]) == price_of(plan.models["m"], 1, 1) * FITS <= limit
    assert Decimal(window["reserved"]) == 0
    reserves = [r for r in audit_rows(state, "budget.reserve") if r["decision"] == "allow"]
    assert {Decimal(r["details"]["amount_usd"]) for r in reserves} == {each}


GATED_WORKFLOW = """
tool gate = python("gate:wait_until") {
  input { at: float }
  output = string
}

workflow gated(items: list[string], at: float) -> list[string] {
  budget = b
  ready = gate(at: at)
  answers = map i in items concurrency 100 => one(q: i + ready)
  return answers
}
"""

GATE_MODULE = """import time


def wait_until(at: float) -> str:
    time.sleep(max(0.0, at - time.time()))
    return ""
"""


def test_two_processes_sharing_the_store_stay_within_the_daily_budget(tmp_path: Path) -> None:
    """Two CLI processes, released together by a wall-clock gate, each run 100 parallel
    calls against one `daily` budget in one state directory: 30 calls fit in all."""
    (tmp_path / "gate.py").write_text(GATE_MODULE)
    plan, each, limit = calibrated(tmp_path, OFFLINE_MODEL, "daily", extra=GATED_WORKFLOW)
    inputs = tmp_path / "items.json"
    inputs.write_text(json.dumps({"items": ITEMS, "at": time.time() + 3.0}))
    state = tmp_path / "state"
    StateStore.in_directory(state).close()  # see test_concurrent_first_open_of_a_state_dir
    command = cli_command(
        "run",
        plan.source,
        "-w",
        "gated",
        "--input-json",
        str(inputs),
        "--json",
        "--state",
        str(state),
    )
    env = cli_env()

    processes = [
        subprocess.Popen(
            command,
            env=env,
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    outputs = []
    for process in processes:
        stdout, stderr = process.communicate(timeout=60)
        assert process.returncode == 0, stderr
        outputs.append(json.loads(stdout))

    answered = [sum(1 for a in out["output"] if a != DENIED) for out in outputs]
    assert sum(answered) == FITS
    costs = [Decimal(out["cost_usd"]) for out in outputs]
    assert sum(costs) == each * FITS == limit
    [window] = spend_rows(state, "day:")
    assert Decimal(window["spent"]) <= limit
    assert Decimal(window["spent"]) == sum(costs)
    assert Decimal(window["reserved"]) == 0
    runs = query(state, "SELECT status, cost_usd FROM runs")
    assert len(runs) == 2 and {r["status"] for r in runs} == {"succeeded"}
    assert sum(Decimal(r["cost_usd"]) for r in runs) == sum(costs)
    reserves = audit_rows(state, "budget.reserve")
    assert sum(r["decision"] == "deny" for r in reserves) == 200 - FITS
    assert {Decimal(r["details"]["amount_usd"]) for r in reserves} == {each}


def test_a_later_run_finds_the_daily_budget_spent(tmp_path: Path) -> None:
    """Daily windows persist across runs: once 30 calls are spent, the next run gets none."""
    plan, _, limit = calibrated(tmp_path, OFFLINE_MODEL, "daily")
    state = tmp_path / "state"
    first = run(plan, "many", {"items": ITEMS[:40]}, state_dir=state)
    second = run(plan, "many", {"items": ITEMS[:5]}, state_dir=state)
    assert first.output.count(DENIED) == 10
    assert second.output == [DENIED] * 5
    assert second.cost_usd == 0
    [window] = spend_rows(state, "day:")
    assert Decimal(window["spent"]) == limit


def test_sub_workflow_calls_beyond_max_concurrency_do_not_deadlock(tmp_path: Path) -> None:
    """A call holding a concurrency slot must not wait for another slot for its own nested
    calls: more concurrent sub-workflow calls than `max_concurrency` once hung the run (each
    outer call held a slot its inner model call then waited for)."""
    source = program(OFFLINE_MODEL, "per_run", "$100").replace(
        "policy { max_concurrency = 100 }", "policy { max_concurrency = 2 }"
    )
    plan = compile_program(tmp_path, source)

    async def bounded() -> Any:
        from agentflow.runtime.api import run_workflow

        return await asyncio.wait_for(
            run_workflow(plan, "many", {"items": ITEMS[:8]}, state_dir=tmp_path / "state"),
            timeout=20,
        )

    result = asyncio.run(bounded())
    assert result.status == "succeeded", result.error
    assert len(result.output) == 8
    assert DENIED not in result.output


def test_two_processes_with_calls_in_flight_hold_reservations_across_processes(
    tmp_path: Path,
) -> None:
    """The same two gated processes against a slow loopback server: each call holds its
    reservation while in flight, so at no time are more than 30 calls out, across both
    processes, and the day's spend stays within the limit."""
    delay = 1.5
    with WideFakeServer("openai") as server:
        model = openai_model(
            "m", server.base_url, max_tokens=1, price="{ input: $1000, output: $2000 }"
        )
        (tmp_path / "gate.py").write_text(GATE_MODULE)
        plan, _, limit = calibrated(tmp_path, model, "daily", extra=GATED_WORKFLOW)
        for _ in range(200):
            server.push_text("ok", delay=delay, input_tokens=1, output_tokens=1)
        inputs = tmp_path / "items.json"
        inputs.write_text(json.dumps({"items": ITEMS, "at": time.time() + 3.0}))
        state = tmp_path / "state"
        StateStore.in_directory(state).close()  # see test_concurrent_first_open_of_a_state_dir
        command = cli_command(
            "run",
            plan.source,
            "-w",
            "gated",
            "--input-json",
            str(inputs),
            "--json",
            "--state",
            str(state),
        )
        env = cli_env({"AF_TEST_KEY": "k"})
        processes = [
            subprocess.Popen(
                command,
                env=env,
                cwd=tmp_path,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for _ in range(2)
        ]
        outputs = []
        for process in processes:
            stdout, stderr = process.communicate(timeout=60)
            assert process.returncode == 0, stderr
            outputs.append(json.loads(stdout))

        assert 1 <= server.most_in_flight(delay) <= FITS
        sent = len(server.requests)
    answered = sum(out["output"].count("ok") for out in outputs)
    assert answered == sent >= FITS
    [window] = spend_rows(state, "day:")
    assert Decimal(window["spent"]) == price_of(plan.models["m"], 1, 1) * sent <= limit
    assert Decimal(window["reserved"]) == 0


# ---------------------------------------------------------------------------------------------
# Findings
# ---------------------------------------------------------------------------------------------


def test_map_fallback_applies_per_item(tmp_path: Path) -> None:
    """LANGUAGE.md: per-call settings on `map` apply to each item, `fallback` included (the
    compiler once type-checked it against the whole list while the runtime used it per item)."""
    source = """agentflow 1
tool boom = python("boom:boom") {
  input { x: int }
  output = int
}

workflow w(items: list[int]) -> list[int] {
  r = map i in items concurrency 2 => boom(x: i) { fallback = 0 }
  return r
}
"""
    (tmp_path / "boom.py").write_text(
        "def boom(x: int) -> int:\n    if x % 2:\n        raise ValueError('odd')\n    return x\n"
    )
    plan = compile_program(tmp_path, source)
    result = run(plan, "w", {"items": [1, 2, 3, 4]}, state_dir=tmp_path / "state")
    assert result.status == "succeeded", result.error
    assert result.output == [0, 2, 0, 4]


def test_map_fallback_of_the_list_type_is_rejected(tmp_path: Path) -> None:
    """The other half: a fallback of the list's type would put a list in an item's place."""
    source = """agentflow 1
tool boom = python("boom:boom") {
  input { x: int }
  output = int
}

workflow w(items: list[int]) -> list[int] {
  r = map i in items concurrency 2 => boom(x: i) { fallback = [] }
  return r
}
"""
    (tmp_path / "boom.py").write_text("def boom(x: int) -> int:\n    return x\n")
    path = write_program(tmp_path, source)
    with pytest.raises(agentflow.CompileError) as caught:
        agentflow.compile(source, str(path))
    assert "AF211" in {d.code for d in caught.value.diagnostics if d.is_error}


def test_reported_usage_above_the_estimate_cannot_overspend(tmp_path: Path) -> None:
    source = """agentflow 1
{model}
agent describer {{
  model = m
  input {{ city: string }}
  output {{ name: string, coastal: bool }}
  prompt = "Describe {{{{ city }}}}."
}}

budget b {{
  per_run = {limit}
  on_exceed = stop
}}

workflow describe(city: string) -> {{ name: string, coastal: bool }} {{
  budget = b
  info = describer(city: city)
  return info
}}
"""
    with FakeServer("anthropic") as server:
        model = anthropic_model("m", server.base_url, max_tokens=64)
        draft = compile_program(tmp_path, source.format(model=model, limit="$1"))
        plan_model = draft.models["m"]
        request = ModelRequest(
            model=plan_model,
            agent="describer",
            system=None,
            messages=(ChatMessage("user", "Describe Lisbon."),),
            tools=(),
            output_schema=draft.agents["describer"].output_schema,
            max_tokens=plan_model.max_tokens,
            temperature=None,
        )
        estimated = estimate_input_tokens(request, count_tokens, "anthropic")
        limit = price_of(plan_model, estimated, plan_model.max_tokens)
        plan = compile_program(tmp_path, source.format(model=model, limit=f"${limit:f}"))
        server.push_tool_calls(
            [("final_output", {"name": "Lisbon", "coastal": True})],
            # the reservation already pads for this hidden prompt (HIDDEN_PROMPT_TOKENS)
            input_tokens=estimated - HIDDEN_PROMPT_TOKENS["anthropic"] + 313,
            output_tokens=plan_model.max_tokens,
        )
        state = tmp_path / "state"
        result = run(
            plan, "describe", {"city": "Lisbon"}, state_dir=state, env={"AF_TEST_KEY": "k"}
        )

    [reserve] = [r for r in audit_rows(state, "budget.reserve") if r["decision"] == "allow"]
    assert Decimal(reserve["details"]["amount_usd"]) == limit  # the estimate is the runtime's
    assert result.status == "succeeded", result.error
    [window] = spend_rows(state, "run:")
    assert Decimal(window["spent"]) <= limit


def test_concurrent_first_open_of_a_state_dir_waits_for_the_other_writer(tmp_path: Path) -> None:
    import sqlite3
    import threading

    state = tmp_path / "state"
    state.mkdir()
    other = sqlite3.connect(state / "state.db", isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")  # what a second process holds while it sets the store up
    releaser = threading.Timer(0.3, lambda: other.execute("ROLLBACK"))
    releaser.start()
    started = time.monotonic()
    try:
        store = StateStore.in_directory(state)
        store.close()
    finally:
        releaser.join()
        other.close()
    assert time.monotonic() - started >= 0.25
