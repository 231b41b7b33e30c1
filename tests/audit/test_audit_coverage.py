"""Everything the issue says is audited is: each kind of event is provoked by a real run
(or a `gc`) and its record found in the log, which then still verifies."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from audit_support import ASK, audit_rows, check, cli, compile_file, run_plan, write_program

from agentflow.runtime.api import RunResult

PRICED = """\
model local {
  provider = offline
  max_tokens = 16
  price = { input: $1000, output: $2000 }
}
"""


def _run(
    tmp_path: Path, source: str, inputs: dict[str, Any] | None = None, **options: Any
) -> tuple[RunResult, Path]:
    plan = compile_file(write_program(tmp_path, source))
    state = tmp_path / "state"
    result = run_plan(plan, sorted(plan.workflows)[0], inputs or {"q": "hi"}, state, **options)
    return result, state


def _one(state: Path, action: str, **expected: Any) -> dict[str, Any]:
    found = [r for r in audit_rows(state, action) if all(r[k] == v for k, v in expected.items())]
    assert len(found) == 1, audit_rows(state)
    assert check(state).ok
    return found[0]


def _program(*, model: str = PRICED, budget: str = "", policy: str = "", extra: str = "") -> str:
    return f"""\
agentflow 1
{model}
{budget}
{policy}
{extra}
agent helper {{
  model = local
  {"budget = b" if budget else ""}
  input {{ q: string }}
  output = string
  prompt = "Answer {{{{ q }}}}"
}}

workflow ask(q: string) -> string {{
  a = helper(q: q)
  return a
}}
"""


def test_run_start_and_end(tmp_path: Path) -> None:
    result, state = _run(tmp_path, ASK, offline=True)
    start = _one(state, "run.start", run_id=result.run_id)
    end = _one(state, "run.end", run_id=result.run_id)
    assert (start["resource"], start["decision"]) == ("workflow:ask", "allow")
    assert (end["decision"], end["reason"]) == ("info", "succeeded")
    assert start["seq"] < end["seq"]


def test_a_failed_run_ends_in_the_log_with_its_message(tmp_path: Path) -> None:
    source = ASK.replace("  return a\n", '  fail "gave up on {{ q }}" when true\n  return a\n')
    result, state = _run(tmp_path, source, offline=True)
    assert result.status == "failed"
    assert _one(state, "run.fail")["reason"] == "gave up on hi"
    assert _one(state, "run.end")["reason"] == "failed"


def test_allowed_policy_decisions(tmp_path: Path) -> None:
    result, state = _run(tmp_path, ASK, offline=True)
    agent = _one(state, "authorize", resource="agent:helper")
    tool = _one(state, "authorize", resource="tool:calc")
    reserve = _one(state, "budget.reserve")
    assert {agent["decision"], tool["decision"], reserve["decision"]} == {"allow"}
    assert reserve["resource"] == "team"
    assert agent["run_id"] == result.run_id


def test_a_failed_authentication(tmp_path: Path) -> None:
    source = ASK.replace(
        "budget team",
        "role asker {\n  agents = [helper]\n  tools = [calc]\n  workflows = [ask]\n}\n\n"
        'principal bot {\n  roles = [asker]\n  token = env("BOT_TOKEN")\n}\n\nbudget team',
    )
    result, state = _run(tmp_path, source, token="wrong", env={"BOT_TOKEN": "right"}, offline=True)
    assert result.status == "denied"
    denial = _one(state, "authenticate", run_id=result.run_id)
    assert (denial["decision"], denial["resource"]) == ("deny", "workflow:ask")
    assert denial["reason"].startswith("authentication failed")


def test_a_tool_call_the_agent_may_not_make(tmp_path: Path) -> None:
    script = {
        "helper": [
            {"tool_calls": [{"tool": "calc", "args": {"expression": "1+1"}}]},
            {"output": "done"},
        ]
    }
    (tmp_path / "script.json").write_text(json.dumps(script))
    model = 'model local {\n  provider = offline\n  script = "script.json"\n}\n'
    source = _program(model=model, extra="tool calc = stdlib.calculator\n")
    source = source.replace(
        "  a = helper(q: q)\n", '  a = helper(q: q)\n  _x = calc(expression: "2")\n'
    )
    result, state = _run(tmp_path, source)
    assert result.status == "succeeded", result.error
    denial = _one(state, "authorize", decision="deny")
    assert (denial["resource"], denial["reason"]) == (
        "tool:calc",
        "not in the tools of agent `helper`",
    )
    assert denial["details"] == {"node": "a", "agent": "helper"}


def test_a_budget_refusal(tmp_path: Path) -> None:
    budget = "budget b {\n  per_run = $0.000001\n}\n"
    result, state = _run(tmp_path, _program(budget=budget))
    assert result.status == "denied"
    refusal = _one(state, "budget.reserve", decision="deny")
    assert refusal["resource"] == "budget:b"
    assert refusal["reason"].startswith(f"run:{result.run_id} has $0 committed of $0.000001")


def test_a_budget_alert(tmp_path: Path) -> None:
    budget = "budget b {\n  per_run = $1\n  alert_at = 1%\n}\n"
    result, state = _run(tmp_path, _program(budget=budget))
    assert result.status == "succeeded", result.error
    alert = _one(state, "budget.alert")
    assert (alert["resource"], alert["decision"]) == ("budget:b", "warn")
    assert alert["reason"] == f"budget `b` passed its alert threshold in run:{result.run_id}"


def test_a_rate_limit_refusal(tmp_path: Path) -> None:
    source = ASK.replace(
        "tool calc = stdlib.calculator",
        "tool calc = stdlib.calculator {\n  rate_limit = 1/min\n  timeout = 1s\n}",
    ).replace(
        '  _n = calc(expression: "1 + 2")\n',
        '  _n = calc(expression: "1 + 2")\n  _m = calc(expression: "3")\n',
    )
    result, state = _run(tmp_path, source, offline=True)
    assert result.status == "failed"
    refusal = _one(state, "rate_limit")
    assert (refusal["resource"], refusal["decision"]) == ("tool:calc", "deny")


def test_a_redaction(tmp_path: Path) -> None:
    policy = "policy {\n  redact = [email]\n}\n"
    result, state = _run(
        tmp_path, _program(model=PRICED, policy=policy), {"q": "mail ada@example.com"}
    )
    assert result.status == "succeeded", result.error
    redaction = _one(state, "redact")
    assert redaction["details"]["counts"] == {"email": 1}
    assert "ada@example.com" not in json.dumps(audit_rows(state))


def test_a_model_failover(tmp_path: Path) -> None:
    (tmp_path / "script.json").write_text(
        json.dumps({"helper": [{"error": "model", "message": "down", "times": 10}]})
    )
    model = (
        'model local {\n  provider = offline\n  script = "script.json"\n  fallback = backup\n}\n'
        "model backup {\n  provider = offline\n}\n"
    )
    result, state = _run(tmp_path, _program(model=model))
    assert result.status == "succeeded", result.error
    failover = _one(state, "model.failover")
    assert (failover["resource"], failover["decision"]) == ("model:backup", "warn")
    assert failover["reason"] == "`local` failed: model `local`: down"
    assert failover["details"] == {"node": "a", "from_model": "local"}


def test_a_data_deletion(tmp_path: Path, capsys: Any) -> None:
    result, state = _run(tmp_path, ASK, offline=True)
    status, _, _ = cli(capsys, "gc", "--older-than", "1ms", "--state", str(state))
    assert status == 0
    deletion = _one(state, "data.delete")
    assert deletion["details"]["first_run"] == result.run_id


def test_audit_false_leaves_out_allow_records_only(tmp_path: Path) -> None:
    source = ASK.replace(
        "tool calc = stdlib.calculator",
        "tool calc = stdlib.calculator {\n  rate_limit = 1/min\n  timeout = 1s\n}",
    ).replace(
        '  _n = calc(expression: "1 + 2")\n',
        '  _n = calc(expression: "1 + 2")\n  _m = calc(expression: "3")\n',
    )
    source = source.replace("agentflow 1\n", "agentflow 1\n\npolicy {\n  audit = false\n}\n", 1)
    _, state = _run(tmp_path, source, offline=True)
    actions = [(r["action"], r["decision"]) for r in audit_rows(state)]
    assert ("authorize", "allow") not in actions
    assert ("budget.reserve", "allow") not in actions
    assert actions[0] == ("run.start", "allow")  # the run's start and end are always written
    assert actions[-1] == ("run.end", "info")
    assert ("rate_limit", "deny") in actions
    assert check(state).ok


def test_a_validation_refusal(tmp_path: Path) -> None:
    result, state = _run(tmp_path, ASK, {"q": 5}, offline=True)
    assert result.status == "failed"
    refusal = _one(state, "validate")
    assert (refusal["resource"], refusal["decision"]) == ("workflow:ask", "deny")
    assert refusal["reason"] == (
        "the inputs of workflow `ask` is invalid: $.q: expected string, found int"
    )
    assert refusal["run_id"] == result.run_id


def test_a_tool_call_with_invalid_arguments(tmp_path: Path) -> None:
    script = {
        "helper": [
            {"tool_calls": [{"tool": "calc", "args": {"expr": "1+1"}}]},
            {"output": "done"},
        ]
    }
    (tmp_path / "script.json").write_text(json.dumps(script))
    model = 'model local {\n  provider = offline\n  script = "script.json"\n}\n'
    source = (
        _program(model=model, extra="tool calc = stdlib.calculator\n")
        .replace("  budget = b\n", "")
        .replace("  model = local\n  \n", "  model = local\n  tools = [calc]\n")
    )
    result, state = _run(tmp_path, source)
    assert result.status == "succeeded", result.error
    refusal = _one(state, "validate")
    assert (refusal["resource"], refusal["decision"]) == ("tool:calc", "deny")
    assert audit_rows(state, "tool.error") == []  # one record for the refusal, not two
