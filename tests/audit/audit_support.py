"""Helpers for the audit tests: real chains from offline runs, raw SQLite access for tampering,
and the CLI called in-process."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import textwrap
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

import agentflow
from agentflow.cli.main import main
from agentflow.compiler.plan import Plan
from agentflow.runtime.api import RunResult, run_workflow
from agentflow.runtime.state.audit_log import VerifyReport, connect, verify
from agentflow.runtime.state.store import StateStore

# A program with a budget (per-run, daily and monthly windows), a tool and two nodes per run.
ASK = """\
agentflow 1

model local {
  provider = offline
  max_tokens = 64
}

tool calc = stdlib.calculator

budget team {
  per_run = $1
  daily = $20
  monthly = $300
}

agent helper {
  model = local
  budget = team
  input { q: string }
  output = string
  prompt = "Answer {{ q }}"
}

workflow ask(q: string) -> string {
  a = helper(q: q)
  _n = calc(expression: "1 + 2")
  return a
}
"""


def write_program(directory: Path, source: str, name: str = "prog.agentflow") -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    path.write_text(textwrap.dedent(source), encoding="utf-8")
    return path


def compile_file(path: Path) -> Plan:
    return agentflow.compile(path.read_text(encoding="utf-8"), str(path))


def run_plan(
    plan: Plan,
    workflow: str,
    inputs: Mapping[str, Any],
    state: Path,
    **options: Any,
) -> RunResult:
    """One run through the public API, its state in `state` (a directory)."""
    options.setdefault("env", {})
    store = StateStore.in_directory(state)
    try:
        return asyncio.run(run_workflow(plan, workflow, dict(inputs), store=store, **options))
    finally:
        store.close()


def make_chain(tmp_path: Path, runs: int = 3) -> Path:
    """A state directory holding `runs` real runs of ASK (about 5 audit records each)."""
    plan = compile_file(write_program(tmp_path, ASK))
    state = tmp_path / "state"
    for index in range(runs):
        result = run_plan(plan, "ask", {"q": f"question {index}"}, state, offline=True)
        assert result.status == "succeeded", result.error
    return state


@contextmanager
def raw(state: Path) -> Iterator[sqlite3.Connection]:
    """A plain SQLite connection to the state file, committing on exit (for tampering)."""
    db = sqlite3.connect(state / "state.db", isolation_level=None)
    try:
        yield db
    finally:
        db.close()


def check(state: Path, expected_head: str | None = None) -> VerifyReport:
    db = connect(state / "state.db")
    try:
        return verify(db, expected_head=expected_head)
    finally:
        db.close()


def rows(state: Path, sql: str, params: tuple[Any, ...] = ()) -> list[dict[str, Any]]:
    with raw(state) as db:
        db.row_factory = sqlite3.Row
        return [dict(row) for row in db.execute(sql, params)]


def audit_rows(state: Path, action: str | None = None) -> list[dict[str, Any]]:
    """Audit records in order (only `action`'s, if given), `details` decoded."""
    sql = "SELECT * FROM audit" + (" WHERE action = ?" if action else "") + " ORDER BY seq"
    found = rows(state, sql, (action,) if action else ())
    for row in found:
        row["details"] = json.loads(row["details"]) if row["details"] else None
    return found


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """Run `agentflow ARGS` in-process: (exit status, stdout, stderr)."""
    capsys.readouterr()
    status = main(list(args))
    out, err = capsys.readouterr()
    return status, out, err
