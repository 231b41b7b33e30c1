"""`audit verify`: a clean chain verifies; every way of tampering with the rows is caught and
the first bad record named. The chain comes from real offline runs; the tampering is done
with plain SQLite on the file, as someone with access to it would."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from audit_support import (
    ASK,
    audit_rows,
    check,
    cli,
    compile_file,
    make_chain,
    raw,
    rows,
    run_plan,
    write_program,
)

from agentflow.runtime.state.audit_log import record_hash
from agentflow.runtime.state.retention import collect_garbage
from agentflow.runtime.state.store import GENESIS_HASH, AuditEvent, StateStore, audit_hash

RUNS = 3
LAST = 5 * RUNS  # each run of ASK writes 5 records
HASHED = ("run_id", "at", "principal", "action", "resource", "decision", "reason", "details")


@pytest.fixture
def state(tmp_path: Path) -> Path:
    state = make_chain(tmp_path, RUNS)
    assert len(audit_rows(state)) == LAST
    return state


def _record(db: sqlite3.Connection, seq: int) -> dict[str, object]:
    db.row_factory = sqlite3.Row
    row = db.execute("SELECT * FROM audit WHERE seq = ?", (seq,)).fetchone()
    db.row_factory = None
    return dict(row)


def _forge(db: sqlite3.Connection, seq: int, prev_hash: str, **changes: object) -> str:
    """Rewrite record `seq` with `changes` and a hash that matches its new contents."""
    record = {k: v for k, v in _record(db, seq).items() if k in HASHED} | changes
    digest = audit_hash(prev_hash, record)
    sets = ", ".join(f"{k} = ?" for k in record)
    db.execute(
        f"UPDATE audit SET {sets}, prev_hash = ?, hash = ? WHERE seq = ?",
        (*record.values(), prev_hash, digest, seq),
    )
    return digest


def _hash_of(db: sqlite3.Connection, seq: int) -> str:
    return str(db.execute("SELECT hash FROM audit WHERE seq = ?", (seq,)).fetchone()[0])


def _shift(db: sqlite3.Connection, start: int, by: int) -> None:
    """Renumber the records from `start` on by `by`, highest first (seq is the primary key)."""
    for (seq,) in db.execute(
        "SELECT seq FROM audit WHERE seq >= ? ORDER BY seq DESC", (start,)
    ).fetchall():
        db.execute("UPDATE audit SET seq = ? WHERE seq = ?", (seq + by, seq))


def _insert_after(db: sqlite3.Connection, seq: int, new_seq: int) -> None:
    """A plausible record chained to record `seq`, stored as `new_seq`."""
    record = {k: v for k, v in _record(db, seq).items() if k in HASHED}
    record["reason"] = "inserted"
    prev = _hash_of(db, seq)
    db.execute(
        "INSERT INTO audit (seq, run_id, at, principal, action, resource, decision, reason,"
        " details, prev_hash, hash) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
        (new_seq, *record.values(), prev, audit_hash(prev, record)),
    )


def _swap(db: sqlite3.Connection, a: int, b: int) -> None:
    first, second = _record(db, a), _record(db, b)
    columns = [c for c in first if c != "seq"]
    for seq, values in ((a, second), (b, first)):
        db.execute(
            f"UPDATE audit SET {', '.join(f'{c} = ?' for c in columns)} WHERE seq = ?",
            (*(values[c] for c in columns), seq),
        )


Tamper = Callable[[sqlite3.Connection], None]

CASES: dict[str, tuple[Tamper, int | None, str]] = {
    "edit a field": (
        lambda db: db.execute("UPDATE audit SET decision = 'deny' WHERE seq = 7"),
        7,
        "record 7: hash does not match its contents (edited?)",
    ),
    "edit details": (
        lambda db: db.execute('UPDATE audit SET details = \'{"node": "x"}\' WHERE seq = 4'),
        4,
        "record 4: hash does not match its contents (edited?)",
    ),
    "edit the time": (
        lambda db: db.execute("UPDATE audit SET at = at - 3600 WHERE seq = 9"),
        9,
        "record 9: hash does not match its contents (edited?)",
    ),
    "edit a hash": (
        lambda db: db.execute("UPDATE audit SET hash = ? WHERE seq = 5", ("f" * 64,)),
        5,
        "record 5: hash does not match its contents (edited?)",
    ),
    "edit a prev_hash": (
        lambda db: db.execute("UPDATE audit SET prev_hash = ? WHERE seq = 5", ("e" * 64,)),
        5,
        "record 5: hash does not match its contents (edited?)",
    ),
    "edit a record and rehash it": (
        lambda db: _forge(db, 6, _hash_of(db, 5), reason="rewritten"),
        7,
        "record 7: prev_hash does not match record 6 (deleted, inserted or reordered?)",
    ),
    "delete the first record": (
        lambda db: db.execute("DELETE FROM audit WHERE seq = 1"),
        2,
        "record 2: prev_hash is not the start of the chain (records deleted from the start?)",
    ),
    "delete a middle record": (
        lambda db: db.execute("DELETE FROM audit WHERE seq = 8"),
        9,
        "record 9: prev_hash does not match record 7 (deleted, inserted or reordered?)",
    ),
    "delete the last record": (
        lambda db: db.execute("DELETE FROM audit WHERE seq = ?", (LAST,)),
        LAST,
        f"the log ends at record {LAST - 1} but the head says {LAST}"
        " (records deleted from the end?)",
    ),
    "insert a record in the middle": (
        lambda db: (_shift(db, 6, 1), _insert_after(db, 5, 6)),
        7,
        "record 7: prev_hash does not match record 6 (deleted, inserted or reordered?)",
    ),
    "insert a record at the end": (
        lambda db: _insert_after(db, LAST, LAST + 1),
        LAST + 1,
        f"record {LAST + 1}: the log goes on past its head, record {LAST}"
        " (records appended outside agentflow?)",
    ),
    "swap two records": (
        lambda db: _swap(db, 3, 4),
        3,
        "record 3: prev_hash does not match record 2 (deleted, inserted or reordered?)",
    ),
    "renumber the last record": (
        lambda db: db.execute("UPDATE audit SET seq = 100 WHERE seq = ?", (LAST,)),
        100,
        f"record 100: after record {LAST - 1}, record 100 instead of {LAST} (records renumbered?)",
    ),
    "renumber every record": (
        lambda db: _shift(db, 1, 1),
        2,
        "record 2: the log starts at record 2 instead of 1 (records renumbered?)",
    ),
    "replace the last record": (
        lambda db: _forge(db, LAST, _hash_of(db, LAST - 1), reason="replaced"),
        LAST,
        f"record {LAST}: hash differs from the head's (last record replaced?)",
    ),
    "delete the head": (
        lambda db: db.execute("DELETE FROM meta WHERE key = 'audit_head'"),
        None,
        f"the log has {LAST} records but no head (head deleted?)",
    ),
    "garble the head": (
        lambda db: db.execute("UPDATE meta SET value = 'oops' WHERE key = 'audit_head'"),
        None,
        "the head of the log is unreadable: `oops`",
    ),
    "truncate the log": (
        lambda db: db.execute("DELETE FROM audit"),
        1,
        f"the log is empty but the head says {LAST} (records deleted from the end?)",
    ),
    "truncate the log and delete the head": (
        lambda db: (
            db.execute("DELETE FROM audit"),
            db.execute("DELETE FROM meta WHERE key = 'audit_head'"),
        ),
        None,
        f"the log is empty but the store holds {RUNS} finished runs (records deleted?)",
    ),
}


def test_a_real_chain_verifies_and_reports_its_head(state: Path) -> None:
    report = check(state)
    assert report.ok, report.problem
    assert (report.checked, report.first_bad, report.problem) == (LAST, None, None)
    [head] = rows(state, "SELECT value FROM meta WHERE key = 'audit_head'")
    last = audit_rows(state)[-1]
    assert report.head == head["value"] == f"{LAST}:{last['hash']}"


def test_the_fast_hash_is_the_stores_hash(state: Path) -> None:
    for row in rows(state, "SELECT * FROM audit ORDER BY seq"):
        record = {k: row[k] for k in HASHED}
        assert record_hash(row["prev_hash"], record) == audit_hash(row["prev_hash"], record)
        assert record_hash(row["prev_hash"], record) == row["hash"]


@pytest.mark.parametrize("case", list(CASES))
def test_tampering_is_caught_at_the_first_bad_record(state: Path, case: str) -> None:
    tamper, first_bad, problem = CASES[case]
    with raw(state) as db:
        tamper(db)
    report = check(state)
    assert not report.ok
    assert report.first_bad == first_bad
    assert report.problem == problem
    assert report.head is None


def test_records_before_the_bad_one_are_counted_as_checked(state: Path) -> None:
    with raw(state) as db:
        db.execute("UPDATE audit SET reason = 'x' WHERE seq = 7")
    assert check(state).checked == 6


def test_a_deleted_tail_stays_visible_after_more_runs(tmp_path: Path, state: Path) -> None:
    with raw(state) as db:
        db.execute("DELETE FROM audit WHERE seq > ?", (LAST - 2,))
    plan = compile_file(write_program(tmp_path, ASK))
    run_plan(plan, "ask", {"q": "after"}, state, offline=True)
    report = check(state)
    assert report.first_bad == LAST - 1  # the first record written after the gap
    assert report.problem == (
        f"record {LAST - 1}: prev_hash does not match record {LAST - 2}"
        " (deleted, inserted or reordered?)"
    )


def test_an_empty_store_verifies(tmp_path: Path) -> None:
    StateStore.in_directory(tmp_path / "s").close()
    report = check(tmp_path / "s")
    assert (report.ok, report.checked, report.head) == (True, 0, None)


def test_an_expected_head_catches_a_rewritten_log(state: Path) -> None:
    saved = check(state).head
    assert saved is not None
    assert check(state, expected_head=saved).ok
    # Rewrite the last record and its head consistently: only the saved head can tell.
    with raw(state) as db:
        digest = _forge(db, LAST, _hash_of(db, LAST - 1), reason="rewritten")
        db.execute("UPDATE meta SET value = ? WHERE key = 'audit_head'", (f"{LAST}:{digest}",))
    assert check(state).ok
    report = check(state, expected_head=saved)
    assert (report.ok, report.first_bad) == (False, LAST)
    assert report.problem == f"record {LAST}: hash differs from the expected head (rewritten?)"


def test_an_expected_head_past_the_end_means_a_deleted_tail(state: Path) -> None:
    saved = check(state).head
    assert saved is not None
    with raw(state) as db:
        db.execute("DELETE FROM audit WHERE seq = ?", (LAST,))
        previous = _hash_of(db, LAST - 1)
        db.execute(
            "UPDATE meta SET value = ? WHERE key = 'audit_head'", (f"{LAST - 1}:{previous}",)
        )
    assert check(state).ok
    report = check(state, expected_head=saved)
    assert report.first_bad == LAST
    assert "expected head is record" in (report.problem or "")


def test_the_chain_verifies_after_gc_with_the_deletion_in_it(state: Path) -> None:
    store = StateStore.in_directory(state)
    try:
        result = collect_garbage(
            store, 1.0, now=store.query("SELECT max(finished_at) + 10 AS t FROM runs")[0]["t"]
        )
    finally:
        store.close()
    assert result.runs == RUNS
    report = check(state)
    assert report.ok, report.problem
    assert report.checked == LAST + 1
    assert audit_rows(state)[-1]["action"] == "data.delete"


def test_an_integer_time_is_hashed_as_it_is_stored(tmp_path: Path) -> None:
    store = StateStore.in_directory(tmp_path)
    store.audit(AuditEvent("run_1", "ada", "run.start", "workflow:w", "allow", at=1_700_000_000))
    store.close()
    assert check(tmp_path).ok


def test_the_first_record_starts_from_the_genesis_hash(state: Path) -> None:
    assert audit_rows(state)[0]["prev_hash"] == GENESIS_HASH


# ---------------------------------------------------------------- the command


def test_cli_verify_exits_0_on_an_intact_log(
    state: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, err = cli(capsys, "audit", "verify", "--state", str(state))
    assert (status, err) == (0, "")
    assert out.startswith(f"audit log intact: {LAST} records verified, head {LAST}:")


def test_cli_verify_exits_1_naming_the_first_bad_record(
    state: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with raw(state) as db:
        db.execute("UPDATE audit SET principal = 'mallory' WHERE seq = 2")
    status, out, _ = cli(capsys, "audit", "verify", "--state", str(state))
    assert status == 1
    assert out == (
        "audit log tampered: record 2: hash does not match its contents (edited?)\n"
        "(1 records before it verified)\n"
    )


def test_cli_verify_json(state: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import json

    with raw(state) as db:
        db.execute("DELETE FROM audit WHERE seq = 3")
    status, out, _ = cli(capsys, "audit", "verify", "--state", str(state), "--json")
    assert status == 1
    assert json.loads(out) == {
        "ok": False,
        "checked": 2,
        "first_bad": 4,
        "problem": "record 4: prev_hash does not match record 2 (deleted, inserted or reordered?)",
        "head": None,
    }


def test_cli_verify_expect_head(state: Path, capsys: pytest.CaptureFixture[str]) -> None:
    head = check(state).head
    assert head is not None
    assert cli(capsys, "audit", "verify", "--state", str(state), "--expect-head", head)[0] == 0
    status, _, err = cli(capsys, "audit", "verify", "--state", str(state), "--expect-head", "12")
    assert status == 2
    assert err == "agentflow: error: --expect-head: `12` is not SEQ:HASH (as verify prints it)\n"


def test_cli_verify_without_a_store_is_an_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, err = cli(capsys, "audit", "verify", "--state", str(tmp_path / "none"))
    assert (status, out) == (1, "")
    assert err.startswith("agentflow: error: no state store at ")
    assert not (tmp_path / "none").exists()


def test_cli_audit_without_an_action_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = cli(capsys, "audit")
    assert status == 2
    assert "required: ACTION" in err
