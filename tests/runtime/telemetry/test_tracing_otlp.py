"""`agentflow run --trace-exporter otlp` against loopback collector stand-ins, over both
OTLP protocols (flags and the standard OTEL_* variables); a collector that cannot be reached
does not fail or hang the run."""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from runtime_support import run_cli
from trace_collector import GrpcCollector, HttpCollector, Received, Span
from tracing_support import OFFLINE_MODEL

from agentflow.cli.main import main
from agentflow.runtime.telemetry import attributes as attr

PROGRAM = (
    "agentflow 1\n"
    + OFFLINE_MODEL
    + """tool calc = stdlib.calculator

agent greeter {
  model = local
  input { name: string }
  output = string
  prompt = "Greet {{ name }}"
}

workflow hello(name: string) -> string {
  greeting = greeter(name: name)
  n = calc(expression: "1 + 1")
  message = "{{ greeting }} ({{ n }})"
  return message
}
"""
)
NAMES = {
    "run hello",
    "node greeting",
    "invoke_agent greeter",
    "step 1",
    "chat local",
    "node n",
    "node message",
}


@pytest.fixture
def no_otel_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for variable in list(os.environ):
        if variable.startswith(("OTEL_", "AGENTFLOW_")):
            monkeypatch.delenv(variable)


@pytest.fixture
def program(tmp_path: Path) -> Path:
    path = tmp_path / "hello.agentflow"
    path.write_text(PROGRAM, encoding="utf-8")
    return path


@pytest.fixture
def http_collector() -> Iterator[HttpCollector]:
    with HttpCollector() as collector:
        yield collector


@pytest.fixture
def grpc_collector() -> Iterator[GrpcCollector]:
    with GrpcCollector() as collector:
        yield collector


def run_in_process(
    program: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], *flags: str
) -> tuple[int, dict[str, Any], str]:
    status = main(
        [
            "run",
            str(program),
            "-i",
            "name=Ada",
            "--offline",
            "--json",
            "--no-color",
            "--state",
            str(tmp_path / "state"),
            *flags,
        ]
    )
    out = capsys.readouterr()
    return status, json.loads(out.out) if out.out.strip() else {}, out.err


def check_received(received: Received, result: dict[str, Any]) -> list[Span]:
    spans = received.spans
    assert {s.name for s in spans} == NAMES
    assert len(spans) == len(NAMES)
    assert {s.trace_id for s in spans} == {result["trace_id"]}
    by_name = {s.name: s for s in spans}
    root = by_name["run hello"]
    assert root.parent_id is None
    for name in ("node greeting", "node n", "node message"):
        assert by_name[name].parent_id == root.span_id, name
    assert by_name["invoke_agent greeter"].parent_id == by_name["node greeting"].span_id
    assert by_name["step 1"].parent_id == by_name["invoke_agent greeter"].span_id
    assert by_name["chat local"].parent_id == by_name["step 1"].span_id
    chat = by_name["chat local"].attributes
    assert chat[attr.GEN_AI_OPERATION_NAME] == "chat"
    assert chat[attr.GEN_AI_PROVIDER_NAME] == "agentflow.offline"
    assert chat[attr.GEN_AI_USAGE_INPUT_TOKENS] == result["tokens"]["input"]
    assert chat[attr.GEN_AI_USAGE_OUTPUT_TOKENS] == result["tokens"]["output"]
    assert by_name["node n"].attributes[attr.GEN_AI_TOOL_NAME] == "calc"
    assert root.attributes[attr.STATUS] == "succeeded"
    for span in spans:
        assert span.attributes[attr.RUN_ID] == result["run_id"]
        assert span.scope == "agentflow"
        assert span.status == "unset"
    return spans


def test_otlp_over_http(
    program: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    http_collector: HttpCollector,
    no_otel_env: None,
) -> None:
    status, result, err = run_in_process(
        program,
        tmp_path,
        capsys,
        "--trace-exporter",
        "otlp",
        "--otlp-endpoint",
        http_collector.endpoint,
    )
    assert status == 0, err
    assert err == ""
    spans = check_received(http_collector.received, result)
    assert spans[0].resource["service.name"] == "agentflow"
    assert http_collector.received.headers[0]["content-type"] == "application/x-protobuf"


def test_otlp_over_grpc(
    program: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    grpc_collector: GrpcCollector,
    no_otel_env: None,
) -> None:
    status, result, err = run_in_process(
        program,
        tmp_path,
        capsys,
        "--trace-exporter",
        "otlp",
        "--otlp-protocol",
        "grpc",
        "--otlp-endpoint",
        grpc_collector.endpoint,
    )
    assert status == 0, err
    assert err == ""
    check_received(grpc_collector.received, result)


def test_otlp_over_http_from_the_standard_variables(
    program: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    http_collector: HttpCollector,
    no_otel_env: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("OTEL_TRACES_EXPORTER", "otlp")
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", http_collector.endpoint)  # + /v1/traces
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_HEADERS", "x-tenant=acme")
    monkeypatch.setenv("OTEL_SERVICE_NAME", "checkout-agents")
    monkeypatch.setenv("OTEL_RESOURCE_ATTRIBUTES", "deployment.environment=test")

    status, result, err = run_in_process(program, tmp_path, capsys)

    assert status == 0, err
    spans = check_received(http_collector.received, result)
    assert spans[0].resource["service.name"] == "checkout-agents"
    assert spans[0].resource["deployment.environment"] == "test"
    assert http_collector.received.headers[0]["x-tenant"] == "acme"


def test_otlp_over_grpc_from_the_standard_variables(
    program: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    grpc_collector: GrpcCollector,
    no_otel_env: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("OTEL_TRACES_EXPORTER", "otlp")
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "grpc")
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", f"http://{grpc_collector.endpoint}")

    status, result, err = run_in_process(program, tmp_path, capsys)

    assert status == 0, err
    check_received(grpc_collector.received, result)


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.parametrize("protocol", ["http/protobuf", "grpc"])
def test_an_unreachable_collector_does_not_fail_the_run(
    protocol: str, program: Path, tmp_path: Path
) -> None:
    env = {k: "" for k in os.environ if k.startswith("OTEL_")}
    done = run_cli(
        "run",
        str(program),
        "-i",
        "name=Ada",
        "--offline",
        "--json",
        "--state",
        str(tmp_path / "state"),
        "--trace-exporter",
        "otlp",
        "--otlp-protocol",
        protocol,
        "--otlp-endpoint",
        f"http://127.0.0.1:{closed_port()}",
        env=env,
        cwd=tmp_path,
        timeout=30,  # a hang fails the test
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["status"] == "succeeded"
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("agentflow: warning: ")
    assert "export" in lines[0] and "127.0.0.1" in lines[0]
    # the store has the whole trace even though the collector never got it
    from agentflow.runtime.state.store import StateStore

    store = StateStore.in_directory(tmp_path / "state", create=False)
    try:
        rows = store.query("SELECT name FROM spans WHERE run_id = ?", (result["run_id"],))
    finally:
        store.close()
    assert {r["name"] for r in rows} == NAMES
