"""`agentflow budget`: windows against limits, alerts, the projection, where limits come from."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from views_seed import A1, B2, NOW, Run, at

from agentflow.runtime.state.store import StateStore, Window
from agentflow.runtime.state.views.budget import BudgetLimits, budget_report, month_bounds


def _budgets(out: str) -> dict[str, dict]:
    return {b["name"]: b for b in json.loads(out)["budgets"]}


def test_text(cli: Run, snapshot: object) -> None:
    status, out, err = cli("budget")
    assert (status, err) == (0, "")
    assert out == snapshot


def test_json(cli: Run, snapshot: object) -> None:
    status, out, _ = cli("budget", "--json")
    assert status == 0
    assert out == snapshot


def test_one_run(cli: Run, snapshot: object) -> None:
    status, out, _ = cli("budget", "--run", "mwu2")
    assert status == 0
    assert out == snapshot
    data = json.loads(cli("budget", "--run", B2, "--json")[1])
    assert data["run_id"] == B2
    (support,) = data["budgets"]
    assert [w["key"] for w in support["windows"]] == [f"run:{B2}"]
    assert [a["decision"] for a in support["alerts"]] == ["warn", "deny"]
    assert support["projection"] is None


def test_windows_against_limits(cli: Run) -> None:
    support = _budgets(cli("budget", "support", "--json")[1])["support"]
    windows = {w["key"]: w for w in support["windows"]}
    assert list(windows) == ["day:2026-11-24", "month:2026-11", f"run:{A1}", f"run:{B2}"]
    day = windows["day:2026-11-24"]
    assert (day["spent_usd"], day["limit_usd"], day["percent"], day["alerted"]) == (
        "0.0447",
        "0.12",
        37.2,
        True,
    )
    assert windows["month:2026-11"]["spent_usd"] == "0.0647"
    assert windows[f"run:{A1}"]["limit_usd"] == "0.1"
    assert windows[f"run:{A1}"]["run_started_at"] == "2026-11-24T09:00:00.000Z"
    assert support["limits"]["program"] == "triage.agentflow"


def test_the_projection_is_month_to_date_over_the_elapsed_fraction(cli: Run) -> None:
    support = _budgets(cli("budget", "--json")[1])["support"]["projection"]
    start, end = month_bounds(NOW)
    fraction = (NOW - start) / (end - start)
    assert support["elapsed_fraction"] == round(fraction, 6) == 0.783333
    assert support["basis"] == "month window"
    assert support["month_to_date_usd"] == "0.0647"
    assert Decimal(support["projected_usd"]) == (
        Decimal("0.0647") / Decimal(repr(fraction))
    ).quantize(Decimal("0.000001"))
    assert support["limit_usd"] == "2"
    assert support["percent"] == 4.1
    assert "elapsed fraction" in support["method"]


def test_projection_bases(cli: Run) -> None:
    budgets = _budgets(cli("budget", "--json")[1])
    assert budgets["reports"]["projection"]["basis"] == "run windows"
    assert budgets["reports"]["projection"]["month_to_date_usd"] == "0.31"
    legacy = budgets["legacy"]["projection"]
    assert (legacy["basis"], legacy["month_to_date_usd"]) == (
        "day windows",
        "2",
    )  # October's $4 is not counted


def test_alerts_this_month_come_from_the_audit_log(cli: Run) -> None:
    support = _budgets(cli("budget", "--json")[1])["support"]
    assert support["alerts_total"] == 3
    assert [(a["run_id"], a["decision"]) for a in support["alerts"]] == [
        (B2, "warn"),
        (B2, "deny"),
        (A1, "warn"),
    ]
    assert support["alerts_since_at"] == "2026-11-01T00:00:00.000Z"


def test_limits_come_from_the_programs_recorded_on_runs(cli: Run) -> None:
    data = json.loads(cli("budget", "--json")[1])
    limits = {b["name"]: b["limits"] for b in data["budgets"]}
    assert limits["legacy"] is None  # in no program
    assert limits["reports"]["program"] == "report.agentflow"  # via its run window of G7
    assert limits["reports"]["tokens_per_run"] == 20000
    assert data["limits_note"] is None


def test_program_overrides(cli: Run, tmp_path: Path) -> None:
    program = tmp_path / "other.agentflow"
    program.write_text("agentflow 1\n\nbudget support {\n  per_run = $1\n}\n")
    status, out, err = cli("budget", "support", "--program", str(program), "--json")
    assert status == 0
    assert "AF305" in err  # the chosen program's diagnostics are shown
    support = _budgets(out)["support"]
    assert support["limits"]["per_run"] == "1"
    assert support["limits"]["daily"] is None


def test_a_program_with_errors(cli: Run, tmp_path: Path) -> None:
    program = tmp_path / "broken.agentflow"
    program.write_text("agentflow 1\n\nbudget {\n")
    status, out, err = cli("budget", "--program", str(program))
    assert (status, out) == (1, "")
    assert "error[AF001]" in err


def test_a_missing_program_is_a_usage_error(cli: Run) -> None:
    assert cli("budget", "--program", "nope.agentflow") == (
        2,
        "",
        "agentflow: error: no such file or directory: nope.agentflow\n",
    )


def test_limits_unknown_when_the_programs_are_gone(
    cli: Run, seeded_root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import shutil

    copy = tmp_path / "elsewhere"
    shutil.copytree(seeded_root / ".agentflow", copy / ".agentflow")
    monkeypatch.chdir(tmp_path)
    status, out, _ = cli("budget", "--state", str(copy / ".agentflow"), state=False)
    assert status == 0
    assert out.startswith(
        "limits unknown: hello.agentflow, the program of the newest run, is not found (--program FILE)\n"
    )
    assert out.count("  limits unknown\n") == 3


def test_an_unknown_budget(cli: Run) -> None:
    assert cli("budget", "nope") == (
        1,
        "",
        "agentflow: error: no budget named `nope`; budgets: legacy, reports, support\n",
    )


def test_an_unknown_run(cli: Run) -> None:
    assert cli("budget", "--run", "run_zzz")[0] == 1


def test_bad_runs_count(cli: Run) -> None:
    assert cli("budget", "--runs=-2") == (
        2,
        "",
        "agentflow: error: --runs must be 0 or more, found -2\n",
    )


def test_runs_limits_the_run_windows(cli: Run) -> None:
    support = _budgets(cli("budget", "support", "--json", "--runs", "1")[1])["support"]
    assert [w["kind"] for w in support["windows"]] == ["day", "month", "run"]
    support = _budgets(cli("budget", "support", "--json", "--runs", "0")[1])["support"]
    assert [w["kind"] for w in support["windows"]] == ["day", "month"]


# ---------------------------------------------------------------- the view itself


def test_a_declared_window_without_spend_shows_as_zero(tmp_path: Path) -> None:
    store = StateStore.in_directory(tmp_path)
    report = budget_report(store, {"fresh": BudgetLimits(daily=Decimal(5))}, now=NOW)
    store.close()
    (fresh,) = report.budgets
    assert [(w.key, w.spent_usd, w.percent) for w in fresh.windows] == [
        ("day:2026-11-24", Decimal(0), 0.0)
    ]
    assert fresh.projection is not None and fresh.projection.basis == "no spend this month"


def test_month_bounds() -> None:
    assert month_bounds(at(11, 24, 12)) == (at(11, 1, 0), at(12, 1, 0))
    assert month_bounds(at(2, 28, 23, 59, 59)) == (at(2, 1, 0), at(3, 1, 0))


def test_projection_at_the_very_start_of_a_month(tmp_path: Path) -> None:
    store = StateStore.in_directory(tmp_path)
    store.reserve("b", [Window("month:2026-11", None)], Decimal(1), 0, None, enforce=False)
    store.settle("b", [Window("month:2026-11", None)], Decimal(1), 0, Decimal(1), 0)
    report = budget_report(store, {}, now=at(11, 1, 0))
    store.close()
    projection = report.budgets[0].projection
    assert projection is not None
    assert projection.projected_usd is None  # nothing elapsed: no rate to extrapolate
