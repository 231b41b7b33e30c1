"""`agentflow gc`: runs past the retention period lose their contents, nothing else does, and
the deletion is audited in a chain that still verifies."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
from audit_support import (
    ASK,
    audit_rows,
    check,
    cli,
    compile_file,
    raw,
    rows,
    run_plan,
    write_program,
)

from agentflow.runtime.policy.authn import local_user_name
from agentflow.runtime.state.retention import (
    collect_garbage,
    format_duration,
    iso_time,
    parse_duration,
)
from agentflow.runtime.state.store import SpanRow, StateStore

DAY = 86400.0
KEPT = ASK.replace("agentflow 1\n", "agentflow 1\n\npolicy {\n  retention = 30d\n}\n", 1)


class History:
    """Four finished runs (two 40 days old, two recent) and one old run still marked running."""

    def __init__(self, tmp_path: Path, source: str = KEPT) -> None:
        self.program = write_program(tmp_path, source)
        self.state = tmp_path / "state"
        plan = compile_file(self.program)
        self.runs = [
            run_plan(plan, "ask", {"q": f"q{i}"}, self.state, offline=True).run_id for i in range(4)
        ]
        self.old, self.recent = self.runs[:2], self.runs[2:]
        store = StateStore.in_directory(self.state)
        for run_id in self.runs:
            store.record_spans(
                [
                    SpanRow(run_id, f"{i:016x}", "a" * 32, None, "s", "node", "a", 1, 2, "ok")
                    for i in range(3)
                ]
            )
        store.start_run("run_stuck", "ask", str(self.program), "ada", None, {"q": "stuck"})
        store.close()
        # Runs may record spans of their own (tracing); these are counted, not assumed.
        self.spans = {run_id: self.count("spans", run_id) for run_id in self.runs}
        self.nodes = {run_id: self.count("node_results", run_id) for run_id in self.runs}
        assert all(n >= 3 for n in self.spans.values()) and set(self.nodes.values()) == {2}
        with raw(self.state) as db:
            for run_id in [*self.old, "run_stuck"]:
                db.execute(
                    "UPDATE runs SET started_at = started_at - ?,"
                    " finished_at = finished_at - ? WHERE id = ?",
                    (40 * DAY, 40 * DAY, run_id),
                )

    def run(self, run_id: str) -> dict[str, Any]:
        [row] = rows(self.state, "SELECT * FROM runs WHERE id = ?", (run_id,))
        return row

    def count(self, table: str, run_id: str) -> int:
        return len(rows(self.state, f"SELECT 1 FROM {table} WHERE run_id = ?", (run_id,)))

    def windows(self) -> set[str]:
        return {r["window"] for r in rows(self.state, "SELECT window FROM spend")}

    def dump(self) -> dict[str, list[dict[str, Any]]]:
        tables = ("runs", "node_results", "spend", "ledger", "audit", "spans", "meta")
        return {t: rows(self.state, f"SELECT * FROM {t} ORDER BY 1, 2") for t in tables}


@pytest.fixture
def history(tmp_path: Path) -> History:
    return History(tmp_path)


def test_gc_purges_exactly_the_expired_runs(
    history: History, capsys: pytest.CaptureFixture[str]
) -> None:
    before = {run_id: history.run(run_id) for run_id in history.runs}
    ledger_before = rows(history.state, "SELECT * FROM ledger ORDER BY id")
    status, out, err = cli(capsys, "gc", str(history.program), "--state", str(history.state))
    assert (status, err) == (0, "")
    assert out.startswith("purged 2 runs finished before 20")
    for run_id in history.old:
        run = history.run(run_id)
        assert (run["inputs"], run["output"], run["error"]) == (None, None, None)
        assert run["purged_at"] is not None
        kept = {
            k: v
            for k, v in before[run_id].items()
            if k not in ("inputs", "output", "error", "purged_at")
        }
        assert {k: run[k] for k in kept} == kept  # status, cost, tokens, times, principal...
        assert history.count("node_results", run_id) == 0
        assert history.count("spans", run_id) == 0
    for run_id in history.recent:
        assert history.run(run_id) == before[run_id]
        assert history.count("node_results", run_id) == 2
        assert history.count("spans", run_id) == history.spans[run_id]
    stuck = history.run("run_stuck")
    assert (stuck["status"], stuck["inputs"], stuck["purged_at"]) == (
        "running",
        '{"q": "stuck"}',
        None,
    )
    assert "note: 1 run started before the cutoff is still marked running" in out
    # The ledger (amounts, no content) is kept whole.
    assert rows(history.state, "SELECT * FROM ledger ORDER BY id") == ledger_before
    assert ledger_before


def test_per_run_windows_go_and_day_and_month_windows_stay(history: History) -> None:
    before = history.windows()
    assert {f"run:{r}" for r in history.runs} <= before
    spend_before = {
        (r["window"]): r
        for r in rows(history.state, "SELECT * FROM spend WHERE window NOT LIKE 'run:%'")
    }
    store = StateStore.in_directory(history.state)
    report = collect_garbage(store, 30 * DAY)
    store.close()
    assert report.spend_windows == 2
    assert history.windows() == before - {f"run:{r}" for r in history.old}
    spend_after = {
        (r["window"]): r
        for r in rows(history.state, "SELECT * FROM spend WHERE window NOT LIKE 'run:%'")
    }
    assert spend_after == spend_before
    assert any(w.startswith("day:") for w in spend_after)
    assert any(w.startswith("month:") for w in spend_after)


def test_the_deletion_is_audited_once_and_the_chain_verifies(history: History) -> None:
    records_before = len(audit_rows(history.state))
    store = StateStore.in_directory(history.state)
    now = time.time()
    report = collect_garbage(store, 30 * DAY, principal="ops", now=now, batch_size=1)
    store.close()
    assert report.runs == 2
    records = audit_rows(history.state)
    assert len(records) == records_before + 1  # one record however many batches
    [record] = audit_rows(history.state, "data.delete")
    assert record == records[-1] | {}
    assert (record["principal"], record["resource"], record["decision"]) == ("ops", "runs", "info")
    assert record["run_id"] is None
    assert record["details"] == {
        "cutoff": iso_time(now - 30 * DAY),
        "older_than": "30d",
        "runs": 2,
        "first_run": history.old[0],
        "last_run": history.old[1],
        "workflows": None,
        "purged": ["inputs", "output", "error", "node_results", "spans", "run_windows"],
    }
    assert record["reason"] == f"retention: runs finished before {iso_time(now - 30 * DAY)} purged"
    verified = check(history.state)
    assert verified.ok, verified.problem


def test_a_second_gc_finds_nothing_and_audits_nothing(
    history: History, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli(capsys, "gc", str(history.program), "--state", str(history.state))[0] == 0
    records = len(audit_rows(history.state))
    status, out, _ = cli(capsys, "gc", str(history.program), "--state", str(history.state))
    assert status == 0
    assert out.startswith("nothing to purge: no finished runs before ")
    assert len(audit_rows(history.state)) == records


def test_the_cli_audits_the_local_user(
    history: History, capsys: pytest.CaptureFixture[str]
) -> None:
    cli(capsys, "gc", str(history.program), "--state", str(history.state))
    [record] = audit_rows(history.state, "data.delete")
    assert record["principal"] == local_user_name()
    assert record["details"]["workflows"] == ["ask"]


def test_dry_run_changes_nothing_and_counts_what_would_go(
    history: History, capsys: pytest.CaptureFixture[str]
) -> None:
    before = history.dump()
    status, out, _ = cli(
        capsys, "gc", str(history.program), "--state", str(history.state), "--dry-run", "--json"
    )
    assert status == 0
    dry = json.loads(out)
    assert history.dump() == before
    assert dry["dry_run"] is True
    status, out, _ = cli(
        capsys, "gc", str(history.program), "--state", str(history.state), "--json"
    )
    real = json.loads(out)
    assert {k: v for k, v in dry.items() if k not in ("dry_run", "cutoff")} == {
        k: v for k, v in real.items() if k not in ("dry_run", "cutoff")
    }
    spans = sum(history.spans[r] for r in history.old)
    assert (real["runs"], real["node_results"], real["spans"], real["spend_windows"]) == (
        2,
        4,
        spans,
        2,
    )
    assert (real["first_run"], real["last_run"], real["kept_running"]) == (*history.old, 1)


def test_dry_run_text(history: History, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = cli(
        capsys, "gc", str(history.program), "--state", str(history.state), "--dry-run"
    )
    assert status == 0
    lines = out.splitlines()
    assert lines[0].startswith("would purge 2 runs finished before ")
    assert lines[0].endswith(f"({history.old[0]} … {history.old[1]})")
    spans = sum(history.spans[r] for r in history.old)
    assert lines[1] == (
        f"inputs, outputs and errors, 4 node results, {spans} spans and 2 per-run budget windows"
        " would be deleted"
    )
    assert lines[3] == "nothing was changed (dry run)"


def test_older_than_overrides_the_programs_retention(
    history: History, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, _ = cli(
        capsys,
        "gc",
        str(history.program),
        "--state",
        str(history.state),
        "--older-than",
        "50d",
        "--json",
    )
    assert (status, json.loads(out)["runs"]) == (0, 0)
    status, out, _ = cli(
        capsys,
        "gc",
        str(history.program),
        "--state",
        str(history.state),
        "--older-than",
        "1ms",
        "--json",
    )
    assert (status, json.loads(out)["runs"]) == (0, 4)


def test_with_a_program_only_its_workflows_are_purged(
    history: History, capsys: pytest.CaptureFixture[str]
) -> None:
    with raw(history.state) as db:
        db.execute(
            "INSERT INTO runs (id, workflow, source, status, inputs, started_at, finished_at)"
            " VALUES ('run_other', 'other', 'x.agentflow', 'succeeded', '{}', 1.0, 2.0)"
        )
    cli(capsys, "gc", str(history.program), "--state", str(history.state))
    assert history.run("run_other")["purged_at"] is None
    status, out, _ = cli(
        capsys, "gc", "--older-than", "30d", "--state", str(history.state), "--json"
    )
    assert (status, json.loads(out)["first_run"]) == (0, "run_other")
    assert history.run("run_other")["inputs"] is None


def test_vacuum(history: History, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = cli(
        capsys, "gc", "--older-than", "1ms", "--state", str(history.state), "--vacuum"
    )
    assert status == 0
    assert out.splitlines()[-1] == "the state file was vacuumed"
    assert check(history.state).ok


def test_a_program_without_retention_needs_older_than(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    history = History(tmp_path, ASK)
    status, out, err = cli(capsys, "gc", str(history.program), "--state", str(history.state))
    assert (status, out) == (2, "")
    assert err == (
        f"agentflow: error: {history.program} sets no retention: add `retention = 30d` to its"
        " `policy` block, or give --older-than\n"
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            [],
            "agentflow: error: give a program whose policy sets `retention`, or --older-than DURATION\n",
        ),
        (["--older-than", "soon"], "agentflow: error: --older-than: `soon` is not a duration"),
        (["--older-than", "30"], "agentflow: error: --older-than: `30` is not a duration"),
        (["missing.agentflow"], "agentflow: error: no such file or directory: missing.agentflow\n"),
    ],
)
def test_usage_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    status, out, err = cli(capsys, "gc", *args, "--state", str(tmp_path))
    assert (status, out) == (2, "")
    assert err.startswith(message)


def test_a_missing_store_is_an_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = cli(capsys, "gc", "--older-than", "1d", "--state", str(tmp_path / "none"))
    assert status == 1
    assert err.startswith("agentflow: error: no state store at ")


def test_durations() -> None:
    assert parse_duration("30d") == 30 * DAY
    assert parse_duration("12h") == 12 * 3600
    assert parse_duration("90min") == 5400
    assert parse_duration("250ms") == 0.25
    assert parse_duration("2w") == 14 * DAY
    for bad in ("", "0d", "d", "3 days", "-1d", "1m"):
        with pytest.raises(ValueError, match="is not a duration"):
            parse_duration(bad)
    assert format_duration(30 * DAY) == "30d"
    assert format_duration(5400) == "90min"
    assert format_duration(0.25) == "0.25s"
