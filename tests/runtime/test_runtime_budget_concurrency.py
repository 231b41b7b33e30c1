"""Budgets under concurrency: 100 parallel model calls against a budget that covers 30 never
spend more than the budget, in one process and across two processes sharing the store.

Every call reserves its worst case (counted input tokens + `max_tokens`, priced) before it
runs. The calls here all cost the same, and the model's `max_tokens = 1` makes the real cost
equal to the reservation (the offline provider cuts its answer to `max_tokens`), so exactly
30 calls fit: a budget that let a 31st through would be overspent.
"""

from __future__ import annotations

import json
import subprocess
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

from runtime_support import (
    WideFakeServer,
    audit_rows,
    cli_command,
    cli_env,
    compile_program,
    node_rows,
    openai_model,
    query,
    run,
)

from agentflow.compiler.plan import Plan
from agentflow.runtime.models import estimate_input_tokens, price_of
from agentflow.runtime.providers.base import ChatMessage, ModelRequest
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


def calibrated(directory: Path, model: str, window: str) -> tuple[Plan, Decimal, Decimal]:
    """The plan with a budget of exactly FITS reservations, the reservation and the limit."""
    draft = compile_program(directory, program(model, window, "$1"))
    each = reservation(draft, ITEMS[0])
    assert each > 0
    limit = each * FITS
    plan = compile_program(directory, program(model, window, f"${limit:f}"))
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
            "m", server.base_url, max_tokens="1", price="{ input: $1000, output: $2000 }"
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


def test_two_processes_sharing_the_store_stay_within_the_daily_budget(tmp_path: Path) -> None:
    plan, each, limit = calibrated(tmp_path, OFFLINE_MODEL, "daily")
    inputs = tmp_path / "items.json"
    inputs.write_text(json.dumps({"items": ITEMS}))
    state = tmp_path / "state"
    command = cli_command(
        "run",
        plan.source,
        "-w",
        "many",
        "--input-json",
        str(inputs),
        "--json",
        "--state",
        str(state),
    )
    env = cli_env()
    day = time.strftime("day:%Y-%m-%d", time.gmtime())

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
    assert window["window"] in (day, time.strftime("day:%Y-%m-%d", time.gmtime()))
    assert Decimal(window["spent"]) <= limit
    assert Decimal(window["spent"]) == sum(costs)
    assert Decimal(window["reserved"]) == 0
    runs = query(state, "SELECT status, cost_usd FROM runs")
    assert len(runs) == 2 and {r["status"] for r in runs} == {"succeeded"}
    assert sum(Decimal(r["cost_usd"]) for r in runs) == sum(costs)
    refusals = [r for r in audit_rows(state, "budget.reserve") if r["decision"] == "deny"]
    assert len(refusals) == 200 - FITS


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
