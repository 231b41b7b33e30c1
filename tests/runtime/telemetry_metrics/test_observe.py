"""`observe`: the one call a command makes to get logs configured, metrics built and the span
processors to attach to its runs' tracer provider."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import socket
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from opentelemetry.sdk.trace import TracerProvider
from prometheus_client.parser import text_string_to_metric_families

import agentflow
from agentflow.runtime.api import run_workflow
from agentflow.runtime.state.store import StateStore
from agentflow.runtime.telemetry.metric_exporters import EndpointError, MetricsError
from agentflow.runtime.telemetry.metrics import SpanMetrics
from agentflow.runtime.telemetry.observe import observe
from agentflow.runtime.telemetry.span_logs import SpanLogger
from agentflow.runtime.telemetry.tracing import Telemetry

HELLO = Path(__file__).resolve().parents[3] / "examples" / "hello.agentflow"


def test_by_default_logs_at_warning_and_no_metrics() -> None:
    observed = observe(log_stream=io.StringIO(), env={})
    assert [type(p) for p in observed.processors] == [SpanLogger]
    assert observed.metrics is None
    assert logging.getLogger("agentflow").level == logging.WARNING
    observed.shutdown()


def test_prometheus_from_a_real_run_to_a_scrape(tmp_path: Path) -> None:
    logs = io.StringIO()
    observed = observe(
        log_level="info", log_format="json", log_stream=logs, metrics="prometheus",
        metrics_port=0, env={},
    )  # fmt: skip
    try:
        assert [type(p) for p in observed.processors] == [SpanMetrics, SpanLogger]
        assert observed.metrics is not None and observed.metrics.scrape_url is not None
        url = observed.metrics.scrape_url
        telemetry = Telemetry(
            tracer_provider=TracerProvider(shutdown_on_exit=False),
            processors=observed.processors,
        )
        plan = agentflow.compile(HELLO.read_text(encoding="utf-8"), str(HELLO))
        store = StateStore.in_directory(tmp_path)
        result = asyncio.run(
            run_workflow(
                plan, "hello", {"name": "Ada"}, store=store, offline=True, env={},
                telemetry=telemetry,
            )
        )  # fmt: skip
        store.close()
        telemetry.shutdown(timeout_s=5)
        assert result.status == "succeeded"
        text = urllib.request.urlopen(url, timeout=5).read().decode()
        runs = {
            sample.labels["agentflow_workflow"]: sample.value
            for family in text_string_to_metric_families(text)
            for sample in family.samples
            if sample.name == "agentflow_runs_total"
        }
        assert runs == {"hello": 1.0}
        records = [json.loads(line) for line in logs.getvalue().splitlines()]
        serving = next(r for r in records if r["message"] == "serving metrics")
        assert serving["url"] == url
        assert any(r["message"] == "run finished" for r in records)
    finally:
        observed.shutdown(timeout_s=5)
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(url, timeout=5)


def test_bad_choices_raise_before_anything_runs() -> None:
    with pytest.raises(ValueError, match="unknown log level"):
        observe(log_level="loud", env={})
    with pytest.raises(MetricsError, match="unknown metrics exporter `statsd`"):
        observe(metrics="statsd", log_stream=io.StringIO(), env={})


def test_a_busy_port_is_an_endpoint_error() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(EndpointError, match="already in use"):
            observe(metrics="prometheus", metrics_port=port, log_stream=io.StringIO(), env={})
