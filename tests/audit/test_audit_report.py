"""`audit report`: the compliance checks over a program and its history, as text and JSON."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from audit_support import cli, compile_file, run_plan, write_program

import agentflow
from agentflow.compliance.checks import evaluate
from agentflow.compliance.history import History, Overrun
from agentflow.compliance.model import CheckResult, Review
from agentflow.compliance.program import ProgramError, load

GOOD = """\
agentflow 1

model local {
  provider = offline
  max_tokens = 16
}

tool calc = stdlib.calculator

role asker {
  agents = [helper]
  tools = [calc]
  workflows = [ask]
}

budget team {
  per_run = $1
  daily = $20
}

policy {
  audit = true
  retention = 30d
  redact = [email, phone, credit_card, api_key]
}

agent helper {
  model = local
  budget = team
  input { q: string }
  output = string
  prompt = "Answer {{ q }}"
}

workflow ask(q: string) -> string {
  run_as = asker
  a = helper(q: q)
  _n = calc(expression: "1")
  return a
}
"""

# Runs are made with BAD_TWIN (the same workflow and budgets, without the secrets, which
# would not compile); the report is about BAD.
BAD_TWIN = """\
agentflow 1

model local {
  provider = offline
  max_tokens = 16
  price = { input: $1000, output: $2000 }
}

tool calc = stdlib.calculator

budget loose {
  per_run = $0.000001
  on_exceed = warn
}

policy {
  audit = false
}

agent helper {
  model = local
  budget = loose
  input { q: string }
  output = string
  prompt = "Answer {{ q }}"
}

agent writer {
  model = local
  input { q: string }
  output = string
  prompt = "Write {{ q }}."
}

workflow ask(q: string) -> string {
  a = helper(q: q)
  w = writer(q: q)
  _n = calc(expression: "1")
  fail "bad question" when a != "" and w != "" and q == "bad"
  return "{{ a }} {{ w }}"
}
"""
BAD = BAD_TWIN.replace(
    "agent writer {\n  model = local",
    'model hosted {\n  provider = openai\n  name = "gpt-4o-mini"\n  api_key = "local-dev-key"\n'
    "  max_tokens = 16\n}\n\nagent writer {\n  model = hosted",
).replace('"Write {{ q }}."', '"Write {{ q }}. Key: sk-proj-4fQz9LwX2mTb7RcV1nKy8HdE3sJp6UaG"')


def _normalized(text: str, tmp_path: Path) -> str:
    text = text.replace(str(tmp_path), "<tmp>")
    text = re.sub(r"run_[0-9a-z]+_[0-9a-f]{8}", "run_<id>", text)
    return re.sub(r"\d{4}-\d{2}-\d{2}", "<date>", text)


@pytest.fixture
def good(tmp_path: Path) -> Path:
    path = write_program(tmp_path, GOOD, "good.agentflow")
    plan = compile_file(path)
    for q in ("a", "b", "c"):
        assert (
            run_plan(plan, "ask", {"q": q}, tmp_path / "state", offline=True).status == "succeeded"
        )
    return path


@pytest.fixture
def bad(tmp_path: Path) -> Path:
    twin = compile_file(write_program(tmp_path, BAD_TWIN, "twin.agentflow"))
    statuses = [
        run_plan(twin, "ask", {"q": q}, tmp_path / "state").status for q in ("fine", "bad", "bad")
    ]
    assert statuses == ["succeeded", "failed", "failed"]
    return write_program(tmp_path, BAD, "bad.agentflow")


def test_a_compliant_program_passes_every_check(
    good: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], snapshot: Any
) -> None:
    status, out, err = cli(capsys, "audit", "report", str(good), "--state", str(tmp_path / "state"))
    assert (status, err) == (0, "")
    assert _normalized(out, tmp_path) == snapshot


def test_a_compliant_program_as_json(
    good: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], snapshot: Any
) -> None:
    status, out, _ = cli(
        capsys, "audit", "report", str(good), "--state", str(tmp_path / "state"), "--json"
    )
    report = json.loads(out)
    assert status == 0
    assert report["ok"] is True
    assert report["summary"] == {"pass": 8, "fail": 0, "warn": 0, "skip": 0}
    assert _normalized(json.dumps(report, indent=2), tmp_path) == snapshot


def test_a_non_compliant_program_fails(
    bad: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], snapshot: Any
) -> None:
    status, out, err = cli(capsys, "audit", "report", str(bad), "--state", str(tmp_path / "state"))
    assert (status, err) == (1, "")
    assert _normalized(out, tmp_path) == snapshot


def test_a_non_compliant_program_as_json(
    bad: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], snapshot: Any
) -> None:
    status, out, _ = cli(
        capsys, "audit", "report", str(bad), "--state", str(tmp_path / "state"), "--json"
    )
    report = json.loads(out)
    assert status == 1
    assert report["ok"] is False
    assert {c["id"]: c["status"] for c in report["checks"]} == {
        "budgets": "fail",
        "audit": "fail",
        "retention": "fail",
        "redaction": "fail",
        "tool-roles": "fail",
        "secrets": "fail",
        "failed-runs": "fail",
        "budget-overruns": "fail",
    }
    assert all(c["recommendation"] for c in report["checks"])
    assert _normalized(json.dumps(report, indent=2), tmp_path) == snapshot


def test_the_failed_ratio_threshold_is_a_flag(
    bad: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    state = str(tmp_path / "state")
    for ratio, expected in (("70%", "pass"), ("0.6", "fail"), ("66%", "fail"), ("67%", "pass")):
        _, out, _ = cli(
            capsys,
            "audit",
            "report",
            str(bad),
            "--state",
            state,
            "--json",
            "--max-failed-ratio",
            ratio,
        )
        [check] = [c for c in json.loads(out)["checks"] if c["id"] == "failed-runs"]
        assert check["status"] == expected, ratio
    assert (
        check["evidence"][0] == "2 of 3 runs failed in the last 30 days (66.7%; the limit is 67.0%)"
    )


def test_without_a_state_store_history_checks_are_skipped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_program(tmp_path, GOOD)
    status, out, _ = cli(
        capsys, "audit", "report", str(path), "--state", str(tmp_path / "none"), "--json"
    )
    report = json.loads(out)
    assert status == 0
    assert report["state"] is None
    assert report["summary"] == {"pass": 6, "fail": 0, "warn": 0, "skip": 2}
    assert not (tmp_path / "none").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--max-failed-ratio", "lots"],
            "agentflow: error: --max-failed-ratio: `lots` is not a ratio",
        ),
        (
            ["--max-failed-ratio", "120%"],
            "agentflow: error: --max-failed-ratio: `120%` is not a ratio",
        ),
        (["--days", "0"], "agentflow: error: --days must be at least 1"),
    ],
)
def test_usage_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    path = write_program(tmp_path, GOOD)
    status, out, err = cli(capsys, "audit", "report", str(path), *args)
    assert (status, out) == (2, "")
    assert err.startswith(message)


def test_a_missing_file_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, _, err = cli(capsys, "audit", "report", str(tmp_path / "none.agentflow"))
    assert status == 2
    assert err == f"agentflow: error: no such file or directory: {tmp_path / 'none.agentflow'}\n"


def test_a_program_with_other_errors_cannot_be_reviewed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_program(tmp_path, GOOD.replace("a = helper(q: q)", "a = helpr(q: q)"))
    status, out, err = cli(capsys, "audit", "report", str(path))
    assert (status, out) == (2, "")
    assert "error[AF101]" in err
    assert err.endswith(f"agentflow: error: cannot review {path}: it does not compile\n")
    with pytest.raises(ProgramError):
        load(str(path))


# ---------------------------------------------------------------- the checks one by one


def _review(
    tmp_path: Path, source: str, history: History | None = None, **options: Any
) -> dict[str, CheckResult]:
    program = load(str(write_program(tmp_path, source)))
    review = Review(program.path, program.plan, program.diagnostics, history, **options)
    return {result.id: result for result in evaluate(review).results}


SUPERVISED = """\
agentflow 1

model local {
  provider = offline
}

budget team {
  per_run = $1
}

budget watch {
  alert_at = 50%
}

agent worker {
  model = local
  input { q: string }
  output = string
  prompt = "{{ q }}"
}

agent boss {
  model = local
  tools = [worker]
  input { q: string }
  output = string
  prompt = "{{ q }}"
}

agent idle {
  model = local
  input { q: string }
  output = string
  prompt = "{{ q }}"
}

workflow inner(q: string) -> string {
  budget = team
  b = boss(q: q)
  return b
}

workflow outer(q: string) -> string {
  budget = watch
  r = inner(q: q)
  return r
}
"""


def test_agents_are_covered_through_workflows_and_delegation(tmp_path: Path) -> None:
    result = _review(tmp_path, SUPERVISED)["budgets"]
    assert result.status == "pass"
    assert result.evidence == (
        "`boss`: the budget of every workflow that calls it",
        "`idle`: no budget, but no workflow calls it",
        "`worker`: the budget of every workflow that calls it",
        "budget `watch` sets no limit, so it bounds nothing",
    )


def test_an_agent_reachable_without_a_limit_fails(tmp_path: Path) -> None:
    source = SUPERVISED.replace("  budget = team\n  b = boss", "  b = boss") + (
        "\nworkflow direct(q: string) -> string {\n  budget = team\n  w = worker(q: q)\n  return w\n}\n"
    )
    result = _review(tmp_path, source)["budgets"]
    assert result.status == "fail"
    assert result.evidence[:3] == (
        "`boss`: no budget limits it when called from workflow `inner`",
        "`idle`: no budget, but no workflow calls it",
        "`worker`: no budget limits it when called from agent `boss`",
    )
    assert result.recommendation is not None
    assert result.recommendation.startswith("give `boss`, `worker` a `budget`")


def test_tools_outside_every_role_warn(tmp_path: Path) -> None:
    source = GOOD.replace(
        "tool calc = stdlib.calculator",
        "tool calc = stdlib.calculator\ntool clock = stdlib.current_time",
    )
    result = _review(tmp_path, source)["tool-roles"]
    assert result.status == "warn"
    assert result.evidence == (
        "`calc`: allowed by `asker`",
        "`clock`: in no role, so every call to it is denied",
    )


def test_env_in_a_workflow_expression_warns(tmp_path: Path) -> None:
    source = GOOD.replace("a = helper(q: q)", 'a = helper(q: env("QUESTION"))')
    result = _review(tmp_path, source)["secrets"]
    assert result.status == "warn"
    assert result.evidence[0].startswith("line 37: AF406 ")


def test_secrets_read_from_the_environment_are_listed(tmp_path: Path) -> None:
    source = GOOD.replace(
        "model local {\n  provider = offline\n",
        'model local {\n  provider = openai\n  name = "gpt-4o-mini"\n  api_key = env("OPENAI_API_KEY")\n',
    )
    result = _review(tmp_path, source)["secrets"]
    assert (result.status, result.evidence) == (
        "pass",
        ("read from the environment: OPENAI_API_KEY (model `local`)",),
    )


def test_retention_warns_when_gc_is_behind(tmp_path: Path) -> None:
    history = History(tmp_path, 0.0, statuses={"succeeded": 4}, expired_unpurged=3)
    result = _review(tmp_path, GOOD, history)["retention"]
    assert result.status == "warn"
    assert result.evidence == (
        "run data is kept for 30d",
        "3 finished runs are older than that and still hold their data",
    )


def test_budget_refusals_warn_and_overruns_fail(tmp_path: Path) -> None:
    refused = History(tmp_path, 0.0, statuses={"denied": 2}, denials={"team": 2})
    result = _review(tmp_path, GOOD, refused)["budget-overruns"]
    assert (result.status, result.evidence) == (
        "warn",
        ("budget `team` refused 2 calls in the last 30 days",),
    )
    over = History(
        tmp_path, 0.0, statuses={"succeeded": 1},
        overruns=[Overrun("team", "day:2026-11-20", Decimal("21.5"), Decimal(20), "usd")],
    )  # fmt: skip
    result = _review(tmp_path, GOOD, over)["budget-overruns"]
    assert (result.status, result.evidence) == (
        "fail",
        ("budget `team` day:2026-11-20: spent $21.5 of $20",),
    )


def test_history_checks_skip_without_runs(tmp_path: Path) -> None:
    results = _review(tmp_path, GOOD, History(tmp_path, 0.0))
    assert results["failed-runs"].status == "skip"
    assert results["budget-overruns"].status == "skip"


def test_denied_runs_are_not_failures(tmp_path: Path) -> None:
    history = History(tmp_path, 0.0, statuses={"succeeded": 8, "denied": 2})
    result = _review(tmp_path, GOOD, history)["failed-runs"]
    assert result.status == "pass"
    assert result.evidence == (
        "0 of 10 runs failed in the last 30 days (0.0%; the limit is 10.0%)",
        "2 runs were denied by policy (not counted as failures)",
    )


def test_history_reads_overruns_of_run_day_and_month_windows(bad: Path, tmp_path: Path) -> None:
    from agentflow.compliance.history import load as load_history
    from agentflow.runtime.state.store import StateStore

    plan = load(str(bad)).plan
    store = StateStore.in_directory(tmp_path / "state")
    try:
        history = load_history(store, plan, 30)
    finally:
        store.close()
    assert history.statuses == {"succeeded": 1, "failed": 2}
    assert len(history.recent_failures) == 2
    assert [o.window[:4] for o in history.overruns] == ["run:"] * 3
    assert all(
        o.spent > o.limit == Decimal("0.000001") and o.unit == "usd" for o in history.overruns
    )


def test_examples_that_declare_governance_pass_their_static_checks() -> None:
    root = Path(__file__).resolve().parents[2] / "examples"
    program = load(str(root / "governed_multi_role.agentflow"))
    review = Review(program.path, program.plan, program.diagnostics)
    statuses = {r.id: r.status for r in evaluate(review).results}
    assert statuses == {
        "budgets": "pass",
        "audit": "pass",
        "retention": "pass",
        "redaction": "pass",
        "tool-roles": "pass",
        "secrets": "pass",
        "failed-runs": "skip",
        "budget-overruns": "skip",
    }
    assert agentflow.check((root / "governed_multi_role.agentflow").read_text()) is not None
