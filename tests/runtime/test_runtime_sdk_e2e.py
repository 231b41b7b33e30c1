"""The whole runtime (compile, run_workflow, agent loop, router, policy, store) driving the
real `anthropic` and `openai` SDKs against the loopback fake servers.

Each test writes a program whose model points at a fake server with `base_url` and reads
its key with `env(...)`; the key is passed through `run_workflow(..., env=...)`.
"""

from __future__ import annotations

import json
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fakes.servers import FakeServer
from runtime_support import (
    ASK_PROGRAM,
    anthropic_model,
    audit_rows,
    compile_program,
    node_rows,
    openai_model,
    query,
    run,
)

from agentflow.runtime.models import price_of

KEY_ENV = "AF_TEST_KEY"
ENV = {KEY_ENV: "sk-test-e2e-0123456789"}
FLAVORS = ["anthropic", "openai"]


def server_for(request: pytest.FixtureRequest, flavor: str) -> FakeServer:
    return request.getfixturevalue(f"{flavor}_server")


def model_decl(flavor: str, name: str, server: FakeServer, **extra: str) -> str:
    builder = anthropic_model if flavor == "anthropic" else openai_model
    return builder(name, server.base_url, KEY_ENV, **extra)


# ---------------------------------------------------------------------------------------------
# Tool-call round trip
# ---------------------------------------------------------------------------------------------

CALC_PROGRAM = """agentflow 1
{model}
tool calc = stdlib.calculator

agent solver {{
  model = primary
  tools = [calc]
  max_steps = 4
  input {{ question: string }}
  output = string
  system = "Use the calculator for arithmetic."
  prompt = "{{{{ question }}}}"
}}

workflow solve(question: string) -> string {{
  answer = solver(question: question)
  return answer
}}
"""


def tool_results_sent(flavor: str, body: dict[str, Any]) -> list[tuple[str, str, bool]]:
    """(call id, content, is_error) of every tool result in a request body."""
    found = []
    for message in body["messages"]:
        if flavor == "openai":
            if message["role"] == "tool":
                found.append((message["tool_call_id"], message["content"], False))
            continue
        if isinstance(message["content"], list):
            for block in message["content"]:
                if block.get("type") == "tool_result":
                    found.append(
                        (block["tool_use_id"], block["content"], bool(block.get("is_error")))
                    )
    return found


@pytest.mark.parametrize("flavor", FLAVORS)
def test_tool_call_round_trip(flavor: str, request: pytest.FixtureRequest, tmp_path: Path) -> None:
    server = server_for(request, flavor)
    plan = compile_program(
        tmp_path, CALC_PROGRAM.format(model=model_decl(flavor, "primary", server))
    )
    server.push_tool_calls([("calc", {"expression": "6 * 7"})], input_tokens=30, output_tokens=8)
    server.push_text("The answer is 42.", input_tokens=45, output_tokens=6)

    result = run(
        plan, "solve", {"question": "What is six times seven?"}, state_dir=tmp_path / "s", env=ENV
    )

    assert result.status == "succeeded", result.error
    assert result.output == "The answer is 42."
    assert len(server.requests) == 2
    first, second = server.bodies
    offered = (
        [t["name"] for t in first["tools"]]
        if flavor == "anthropic"
        else [t["function"]["name"] for t in first["tools"]]
    )
    assert offered == ["calc"]
    assert tool_results_sent(flavor, first) == []
    call_id = "toolu_01" if flavor == "anthropic" else "call_01"
    assert tool_results_sent(flavor, second) == [(call_id, "42.0", False)]
    # the usage the fake reported is what the run accounts and prices
    assert (result.input_tokens, result.output_tokens) == (75, 14)
    assert result.cost_usd == price_of(plan.models["primary"], 75, 14) > 0
    [node] = result.nodes
    assert (node.id, node.status, node.attempts) == ("answer", "succeeded", 1)
    assert node_rows(tmp_path / "s", result.run_id)["answer"]["output"] == "The answer is 42."
    allowed = [r for r in audit_rows(tmp_path / "s", "authorize") if r["resource"] == "tool:calc"]
    assert [r["decision"] for r in allowed] == ["allow"]


# ---------------------------------------------------------------------------------------------
# Structured output
# ---------------------------------------------------------------------------------------------

CITY_PROGRAM = """agentflow 1
{model}
type City {{
  name: string
  population: int
  coastal: bool
  tags: list[string]
}}

agent describer {{
  model = primary
  input {{ city: string }}
  output = City
  prompt = "Describe {{{{ city }}}}."
}}

workflow describe(city: string) -> City {{
  info = describer(city: city)
  return info
}}
"""

LISBON = {"name": "Lisbon", "population": 545000, "coastal": True, "tags": ["capital", "port"]}


def push_structured(server: FakeServer, flavor: str, value: Any) -> None:
    if flavor == "anthropic":
        server.push_tool_calls([("final_output", value)])
    else:
        server.push_text(json.dumps(value))


@pytest.mark.parametrize("flavor", FLAVORS)
def test_structured_output_is_requested_as_schema_and_validated(
    flavor: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    server = server_for(request, flavor)
    plan = compile_program(
        tmp_path, CITY_PROGRAM.format(model=model_decl(flavor, "primary", server))
    )
    push_structured(server, flavor, LISBON)

    result = run(plan, "describe", {"city": "Lisbon"}, state_dir=tmp_path / "s", env=ENV)

    assert result.status == "succeeded", result.error
    assert result.output == LISBON
    [body] = server.bodies
    if flavor == "anthropic":
        [tool] = body["tools"]
        assert tool["name"] == "final_output"
        schema = tool["input_schema"]
        assert body["tool_choice"] == {"type": "tool", "name": "final_output"}
    else:
        assert body["response_format"]["type"] == "json_schema"
        schema = body["response_format"]["json_schema"]["schema"]
    assert schema["type"] == "object"
    assert set(schema["required"]) == {"name", "population", "coastal", "tags"}
    assert schema["properties"]["population"]["type"] == "integer"


@pytest.mark.parametrize("flavor", FLAVORS)
def test_invalid_structured_output_gets_one_repair_turn(
    flavor: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    server = server_for(request, flavor)
    plan = compile_program(
        tmp_path, CITY_PROGRAM.format(model=model_decl(flavor, "primary", server))
    )
    push_structured(server, flavor, {"name": "Lisbon", "population": "many"})  # invalid
    push_structured(server, flavor, LISBON)

    result = run(plan, "describe", {"city": "Lisbon"}, state_dir=tmp_path / "s", env=ENV)

    assert result.status == "succeeded", result.error
    assert result.output == LISBON
    assert len(server.requests) == 2
    repair = json.dumps(server.bodies[1]["messages"][-1])
    assert "does not match the required JSON schema" in repair


@pytest.mark.parametrize("flavor", FLAVORS)
def test_structured_output_still_invalid_after_repair_fails_validation(
    flavor: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    server = server_for(request, flavor)
    plan = compile_program(
        tmp_path, CITY_PROGRAM.format(model=model_decl(flavor, "primary", server))
    )
    push_structured(server, flavor, {"name": "Lisbon"})
    push_structured(server, flavor, {"name": "Lisbon", "population": -1.5})

    result = run(plan, "describe", {"city": "Lisbon"}, state_dir=tmp_path / "s", env=ENV)

    assert result.status == "failed"
    assert result.error is not None
    assert (result.error["kind"], result.error["node"]) == ("validation", "info")
    assert len(server.requests) == 2


# ---------------------------------------------------------------------------------------------
# Rate limits, server errors, timeouts, failover
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("flavor", FLAVORS)
def test_429_with_retry_after_is_waited_out_then_succeeds(
    flavor: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    server = server_for(request, flavor)
    plan = compile_program(
        tmp_path, ASK_PROGRAM.format(models=model_decl(flavor, "primary", server))
    )
    server.push_error(429, "slow down", headers={"Retry-After": "1"})
    server.push_text("finally")

    started = time.monotonic()
    result = run(plan, "ask", {"q": "hello"}, state_dir=tmp_path / "s", env=ENV)
    elapsed = time.monotonic() - started

    assert result.status == "succeeded", result.error
    assert result.output == "finally"
    assert len(server.requests) == 2
    assert elapsed >= 1.0
    # the retried request is the same request
    assert server.bodies[0] == server.bodies[1]


def test_500s_exhaust_retries_then_fail_over_to_the_fallback_model(
    anthropic_server: FakeServer, openai_server: FakeServer, tmp_path: Path
) -> None:
    models = anthropic_model(
        "primary",
        anthropic_server.base_url,
        KEY_ENV,
        retry="{ attempts: 2, backoff: 50ms }",
        fallback="backup",
    ) + openai_model("backup", openai_server.base_url, KEY_ENV)
    plan = compile_program(tmp_path, ASK_PROGRAM.format(models=models))
    anthropic_server.push_error(500, "boom 1").push_error(503, "boom 2")
    openai_server.push_text("served by the backup", input_tokens=7, output_tokens=4)

    result = run(plan, "ask", {"q": "hello"}, state_dir=tmp_path / "s", env=ENV)

    assert result.status == "succeeded", result.error
    assert result.output == "served by the backup"
    assert len(anthropic_server.requests) == 2  # both attempts of the primary
    assert len(openai_server.requests) == 1
    assert (result.input_tokens, result.output_tokens) == (7, 4)
    assert result.cost_usd == price_of(plan.models["backup"], 7, 4)
    [failover] = audit_rows(tmp_path / "s", "model.failover")
    assert failover["resource"] == "model:backup"
    assert failover["decision"] == "warn"
    assert failover["details"]["from_model"] == "primary"
    assert failover["details"]["node"] == "a"
    assert failover["run_id"] == result.run_id


def test_fallback_failing_too_reports_the_last_error(
    anthropic_server: FakeServer, openai_server: FakeServer, tmp_path: Path
) -> None:
    models = anthropic_model(
        "primary", anthropic_server.base_url, KEY_ENV, retry="0", fallback="backup"
    ) + openai_model("backup", openai_server.base_url, KEY_ENV, retry="0")
    plan = compile_program(tmp_path, ASK_PROGRAM.format(models=models))
    anthropic_server.push_error(500, "primary down")
    openai_server.push_error(500, "backup down")

    result = run(plan, "ask", {"q": "hello"}, state_dir=tmp_path / "s", env=ENV)

    assert result.status == "failed"
    assert result.error is not None
    assert result.error["kind"] == "model"
    assert "backup down" in result.error["message"]
    assert (len(anthropic_server.requests), len(openai_server.requests)) == (1, 1)


@pytest.mark.parametrize("flavor", FLAVORS)
def test_model_timeout_after_retries(
    flavor: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    server = server_for(request, flavor)
    # `retry = 1` lowers to two attempts in all (see `retry_of` in compiler/lower.py)
    models = model_decl(flavor, "primary", server, timeout="1s", retry="1")
    plan = compile_program(tmp_path, ASK_PROGRAM.format(models=models))
    assert plan.models["primary"].retry.attempts == 2
    server.push_text("too late", delay=3.0)
    server.push_text("too late again", delay=3.0)

    started = time.monotonic()
    result = run(plan, "ask", {"q": "hello"}, state_dir=tmp_path / "s", env=ENV)
    elapsed = time.monotonic() - started

    assert result.status == "failed"
    assert result.error is not None
    assert result.error["kind"] == "timeout"
    assert result.error["node"] == "a"
    assert len(server.requests) == 2
    assert 2.0 <= elapsed < 5.5  # two 1 s attempts and a short backoff, not the 3 s delays
    [node] = result.nodes
    assert node.status == "failed"
    stored = node_rows(tmp_path / "s", result.run_id)["a"]
    assert stored["error"]["kind"] == "timeout"
    assert stored["status"] == "failed"


MANY_PROGRAM = """
agent asker {
  model = primary
  input { q: string }
  output = string
  prompt = "{{ q }}"
}

workflow many(items: list[string]) -> list[string] {
  answers = map i in items concurrency 1 => asker(q: i)
  return answers
}
"""


def test_circuit_opens_after_repeated_failures_and_the_primary_is_skipped(
    anthropic_server: FakeServer, openai_server: FakeServer, tmp_path: Path
) -> None:
    """Within one run (one router), three failed calls open the primary's circuit; the
    items after that go straight to the fallback, audited as `model.circuit_open`."""
    models = anthropic_model(
        "primary", anthropic_server.base_url, KEY_ENV, retry="0", fallback="backup"
    ) + openai_model("backup", openai_server.base_url, KEY_ENV)
    plan = compile_program(tmp_path, "agentflow 1\n" + models + MANY_PROGRAM)
    for _ in range(3):
        anthropic_server.push_error(500, "primary down")
    for index in range(5):
        openai_server.push_text(f"backup answer {index}")

    items = [f"question {n}" for n in range(5)]
    result = run(plan, "many", {"items": items}, state_dir=tmp_path / "s", env=ENV)

    assert result.status == "succeeded", result.error
    assert result.output == [f"backup answer {n}" for n in range(5)]
    assert len(anthropic_server.requests) == 3  # items 0-2 tried it; then the circuit is open
    assert len(openai_server.requests) == 5
    failovers = audit_rows(tmp_path / "s", "model.failover")
    assert [r["details"]["node"] for r in failovers] == ["answers[0]", "answers[1]", "answers[2]"]
    skipped = audit_rows(tmp_path / "s", "model.circuit_open")
    assert [r["details"]["node"] for r in skipped] == ["answers[3]", "answers[4]"]
    assert {r["resource"] for r in skipped} == {"model:primary"}
    # the questions the backup saw are the items it served, in order
    sent = [b["messages"][-1]["content"] for b in openai_server.bodies]
    assert sent == items


def test_circuit_half_open_probe_closes_it_again(
    anthropic_server: FakeServer,
    openai_server: FakeServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """After the cool-down one probe goes to the primary; its success closes the circuit.
    The cool-down (`OPEN_SECONDS`, 30 s) is shortened to 1 s; the backup's answer to the
    item served while the circuit is open takes 1.2 s, so the next item is the probe."""
    from agentflow.runtime import models as models_module

    monkeypatch.setattr(models_module, "OPEN_SECONDS", 1.0)
    models = anthropic_model(
        "primary", anthropic_server.base_url, KEY_ENV, retry="0", fallback="backup"
    ) + openai_model("backup", openai_server.base_url, KEY_ENV)
    plan = compile_program(tmp_path, "agentflow 1\n" + models + MANY_PROGRAM)
    for _ in range(3):
        anthropic_server.push_error(500, "primary down")
    anthropic_server.push_text("primary back 4").push_text("primary back 5")
    for index in range(3):
        openai_server.push_text(f"backup answer {index}")
    openai_server.push_text("backup answer 3", delay=1.2)

    items = [f"question {n}" for n in range(6)]
    result = run(plan, "many", {"items": items}, state_dir=tmp_path / "s", env=ENV)

    assert result.status == "succeeded", result.error
    assert result.output == [
        *(f"backup answer {n}" for n in range(4)),
        "primary back 4",
        "primary back 5",
    ]
    assert len(anthropic_server.requests) == 5
    assert len(openai_server.requests) == 4
    skipped = audit_rows(tmp_path / "s", "model.circuit_open")
    assert [r["details"]["node"] for r in skipped] == ["answers[3]"]


def test_spend_of_a_priced_model_run_is_in_the_ledger(
    anthropic_server: FakeServer, tmp_path: Path
) -> None:
    """LANGUAGE.md: "After it runs: the real cost is settled in the ledger"."""
    source = ASK_PROGRAM.format(models=model_decl("anthropic", "primary", anthropic_server))
    source = source.replace("  a = asker", "  budget = team\n  a = asker") + (
        "budget team {\n  per_run = $1\n  daily = $10\n}\n"
    )
    plan = compile_program(tmp_path, source)
    anthropic_server.push_text("ok", input_tokens=100, output_tokens=20)

    result = run(plan, "ask", {"q": "hello"}, state_dir=tmp_path / "s", env=ENV)

    assert result.status == "succeeded", result.error
    assert result.cost_usd == price_of(plan.models["primary"], 100, 20) > Decimal(0)
    spend = query(tmp_path / "s", "SELECT window, spent FROM spend WHERE budget = 'team'")
    assert {Decimal(r["spent"]) for r in spend} == {result.cost_usd}  # the windows are settled
    ledger = query(tmp_path / "s", "SELECT * FROM ledger WHERE run_id = ?", (result.run_id,))
    assert [(r["node_id"], r["model"], Decimal(r["amount_usd"])) for r in ledger] == [
        ("a", "primary", result.cost_usd)
    ]
