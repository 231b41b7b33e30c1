"""Where metrics go: the exporter choice (flags over OTEL_* env), a Prometheus scrape endpoint
on loopback, OTLP pushes over http/protobuf and gRPC to collector stand-ins, console output."""

from __future__ import annotations

import io
import json
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator

import pytest
from metrics_collectors import GrpcCollector, HttpCollector
from metrics_support import Spans, free_port
from opentelemetry import metrics as otel_metrics
from opentelemetry.sdk.trace import TracerProvider
from prometheus_client.parser import text_string_to_metric_families

from agentflow.runtime.telemetry.logs import configure_logging
from agentflow.runtime.telemetry.metric_exporters import (
    EndpointError,
    Metrics,
    MetricsConfig,
    MetricsError,
    build_metrics,
)


def record_a_run(metrics: Metrics, workflow: str = "triage") -> None:
    """One run with an agent node (a model call charged to `daily`) and a failing tool."""
    provider = TracerProvider(shutdown_on_exit=False)
    provider.add_span_processor(metrics.span_processor())
    spans = Spans(provider)
    with spans.run(workflow), spans.node("classify"), spans.agent("router", budgets=("daily",)):
        spans.chat("claude-x", input_tokens=120, output_tokens=30, cost=0.25)
        spans.tool("fetch", error="ToolError")
    provider.shutdown()


@pytest.fixture
def built() -> Iterator[list[Metrics]]:
    """Metrics built in a test, shut down at its end even if it fails."""
    made: list[Metrics] = []
    yield made
    for metrics in made:
        metrics.shutdown(timeout_s=1)


def build(made: list[Metrics], *args: object, **kwargs: object) -> Metrics:
    metrics = build_metrics(*args, **kwargs)  # type: ignore[arg-type]
    assert metrics is not None
    made.append(metrics)
    return metrics


# ---------------------------------------------------------------- choosing


def test_none_is_the_default_and_builds_nothing() -> None:
    assert build_metrics(env={}) is None
    assert build_metrics("none", env={"OTEL_METRICS_EXPORTER": "prometheus"}) is None
    assert build_metrics(env={"OTEL_METRICS_EXPORTER": "none"}) is None


def test_the_flag_wins_over_the_environment() -> None:
    config = MetricsConfig.resolve("console", env={"OTEL_METRICS_EXPORTER": "otlp"})
    assert config.exporters == ("console",)
    assert MetricsConfig.resolve(env={"OTEL_METRICS_EXPORTER": "otlp"}).exporters == ("otlp",)


def test_a_list_of_exporters_from_the_environment() -> None:
    config = MetricsConfig.resolve(env={"OTEL_METRICS_EXPORTER": "Prometheus, none,otlp,otlp"})
    assert config.exporters == ("prometheus", "otlp")


@pytest.mark.parametrize(
    ("exporter", "env", "message"),
    [
        ("statsd", {}, "unknown metrics exporter `statsd` in --metrics"),
        (None, {"OTEL_METRICS_EXPORTER": "otlp,zipkin"}, "`zipkin` in OTEL_METRICS_EXPORTER"),
        ("otlp", {"OTEL_EXPORTER_OTLP_PROTOCOL": "http/json"}, "unsupported OTLP protocol"),
        (
            "prometheus",
            {"OTEL_EXPORTER_PROMETHEUS_PORT": "ninety"},
            "OTEL_EXPORTER_PROMETHEUS_PORT must be a port number, found `ninety`",
        ),
        ("otlp", {"OTEL_METRIC_EXPORT_INTERVAL": "soon"}, "OTEL_METRIC_EXPORT_INTERVAL"),
    ],
)
def test_bad_choices_are_one_line_errors(
    exporter: str | None, env: dict[str, str], message: str
) -> None:
    with pytest.raises(MetricsError) as raised:
        build_metrics(exporter, env=env)
    assert message in str(raised.value)
    assert "\n" not in str(raised.value)


def test_a_port_out_of_range_is_an_error() -> None:
    with pytest.raises(MetricsError, match="--metrics-port must be a port number from 0 to 65535"):
        build_metrics("prometheus", port=70000, env={})


@pytest.mark.parametrize(
    ("protocol", "endpoint", "env", "expected"),
    [
        ("http/protobuf", None, {}, "http://localhost:4318/v1/metrics"),
        ("grpc", None, {}, "http://localhost:4317"),
        ("http/protobuf", "http://col:4318", {}, "http://col:4318/v1/metrics"),
        ("http/protobuf", "http://col:4318/v1/metrics", {}, "http://col:4318/v1/metrics"),
        ("grpc", "http://col:4317", {}, "http://col:4317"),
        ("http/protobuf", "http://col:4318/v1/traces", {}, "http://col:4318/v1/metrics"),
        (None, None, {"OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:1/"}, "http://c:1/v1/metrics"),
        (
            None,
            None,
            {
                "OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:1",
                "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT": "http://m:2/custom",
            },
            "http://m:2/custom",
        ),
        (
            None,
            None,
            {"OTEL_EXPORTER_OTLP_PROTOCOL": "grpc", "OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:1"},
            "http://c:1",
        ),
    ],
)
def test_the_otlp_endpoint(
    protocol: str | None, endpoint: str | None, env: dict[str, str], expected: str
) -> None:
    config = MetricsConfig.resolve("otlp", protocol=protocol, endpoint=endpoint, env=env)
    assert config.endpoint == expected


def test_the_protocol_prefers_the_metrics_variable() -> None:
    env = {
        "OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf",
        "OTEL_EXPORTER_OTLP_METRICS_PROTOCOL": "grpc",
    }
    assert MetricsConfig.resolve("otlp", env=env).protocol == "grpc"
    assert MetricsConfig.resolve("otlp", protocol="http/protobuf", env=env).protocol == (
        "http/protobuf"
    )


def test_prometheus_host_and_port_defaults_and_environment() -> None:
    default = MetricsConfig.resolve("prometheus", env={})
    assert (default.host, default.port) == ("127.0.0.1", 9464)
    env = {"OTEL_EXPORTER_PROMETHEUS_HOST": "::1", "OTEL_EXPORTER_PROMETHEUS_PORT": "9999"}
    assert (MetricsConfig.resolve("prometheus", env=env).port) == 9999
    flagged = MetricsConfig.resolve("prometheus", port=1234, host="0.0.0.0", env=env)
    assert (flagged.host, flagged.port) == ("0.0.0.0", 1234)


def test_the_provider_is_never_made_global(built: list[Metrics]) -> None:
    metrics = build(built, "console", console=io.StringIO(), env={})
    assert otel_metrics.get_meter_provider() is not metrics.provider


def test_building_is_lazy_about_heavy_imports() -> None:
    """Importing the telemetry configuration modules pulls in no exporter packages."""
    code = (
        "import sys\n"
        "import agentflow.runtime.telemetry.logs, agentflow.runtime.telemetry.metric_exporters\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in "
        "('opentelemetry', 'prometheus_client', 'grpc', 'rich', 'google'))\n"
        "print(heavy)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


# ---------------------------------------------------------------- console


def test_console_prints_the_metrics_at_shutdown() -> None:
    out = io.StringIO()
    metrics = build_metrics("console", console=out, env={})
    assert metrics is not None
    record_a_run(metrics)
    metrics.shutdown(timeout_s=5)
    metrics.shutdown(timeout_s=5)  # idempotent
    (line,) = out.getvalue().splitlines()  # one export, at shutdown, on one line
    names = {
        metric["name"]
        for resource in json.loads(line)["resource_metrics"]
        for scope in resource["scope_metrics"]
        for metric in scope["metrics"]
    }
    assert {"agentflow.runs", "agentflow.cost", "gen_ai.client.token.usage"} <= names


# ---------------------------------------------------------------- Prometheus


def scrape(url: str) -> dict[str, dict[tuple[tuple[str, str], ...], float]]:
    """sample name → {labels without the scope labels: value}."""
    text = urllib.request.urlopen(url, timeout=5).read().decode()
    samples: dict[str, dict[tuple[tuple[str, str], ...], float]] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            labels = tuple(
                sorted((k, v) for k, v in sample.labels.items() if not k.startswith("otel_scope"))
            )
            samples.setdefault(sample.name, {})[labels] = sample.value
    return samples


def test_prometheus_serves_the_metrics_on_loopback(built: list[Metrics]) -> None:
    metrics = build(built, "prometheus", port=0, env={})
    assert metrics.scrape_url is not None
    assert metrics.scrape_url.startswith("http://127.0.0.1:")
    record_a_run(metrics)
    samples = scrape(metrics.scrape_url)
    run = (("agentflow_status", "succeeded"), ("agentflow_workflow", "triage"))
    assert samples["agentflow_runs_total"] == {run: 1.0}
    spend = (
        ("agentflow_workflow", "triage"),
        ("gen_ai_agent_name", "router"),
        ("gen_ai_request_model", "claude-x"),
    )
    assert samples["agentflow_cost_USD_total"] == {spend: 0.25}
    assert samples["agentflow_budget_cost_USD_total"] == {(("agentflow_budget", "daily"),): 0.25}
    tokens = samples["agentflow_tokens_total"]
    assert tokens[(*spend, ("gen_ai_token_type", "input"))] == 120
    assert tokens[(*spend, ("gen_ai_token_type", "output"))] == 30
    errors = samples["agentflow_errors_total"]
    assert errors == {
        (
            ("agentflow_span_kind", "tool"),
            ("agentflow_workflow", "triage"),
            ("error_type", "ToolError"),
        ): 1.0
    }
    assert samples["agentflow_run_duration_seconds_count"] == {run: 1.0}
    usage = samples["gen_ai_client_token_usage_sum"]
    assert sorted(usage.values()) == [30.0, 120.0]
    target = next(iter(samples["target_info"]))
    assert ("service_name", "agentflow") in target


def test_prometheus_counts_accumulate_across_runs(built: list[Metrics]) -> None:
    metrics = build(built, "prometheus", port=0, env={})
    assert metrics.scrape_url is not None
    record_a_run(metrics)
    record_a_run(metrics)
    record_a_run(metrics, workflow="other")
    runs = scrape(metrics.scrape_url)["agentflow_runs_total"]
    assert runs == {
        (("agentflow_status", "succeeded"), ("agentflow_workflow", "triage")): 2.0,
        (("agentflow_status", "succeeded"), ("agentflow_workflow", "other")): 1.0,
    }


def test_prometheus_stops_serving_at_shutdown() -> None:
    metrics = build_metrics("prometheus", port=0, env={})
    assert metrics is not None and metrics.scrape_url is not None
    scrape(metrics.scrape_url)
    metrics.shutdown(timeout_s=5)
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(metrics.scrape_url, timeout=5)


def test_two_endpoints_in_one_process_do_not_share_a_registry(built: list[Metrics]) -> None:
    first = build(built, "prometheus", port=0, env={})
    second = build(built, "prometheus", port=0, env={})
    assert first.scrape_url and second.scrape_url
    record_a_run(first, workflow="only_first")
    assert "agentflow_runs_total" in scrape(first.scrape_url)
    assert "agentflow_runs_total" not in scrape(second.scrape_url)


def test_a_busy_port_is_a_clear_error() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(EndpointError) as raised:
            build_metrics("prometheus", port=port, env={})
    assert str(raised.value) == (
        f"cannot serve metrics on 127.0.0.1:{port}: the port is already in use"
        " (choose another with --metrics-port)"
    )


def test_a_busy_port_leaves_no_reader_running() -> None:
    """When Prometheus fails after the console reader was built, nothing is left behind."""
    out = io.StringIO()
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(MetricsError):
            build_metrics("console,prometheus", port=port, console=out, env={})
    assert out.getvalue() == ""


# ---------------------------------------------------------------- OTLP


def assert_received_a_run(values: dict[str, list[tuple[dict[str, str], float]]]) -> None:
    assert values["agentflow.runs"] == [
        ({"agentflow.workflow": "triage", "agentflow.status": "succeeded"}, 1.0)
    ]
    assert values["agentflow.cost"] == [
        (
            {
                "gen_ai.request.model": "claude-x",
                "gen_ai.agent.name": "router",
                "agentflow.workflow": "triage",
            },
            0.25,
        )
    ]
    assert values["agentflow.budget.cost"] == [({"agentflow.budget": "daily"}, 0.25)]
    assert sorted(v for _, v in values["gen_ai.client.token.usage"]) == [30.0, 120.0]
    assert values["agentflow.tool.calls"] == [
        ({"gen_ai.tool.name": "fetch", "agentflow.status": "failed"}, 1.0)
    ]


def test_otlp_over_http_protobuf_reaches_the_collector() -> None:
    with HttpCollector() as collector:
        metrics = build_metrics(
            "otlp",
            endpoint=collector.base_url,
            env={"OTEL_EXPORTER_OTLP_METRICS_HEADERS": "x-team=blue"},
        )
        assert metrics is not None
        assert metrics.config.protocol == "http/protobuf"
        record_a_run(metrics)
        metrics.shutdown(timeout_s=10)
        received = collector.received
    assert received.requests, "nothing was exported"
    assert_received_a_run(received.values())
    assert received.resource()["service.name"] == "agentflow"
    assert received.headers[0]["x-team"] == "blue"
    assert received.headers[0]["content-type"] == "application/x-protobuf"


def test_otlp_over_grpc_reaches_the_collector() -> None:
    with GrpcCollector() as collector:
        metrics = build_metrics(
            "otlp",
            protocol="grpc",
            endpoint=collector.endpoint,
            env={"OTEL_SERVICE_NAME": "triage-service"},
        )
        assert metrics is not None
        record_a_run(metrics)
        metrics.shutdown(timeout_s=10)
        received = collector.received
    assert received.requests, "nothing was exported"
    assert_received_a_run(received.values())
    assert received.resource()["service.name"] == "triage-service"


def test_otlp_chosen_entirely_by_the_environment() -> None:
    with HttpCollector() as collector:
        env = {
            "OTEL_METRICS_EXPORTER": "otlp",
            "OTEL_EXPORTER_OTLP_ENDPOINT": collector.base_url,
            "OTEL_RESOURCE_ATTRIBUTES": "deployment.environment=test,service.name=from-attrs",
        }
        metrics = build_metrics(env=env)
        assert metrics is not None
        record_a_run(metrics)
        metrics.shutdown(timeout_s=10)
        resource = collector.received.resource()
    assert resource["service.name"] == "from-attrs"
    assert resource["deployment.environment"] == "test"


@pytest.mark.parametrize("protocol", ["http/protobuf", "grpc"])
def test_an_unreachable_collector_costs_one_log_line_and_no_exception(protocol: str) -> None:
    """Nobody listens on the port: the export fails, shutdown returns within its bound, and
    with logging configured the SDK's complaint is at most one error line, in our format."""
    out = io.StringIO()
    configure_logging("warning", "json", out)
    port = free_port()
    metrics = build_metrics(
        "otlp", protocol=protocol, endpoint=f"http://127.0.0.1:{port}", env={}, timeout_s=0.5
    )
    assert metrics is not None
    record_a_run(metrics)
    metrics.shutdown(timeout_s=1)
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert len(lines) <= 1, lines
    for line in lines:
        assert line["level"] == "error"
        assert line["logger"].startswith("opentelemetry.")
