"""Helpers for the end-to-end runtime tests (`test_runtime_*.py`): write a program into a
temporary directory, compile it, run it through the public API or the CLI, and read back
what the state store recorded.

Everything stays under the test's `tmp_path`; the only network is loopback (the fake servers).
"""

from __future__ import annotations

import asyncio
import json
import os
import sqlite3
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from fakes.servers import FakeServer, _Handler, _Server

import agentflow
from agentflow.compiler.plan import Plan
from agentflow.runtime.api import RunResult, run_workflow

ROOT = Path(__file__).resolve().parents[2]  # the project root (for PYTHONPATH)
ANTHROPIC_MODEL = "claude-sonnet-4-6"
OPENAI_MODEL = "gpt-4o-mini"


def write_program(directory: Path, source: str, name: str = "prog.agentflow") -> Path:
    """Write `source` as `directory/name` (relative paths in it resolve from `directory`)."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    path.write_text(source, encoding="utf-8")
    return path


def compile_program(directory: Path, source: str, name: str = "prog.agentflow") -> Plan:
    path = write_program(directory, source, name)
    return agentflow.compile(source, str(path))


def run(
    plan: Plan,
    workflow: str,
    inputs: Mapping[str, Any],
    *,
    state_dir: Path,
    **options: Any,
) -> RunResult:
    """`run_workflow` in a fresh event loop, with the state store in `state_dir`."""
    return asyncio.run(run_workflow(plan, workflow, dict(inputs), state_dir=state_dir, **options))


def query(state_dir: Path, sql: str, params: tuple[Any, ...] = ()) -> list[dict[str, Any]]:
    """Rows of the state store in `state_dir`, read with a separate SQLite connection."""
    db = sqlite3.connect(state_dir / "state.db", timeout=30.0)
    try:
        db.row_factory = sqlite3.Row
        return [dict(row) for row in db.execute(sql, params).fetchall()]
    finally:
        db.close()


def audit_rows(state_dir: Path, action: str | None = None) -> list[dict[str, Any]]:
    """The audit log in order (only rows with `action`, if given); `details` decoded."""
    sql = "SELECT * FROM audit" + (" WHERE action = ?" if action else "") + " ORDER BY seq"
    rows = query(state_dir, sql, (action,) if action else ())
    for row in rows:
        row["details"] = json.loads(row["details"]) if row["details"] else None
    return rows


def node_rows(state_dir: Path, run_id: str) -> dict[str, dict[str, Any]]:
    rows = query(state_dir, "SELECT * FROM node_results WHERE run_id = ?", (run_id,))
    for row in rows:
        row["output"] = json.loads(row["output"]) if row["output"] is not None else None
        row["error"] = json.loads(row["error"]) if row["error"] is not None else None
    return {row["node_id"]: row for row in rows}


def assert_audit_chain(state_dir: Path) -> list[dict[str, Any]]:
    """Every audit row chains to its predecessor (the first to the genesis hash) and its
    hash matches its content; returns the raw rows."""
    from agentflow.runtime.state.store import GENESIS_HASH, audit_hash

    rows = query(state_dir, "SELECT * FROM audit ORDER BY seq")
    previous = GENESIS_HASH
    for row in rows:
        assert row["prev_hash"] == previous, f"audit row {row['seq']} breaks the chain"
        record = {
            key: row[key]
            for key in ("run_id", "at", "principal", "action", "resource", "decision", "reason")
        }
        record["details"] = row["details"]
        assert row["hash"] == audit_hash(previous, record), f"audit row {row['seq']} was altered"
        previous = row["hash"]
    return rows


def state_bytes(state_dir: Path) -> dict[str, bytes]:
    """The raw bytes of every file in the state directory (state.db, -wal, -shm, ...)."""
    return {p.name: p.read_bytes() for p in sorted(state_dir.rglob("*")) if p.is_file()}


def cli_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "agentflow.cli.main", *args]


def cli_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment for a CLI subprocess: this one, minus any AGENTFLOW_* settings, plus
    `extra`, with the project on the import path."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AGENTFLOW_")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    env.update(extra or {})
    return env


def run_cli(
    *args: str, env: Mapping[str, str] | None = None, cwd: Path, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        cli_command(*args),
        env=cli_env(env),
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


class _WideServer(_Server):
    request_queue_size = 256  # many concurrent connections without dropped SYNs


class WideFakeServer(FakeServer):
    """A fake server with a deep listen backlog, for many concurrent requests; it notes
    when each request arrived (`arrivals`, `time.monotonic()`)."""

    def __init__(self, flavor: Any) -> None:
        super().__init__(flavor)
        self.arrivals: list[float] = []

    def _record(self, request: Any) -> None:
        import time

        with self._lock:
            self.arrivals.append(time.monotonic())
        super()._record(request)

    def most_in_flight(self, seconds: float) -> int:
        """The most requests that arrived within any `seconds`-long window."""
        times = sorted(self.arrivals)
        return max(
            (sum(1 for t in times[i:] if t < start + seconds) for i, start in enumerate(times)),
            default=0,
        )

    def start(self) -> WideFakeServer:
        import threading

        server = _WideServer(("127.0.0.1", 0), _Handler)
        server.fake = self
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self


def anthropic_model(
    name: str, base_url: str, key_env: str = "AF_TEST_KEY", max_tokens: int = 256, **extra: str
) -> str:
    """A `model` declaration for the fake Anthropic server."""
    settings = "".join(f"  {k} = {v}\n" for k, v in extra.items())
    return (
        f'model {name} {{\n  provider = anthropic\n  name = "{ANTHROPIC_MODEL}"\n'
        f'  api_key = env("{key_env}")\n  base_url = "{base_url}"\n  max_tokens = {max_tokens}\n'
        f"{settings}}}\n"
    )


def openai_model(
    name: str, base_url: str, key_env: str = "AF_TEST_KEY", max_tokens: int = 256, **extra: str
) -> str:
    """A `model` declaration for the fake OpenAI server."""
    settings = "".join(f"  {k} = {v}\n" for k, v in extra.items())
    return (
        f'model {name} {{\n  provider = openai\n  name = "{OPENAI_MODEL}"\n'
        f'  api_key = env("{key_env}")\n  base_url = "{base_url}"\n  max_tokens = {max_tokens}\n'
        f"{settings}}}\n"
    )


# One agent `asker` on a model named `primary` (fill {models}) and a workflow `ask`.
ASK_PROGRAM = """agentflow 1
{models}
agent asker {{
  model = primary
  input {{ q: string }}
  output = string
  prompt = "{{{{ q }}}}"
}}

workflow ask(q: string) -> string {{
  a = asker(q: q)
  return a
}}
"""

# `asker` under a role and a principal whose token comes from env (fill {model}: `claude`).
SECRET_PROGRAM = """agentflow 1
{model}
tool calc = stdlib.calculator
role analyst {{ tools = [calc], agents = [asker], workflows = [ask] }}
principal bot {{ roles = [analyst], token = env("AF_SECRET_TOKEN") }}

agent asker {{
  model = claude
  tools = [calc]
  input {{ q: string }}
  output = string
  prompt = "{{{{ q }}}}"
}}

workflow ask(q: string) -> string {{
  run_as = analyst
  a = asker(q: q)
  return a
}}
"""
