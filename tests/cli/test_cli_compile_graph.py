"""`agentflow compile` and `agentflow graph`, against a stand-in plan where none exists yet."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from agentflow.cli.graph import to_dot, to_mermaid
from agentflow.cli.main import main
from agentflow.compiler import pipeline
from agentflow.source import Source


@dataclass
class Node:
    id: str
    kind: str
    callee: str | None = None
    depends_on: list[str] = field(default_factory=list)
    guarded: bool = False


@dataclass
class WorkflowPlan:
    nodes: list[Node]


@dataclass
class Plan:
    workflows: dict[str, WorkflowPlan]

    def model_dump_json(self, indent: int | None = None) -> str:
        names = {name: [n.id for n in wf.nodes] for name, wf in self.workflows.items()}
        return json.dumps({"workflows": names}, indent=indent)


REPORT = WorkflowPlan(
    [
        Node("draft", "call_agent", "writer", ["topic"]),
        Node("facts", "call_tool", "search", ["topic"]),
        Node("end", "pure", None, ["draft", "facts"]),
        Node("check", "branch", None, ["end"]),
        Node("stop", "fail", None, ["check"], guarded=True),
        Node("result", "return", None, ["end", "check"]),
    ]
)


@pytest.fixture
def fake_plan(monkeypatch: pytest.MonkeyPatch) -> Plan:
    plan = Plan({"report": REPORT, "other": WorkflowPlan([Node("x", "return")])})

    def analyze(source: Source, *, lower: bool = False) -> pipeline.Analysis:
        assert lower
        return pipeline.Analysis(source, None, [], plan)  # type: ignore[arg-type]

    monkeypatch.setattr(pipeline, "analyze", analyze)
    return plan


def test_mermaid(snapshot: object) -> None:
    text = to_mermaid("report", REPORT)
    assert text.startswith("flowchart TD\n")
    assert '  n0(["draft: writer"])\n' in text
    assert text == snapshot


def test_dot(snapshot: object) -> None:
    text = to_dot("report", REPORT)
    assert text.startswith('digraph "report" {\n')
    assert '  "draft" [label="draft: writer", shape=box, style="rounded"];\n' in text
    assert text == snapshot


@pytest.mark.usefixtures("fake_plan")
def test_compile(valid_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["compile", str(valid_file)]) == 0
    assert json.loads(capsys.readouterr().out)["workflows"]["other"] == ["x"]
    output = tmp_path / "plan.json"
    assert main(["compile", str(valid_file), "-o", str(output)]) == 0
    assert capsys.readouterr().out == ""
    assert json.loads(output.read_text())["workflows"]["report"][0] == "draft"


def test_compile_errors(broken_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["compile", str(broken_file)]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("error[AF001]")


def test_compile_missing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["compile", str(tmp_path / "gone.agentflow")]) == 2
    assert "no such file or directory" in capsys.readouterr().err


@pytest.mark.usefixtures("fake_plan")
def test_graph_chooses_workflow(valid_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["graph", str(valid_file)]) == 2
    err = capsys.readouterr().err
    assert err.endswith("choose a workflow with -w NAME; the workflows are: `other`, `report`\n")
    assert main(["graph", str(valid_file), "-w", "nope"]) == 2
    assert "no workflow named `nope`" in capsys.readouterr().err
    assert main(["graph", str(valid_file), "-w", "report", "--format", "dot"]) == 0
    assert capsys.readouterr().out == to_dot("report", REPORT)


def test_graph_single_workflow(
    valid_file: Path, fake_plan: Plan, capsys: pytest.CaptureFixture[str]
) -> None:
    del fake_plan.workflows["other"]
    assert main(["graph", str(valid_file)]) == 0
    assert capsys.readouterr().out == to_mermaid("report", REPORT)
