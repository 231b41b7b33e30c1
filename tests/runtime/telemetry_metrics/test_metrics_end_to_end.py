"""Real runs (offline) traced through `Telemetry` with SpanMetrics and SpanLogger attached:
metrics and logs agree with the run's result, its ledger and its trace."""

from __future__ import annotations

import asyncio
import io
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from metrics_support import of, one, points
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import TracerProvider
from run_support import HEADER, OFFLINE_MODEL, write_module, write_program

import agentflow
from agentflow.runtime.api import RunResult, run_workflow
from agentflow.runtime.state.store import StateStore
from agentflow.runtime.telemetry import attributes as attr
from agentflow.runtime.telemetry import metrics as m
from agentflow.runtime.telemetry.logs import configure_logging, register_secret
from agentflow.runtime.telemetry.metrics import SpanMetrics
from agentflow.runtime.telemetry.span_logs import SpanLogger
from agentflow.runtime.telemetry.tracing import Telemetry

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"
WF, STATUS = attr.WORKFLOW, attr.STATUS


class Observed:
    """A run's telemetry: metrics through an in-memory reader, logs as JSON lines."""

    def __init__(self, tmp_path: Path, level: str = "info") -> None:
        self.reader = InMemoryMetricReader()
        self.meters = MeterProvider(metric_readers=[self.reader], shutdown_on_exit=False)
        self.logs = io.StringIO()
        configure_logging(level, "json", self.logs)
        self.telemetry = Telemetry(
            tracer_provider=TracerProvider(shutdown_on_exit=False),
            processors=[SpanMetrics(self.meters), SpanLogger()],
        )
        self.store = StateStore.in_directory(tmp_path / "state")

    def run(self, path: Path, workflow: str, inputs: dict[str, Any], **options: Any) -> RunResult:
        plan = agentflow.compile(path.read_text(encoding="utf-8"), str(path))
        options.setdefault("offline", True)
        options.setdefault("env", {})
        return asyncio.run(
            run_workflow(
                plan, workflow, inputs, store=self.store, telemetry=self.telemetry, **options
            )
        )

    def records(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.logs.getvalue().splitlines()]

    def close(self) -> None:
        self.telemetry.shutdown(timeout_s=5)
        self.meters.shutdown()
        self.store.close()


@pytest.fixture
def observed(tmp_path: Path) -> Any:
    watched = Observed(tmp_path)
    yield watched
    watched.close()


def test_metrics_of_a_priced_run_match_its_result_and_ledger(observed: Observed) -> None:
    result = observed.run(
        EXAMPLES / "expense_audit.agentflow", "expense_audit", {"month": "2026-10"}
    )
    assert result.status == "succeeded"
    assert result.cost_usd > 0
    found = points(observed.reader)
    assert one(found, m.RUNS, **{WF: "expense_audit", STATUS: "succeeded"}).value == 1
    spent = sum(p.value or 0 for p in of(found, m.COST))
    assert spent == pytest.approx(float(result.cost_usd))
    tokens = {"input": 0.0, "output": 0.0}
    for point in of(found, m.TOKENS):
        tokens[point.attributes[m.TOKEN_TYPE]] += point.value or 0
    assert tokens == {"input": result.input_tokens, "output": result.output_tokens}
    # Every model call is charged to the program's one budget.
    budget = one(found, m.BUDGET_COST, **{m.BUDGET: "audit_run"})
    assert budget.value == pytest.approx(float(result.cost_usd))
    # Cost by agent matches the ledger's rows, agent by agent.
    ledger = observed.store.query(
        "select amount_usd from ledger where run_id = ?", (result.run_id,)
    )
    assert sum(Decimal(row["amount_usd"]) for row in ledger) == result.cost_usd
    agents = {p.attributes[attr.GEN_AI_AGENT_NAME] for p in of(found, m.COST)}
    assert agents == {"normalizer", "auditor", "reporter"}
    tools = {p.attributes[attr.GEN_AI_TOOL_NAME] for p in of(found, m.TOOL_CALLS)}
    assert tools == {"expenses", "calc"}
    for point in found:
        assert result.run_id not in json.dumps(point.attributes)


def test_logs_of_a_run_carry_its_ids(observed: Observed) -> None:
    result = observed.run(EXAMPLES / "hello.agentflow", "hello", {"name": "Ada"})
    assert result.status == "succeeded"
    records = observed.records()
    assert records[0]["message"] == "run started"
    assert records[-1]["message"] == "run finished"
    assert {r["run_id"] for r in records} == {result.run_id}
    trace_ids = {r["trace_id"] for r in records}
    assert len(trace_ids) == 1
    (trace_id,) = trace_ids
    stored = observed.store.query("select trace_id from runs where id = ?", (result.run_id,))
    assert stored[0]["trace_id"] == trace_id
    finished = {r["node_id"] for r in records if r["message"] == "node finished"}
    assert finished == {"greeting", "message"}
    spans = observed.store.query(
        "select span_id, node_id, kind from spans where run_id = ?", (result.run_id,)
    )
    node_spans = {row["node_id"]: row["span_id"] for row in spans if row["kind"] == "node"}
    for record in records:
        if record["message"] == "node finished":
            assert record["span_id"] == node_spans[record["node_id"]]


def test_a_map_over_items_keeps_metrics_low_cardinality(observed: Observed) -> None:
    inputs = json.loads((EXAMPLES / "inputs" / "support_ticket.json").read_text())
    result = observed.run(EXAMPLES / "support_triage.agentflow", "triage", inputs)
    assert result.status == "succeeded", result.error
    item_nodes = [n.id for n in result.nodes if "[" in n.id]
    assert item_nodes, "the example should map over items"
    found = points(observed.reader)
    for point in found:
        text = json.dumps(point.attributes)
        assert result.run_id not in text
        assert not any(node in text for node in item_nodes), point


def test_a_failed_run_counts_errors_and_logs_warnings(observed: Observed, tmp_path: Path) -> None:
    module = write_module(
        tmp_path, "def explode(value: str) -> str:\n    raise RuntimeError('kaput')\n"
    )
    program = (
        HEADER
        + OFFLINE_MODEL
        + f'tool explode = python("{module}:explode")\n'
        + "workflow broken(value: string) -> string {\n"
        + "  x = explode(value: value)\n"
        + "  return x\n"
        + "}\n"
    )
    result = observed.run(write_program(tmp_path, program), "broken", {"value": "v"})
    assert result.status == "failed"
    found = points(observed.reader)
    assert one(found, m.RUNS, **{WF: "broken", STATUS: "failed"}).value == 1
    failed_nodes = [p for p in of(found, m.NODE_CALLS) if p.attributes[STATUS] == "failed"]
    assert [p.value for p in failed_nodes] == [1]
    error_kinds = {p.attributes[attr.SPAN_KIND] for p in of(found, m.ERRORS)}
    assert {"node", "run"} <= error_kinds
    records = observed.records()
    node_failed = next(r for r in records if r["message"] == "node failed")
    assert node_failed["node_id"] == "x" and node_failed["level"] == "warning"
    assert "kaput" in node_failed["error"]
    run_finished = records[-1]
    assert (run_finished["message"], run_finished["level"]) == ("run finished", "error")


def test_registered_secrets_never_reach_a_record_of_a_real_run(
    observed: Observed, tmp_path: Path
) -> None:
    secret = "tok-live-9f8e7d6c5b4a"
    register_secret(secret)
    module = write_module(
        tmp_path, "def leak(value: str) -> str:\n    raise RuntimeError('bad ' + value)\n"
    )
    program = (
        HEADER
        + OFFLINE_MODEL
        + f'tool leak = python("{module}:leak")\n'
        + "workflow w(value: string) -> string {\n  x = leak(value: value)\n  return x\n}\n"
    )
    result = observed.run(write_program(tmp_path, program), "w", {"value": secret})
    assert result.status == "failed"
    text = observed.logs.getvalue()
    assert "node failed" in text
    assert secret not in text
