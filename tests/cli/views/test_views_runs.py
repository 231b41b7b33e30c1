"""`agentflow runs`: the table, the JSON, every filter, the limit, bad flags, a missing store."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from views_seed import A1, B2, C3, D4, E5, F6, G7, NOW, Run

NEWEST_FIRST = [E5, A1, B2, C3, G7, F6, D4]


def _ids(out: str) -> list[str]:
    return [run["id"] for run in json.loads(out)["runs"]]


def test_text(cli: Run, snapshot: object) -> None:
    status, out, err = cli("runs")
    assert (status, err) == (0, "")
    assert out == snapshot


def test_json(cli: Run, snapshot: object) -> None:
    status, out, _ = cli("runs", "--json")
    assert status == 0
    assert out == snapshot
    data = json.loads(out)
    assert _ids(out) == NEWEST_FIRST
    assert data["matched"] == 7
    first = data["runs"][1]
    assert first["started_at"] == "2026-11-24T09:00:00.000Z"
    assert first["started_at_epoch"] == NOW - 3 * 3600
    assert first["cost_usd"] == "0.0447"  # money as a decimal string


@pytest.mark.parametrize(
    ("flags", "expected"),
    [
        (["--workflow", "triage"], [A1, B2]),
        (["-w", "monthly_report"], [C3, G7, D4]),
        (["--status", "failed"], [B2]),
        (["--status", "running"], [E5]),
        (["--status", "succeeded", "--workflow", "hello"], [F6]),
        (["--principal", "ada"], [A1, G7, D4]),
        (["--since", "1d"], [E5, A1, B2]),
        (["--since", "2h"], [E5]),
        (["--since", "2026-11-22"], [E5, A1, B2, C3, G7]),
        (["--since", "2026-11-22T07:30:00+00:00"], [E5, A1, B2, C3]),
        (["--since", "2w", "--principal", "ada"], [A1, G7]),
        (["--workflow", "nope"], []),
    ],
)
def test_filters(cli: Run, flags: list[str], expected: list[str]) -> None:
    status, out, _ = cli("runs", "--json", *flags)
    assert status == 0
    assert _ids(out) == expected
    assert json.loads(out)["matched"] == len(expected)


def test_the_limit_says_how_many_more_matched(cli: Run) -> None:
    status, out, _ = cli("runs", "--limit", "2")
    assert status == 0
    assert out.splitlines()[1].startswith(E5)
    assert out.splitlines()[2].startswith(A1)
    assert out.endswith("2 of 7 matching runs, newest first; 5 more (--limit N)\n")
    data = json.loads(cli("runs", "--limit", "2", "--json")[1])
    assert (data["matched"], len(data["runs"]), data["filters"]["limit"]) == (7, 2, 2)


def test_limit_0_only_counts(cli: Run) -> None:
    assert (
        cli("runs", "--limit", "0")[1] == "0 of 7 matching runs, newest first; 7 more (--limit N)\n"
    )


def test_nothing_matches(cli: Run) -> None:
    assert cli("runs", "--workflow", "nope") == (0, "no runs match\n", "")


def test_filters_are_echoed_in_json(cli: Run) -> None:
    data = json.loads(cli("runs", "--json", "--since", "1d", "-s", "failed")[1])
    assert data["filters"] == {
        "workflow": None,
        "status": "failed",
        "since_at": "2026-11-23T12:00:00.000Z",
        "since_at_epoch": NOW - 86400,
        "principal": None,
        "limit": 50,
    }


@pytest.mark.parametrize("since", ["yesterday", "7", "7y", "-3d", "2026-13-01", ""])
def test_a_bad_since_is_a_usage_error(cli: Run, since: str) -> None:
    status, out, err = cli("runs", f"--since={since}")
    assert (status, out) == (2, "")
    assert err.startswith("agentflow: error: --since takes a duration (30m, 12h, 7d, 2w)")
    assert err.count("\n") == 1


def test_a_bad_status_is_a_usage_error(cli: Run) -> None:
    status, _, err = cli("runs", "--status", "done")
    assert status == 2
    assert "invalid choice: 'done'" in err


def test_a_negative_limit_is_a_usage_error(cli: Run) -> None:
    assert cli("runs", "--limit", "-1") == (
        2,
        "",
        "agentflow: error: --limit must be 0 or more, found -1\n",
    )


def test_a_missing_store_is_an_error_not_a_new_store(cli: Run, tmp_path: Path) -> None:
    status, out, err = cli("runs", "--state", str(tmp_path / "nowhere"), state=False)
    assert (status, out) == (1, "")
    assert (
        err
        == f"agentflow: error: no state store at {tmp_path / 'nowhere' / 'state.db'} (choose one with --state)\n"
    )
    assert not (tmp_path / "nowhere").exists()


def test_the_default_store_comes_from_agentflow_state(
    cli: Run, seeded_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AGENTFLOW_STATE", str(seeded_root / ".agentflow"))
    status, out, _ = cli("runs", "--json", "--limit", "1", state=False)
    assert status == 0
    assert _ids(out) == [E5]


def test_colour_only_when_asked(seeded_root: Path) -> None:
    from agentflow.cli.render.views import render_runs
    from agentflow.runtime.state.store import StateStore
    from agentflow.runtime.state.views.runs import RunFilters, list_runs

    store = StateStore.in_directory(seeded_root / ".agentflow", create=False)
    view = list_runs(store, RunFilters(limit=3))
    store.close()
    assert "\x1b[" in render_runs(view, width=100, color=True)
    assert "\x1b[" not in render_runs(view, width=100, color=False)


def test_a_narrow_terminal_shortens_names_not_ids(
    cli: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    out = cli("runs")[1]
    lines = out.splitlines()
    assert all(len(line) <= 80 for line in lines)
    assert lines[2].startswith(f"{A1} ")
    assert "…" in out
