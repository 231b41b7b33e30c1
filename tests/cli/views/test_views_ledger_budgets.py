"""Bugs found outside the views while writing them (now fixed), kept as regressions."""

from __future__ import annotations

from pathlib import Path

import pytest

from agentflow.cli.main import main
from agentflow.runtime.state.store import StateStore

ROOT = Path(__file__).resolve().parents[3]


def test_the_ledger_names_each_budget_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(ROOT)
    program = "examples/expense_audit.agentflow"
    assert main(["run", program, "-i", "month=2026-10", "--state", str(tmp_path), "--json"]) == 0
    capsys.readouterr()
    store = StateStore.in_directory(tmp_path, create=False)
    rows = store.query("SELECT budgets FROM ledger")
    store.close()
    assert rows
    for row in rows:
        names = str(row["budgets"]).split(",")
        assert len(names) == len(set(names)), row["budgets"]
