"""Exporters chosen by flags and OTEL_* variables: the JSON-lines file, the console, usage
errors for unknown names; the trace id in `agentflow run`'s output."""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import SpanExporter, SpanExportResult
from tracing_support import OFFLINE_MODEL, compile_source, run

from agentflow.cli.main import main
from agentflow.runtime.state.store import StateStore
from agentflow.runtime.telemetry import attributes as attr
from agentflow.runtime.telemetry.exporters import (
    DEFAULT_TRACE_FILE,
    GuardedExporter,
    TraceConfigError,
    TraceSettings,
    grpc_endpoint,
    http_endpoint,
    resolve_settings,
)
from agentflow.runtime.telemetry.tracing import Telemetry

PROGRAM = (
    "agentflow 1\n"
    + OFFLINE_MODEL
    + """agent greeter {
  model = local
  input { name: string }
  output = string
  prompt = "Greet {{ name }} at {{ name }}@example.com"
}

workflow hello(name: string) -> string {
  greeting = greeter(name: name)
  message = "{{ greeting }}!"
  return message
}
"""
)
NAMES = [
    "chat local",
    "invoke_agent greeter",
    "node greeting",
    "node message",
    "run hello",
    "step 1",
]


@pytest.fixture(autouse=True)
def no_otel_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for variable in list(os.environ):
        if variable.startswith(("OTEL_", "AGENTFLOW_")):
            monkeypatch.delenv(variable)


@pytest.fixture
def program(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "hello.agentflow"
    path.write_text(PROGRAM, encoding="utf-8")
    return path


def cli(program: Path, capsys: pytest.CaptureFixture[str], *flags: str) -> tuple[int, str, str]:
    status = main(
        [
            "run",
            str(program),
            "-i",
            "name=ada",
            "--offline",
            "--no-color",
            "--state",
            "state",
            *flags,
        ]
    )
    out = capsys.readouterr()
    return status, out.out, out.err


def read_lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


# ---------------------------------------------------------------- JSON lines


def test_jsonl_writes_one_object_per_span(
    program: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, err = cli(program, capsys, "--trace-exporter", "jsonl", "--json")
    assert status == 0, err
    result = json.loads(out)
    lines = read_lines(program.parent / DEFAULT_TRACE_FILE)
    assert sorted(line["name"] for line in lines) == NAMES
    by_name = {line["name"]: line for line in lines}
    root = by_name["run hello"]
    assert root["parent_id"] is None
    assert root["trace_id"] == result["trace_id"]
    assert by_name["node greeting"]["parent_id"] == root["span_id"]
    for line in lines:
        assert set(line) == {
            "trace_id",
            "span_id",
            "parent_id",
            "name",
            "kind",
            "start",
            "end",
            "start_ns",
            "end_ns",
            "duration_ms",
            "status",
            "status_message",
            "attributes",
            "events",
            "resource",
        }
        assert line["trace_id"] == result["trace_id"]
        assert len(line["span_id"]) == 16
        assert line["kind"] == line["attributes"][attr.SPAN_KIND]
        assert line["start"].endswith("Z") and line["end"] >= line["start"]
        assert line["end_ns"] >= line["start_ns"]
        assert line["status"] == "unset"
        assert line["resource"]["service.name"] == "agentflow"
        assert line["attributes"][attr.RUN_ID] == result["run_id"]
    chat = by_name["chat local"]["attributes"]
    assert chat[attr.GEN_AI_RESPONSE_FINISH_REASONS] == ["stop"]
    assert attr.GEN_AI_INPUT_MESSAGES not in chat


def test_jsonl_appends_and_takes_a_path(program: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = program.parent / "out" / "spans.jsonl"
    target.parent.mkdir()
    ids = []
    for _ in range(2):
        status, out, err = cli(
            program, capsys, "--trace-exporter", "jsonl", "--trace-file", str(target), "--json"
        )
        assert status == 0, err
        ids.append(json.loads(out)["trace_id"])
    lines = read_lines(target)
    assert len(lines) == 2 * len(NAMES)
    assert [line["trace_id"] for line in lines] == [ids[0]] * 6 + [ids[1]] * 6
    assert not (program.parent / DEFAULT_TRACE_FILE).exists()


def test_trace_content_flag_captures_redacted_content(
    program: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, _, err = cli(program, capsys, "--trace-exporter", "jsonl", "--trace-content")
    assert status == 0, err
    text = (program.parent / DEFAULT_TRACE_FILE).read_text(encoding="utf-8")
    [chat] = [
        line
        for line in read_lines(program.parent / DEFAULT_TRACE_FILE)
        if line["name"] == "chat local"
    ]
    messages = json.loads(chat["attributes"][attr.GEN_AI_INPUT_MESSAGES])
    assert messages[0]["parts"][0]["content"] == "Greet ada at [REDACTED:email]"
    assert "ada@example.com" not in text


# ---------------------------------------------------------------- console


def test_console_prints_spans_on_stderr_and_keeps_stdout_json(
    program: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, err = cli(program, capsys, "--trace-exporter", "console", "--json")
    assert status == 0, err
    result = json.loads(out)  # stdout is only the result
    decoder = json.JSONDecoder()
    spans, index = [], 0
    while index < len(err):
        if err[index].isspace():
            index += 1
            continue
        span, index = decoder.raw_decode(err, index)
        spans.append(span)
    assert sorted(s["name"] for s in spans) == NAMES
    assert {s["context"]["trace_id"] for s in spans} == {"0x" + result["trace_id"]}


def test_several_exporters_at_once(program: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = cli(program, capsys, "--trace-exporter", "jsonl,console")
    assert status == 0, err
    assert len(read_lines(program.parent / DEFAULT_TRACE_FILE)) == len(NAMES)
    assert err.count('"name": "run hello"') == 1


def test_the_exporter_can_come_from_the_environment(
    program: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OTEL_TRACES_EXPORTER", "jsonl")
    status, _, err = cli(program, capsys)
    assert status == 0, err
    assert len(read_lines(program.parent / DEFAULT_TRACE_FILE)) == len(NAMES)
    # the flag wins over the variable
    status, _, err = cli(program, capsys, "--trace-exporter", "none")
    assert status == 0, err
    assert len(read_lines(program.parent / DEFAULT_TRACE_FILE)) == len(NAMES)


def test_no_exporter_writes_no_file_and_prints_the_trace_id(
    program: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, err = cli(program, capsys)
    assert status == 0, err
    assert not (program.parent / DEFAULT_TRACE_FILE).exists()
    head = out.splitlines()[0]
    store = StateStore.in_directory(program.parent / "state", create=False)
    try:
        [row] = store.query("SELECT id, trace_id FROM runs")
    finally:
        store.close()
    assert head.endswith(f"· run {row['id']} · trace {row['trace_id']}")
    assert len(row["trace_id"]) == 32


# ---------------------------------------------------------------- usage errors


@pytest.mark.parametrize(
    ("flags", "variables", "message"),
    [
        (
            ["--trace-exporter", "zipkin"],
            {},
            "unknown trace exporter `zipkin` in --trace-exporter (expected one of none, console,"
            " otlp, jsonl)",
        ),
        (
            [],
            {"OTEL_TRACES_EXPORTER": "otlp,jaeger"},
            "unknown trace exporter `jaeger` in OTEL_TRACES_EXPORTER",
        ),
        (
            ["--trace-exporter", "otlp", "--otlp-protocol", "http/json"],
            {},
            "unsupported OTLP protocol `http/json` in --otlp-protocol",
        ),
        (
            ["--trace-exporter", "otlp"],
            {"OTEL_EXPORTER_OTLP_PROTOCOL": "thrift"},
            "unsupported OTLP protocol `thrift` in OTEL_EXPORTER_OTLP_PROTOCOL",
        ),
        (
            ["--trace-exporter", "console", "--trace-file", "spans.jsonl"],
            {},
            "--trace-file is only used with `--trace-exporter jsonl`",
        ),
        (
            ["--trace-exporter", "jsonl", "--trace-file", "missing/spans.jsonl"],
            {},
            "cannot write traces to missing/spans.jsonl: its directory does not exist",
        ),
    ],
)
def test_unknown_names_are_usage_errors(
    flags: list[str],
    variables: dict[str, str],
    message: str,
    program: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    status, out, err = cli(program, capsys, *flags)
    assert status == 2
    assert out == ""
    [line] = err.splitlines()
    assert line.startswith(f"agentflow: error: {message}")
    assert not (program.parent / "state").exists()  # nothing ran


# ---------------------------------------------------------------- settings


def test_settings_resolution() -> None:
    assert resolve_settings(environ={}) == TraceSettings()
    # the OTLP variables matter only when OTLP is chosen (they may be there for metrics)
    assert resolve_settings(environ={"OTEL_EXPORTER_OTLP_PROTOCOL": "http/json"}).exporters == ()
    assert resolve_settings("none", environ={"OTEL_TRACES_EXPORTER": "otlp"}).exporters == ()
    chosen = resolve_settings(
        environ={
            "OTEL_TRACES_EXPORTER": "OTLP, console ,otlp",
            "OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf",
            "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL": "grpc",
        }
    )
    assert chosen.exporters == ("otlp", "console")
    assert chosen.protocol == "grpc"  # the traces variable wins over the generic one
    assert resolve_settings("otlp", "http/protobuf", environ={}).protocol == "http/protobuf"
    with pytest.raises(TraceConfigError):
        resolve_settings("otlp", "udp", environ={})


def test_endpoints() -> None:
    assert http_endpoint("http://collector:4318") == "http://collector:4318/v1/traces"
    assert http_endpoint("http://collector:4318/") == "http://collector:4318/v1/traces"
    assert http_endpoint("https://c.example/otlp/v1/traces") == "https://c.example/otlp/v1/traces"
    assert grpc_endpoint("collector:4317") == "http://collector:4317"
    assert grpc_endpoint("https://collector:4317") == "https://collector:4317"


# ---------------------------------------------------------------- a failing exporter


class Broken(SpanExporter):
    def __init__(self, mode: str) -> None:
        self.mode = mode
        self.shut = 0

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        if self.mode == "raise":
            raise ConnectionError("no route to collector")
        return SpanExportResult.FAILURE

    def shutdown(self) -> None:
        self.shut += 1


@pytest.mark.parametrize("mode", ["raise", "fail"])
def test_a_failing_exporter_is_reported_once_and_the_run_stands(mode: str, tmp_path: Path) -> None:
    broken = Broken(mode)
    telemetry = Telemetry(exporters=[GuardedExporter(broken, "the broken one")])
    plan = compile_source(tmp_path, PROGRAM)
    store = StateStore.in_directory(tmp_path / "state")
    result = run(plan, "hello", {"name": "Ada"}, store=store, telemetry=telemetry)
    store.close()
    assert result.status == "succeeded"
    assert telemetry.shutdown(timeout_s=5) == [
        f"could not export {len(NAMES)} span(s) to the broken one"
    ]
    assert broken.shut == 1
    assert telemetry.shutdown() == []  # once
