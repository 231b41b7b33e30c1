"""`agentflow show RUN`: every section, purged and refused runs, prefixes, errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from views_seed import A1, B2, C3, D4, E5, F6, G7, LONG_BODY, Run


@pytest.mark.parametrize(
    "run_id", [A1, B2, C3, D4, E5], ids=["spans", "failed", "refused", "purged", "running"]
)
def test_text(cli: Run, run_id: str, snapshot: object) -> None:
    status, out, err = cli("show", run_id)
    assert (status, err) == (0, "")
    assert out == snapshot


@pytest.mark.parametrize("run_id", [A1, B2, D4], ids=["spans", "failed", "purged"])
def test_json(cli: Run, run_id: str, snapshot: object) -> None:
    status, out, _ = cli("show", run_id, "--json")
    assert status == 0
    assert out == snapshot


def test_text_shortens_long_values_and_json_keeps_them(cli: Run) -> None:
    out = cli("show", A1)[1]
    assert LONG_BODY not in out
    assert "… 5 more items" in out
    assert "(--full or --json shows everything)" in out
    data = json.loads(cli("show", A1, "--json")[1])
    assert data["inputs"]["body"] == LONG_BODY
    assert len(data["inputs"]["tags"]) == 25


def test_full_shows_everything(cli: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "400")
    out = cli("show", A1, "--full")[1]
    assert json.dumps(LONG_BODY) in out
    assert '"tag24"' in out
    assert "--full or --json" not in out


def test_nodes_are_in_execution_order(cli: Run) -> None:
    data = json.loads(cli("show", A1, "--json")[1])
    assert [n["id"] for n in data["nodes"]] == [
        "classify",
        "routes[0]",
        "routes[1]",
        "escalate",
        "reply",
    ]
    assert data["nodes"][0]["cost_usd"] == "0.0147"
    assert data["nodes"][0]["duration_ms"] == 1200.0


def test_policy_lists_denials_and_warnings_and_counts_all(cli: Run) -> None:
    policy = json.loads(cli("show", B2, "--json")[1])["policy"]
    assert policy["counts"] == {"allow": 2, "deny": 2, "warn": 1, "info": 1}
    assert [(d["decision"], d["action"]) for d in policy["decisions"]] == [
        ("deny", "authorize"),
        ("warn", "budget.alert"),
        ("deny", "budget.reserve"),
    ]
    assert policy["decisions"][0]["reason"] == "not allowed by the run's role"
    assert policy["decisions"][0]["node"] == "classify"


def test_all_decisions_lists_allows_too(cli: Run) -> None:
    policy = json.loads(cli("show", F6, "--json", "--all-decisions")[1])["policy"]
    assert policy["listed"] == "all"
    assert [d["action"] for d in policy["decisions"]] == ["run.start", "authorize", "run.end"]
    out = cli("show", F6, "--all-decisions")[1]
    assert "allow     authorize  agent:greeter" in out
    assert "no denials or warnings" not in cli("show", F6, "--all-decisions")[1]
    assert "no denials or warnings (--all-decisions lists every record)" in cli("show", F6)[1]


def test_models_come_from_the_ledger(cli: Run) -> None:
    models = json.loads(cli("show", A1, "--json")[1])["models"]
    assert models == [
        {
            "model": "sonnet",
            "calls": 3,
            "input_tokens": 5700,
            "output_tokens": 1250,
            "cost_usd": "0.0447",
        }
    ]


def test_a_purged_run_says_so(cli: Run) -> None:
    out = cli("show", D4)[1]
    assert "details purged by retention on 2026-11-05 03:00:00" in out
    assert "\ninputs" not in out and "\nnodes" not in out
    data = json.loads(cli("show", D4, "--json")[1])
    assert data["purged"] is True
    assert data["run"]["purged_at"] == "2026-11-05T03:00:00.000Z"
    assert (data["inputs"], data["output"], data["nodes"]) == (None, None, [])
    assert data["models"][0]["model"] == "opus"  # the ledger outlives retention


@pytest.mark.parametrize(
    ("ref", "expected"),
    [
        (A1, A1),
        ("run_mwv8", A1),
        ("mwv8", A1),  # `run_` may be left out
        ("run_mwu2bbbb_b2b2", B2),
        ("last", E5),
    ],
)
def test_a_run_is_found_by_a_unique_prefix(cli: Run, ref: str, expected: str) -> None:
    status, out, _ = cli("show", ref, "--json")
    assert status == 0
    assert json.loads(out)["run"]["id"] == expected


def test_an_ambiguous_prefix_lists_the_candidates(cli: Run) -> None:
    assert cli("show", "run_mws") == (
        1,
        "",
        f"agentflow: error: `run_mws` matches 2 runs: {G7}, {C3}; give more of the id\n",
    )


def test_a_very_ambiguous_prefix_says_how_many_more(cli: Run) -> None:
    status, _, err = cli("show", "run_")
    assert status == 1
    assert err.startswith("agentflow: error: `run_` matches 7 runs: ")
    assert err.count("run_m") == 7


def test_an_unknown_run_exits_1(cli: Run) -> None:
    assert cli("show", "run_zzz") == (
        1,
        "",
        "agentflow: error: no run matches `run_zzz` (`agentflow runs` lists the recent ones)\n",
    )


def test_an_empty_ref_is_a_usage_error(cli: Run) -> None:
    assert cli("show", " ") == (2, "", "agentflow: error: RUN must not be empty\n")


def test_a_missing_store(cli: Run, tmp_path: Path) -> None:
    status, _, err = cli("show", A1, "--state", str(tmp_path), state=False)
    assert status == 1
    assert err.startswith("agentflow: error: no state store at ")


def test_the_last_run_of_an_empty_store(cli: Run, tmp_path: Path) -> None:
    from agentflow.runtime.state.store import StateStore

    StateStore.in_directory(tmp_path).close()
    assert cli("show", "last", "--state", str(tmp_path), state=False) == (
        1,
        "",
        "agentflow: error: the store has no runs yet\n",
    )


def test_a_run_with_many_nodes_lists_the_first_200_in_text(
    cli: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from decimal import Decimal

    from agentflow.runtime.state.store import StateStore

    store = StateStore.in_directory(tmp_path)
    store.start_run("run_big", "fanout", "f.agentflow", "ada", None, {})
    for i in range(250):
        store.record_node(
            "run_big", f"items[{i}]", "succeeded", 1, i, None, Decimal(0), 0, 0, 1.0 + i, 2.0 + i
        )
    store.close()
    out = cli("show", "run_big", "--state", str(tmp_path), state=False)[1]
    assert "nodes (250, in execution order)" in out
    assert "items[199]" in out and "items[200]" not in out
    assert "… 50 more nodes (--full or --json shows everything)" in out
    assert (
        "items[249]" in cli("show", "run_big", "--full", "--state", str(tmp_path), state=False)[1]
    )
