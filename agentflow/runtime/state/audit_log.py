"""Reading the audit log: verifying its hash chain and streaming its records out.

Each record's `hash` is `audit_hash(prev_hash, record)` over its contents (not its `seq`), and
its `prev_hash` is the hash of the record before it; the first starts from `GENESIS_HASH`.
The `meta` row `audit_head` (`<seq>:<hash>` of the last record, written in the same
transaction) pins the end of the log. Verification reads the records in `seq` order, in one
read transaction (a consistent snapshot while runs keep appending), and stops at the first
record that is wrong:

- its hash does not match its contents: the record was edited (its hash or prev_hash too);
- its prev_hash is not the hash of the record before it: a record was deleted, inserted or
  moved (a swap of two records' contents shows here too);
- its `seq` does not follow the one before it (the log is numbered 1, 2, 3, ... and records
  are never deleted): the records were renumbered;
- the log ends before or after its head, or the last hash differs from the head's: records
  were deleted from, or appended to, the end;
- the log is empty, or has no head, while the store holds finished runs (every run writes
  an audit record before it is marked finished): the log was truncated.

A chain kept in the same file cannot stop someone who rewrites every record and the head:
to catch that, keep a copy of the head elsewhere and pass it back (`expected_head`).
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Generator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from agentflow.runtime.state.store import GENESIS_HASH

COLUMNS = (
    "seq",
    "run_id",
    "at",
    "principal",
    "action",
    "resource",
    "decision",
    "reason",
    "details",
    "prev_hash",
    "hash",
)
_HASHED = ("run_id", "at", "principal", "action", "resource", "decision", "reason", "details")
# The same bytes as store.audit_hash, without building an encoder for every record.
_ENCODER = json.JSONEncoder(sort_keys=True, default=str, separators=(",", ":"))


@dataclass(frozen=True, slots=True)
class VerifyReport:
    """The outcome of `verify`: intact, or the first bad record and what is wrong with it."""

    ok: bool
    checked: int  # records whose hash and link were found correct
    first_bad: int | None  # the seq of the first bad record (or of the first missing one)
    problem: str | None
    head: str | None = None  # `<seq>:<hash>` of the last record, when the log is intact

    def to_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "checked": self.checked,
            "first_bad": self.first_bad,
            "problem": self.problem,
            "head": self.head,
        }


@dataclass(frozen=True, slots=True)
class AuditRecord:
    """One audit record as stored (`details` is the JSON text, as hashed)."""

    seq: int
    run_id: str | None
    at: float
    principal: str | None
    action: str
    resource: str | None
    decision: str
    reason: str | None
    details: str | None
    prev_hash: str
    hash: str


def connect(path: Path) -> sqlite3.Connection:
    """A connection for reading a state file (autocommit: transactions are explicit)."""
    db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    db.execute("PRAGMA busy_timeout=30000")
    return db


def record_hash(prev_hash: str, record: dict[str, Any]) -> str:
    """`store.audit_hash`, with one shared encoder."""
    return hashlib.sha256((prev_hash + _ENCODER.encode(record)).encode()).hexdigest()


def verify(db: sqlite3.Connection, *, expected_head: str | None = None) -> VerifyReport:
    """Check the whole chain and its head; `expected_head` (`<seq>:<hash>`, a head saved
    earlier) must name a record still in the log with that hash."""
    db.execute("BEGIN")
    try:
        return _verify(db, expected_head)
    finally:
        db.execute("ROLLBACK")


def _verify(db: sqlite3.Connection, expected_head: str | None) -> VerifyReport:
    head_row = db.execute("SELECT value FROM meta WHERE key = 'audit_head'").fetchone()
    anchor = parse_head(expected_head) if expected_head is not None else None
    if expected_head is not None and anchor is None:
        return VerifyReport(False, 0, None, f"the expected head `{expected_head}` is not SEQ:HASH")
    cursor = db.execute(
        "SELECT seq, run_id, at, principal, action, resource, decision, reason, details,"
        " prev_hash, hash FROM audit ORDER BY seq"
    )
    previous_hash, previous_seq, checked = GENESIS_HASH, 0, 0
    anchor_seen = False
    for row in cursor:
        seq, prev_hash, digest = row[0], row[9], row[10]
        record = dict(zip(_HASHED, row[1:9], strict=True))
        if record_hash(str(prev_hash), record) != digest:
            return _bad(checked, seq, f"record {seq}: hash does not match its contents (edited?)")
        if prev_hash != previous_hash:
            if previous_seq == 0:
                problem = (
                    f"record {seq}: prev_hash is not the start of the chain"
                    " (records deleted from the start?)"
                )
            else:
                problem = (
                    f"record {seq}: prev_hash does not match record {previous_seq}"
                    " (deleted, inserted or reordered?)"
                )
            return _bad(checked, seq, problem)
        if seq != previous_seq + 1:
            where = "the log starts at" if previous_seq == 0 else f"after record {previous_seq},"
            return _bad(
                checked,
                seq,
                f"record {seq}: {where} record {seq} instead of {previous_seq + 1}"
                " (records renumbered?)",
            )
        if anchor is not None and seq == anchor[0]:
            if digest != anchor[1]:
                return _bad(
                    checked, seq, f"record {seq}: hash differs from the expected head (rewritten?)"
                )
            anchor_seen = True
        previous_hash, previous_seq = digest, seq
        checked += 1
    if anchor is not None and not anchor_seen:
        return _bad(
            checked,
            anchor[0],
            f"the log ends at record {previous_seq} but the expected head is record {anchor[0]}"
            " (records deleted from the end?)",
        )
    return _check_head(db, head_row, previous_seq, previous_hash, checked)


def _check_head(
    db: sqlite3.Connection,
    head_row: tuple[Any, ...] | None,
    last_seq: int,
    last_hash: str,
    checked: int,
) -> VerifyReport:
    """The end of the log agrees with its head (and an empty log with the runs)."""
    if head_row is None:
        if last_seq == 0:
            finished = db.execute(
                "SELECT count(*) FROM runs WHERE finished_at IS NOT NULL"
            ).fetchone()[0]
            if finished:
                return _bad(
                    0,
                    None,
                    f"the log is empty but the store holds {finished} finished runs"
                    " (records deleted?)",
                )
            return VerifyReport(True, 0, None, None, None)
        return _bad(checked, None, f"the log has {checked} records but no head (head deleted?)")
    head = parse_head(str(head_row[0]))
    if head is None:
        return _bad(checked, None, f"the head of the log is unreadable: `{head_row[0]}`")
    head_seq, head_hash = head
    if head_seq > last_seq:
        where = "the log is empty" if last_seq == 0 else f"the log ends at record {last_seq}"
        return _bad(
            checked,
            last_seq + 1,
            f"{where} but the head says {head_seq} (records deleted from the end?)",
        )
    if head_seq < last_seq:
        return _bad(
            checked,
            head_seq + 1,
            f"record {head_seq + 1}: the log goes on past its head, record {head_seq}"
            " (records appended outside agentflow?)",
        )
    if head_hash != last_hash:
        return _bad(
            checked - 1,
            last_seq,
            f"record {last_seq}: hash differs from the head's (last record replaced?)",
        )
    return VerifyReport(True, checked, None, None, f"{last_seq}:{last_hash}")


def _bad(checked: int, seq: int | None, problem: str) -> VerifyReport:
    return VerifyReport(False, checked, seq, problem)


def parse_head(text: str) -> tuple[int, str] | None:
    seq, sep, digest = text.partition(":")
    if not sep or not seq.isdigit() or len(digest) != 64:
        return None
    return int(seq), digest


def records(
    db: sqlite3.Connection,
    *,
    since: float | None = None,
    until: float | None = None,
    run_id: str | None = None,
) -> Generator[AuditRecord, None, None]:
    """The audit records in `seq` order, streamed from one read transaction; `since`
    (inclusive) and `until` (exclusive) bound their time, `run_id` picks one run's."""
    conditions: list[str] = []
    params: list[Any] = []
    if since is not None:
        conditions.append("at >= ?")
        params.append(since)
    if until is not None:
        conditions.append("at < ?")
        params.append(until)
    if run_id is not None:
        conditions.append("run_id = ?")
        params.append(run_id)
    where = f" WHERE {' AND '.join(conditions)}" if conditions else ""
    db.execute("BEGIN")
    try:
        cursor = db.execute(f"SELECT {', '.join(COLUMNS)} FROM audit{where} ORDER BY seq", params)
        for row in cursor:
            yield AuditRecord(*row)
    finally:
        db.execute("ROLLBACK")
