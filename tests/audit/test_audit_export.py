"""`audit export`: every record out as JSON Lines or CSV, filtered by time and run."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from audit_support import audit_rows, cli, make_chain

from agentflow.cli.audit import parse_when
from agentflow.cli.render.audit import FIELDS, write_csv, write_jsonl
from agentflow.runtime.state.audit_log import AuditRecord, connect, records
from agentflow.runtime.state.store import AuditEvent, StateStore

DAY = 86400.0


@pytest.fixture
def state(tmp_path: Path) -> Path:
    return make_chain(tmp_path, 2)


def _record(seq: int, reason: str, details: str | None) -> AuditRecord:
    return AuditRecord(
        seq, "run_1", 1_700_000_000.25, "ada", "run.fail", "workflow:w", "info", reason,
        details, "0" * 64, "1" * 64,
    )  # fmt: skip


def test_jsonl_has_every_record_with_details_decoded(
    state: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, err = cli(capsys, "audit", "export", "--state", str(state))
    assert (status, err) == (0, "")
    lines = [json.loads(line) for line in out.splitlines()]
    stored = audit_rows(state)
    assert [line["seq"] for line in lines] == [row["seq"] for row in stored] == list(range(1, 11))
    for line, row in zip(lines, stored, strict=True):
        assert list(line) == list(FIELDS)
        assert line["details"] == row["details"]
        for key in ("run_id", "at", "principal", "action", "resource", "decision", "hash"):
            assert line[key] == row[key]


def test_csv_has_a_header_and_the_details_as_json_text(
    state: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, _ = cli(capsys, "audit", "export", "--state", str(state), "--format", "csv")
    assert status == 0
    table = list(csv.DictReader(io.StringIO(out)))
    stored = audit_rows(state)
    assert len(table) == len(stored)
    assert list(table[0]) == list(FIELDS)
    assert json.loads(table[1]["details"]) == stored[1]["details"] == {"node": "a"}
    assert table[0]["time"].endswith("Z") and table[0]["time"].startswith("20")


def test_csv_quotes_commas_quotes_and_newlines() -> None:
    tricky = 'refund, "urgent"\nsecond line'
    details = json.dumps({"note": "a,b", "text": "x\ny"})
    buffer = io.StringIO()
    assert write_csv([_record(1, tricky, details), _record(2, "", None)], buffer) == 2
    table = list(csv.reader(io.StringIO(buffer.getvalue())))
    assert len(table) == 3  # the header and two records, newlines inside quotes
    assert table[1][FIELDS.index("reason")] == tricky
    assert json.loads(table[1][FIELDS.index("details")]) == {"note": "a,b", "text": "x\ny"}
    assert table[2][FIELDS.index("details")] == ""
    assert '"refund, ""urgent""\nsecond line"' in buffer.getvalue()


def test_jsonl_keeps_details_that_are_not_json_as_text() -> None:
    buffer = io.StringIO()
    write_jsonl([_record(1, "r", "{not json")], buffer)
    line = json.loads(buffer.getvalue())
    assert line["details"] == "{not json"
    assert line["time"] == "2023-11-14T22:13:20.250Z"


def _store_with_times(tmp_path: Path, times: list[float]) -> Path:
    store = StateStore.in_directory(tmp_path / "timed")
    for index, at in enumerate(times):
        store.audit(AuditEvent(f"run_{index}", "ada", "run.start", "workflow:w", "allow", at=at))
    store.close()
    return tmp_path / "timed"


def test_since_and_until_bound_the_time(tmp_path: Path) -> None:
    state = _store_with_times(tmp_path, [100.0, 200.0, 300.0, 400.0])
    db = connect(state / "state.db")
    try:
        picked = [r.at for r in records(db, since=200.0, until=400.0)]
        everything = [r.at for r in records(db)]
        one_run = [r.run_id for r in records(db, run_id="run_2")]
    finally:
        db.close()
    assert picked == [200.0, 300.0]  # since inclusive, until exclusive
    assert everything == [100.0, 200.0, 300.0, 400.0]
    assert one_run == ["run_2"]


def test_cli_since_as_a_duration_and_run_filter(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import time

    now = time.time()
    state = _store_with_times(tmp_path, [now - 10 * DAY, now - 3 * DAY, now - 60])
    status, out, _ = cli(capsys, "audit", "export", "--state", str(state), "--since", "7d")
    assert status == 0
    assert [json.loads(line)["run_id"] for line in out.splitlines()] == ["run_1", "run_2"]
    status, out, _ = cli(capsys, "audit", "export", "--state", str(state), "--until", "1h")
    assert [json.loads(line)["run_id"] for line in out.splitlines()] == ["run_0", "run_1"]
    status, out, _ = cli(capsys, "audit", "export", "--state", str(state), "--run", "run_0")
    assert [json.loads(line)["run_id"] for line in out.splitlines()] == ["run_0"]


def test_cli_since_as_an_iso_date(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    day = 1_700_000_000.0  # 2023-11-14T22:13:20Z
    state = _store_with_times(tmp_path, [day - DAY, day, day + DAY])
    status, out, _ = cli(
        capsys, "audit", "export", "--state", str(state), "--since", "2023-11-14T22:13:20Z"
    )
    assert status == 0
    assert [json.loads(line)["at"] for line in out.splitlines()] == [day, day + DAY]
    status, out, _ = cli(capsys, "audit", "export", "--state", str(state), "--until", "2023-11-14")
    assert [json.loads(line)["at"] for line in out.splitlines()] == [day - DAY]


def test_parse_when() -> None:
    assert parse_when("7d", now=1000.0 + 7 * DAY) == 1000.0
    assert parse_when("90min", now=6000.0) == 600.0
    assert parse_when("1970-01-02") == DAY
    assert parse_when("1970-01-02T01:00:00+01:00") == DAY
    with pytest.raises(ValueError, match="neither a duration"):
        parse_when("last week")


def test_cli_writes_to_a_file(
    state: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "out.csv"
    status, out, _ = cli(
        capsys, "audit", "export", "--state", str(state), "--format", "csv", "-o", str(target)
    )
    assert (status, out) == (0, "")
    assert target.read_bytes().count(b"\r\n") == 11  # RFC 4180 line ends: header + 10 records


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--since", "yesterday"], "agentflow: error: --since: `yesterday` is neither a duration"),
        (["--until", "0d"], "agentflow: error: --until: `0d` is neither a duration"),
    ],
)
def test_cli_bad_times_are_usage_errors(
    state: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    status, out, err = cli(capsys, "audit", "export", "--state", str(state), *args)
    assert (status, out) == (2, "")
    assert err.startswith(message)


def test_cli_unwritable_output_is_an_error(
    state: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, _, err = cli(
        capsys, "audit", "export", "--state", str(state), "-o", str(tmp_path / "no" / "x.jsonl")
    )
    assert status == 1
    assert err.startswith("agentflow: error: cannot write ")
