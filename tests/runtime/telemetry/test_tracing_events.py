"""Failovers, retries, budget alerts and policy decisions are span events; failures are ERROR
spans with an `error.type`; refusals are `agentflow.policy` events with decision=deny."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.trace import StatusCode
from runtime_support import ASK_PROGRAM
from tracing_support import (
    Captured,
    children,
    compile_source,
    events,
    of_kind,
    one,
    parent_of,
    run,
    stored_spans,
    write_json,
)

from agentflow.compiler.plan import RolePlan
from agentflow.runtime.state.store import StateStore
from agentflow.runtime.telemetry import attributes as attr
from agentflow.runtime.telemetry.tracing import Telemetry


def attributes(span: ReadableSpan) -> dict[str, Any]:
    return dict(span.attributes or {})


def run_program(
    tmp_path: Path,
    captured: Captured,
    source: str,
    workflow: str,
    inputs: dict[str, Any],
    **kw: Any,
) -> tuple[Any, list[ReadableSpan]]:
    plan = compile_source(tmp_path, source)
    store = StateStore.in_directory(tmp_path / "state")
    try:
        result = run(plan, workflow, inputs, store=store, telemetry=captured.telemetry, **kw)
    finally:
        store.close()
    return result, captured.spans


def test_failover_to_the_fallback_model_is_an_event_of_the_step(
    tmp_path: Path, captured: Captured
) -> None:
    write_json(
        tmp_path, "script.json", {"asker": [{"error": "model", "message": "down", "times": 5}]}
    )
    models = (
        'model primary {\n  provider = offline\n  script = "script.json"\n  retry = 0\n'
        "  fallback = backup\n}\nmodel backup { provider = offline }\n"
    )
    result, spans = run_program(
        tmp_path, captured, ASK_PROGRAM.format(models=models), "ask", {"q": "hi"}, offline=False
    )
    assert result.status == "succeeded", result.error
    [step] = of_kind(spans, "step")
    [failover] = events(step, attr.EVENT_FAILOVER)
    assert failover[attr.MODEL_FROM] == "primary"
    assert failover[attr.MODEL_TO] == "backup"
    assert failover[attr.ERROR_TYPE] == "model"
    assert "down" in failover[attr.MESSAGE]
    chats = sorted(children(step, spans), key=lambda s: s.start_time or 0)
    assert [c.name for c in chats] == ["chat primary", "chat backup"]
    assert chats[0].status.status_code is StatusCode.ERROR
    assert attributes(chats[0])[attr.ERROR_TYPE] == "model"
    assert attributes(chats[0])[attr.STATUS] == "failed"
    assert chats[1].status.status_code is StatusCode.UNSET
    assert attributes(chats[1])[attr.STATUS] == "succeeded"


def test_a_model_retry_is_an_event_and_each_attempt_a_span(
    tmp_path: Path, captured: Captured
) -> None:
    write_json(tmp_path, "script.json", {"asker": [{"error": "rate_limited", "retry_after": 0.01}]})
    models = (
        'model primary {\n  provider = offline\n  script = "script.json"\n'
        "  retry = { attempts: 3, backoff: 10ms }\n}\n"
    )
    result, spans = run_program(
        tmp_path, captured, ASK_PROGRAM.format(models=models), "ask", {"q": "hi"}
    )
    assert result.status == "succeeded", result.error
    [step] = of_kind(spans, "step")
    [retry] = events(step, attr.EVENT_RETRY)
    assert retry[attr.ATTEMPTS] == 1
    assert retry[attr.ERROR_TYPE] == "rate_limited"
    assert retry[attr.RETRY_DELAY_S] >= 0
    chats = sorted(children(step, spans), key=lambda s: s.start_time or 0)
    assert [attributes(c)[attr.ATTEMPTS] for c in chats] == [1, 2]
    assert [c.status.status_code for c in chats] == [StatusCode.ERROR, StatusCode.UNSET]


FLAKY = """agentflow 1
tool flaky = python("{module}:flaky") {{
  input {{ key: string }}
  output = string
}}

workflow w(key: string) -> string {{
  a = flaky(key: key) {{ retry = {{ attempts: 3, backoff: 10ms }} }}
  return a
}}
"""


def test_a_node_retry_is_an_event_of_the_node(tmp_path: Path, captured: Captured) -> None:
    module = f"afflaky_{abs(hash(str(tmp_path))) % 10**8}"
    (tmp_path / f"{module}.py").write_text(
        "calls = {}\n"
        "def flaky(key: str) -> str:\n"
        "    calls[key] = calls.get(key, 0) + 1\n"
        "    if calls[key] < 3:\n"
        "        raise RuntimeError('not yet')\n"
        "    return 'ok'\n"
    )
    result, spans = run_program(tmp_path, captured, FLAKY.format(module=module), "w", {"key": "k"})
    assert result.status == "succeeded", result.error
    node = one(spans, "node a")
    retries = events(node, attr.EVENT_RETRY)
    assert [r[attr.ATTEMPTS] for r in retries] == [1, 2]
    assert {r[attr.ERROR_TYPE] for r in retries} == {"tool"}
    assert "not yet" in retries[0][attr.MESSAGE]
    assert attributes(node)[attr.ATTEMPTS] == 3
    assert attributes(node)[attr.STATUS] == "succeeded"


AGENT_TOOLS = (
    "agentflow 1\n"
    + 'model m {\n  provider = offline\n  script = "script.json"\n}\n'
    + """tool calc = stdlib.calculator
tool docs = stdlib.file_read { roots = ["./docs"] }

agent reader {
  model = m
  tools = [docs]
  max_steps = 4
  input { topic: string }
  output = string
  prompt = "Read about {{ topic }}."
}

workflow read(topic: string) -> string {
  text = reader(topic: topic)
  return text
}
"""
)


def test_a_denied_tool_call_is_an_error_span_with_a_deny_event(
    tmp_path: Path, captured: Captured
) -> None:
    write_json(
        tmp_path,
        "script.json",
        {
            "reader": [
                {"tool_calls": [{"tool": "calc", "args": {"expression": "2+2"}}]},
                {"tool_calls": [{"tool": "shell", "args": {"cmd": "ls"}}]},
                {"output": "recovered"},
            ]
        },
    )
    (tmp_path / "docs").mkdir()
    result, spans = run_program(tmp_path, captured, AGENT_TOOLS, "read", {"topic": "tides"})
    assert result.status == "succeeded", result.error  # the agent recovered
    for name, reason in (
        ("calc", "not in the tools of agent `reader`"),
        ("shell", "not a tool of this agent"),
    ):
        tool = one(spans, f"execute_tool {name}")
        assert tool.status.status_code is StatusCode.ERROR
        a = attributes(tool)
        assert a[attr.ERROR_TYPE] == "denied"
        assert a[attr.STATUS] == "denied"
        assert a[attr.POLICY_DECISION] == "deny"
        [event] = events(tool, attr.EVENT_POLICY)
        assert event == {
            attr.POLICY_DECISION: "deny",
            attr.POLICY_ACTION: "authorize",
            attr.POLICY_RESOURCE: f"tool:{name}",
            attr.POLICY_REASON: reason,
        }
        assert parent_of(tool, spans).name.startswith("step ")  # type: ignore[union-attr]
    # the step, agent and node spans did not fail: the model got the refusals as results
    for span in of_kind(spans, "node") + of_kind(spans, "agent"):
        assert span.status.status_code is StatusCode.UNSET, span.name


ROLE = """agentflow 1
tool calc = stdlib.calculator
role analyst { tools = [calc], workflows = [work] }

workflow work(x: string) -> float {
  run_as = analyst
  total = calc(expression: x)
  return total
}
"""


def test_a_node_denied_by_the_role_fails_its_span_and_the_run(
    tmp_path: Path, captured: Captured
) -> None:
    plan = compile_source(tmp_path, ROLE)
    narrowed = plan.model_copy(update={"roles": {"analyst": RolePlan(workflows=["work"])}})
    store = StateStore.in_directory(tmp_path / "state")
    result = run(narrowed, "work", {"x": "1+1"}, store=store, telemetry=captured.telemetry)
    store.close()
    assert result.status == "denied"
    spans = captured.spans
    node = one(spans, "node total")
    assert node.status.status_code is StatusCode.ERROR
    assert attributes(node)[attr.ERROR_TYPE] == "denied"
    assert attributes(node)[attr.STATUS] == "denied"
    [event] = events(node, attr.EVENT_POLICY)
    assert event[attr.POLICY_DECISION] == "deny"
    assert event[attr.POLICY_RESOURCE] == "tool:calc"
    assert event[attr.POLICY_REASON] == "not allowed by the run's role"
    root = one(spans, "run work")
    assert root.status.status_code is StatusCode.ERROR
    assert attributes(root)[attr.STATUS] == "denied"
    assert attributes(root)[attr.ERROR_TYPE] == "denied"
    assert events(root, attr.EVENT_POLICY) == []  # the decision is on the node, once


BUDGETED = (
    "agentflow 1\n"
    + """model pricey {
  provider = offline
  max_tokens = 100
  price = { input: $1000, output: $1000 }
}
budget small { per_run = $LIMIT, alert_at = 1% }

agent asker {
  model = pricey
  input { q: string }
  output = string
  prompt = "{{ q }}"
}

workflow ask(q: string) -> string {
  budget = small
  a = asker(q: q)
  return a
}
"""
)


def test_a_budget_alert_is_an_event_of_the_model_call(tmp_path: Path, captured: Captured) -> None:
    source = BUDGETED.replace("$LIMIT", "$5")  # 1% of it is less than one call's worst case
    result, spans = run_program(tmp_path, captured, source, "ask", {"q": "hi"})
    assert result.status == "succeeded", result.error
    assert result.warnings
    [chat] = of_kind(spans, "model")
    [alert] = events(chat, attr.EVENT_BUDGET_ALERT)
    assert alert[attr.BUDGET] == "small"
    assert alert[attr.BUDGET_WINDOW] == f"run:{result.run_id}"
    assert alert[attr.MESSAGE] == result.warnings[0]


def test_a_budget_refusal_is_a_deny_event_and_no_model_call(
    tmp_path: Path, captured: Captured
) -> None:
    source = BUDGETED.replace("$LIMIT", "$0.01")
    result, spans = run_program(tmp_path, captured, source, "ask", {"q": "hi"})
    assert result.status == "denied"
    assert of_kind(spans, "model") == []  # refused before any request
    [step] = of_kind(spans, "step")
    assert step.status.status_code is StatusCode.ERROR
    assert attributes(step)[attr.ERROR_TYPE] == "budget"
    [event] = events(step, attr.EVENT_POLICY)
    assert event[attr.POLICY_ACTION] == "budget.reserve"
    assert event[attr.POLICY_RESOURCE] == "budget:small"
    assert event[attr.POLICY_DECISION] == "deny"
    for name in ("invoke_agent asker", "node a", "run ask"):
        span = one(spans, name)
        assert span.status.status_code is StatusCode.ERROR, name
        assert attributes(span)[attr.STATUS] == "denied", name
        assert events(span, attr.EVENT_POLICY) == [], name


AUTH = """agentflow 1
tool calc = stdlib.calculator
role analyst { tools = [calc], workflows = [work] }
principal bot { roles = [analyst], token = env("AF_BOT_TOKEN") }

workflow work(x: string) -> float {
  run_as = analyst
  v = calc(expression: x)
  return v
}
"""


def test_a_refused_run_has_a_denied_run_span(tmp_path: Path, captured: Captured) -> None:
    result, spans = run_program(
        tmp_path,
        captured,
        AUTH,
        "work",
        {"x": "1"},
        token="tok-wrong",
        env={"AF_BOT_TOKEN": "tok-right-123"},
    )
    assert result.status == "denied"
    [root] = spans
    assert root.name == "run work"
    assert root.status.status_code is StatusCode.ERROR
    assert attributes(root)[attr.STATUS] == "denied"
    assert attributes(root)[attr.POLICY_DECISION] == "deny"
    [event] = events(root, attr.EVENT_POLICY)
    assert event[attr.POLICY_ACTION] == "authenticate"
    assert event[attr.POLICY_RESOURCE] == "workflow:work"
    assert event[attr.POLICY_REASON] == "authentication failed: invalid token"
    assert result.trace_id == format(root.context.trace_id, "032x")  # type: ignore[union-attr]
    assert "tok-wrong" not in str(root.attributes) + str(root.events[0].attributes)


CANCEL = """agentflow 1
tool slow = python("{module}:slow") {{
  input {{ seconds: float }}
  output = string
}}

workflow w() -> string {{
  s = slow(seconds: 30.0)
  f = slow(seconds: -1.0)
  return s
}}
"""


def test_a_node_cancelled_by_a_failing_sibling_still_ends_its_span(
    tmp_path: Path, captured: Captured
) -> None:
    module = f"afslow_{abs(hash(str(tmp_path))) % 10**8}"
    (tmp_path / f"{module}.py").write_text(
        "import asyncio\n"
        "async def slow(seconds: float) -> str:\n"
        "    if seconds < 0:\n"
        "        raise ValueError('boom')\n"
        "    await asyncio.sleep(seconds)\n"
        "    return 'late'\n"
    )
    result, spans = run_program(tmp_path, captured, CANCEL.format(module=module), "w", {})
    assert result.status == "failed"
    failed, cancelled = one(spans, "node f"), one(spans, "node s")
    assert failed.status.status_code is StatusCode.ERROR
    assert attributes(failed)[attr.ERROR_TYPE] == "tool"
    assert "boom" in (failed.status.description or "")
    assert attributes(cancelled)[attr.STATUS] == "cancelled"
    assert cancelled.status.status_code is StatusCode.UNSET
    assert attr.ERROR_TYPE not in attributes(cancelled)
    assert one(spans, "run w").status.status_code is StatusCode.ERROR


def test_store_only_rows_carry_failures_and_denials(tmp_path: Path) -> None:
    """Without exporters (agentflow's light spans), the store still records who failed, why
    and what policy refused, as the SDK path does."""
    plan = compile_source(tmp_path, ROLE)
    narrowed = plan.model_copy(update={"roles": {"analyst": RolePlan(workflows=["work"])}})
    store = StateStore.in_directory(tmp_path / "state")
    telemetry = Telemetry()
    assert telemetry.store_only
    result = run(narrowed, "work", {"x": "1+1"}, store=store, telemetry=telemetry)
    assert result.status == "denied"
    rows = {r["name"]: r for r in stored_spans(store, result.run_id)}
    store.close()
    assert set(rows) == {"run work", "node total"}
    node, root = rows["node total"], rows["run work"]
    assert node["status"] == root["status"] == "error"
    assert node["parent_id"] == root["span_id"]
    assert node["attributes"][attr.ERROR_TYPE] == "denied"
    assert node["attributes"][attr.STATUS] == "denied"
    assert node["attributes"][attr.POLICY_DECISION] == "deny"
    assert root["attributes"][attr.STATUS] == "denied"
    [run_row] = [
        r for r in store_rows_of(tmp_path, "SELECT trace_id FROM runs WHERE id = ?", result.run_id)
    ]
    assert run_row["trace_id"] == result.trace_id == root["trace_id"]


def store_rows_of(tmp_path: Path, sql: str, run_id: str) -> list[dict[str, Any]]:
    store = StateStore.in_directory(tmp_path / "state", create=False)
    try:
        return store.query(sql, (run_id,))
    finally:
        store.close()
