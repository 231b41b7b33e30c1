"""Every example checks clean, has a stable AST and plan, and its plan round-trips through JSON."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from ast_dump import dump

import agentflow
from agentflow.compiler.plan import Plan

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((ROOT / "examples").glob("*.agentflow"))


def test_there_are_at_least_eight_examples() -> None:
    assert len(EXAMPLES) >= 8


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_example_checks_clean(path: Path) -> None:
    diagnostics = agentflow.check(path.read_text(), str(path))
    assert [(d.code, d.line, d.message) for d in diagnostics] == []


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_example_ast_snapshot(path: Path, snapshot) -> None:
    program, diagnostics = agentflow.parse(path.read_text(), path.name)
    assert diagnostics == []
    assert dump(program) == snapshot


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_example_plan_snapshot_and_round_trip(path: Path, snapshot) -> None:
    plan = agentflow.compile(path.read_text(), str(path))
    text = plan.model_dump_json()
    assert Plan.model_validate_json(text) == plan
    stable = json.loads(text)
    stable["source"] = path.name
    stable["base_dir"] = "<examples>"
    assert json.dumps(stable, indent=1, sort_keys=True) == snapshot


def test_plan_nodes_reference_only_existing_nodes() -> None:
    for path in EXAMPLES:
        plan = agentflow.compile(path.read_text(), str(path))
        for workflow in plan.workflows.values():
            ids = {node.id for node in workflow.nodes}
            assert len(ids) == len(workflow.nodes), f"duplicate node ids in {path.name}"
            for node in workflow.nodes:
                missing = set(node.depends_on) - ids
                assert not missing, f"{path.name}:{node.id} depends on unknown {missing}"
            assert "return" in ids


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_example_is_formatted(path: Path) -> None:
    from agentflow.grammar.printer import format_source
    from agentflow.source import Source

    result = format_source(Source(path.read_text(), str(path)))
    assert result.text == path.read_text(), f"run `agentflow fmt {path}`"
