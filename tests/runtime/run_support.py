"""Helpers for the `test_run_*.py` tests: small programs written into `tmp_path`, Python tool
modules next to them (each under a unique module name, because the tool registry imports
by module name and `sys.modules` is shared by every test), runs through the public API with
the state store in `tmp_path`, and the CLI called in-process.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import textwrap
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import agentflow
from agentflow.compiler.plan import Plan
from agentflow.runtime.api import RunResult, run_workflow
from agentflow.runtime.state.store import StateStore

_COUNTER = itertools.count()

HEADER = "agentflow 1\n"
OFFLINE_MODEL = "model local {\n  provider = offline\n  max_tokens = 256\n}\n"


def unique_module(prefix: str = "afrun_tools") -> str:
    """A module name no other test uses (python tools are imported by module name)."""
    return f"{prefix}_{next(_COUNTER)}_{id(_COUNTER):x}"


def write_module(directory: Path, body: str, prefix: str = "afrun_tools") -> str:
    """Write a Python tool module into `directory` and return its (unique) module name."""
    directory.mkdir(parents=True, exist_ok=True)
    name = unique_module(prefix)
    (directory / f"{name}.py").write_text(textwrap.dedent(body), encoding="utf-8")
    return name


def write_program(directory: Path, source: str, name: str = "prog.agentflow") -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    path.write_text(textwrap.dedent(source), encoding="utf-8")
    return path


def compile_program(directory: Path, source: str, name: str = "prog.agentflow") -> Plan:
    path = write_program(directory, source, name)
    return agentflow.compile(path.read_text(encoding="utf-8"), str(path))


def write_script(directory: Path, script: Mapping[str, Any], name: str = "script.json") -> str:
    """Write an offline-provider script and return its file name (relative to the program)."""
    (directory / name).write_text(json.dumps(script), encoding="utf-8")
    return name


def run_plan(
    plan: Plan,
    workflow: str,
    inputs: Mapping[str, Any] | None = None,
    *,
    store: StateStore,
    **options: Any,
) -> RunResult:
    """`run_workflow` in a fresh event loop with an explicit state store."""
    options.setdefault("offline", True)
    options.setdefault("env", {})
    return asyncio.run(run_workflow(plan, workflow, dict(inputs or {}), store=store, **options))


def nodes_by_id(result: RunResult) -> dict[str, Any]:
    return {node.id: node for node in result.nodes}


def stored_nodes(store: StateStore, run_id: str) -> dict[str, str]:
    """node_id -> status, as the state store recorded them."""
    store.flush()
    rows = store.query("select node_id, status from node_results where run_id=?", (run_id,))
    return {row["node_id"]: row["status"] for row in rows}


def audit(store: StateStore, run_id: str, decision: str | None = None) -> list[dict[str, Any]]:
    store.flush()
    sql = "select * from audit where run_id=?"
    params: tuple[Any, ...] = (run_id,)
    if decision is not None:
        sql += " and decision=?"
        params += (decision,)
    return [dict(row) for row in store.query(sql + " order by seq", params)]
