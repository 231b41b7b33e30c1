"""The state store's schema: new stores, migration of older ones, refusing newer ones."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from agentflow.runtime.state.store import (
    SCHEMA,
    SCHEMA_VERSION,
    AuditEvent,
    SpanRow,
    StateStore,
    StoreError,
)

VERSION_1_RUNS = """
CREATE TABLE runs (
  id TEXT PRIMARY KEY, workflow TEXT NOT NULL, source TEXT NOT NULL,
  principal TEXT, role TEXT, status TEXT NOT NULL,
  inputs TEXT, output TEXT, error TEXT,
  cost_usd TEXT NOT NULL DEFAULT '0',
  input_tokens INTEGER NOT NULL DEFAULT 0, output_tokens INTEGER NOT NULL DEFAULT 0,
  started_at REAL NOT NULL, finished_at REAL
);
"""


def _columns(store: StateStore, table: str) -> list[str]:
    return [row["name"] for row in store.query(f"PRAGMA table_info({table})")]


def test_a_new_store_has_the_current_version(tmp_path: Path) -> None:
    store = StateStore.in_directory(tmp_path)
    version = store.query("SELECT value FROM meta WHERE key = 'schema_version'")
    assert version == [{"value": str(SCHEMA_VERSION)}]
    assert {"trace_id", "purged_at"} <= set(_columns(store, "runs"))
    assert "attributes" in _columns(store, "spans")
    store.close()


def test_a_version_1_store_is_migrated_keeping_its_runs(tmp_path: Path) -> None:
    db = sqlite3.connect(tmp_path / "state.db")
    db.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
    db.execute(VERSION_1_RUNS)
    db.execute("INSERT INTO meta VALUES ('schema_version', '1')")
    db.execute(
        "INSERT INTO runs (id, workflow, source, status, started_at)"
        " VALUES ('run_1', 'w', 'f.agentflow', 'succeeded', 1.0)"
    )
    db.commit()
    db.close()
    store = StateStore.in_directory(tmp_path)
    assert store.query("SELECT value FROM meta WHERE key = 'schema_version'")[0]["value"] == "2"
    assert store.query("SELECT id, trace_id, purged_at FROM runs") == [
        {"id": "run_1", "trace_id": None, "purged_at": None}
    ]
    store.close()
    # Opening it again is a no-op, not a second migration.
    StateStore.in_directory(tmp_path).close()


def test_a_newer_store_is_refused(tmp_path: Path) -> None:
    db = sqlite3.connect(tmp_path / "state.db")
    db.executescript(SCHEMA)
    db.execute(f"INSERT INTO meta VALUES ('schema_version', '{SCHEMA_VERSION + 1}')")
    db.commit()
    db.close()
    with pytest.raises(StoreError, match="schema version"):
        StateStore.in_directory(tmp_path)


def test_spans_and_the_audit_head_are_recorded(tmp_path: Path) -> None:
    store = StateStore.in_directory(tmp_path)
    store.record_spans(
        [SpanRow("run_1", "ab" * 8, "cd" * 16, None, "run w", "run", None, 1, 2, "ok", {"k": 1})]
    )
    store.audit(AuditEvent("run_1", "ada", "run.start", "workflow:w", "allow"))
    store.audit(AuditEvent("run_1", "ada", "run.end", "workflow:w", "info"))
    spans = store.query("SELECT name, kind, attributes FROM spans")
    assert spans == [{"name": "run w", "kind": "run", "attributes": '{"k": 1}'}]
    last = store.query("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1")[0]
    head = store.query("SELECT value FROM meta WHERE key = 'audit_head'")[0]["value"]
    assert head == f"{last['seq']}:{last['hash']}"
    store.close()
