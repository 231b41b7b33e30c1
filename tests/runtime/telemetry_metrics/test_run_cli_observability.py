"""`agentflow run`'s metrics and log flags, end to end through the command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agentflow.cli.main import main

ROOT = Path(__file__).resolve().parents[3]
HELLO = str(ROOT / "examples" / "hello.agentflow")


def _run(tmp_path: Path, capsys: pytest.CaptureFixture[str], *flags: str) -> tuple[int, str, str]:
    status = main(
        ["run", HELLO, "-i", "name=Ada", "--state", str(tmp_path), "--json", "--no-color", *flags]
    )
    out, err = capsys.readouterr()
    return status, out, err


def test_log_lines_carry_the_run_and_trace_ids(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, err = _run(tmp_path, capsys, "--log-level", "info", "--log-format", "json")
    assert status == 0
    result = json.loads(out)
    records = [json.loads(line) for line in err.splitlines() if line.startswith("{")]
    assert records, err
    assert {r["run_id"] for r in records} == {result["run_id"]}
    assert {r["trace_id"] for r in records} == {result["trace_id"]}
    messages = [r["message"] for r in records]
    assert any("run" in m and "finished" in m for m in messages), messages
    assert any(r.get("node_id") for r in records)


def test_without_log_level_the_run_logs_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, _, err = _run(tmp_path, capsys)
    assert status == 0
    assert err == ""


def test_console_metrics_go_to_stderr_and_count_the_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, err = _run(tmp_path, capsys, "--metrics", "console")
    assert status == 0
    json.loads(out)  # stdout stays one JSON document
    assert "agentflow.runs" in err and "agentflow.node.calls" in err


def test_bad_metrics_settings_are_usage_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OTEL_METRICS_EXPORTER", "carrier-pigeon")
    status, out, err = _run(tmp_path, capsys)
    assert status == 2
    assert out == ""
    assert err.startswith("agentflow: error:") and "carrier-pigeon" in err
    assert len(err.strip().splitlines()) == 1
