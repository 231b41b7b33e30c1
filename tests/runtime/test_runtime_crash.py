"""A killed process loses nothing: node results recorded before a SIGKILL are in the store,
the store opens cleanly afterwards, the run is left `running`, and the audit chain holds."""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest
from runtime_support import (
    assert_audit_chain,
    cli_command,
    cli_env,
    compile_program,
    node_rows,
    query,
    run,
    write_program,
)

from agentflow.runtime.state.store import StateStore

STEPS_MODULE = """import time
from pathlib import Path


def step(x: int) -> int:
    return x + 1


def slow(x: int) -> int:
    Path(__file__).with_name("slow-started").write_text(str(x))
    time.sleep(30)
    return x
"""

PROGRAM = """agentflow 1
tool step = python("steps:step") {
  input { x: int }
  output = int
}
tool slow = python("steps:slow") {
  input { x: int }
  output = int
}

workflow chain(x: int) -> int {
  a = step(x: x)
  b = step(x: a)
  c = step(x: b)
  d = slow(x: c)
  e = step(x: d)
  return e
}
"""

FINISHED = ("a", "b", "c")


def recorded(state: Path) -> set[str]:
    """The node ids committed so far (nothing if the store does not exist yet)."""
    if not (state / "state.db").exists():
        return set()
    try:
        db = sqlite3.connect(f"file:{state / 'state.db'}?mode=ro", uri=True, timeout=5)
        try:
            return {row[0] for row in db.execute("SELECT node_id FROM node_results")}
        finally:
            db.close()
    except sqlite3.OperationalError:
        return set()  # the schema is not created yet


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_sigkill_mid_run_loses_no_committed_node_result(tmp_path: Path) -> None:
    (tmp_path / "steps.py").write_text(STEPS_MODULE)
    program = write_program(tmp_path, PROGRAM)
    state = tmp_path / "state"
    process = subprocess.Popen(
        cli_command("run", str(program), "-i", "x=1", "--json", "--state", str(state)),
        env=cli_env(),
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 30
        while not set(FINISHED) <= recorded(state):
            assert process.poll() is None, process.communicate()
            assert time.monotonic() < deadline, "the first nodes were never recorded"
            time.sleep(0.05)
        deadline = time.monotonic() + 10
        while not (tmp_path / "slow-started").exists():  # d is running
            assert time.monotonic() < deadline, "the slow node never started"
            time.sleep(0.05)
    finally:
        process.send_signal(signal.SIGKILL)
        process.communicate(timeout=10)
    assert process.returncode == -signal.SIGKILL

    # the store opens cleanly (no corruption, no leftover lock) and is consistent
    store = StateStore.in_directory(state)
    try:
        assert store.query("PRAGMA integrity_check") == [{"integrity_check": "ok"}]
        [run_row] = store.query("SELECT * FROM runs")
    finally:
        store.close()
    assert run_row["status"] == "running"
    assert run_row["finished_at"] is None
    assert run_row["workflow"] == "chain"
    assert json.loads(run_row["inputs"]) == {"x": 1}

    nodes = node_rows(state, run_row["id"])
    assert set(nodes) == set(FINISHED)  # d was in flight, e never started
    assert [(nodes[n]["status"], nodes[n]["output"]) for n in FINISHED] == [
        ("succeeded", 2),
        ("succeeded", 3),
        ("succeeded", 4),
    ]
    for node in nodes.values():
        assert node["attempts"] == 1
        assert node["finished_at"] >= node["started_at"] > 0

    rows = assert_audit_chain(state)
    actions = [(r["action"], r["resource"]) for r in rows]
    assert actions[0] == ("run.start", "workflow:chain")
    assert actions.count(("authorize", "tool:step")) == 3
    assert ("run.end", "workflow:chain") not in actions

    # the directory stays usable: a new run appends to the same chain
    plan = compile_program(tmp_path, PROGRAM.replace("d = slow(x: c)", "d = step(x: c)"))
    result = run(plan, "chain", {"x": 10}, state_dir=state)
    assert result.status == "succeeded", result.error
    assert result.output == 15
    after = assert_audit_chain(state)
    assert after[: len(rows)] == rows
    statuses = dict((r["id"], r["status"]) for r in query(state, "SELECT id, status FROM runs"))
    assert statuses == {run_row["id"]: "running", result.run_id: "succeeded"}
