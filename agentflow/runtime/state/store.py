"""The state store: runs, node results, the spend ledger and the audit log, in SQLite (WAL).

Writes that only record facts (node results, audit events, ledger rows) are buffered and
committed together every few milliseconds (group commit): a killed process loses at most
the facts of the last few milliseconds, never a committed one. Budget reservations are
different: each one is its own `BEGIN IMMEDIATE` transaction, which serializes them across
threads and processes sharing the file, so parallel nodes can never overspend a window
together.

The interface is deliberately small and SQL-agnostic so a PostgreSQL backend can follow.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import json
import os
import sqlite3
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from decimal import Decimal
from pathlib import Path
from typing import Any

SCHEMA_VERSION = 2
OPEN_TIMEOUT_S = 30.0
GROUP_COMMIT_S = 0.005  # facts are committed in groups at most this far apart
GENESIS_HASH = "0" * 64

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS runs (
  id TEXT PRIMARY KEY, workflow TEXT NOT NULL, source TEXT NOT NULL,
  principal TEXT, role TEXT, status TEXT NOT NULL,
  inputs TEXT, output TEXT, error TEXT,
  cost_usd TEXT NOT NULL DEFAULT '0',
  input_tokens INTEGER NOT NULL DEFAULT 0, output_tokens INTEGER NOT NULL DEFAULT 0,
  started_at REAL NOT NULL, finished_at REAL,
  trace_id TEXT, purged_at REAL
);
CREATE INDEX IF NOT EXISTS runs_by_start ON runs (started_at);
CREATE INDEX IF NOT EXISTS runs_by_workflow ON runs (workflow, started_at);
CREATE TABLE IF NOT EXISTS node_results (
  run_id TEXT NOT NULL, node_id TEXT NOT NULL, status TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0, output TEXT, error TEXT,
  cost_usd TEXT NOT NULL DEFAULT '0',
  input_tokens INTEGER NOT NULL DEFAULT 0, output_tokens INTEGER NOT NULL DEFAULT 0,
  started_at REAL, finished_at REAL,
  PRIMARY KEY (run_id, node_id)
);
CREATE TABLE IF NOT EXISTS spend (
  budget TEXT NOT NULL, window TEXT NOT NULL,
  spent TEXT NOT NULL DEFAULT '0', reserved TEXT NOT NULL DEFAULT '0',
  tokens INTEGER NOT NULL DEFAULT 0, reserved_tokens INTEGER NOT NULL DEFAULT 0,
  alerted INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (budget, window)
);
CREATE TABLE IF NOT EXISTS ledger (
  id INTEGER PRIMARY KEY, run_id TEXT, node_id TEXT, model TEXT, budgets TEXT,
  amount_usd TEXT NOT NULL, input_tokens INTEGER NOT NULL, output_tokens INTEGER NOT NULL,
  at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS ledger_by_run ON ledger (run_id);
CREATE TABLE IF NOT EXISTS audit (
  seq INTEGER PRIMARY KEY, run_id TEXT, at REAL NOT NULL, principal TEXT,
  action TEXT NOT NULL, resource TEXT, decision TEXT NOT NULL, reason TEXT,
  details TEXT, prev_hash TEXT NOT NULL, hash TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS audit_by_run ON audit (run_id);
CREATE TABLE IF NOT EXISTS spans (
  run_id TEXT NOT NULL, span_id TEXT NOT NULL, trace_id TEXT NOT NULL, parent_id TEXT,
  name TEXT NOT NULL, kind TEXT NOT NULL, node_id TEXT,
  start_ns INTEGER NOT NULL, end_ns INTEGER NOT NULL, status TEXT NOT NULL,
  attributes TEXT,
  PRIMARY KEY (run_id, span_id)
);
"""

# Statements that bring a store of an older version up to SCHEMA_VERSION, by the version they
# start from (the tables new in a version are created by SCHEMA itself).
MIGRATIONS: dict[int, tuple[str, ...]] = {
    1: (
        "ALTER TABLE runs ADD COLUMN trace_id TEXT",
        "ALTER TABLE runs ADD COLUMN purged_at REAL",
    ),
}
# Indexes on columns a migration may add: created after migrating.
INDEXES = (
    "CREATE INDEX IF NOT EXISTS runs_by_status ON runs (status, started_at)",
    # `agentflow budget`: this month's alerts and denials without reading the whole log. Partial,
    # so only the rare deny/warn records pay for it (queries must repeat the WHERE verbatim).
    "CREATE INDEX IF NOT EXISTS audit_notable ON audit (at) WHERE decision IN ('deny', 'warn')",
)


def default_state_dir() -> Path:
    """Where runs are recorded unless told otherwise: $AGENTFLOW_STATE, else `.agentflow`."""
    return Path(os.environ.get("AGENTFLOW_STATE") or ".agentflow")


class StoreError(Exception):
    """The state store cannot be opened or is of an unknown schema version."""


@dataclass(frozen=True, slots=True)
class AuditEvent:
    """One audited decision or fact."""

    run_id: str | None
    principal: str | None
    action: str
    resource: str | None
    decision: str  # allow | deny | info | warn
    reason: str = ""
    details: dict[str, Any] | None = None
    at: float = 0.0


@dataclass(frozen=True, slots=True)
class SpanRow:
    """One finished span of a run's trace, as the store keeps it for `agentflow trace`."""

    run_id: str
    span_id: str  # 16 hex digits, as OpenTelemetry prints it
    trace_id: str  # 32 hex digits
    parent_id: str | None
    name: str
    kind: str  # run | node | agent | step | model | tool
    node_id: str | None
    start_ns: int  # nanoseconds since the epoch
    end_ns: int
    status: str  # ok | error | unset
    attributes: dict[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class Window:
    """One budget window: its key in the spend table and its limits."""

    key: str
    limit_usd: Decimal | None
    limit_tokens: int | None = None


@dataclass(frozen=True, slots=True)
class ReserveOutcome:
    granted: bool
    refused_window: str | None = None
    spent: Decimal = Decimal(0)
    limit: Decimal | None = None
    alerts: tuple[str, ...] = ()
    unit: str = "usd"


def _json(value: Any) -> str | None:
    return None if value is None else json.dumps(value, default=str, sort_keys=True)


def _money(amount: Decimal) -> str:
    """A decimal as plain digits (`0.0000012`, never `1.2E-6`)."""
    return f"{amount.normalize():f}" if amount else "0"


def audit_hash(prev_hash: str, record: dict[str, Any]) -> str:
    """The hash that chains an audit record to its predecessor."""
    body = json.dumps(record, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256((prev_hash + body).encode()).hexdigest()


class StateStore:
    """One SQLite state file; safe to share between threads of a process and between processes."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._db = self._open(path)
        except (sqlite3.Error, OSError) as error:
            raise StoreError(f"cannot open the state store at {path}: {error}") from error
        self._lock = threading.RLock()
        self._pending: list[tuple[str, tuple[Any, ...]]] = []
        self._pending_audit: list[AuditEvent] = []
        self._flush_scheduled = False

    def _open(self, path: Path) -> sqlite3.Connection:
        """Connect, switch to WAL and migrate; while another process is creating the same
        file SQLite answers "locked" at once (no busy wait), so retry until a deadline."""
        deadline = time.monotonic() + OPEN_TIMEOUT_S
        while True:
            db = sqlite3.connect(
                path, isolation_level=None, check_same_thread=False, timeout=OPEN_TIMEOUT_S
            )
            try:
                db.execute("PRAGMA busy_timeout=30000")
                db.execute("PRAGMA journal_mode=WAL")
                db.execute("PRAGMA synchronous=NORMAL")
                self._db = db
                self._migrate()
                return db
            except sqlite3.OperationalError as error:
                db.close()
                busy = "locked" in str(error) or "busy" in str(error)
                if not busy or time.monotonic() > deadline:
                    raise
                time.sleep(0.01)

    @classmethod
    def in_directory(cls, directory: Path, *, create: bool = True) -> StateStore:
        """The store of a state directory; with `create=False` a missing one is a StoreError
        (the read-only views must not create an empty store by mistake)."""
        path = directory / "state.db"
        if not create and not path.is_file():
            raise StoreError(f"no state store at {path} (choose one with --state)")
        return cls(path)

    def _migrate(self) -> None:
        self._db.execute("BEGIN IMMEDIATE")
        try:
            for statement in SCHEMA.split(";"):
                if statement.strip():
                    self._db.execute(statement)
            row = self._db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
            version = SCHEMA_VERSION if row is None else int(row[0])
            if version > SCHEMA_VERSION:
                raise StoreError(
                    f"the state store at {self.path} has schema version {row[0]}; "
                    f"this agentflow reads version {SCHEMA_VERSION}"
                )
            for step in range(version, SCHEMA_VERSION):
                for statement in MIGRATIONS.get(step, ()):
                    self._db.execute(statement)
            for statement in INDEXES:
                self._db.execute(statement)
            self._db.execute(
                "INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),)
            )
            self._db.execute("COMMIT")
        except BaseException:
            self._db.execute("ROLLBACK")
            raise

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise

    # ---------------------------------------------------------------- buffered facts

    def _enqueue(self, sql: str, params: tuple[Any, ...]) -> None:
        with self._lock:
            self._pending.append((sql, params))
        self._schedule_flush()

    def _schedule_flush(self) -> None:
        if self._flush_scheduled:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            self.flush()
            return
        self._flush_scheduled = True
        loop.call_later(GROUP_COMMIT_S, self.flush)

    def flush(self) -> None:
        """Commit every buffered fact in one transaction (audit records chained in order)."""
        with self._lock:
            self._flush_scheduled = False
            pending, self._pending = self._pending, []
            events, self._pending_audit = self._pending_audit, []
            if not pending and not events:
                return
            with self._transaction() as db:
                for sql, params in pending:
                    db.execute(sql, params)
                if events:
                    self._append_audit(db, events)

    def _append_audit(self, db: sqlite3.Connection, events: Sequence[AuditEvent]) -> None:
        row = db.execute("SELECT hash FROM audit ORDER BY seq DESC LIMIT 1").fetchone()
        previous = row[0] if row else GENESIS_HASH
        # Chain to the recorded head when there is one: it equals the last record's hash unless
        # records were deleted from the end, and then the gap stays visible to `audit verify`.
        head = db.execute("SELECT value FROM meta WHERE key = 'audit_head'").fetchone()
        if head is not None:
            previous = str(head[0]).partition(":")[2] or previous
        last_seq: int | None = None
        for event in events:
            record = {
                "run_id": event.run_id,
                "at": float(event.at),  # stored as REAL: an int would hash differently on reading
                "principal": event.principal,
                "action": event.action,
                "resource": event.resource,
                "decision": event.decision,
                "reason": event.reason,
                "details": _json(event.details),
            }
            digest = audit_hash(previous, record)
            last_seq = db.execute(
                "INSERT INTO audit (run_id, at, principal, action, resource, decision, reason,"
                " details, prev_hash, hash) VALUES (?,?,?,?,?,?,?,?,?,?)",
                (*record.values(), previous, digest),
            ).lastrowid
            previous = digest
        # The head (last sequence number and hash) lets `audit verify` notice a deleted tail.
        db.execute(
            "INSERT OR REPLACE INTO meta VALUES ('audit_head', ?)", (f"{last_seq}:{previous}",)
        )

    def audit(self, event: AuditEvent) -> None:
        """Append an audit event (committed with the next group commit)."""
        if not event.at:
            event = replace(event, at=time.time())
        with self._lock:
            self._pending_audit.append(event)
        self._schedule_flush()

    def start_run(
        self,
        run_id: str,
        workflow: str,
        source: str,
        principal: str | None,
        role: str | None,
        inputs: Any,
    ) -> None:
        with self._transaction() as db:
            db.execute(
                "INSERT INTO runs (id, workflow, source, principal, role, status, inputs,"
                " started_at) VALUES (?,?,?,?,?,?,?,?)",
                (run_id, workflow, source, principal, role, "running", _json(inputs), time.time()),
            )

    def finish_run(
        self,
        run_id: str,
        status: str,
        output: Any,
        error: Any,
        cost: Decimal,
        input_tokens: int,
        output_tokens: int,
    ) -> None:
        self.flush()
        with self._transaction() as db:
            db.execute(
                "UPDATE runs SET status=?, output=?, error=?, cost_usd=?, input_tokens=?,"
                " output_tokens=?, finished_at=? WHERE id=?",
                (
                    status,
                    _json(output),
                    _json(error),
                    str(cost),
                    input_tokens,
                    output_tokens,
                    time.time(),
                    run_id,
                ),
            )

    def record_node(
        self,
        run_id: str,
        node_id: str,
        status: str,
        attempts: int,
        output: Any,
        error: Any,
        cost: Decimal,
        input_tokens: int,
        output_tokens: int,
        started_at: float,
        finished_at: float,
    ) -> None:
        self._enqueue(
            "INSERT OR REPLACE INTO node_results VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            (
                run_id,
                node_id,
                status,
                attempts,
                _json(output),
                _json(error),
                str(cost),
                input_tokens,
                output_tokens,
                started_at,
                finished_at,
            ),
        )

    def record_spend(
        self,
        run_id: str,
        node_id: str,
        model: str,
        budgets: Sequence[str],
        amount: Decimal,
        input_tokens: int,
        output_tokens: int,
    ) -> None:
        self._enqueue(
            "INSERT INTO ledger (run_id, node_id, model, budgets, amount_usd, input_tokens,"
            " output_tokens, at) VALUES (?,?,?,?,?,?,?,?)",
            (
                run_id,
                node_id,
                model,
                ",".join(budgets),
                str(amount),
                input_tokens,
                output_tokens,
                time.time(),
            ),
        )

    def record_spans(self, rows: Sequence[SpanRow]) -> None:
        """Buffer finished spans of a run's trace (committed with the next group commit)."""
        with self._lock:
            self._pending.extend(
                (
                    "INSERT OR REPLACE INTO spans VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                    (
                        row.run_id,
                        row.span_id,
                        row.trace_id,
                        row.parent_id,
                        row.name,
                        row.kind,
                        row.node_id,
                        row.start_ns,
                        row.end_ns,
                        row.status,
                        _json(row.attributes),
                    ),
                )
                for row in rows
            )
        self._schedule_flush()

    def set_trace_id(self, run_id: str, trace_id: str) -> None:
        """Link a run to the id of its trace (to find it in Jaeger, Tempo, ...)."""
        self._enqueue("UPDATE runs SET trace_id=? WHERE id=?", (trace_id, run_id))

    # ---------------------------------------------------------------- budgets (immediate)

    def reserve(
        self,
        budget: str,
        windows: Sequence[Window],
        amount: Decimal,
        tokens: int,
        alert_percent: Decimal | None,
        enforce: bool,
    ) -> ReserveOutcome:
        """Atomically reserve `amount` and `tokens` in every window, or in none."""
        with self._transaction() as db:
            states = [self._window_state(db, budget, w.key) for w in windows]
            if enforce:
                for window, (spent, reserved, used, held, _) in zip(windows, states, strict=True):
                    if (
                        window.limit_usd is not None
                        and spent + reserved + amount > window.limit_usd
                    ):
                        return ReserveOutcome(False, window.key, spent + reserved, window.limit_usd)
                    if (
                        window.limit_tokens is not None
                        and used + held + tokens > window.limit_tokens
                    ):
                        return ReserveOutcome(
                            False,
                            window.key,
                            Decimal(used + held),
                            Decimal(window.limit_tokens),
                            unit="tokens",
                        )
            alerts: list[str] = []
            for window, state in zip(windows, states, strict=True):
                spent, reserved, _, held, alerted = state
                total = spent + reserved + amount
                crossed = (
                    alert_percent is not None
                    and window.limit_usd is not None
                    and not alerted
                    and total >= window.limit_usd * alert_percent / 100
                )
                exceeded = window.limit_usd is not None and total > window.limit_usd
                if crossed or (exceeded and not alerted):
                    alerts.append(window.key)
                db.execute(
                    "INSERT INTO spend (budget, window, reserved, reserved_tokens, alerted)"
                    " VALUES (?,?,?,?,?) ON CONFLICT(budget, window) DO UPDATE SET"
                    " reserved=excluded.reserved, reserved_tokens=excluded.reserved_tokens,"
                    " alerted=excluded.alerted",
                    (
                        budget,
                        window.key,
                        _money(reserved + amount),
                        held + tokens,
                        int(alerted or bool(crossed or exceeded)),
                    ),
                )
            return ReserveOutcome(True, alerts=tuple(alerts))

    def settle(
        self,
        budget: str,
        windows: Sequence[Window],
        reserved_amount: Decimal,
        reserved_tokens: int,
        actual_amount: Decimal,
        actual_tokens: int,
    ) -> None:
        """Release a reservation and record what was really spent."""
        with self._transaction() as db:
            for window in windows:
                spent, reserved, used, held, _ = self._window_state(db, budget, window.key)
                db.execute(
                    "UPDATE spend SET spent=?, reserved=?, tokens=?, reserved_tokens=?"
                    " WHERE budget=? AND window=?",
                    (
                        _money(spent + actual_amount),
                        _money(max(reserved - reserved_amount, Decimal(0))),
                        used + actual_tokens,
                        max(held - reserved_tokens, 0),
                        budget,
                        window.key,
                    ),
                )

    @staticmethod
    def _window_state(
        db: sqlite3.Connection, budget: str, window: str
    ) -> tuple[Decimal, Decimal, int, int, bool]:
        row = db.execute(
            "SELECT spent, reserved, tokens, reserved_tokens, alerted FROM spend"
            " WHERE budget=? AND window=?",
            (budget, window),
        ).fetchone()
        if row is None:
            return Decimal(0), Decimal(0), 0, 0, False
        return Decimal(row[0]), Decimal(row[1]), int(row[2]), int(row[3]), bool(row[4])

    def spent(self, budget: str, window: str) -> Decimal:
        with self._lock:
            row = self._db.execute(
                "SELECT spent FROM spend WHERE budget=? AND window=?", (budget, window)
            ).fetchone()
        return Decimal(row[0]) if row else Decimal(0)

    # ---------------------------------------------------------------- reading

    def query(self, sql: str, params: tuple[Any, ...] = ()) -> list[sqlite3.Row]:
        """Read rows (committing buffered facts first)."""
        self.flush()
        with self._lock:
            cursor = self._db.execute(sql, params)
            columns = [c[0] for c in cursor.description or ()]
            return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]  # type: ignore[misc]

    # ---------------------------------------------------------------- retention (`agentflow gc`)
    # Added for agentflow/runtime/state/retention.py: find finished runs past a cutoff and purge
    # their contents in batches, the deletion audited in the same transaction as its first batch.

    def expired_runs(self, cutoff: float, workflows: Sequence[str] | None = None) -> list[str]:
        """Ids of the finished, not yet purged runs that ended before `cutoff`, oldest first."""
        sql = (
            "SELECT id FROM runs WHERE started_at < ? AND finished_at < ? AND purged_at IS NULL"
            " AND status != 'running'"
        )
        params: tuple[Any, ...] = (cutoff, cutoff)
        if workflows is not None:
            sql += f" AND workflow IN ({','.join('?' * len(workflows))})"
            params += tuple(workflows)
        self.flush()
        with self._lock:
            return [row[0] for row in self._db.execute(sql + " ORDER BY started_at, id", params)]

    def running_before(self, cutoff: float, workflows: Sequence[str] | None = None) -> int:
        """How many runs started before `cutoff` are still marked running (never purged)."""
        sql = "SELECT count(*) FROM runs WHERE status = 'running' AND started_at < ?"
        params: tuple[Any, ...] = (cutoff,)
        if workflows is not None:
            sql += f" AND workflow IN ({','.join('?' * len(workflows))})"
            params += tuple(workflows)
        with self._lock:
            return int(self._db.execute(sql, params).fetchone()[0])

    def spend_budgets(self) -> list[str]:
        """The budgets that have any window in the spend table."""
        with self._lock:
            return [row[0] for row in self._db.execute("SELECT DISTINCT budget FROM spend")]

    def run_data_counts(
        self, run_ids: Sequence[str], budgets: Sequence[str]
    ) -> tuple[int, int, int]:
        """(node results, spans, per-run spend windows) held for these runs."""
        marks = ",".join("?" * len(run_ids))
        windows = [f"run:{run_id}" for run_id in run_ids]
        with self._lock:
            nodes = self._db.execute(
                f"SELECT count(*) FROM node_results WHERE run_id IN ({marks})", tuple(run_ids)
            ).fetchone()[0]
            spans = self._db.execute(
                f"SELECT count(*) FROM spans WHERE run_id IN ({marks})", tuple(run_ids)
            ).fetchone()[0]
            spend = sum(
                self._db.execute(
                    f"SELECT count(*) FROM spend WHERE budget = ? AND window IN ({marks})",
                    (budget, *windows),
                ).fetchone()[0]
                for budget in budgets
            )
        return int(nodes), int(spans), int(spend)

    def purge_runs(
        self,
        run_ids: Sequence[str],
        purged_at: float,
        budgets: Sequence[str],
        event: AuditEvent | None = None,
    ) -> tuple[int, int, int, int]:
        """In one transaction: drop the inputs, output and error of these runs and mark them
        purged, delete their node results, spans and per-run spend windows, and append
        `event` to the audit log. Returns (runs, node results, spans, spend windows) removed."""
        self.flush()
        marks = ",".join("?" * len(run_ids))
        ids = tuple(run_ids)
        windows = tuple(f"run:{run_id}" for run_id in run_ids)
        with self._transaction() as db:
            runs = db.execute(
                "UPDATE runs SET inputs = NULL, output = NULL, error = NULL, purged_at = ?"
                f" WHERE id IN ({marks}) AND purged_at IS NULL",
                (purged_at, *ids),
            ).rowcount
            nodes = db.execute(f"DELETE FROM node_results WHERE run_id IN ({marks})", ids).rowcount
            spans = db.execute(f"DELETE FROM spans WHERE run_id IN ({marks})", ids).rowcount
            spend = sum(
                db.execute(
                    f"DELETE FROM spend WHERE budget = ? AND window IN ({marks})",
                    (budget, *windows),
                ).rowcount
                for budget in budgets
            )
            if event is not None:
                self._append_audit(db, [replace(event, at=event.at or time.time())])
        return runs, nodes, spans, spend

    def vacuum(self) -> None:
        """Give the space of deleted rows back to the file system (rewrites the file)."""
        self.flush()
        with self._lock:
            self._db.execute("VACUUM")

    # ---------------------------------------------------------------- end of retention block

    # ---------------------------------------------------------------- spans (tracing)
    # Added for agentflow/runtime/telemetry/tracing.py: span rows as parameter tuples with
    # their attributes already JSON, inserted several per statement (a run writes one row per
    # node, agent step, model and tool call: the per-statement cost matters).

    SPAN_ROWS_PER_INSERT = 64  # 704 parameters: under SQLite's oldest limit (999)

    def record_span_values(self, rows: Sequence[tuple[Any, ...]]) -> None:
        """Buffer rows of the `spans` table, each a tuple in the table's column order
        (`SpanRow`'s fields, attributes as JSON text); committed with the next group commit."""
        from itertools import chain

        step = self.SPAN_ROWS_PER_INSERT
        pending = [
            (self._span_insert(len(chunk)), tuple(chain.from_iterable(chunk)))
            for chunk in (rows[i : i + step] for i in range(0, len(rows), step))
        ]
        with self._lock:
            self._pending.extend(pending)
        self._schedule_flush()

    @staticmethod
    @functools.cache
    def _span_insert(rows: int) -> str:
        """An INSERT of `rows` rows into `spans` (sqlite3 caches the statement it prepares
        for each text, so each size is compiled once)."""
        return "INSERT OR REPLACE INTO spans VALUES " + ",".join(["(?,?,?,?,?,?,?,?,?,?,?)"] * rows)

    # ---------------------------------------------------------------- end of spans block

    def close(self) -> None:
        self.flush()
        with self._lock:
            self._db.close()
