"""Every example, run offline as its README command says, gives a well-formed trace: one
trace, one root, every span's parent among them and of the kind the tree allows, and the
same spans in the state store."""

from __future__ import annotations

import asyncio
import os
import shlex
import socket
from pathlib import Path
from typing import Any

import pytest
from tracing_support import Captured, kind, parent_of, stored_spans

import agentflow
from agentflow.runtime.api import run_workflow
from agentflow.runtime.state.store import StateStore
from agentflow.runtime.telemetry import attributes as attr

ROOT = Path(__file__).resolve().parents[3]
EXAMPLES = ROOT / "examples"
# the kinds a span of each kind may hang from
PARENTS = {
    "run": {None, "node"},
    "node": {"run", "node", "step"},
    "agent": {"node"},
    "step": {"agent"},
    "model": {"step"},
    "tool": {"step"},
}


def readme_runs() -> dict[str, tuple[dict[str, str], list[str]]]:
    """example → (environment, `agentflow run` arguments) from examples/README.md's table."""
    import re

    row = re.compile(r"^\|\s*\[`(?P<name>[a-z_]+)`\]\([^)]*\)\s*\|.*\|\s*`(?P<command>[^`]+)`")
    found = {}
    for line in (EXAMPLES / "README.md").read_text(encoding="utf-8").splitlines():
        match = row.match(line)
        if match:
            words = shlex.split(match["command"])
            env = {}
            while words and "=" in words[0] and words[0].split("=")[0].isupper():
                name, _, value = words.pop(0).partition("=")
                env[name] = value
            found[match["name"]] = (env, words[2:])
    return found


RUNS = readme_runs()


def inputs_of(args: list[str], program: Path) -> tuple[str | None, dict[str, object], str | None]:
    import json

    workflow = None
    token = None
    inputs: dict[str, object] = {}
    index = 1
    while index < len(args):
        flag = args[index]
        value = args[index + 1] if index + 1 < len(args) else ""
        if flag in ("-w", "--workflow"):
            workflow = value
        elif flag in ("-i", "--input"):
            name, _, raw = value.partition("=")
            try:
                inputs[name] = json.loads(raw)
            except ValueError:
                inputs[name] = raw
        elif flag == "--input-json":
            inputs.update(json.loads((ROOT / value).read_text(encoding="utf-8")))
        elif flag == "--token":
            token = value
        else:
            index += 1
            continue
        index += 2
    return workflow, inputs, token


@pytest.fixture
def loopback_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Refuse to resolve any host that is not loopback (`incident_summary` tries one)."""
    real = socket.getaddrinfo

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        name = host.decode() if isinstance(host, bytes) else str(host)
        if name not in ("localhost", "127.0.0.1", "::1"):
            raise socket.gaierror(socket.EAI_NONAME, f"{name}: blocked in tests (loopback only)")
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


@pytest.mark.usefixtures("loopback_only")
@pytest.mark.parametrize("name", sorted(RUNS))
def test_example_trace_is_well_formed(
    name: str, tmp_path: Path, captured: Captured, monkeypatch: pytest.MonkeyPatch
) -> None:
    env, args = RUNS[name]
    program = ROOT / args[0]
    workflow, inputs, token = inputs_of(args, program)
    for variable, value in env.items():
        monkeypatch.setenv(variable, value)
    monkeypatch.chdir(ROOT)
    plan = agentflow.compile(program.read_text(encoding="utf-8"), str(program))
    workflow = workflow or next(iter(plan.workflows))
    if token and token.startswith("$"):
        token = os.environ.get(token.lstrip("$"))
    store = StateStore.in_directory(tmp_path / "state")
    result = asyncio.run(
        run_workflow(
            plan,
            workflow,
            inputs,
            token=token or os.environ.get("AGENTFLOW_TOKEN"),
            offline="--offline" in args,
            store=store,
            telemetry=captured.telemetry,
        )
    )
    assert result.status == "succeeded", result.error
    spans = captured.spans
    assert len({s.context.trace_id for s in spans if s.context}) == 1
    roots = [s for s in spans if s.parent is None]
    assert [r.name for r in roots] == [f"run {workflow}"]
    for span in spans:
        parent = parent_of(span, spans)
        assert (kind(parent) if parent else None) in PARENTS[kind(span) or ""], span.name
        assert (span.attributes or {})[attr.RUN_ID] == result.run_id
    reported = {n.id for n in result.nodes if n.status != "skipped"}
    traced = {(s.attributes or {})[attr.NODE_ID] for s in spans if kind(s) == "node"}
    assert reported <= traced
    rows = stored_spans(store, result.run_id)
    assert sorted(r["name"] for r in rows) == sorted(s.name for s in spans)
    store.close()
