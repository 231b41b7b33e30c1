"""Where metrics go: a `MeterProvider` with the readers the user chose, from flags or OTEL_* env.

Exporters (`--metrics`, else `OTEL_METRICS_EXPORTER`, else none; a comma-separated list
selects several):

- `none`: no meter provider at all (and no `SpanMetrics`): metrics cost nothing.
- `console`: the SDK's console exporter, one JSON line per export, on stderr (stdout
  carries the run's result).
- `otlp`: pushed by a `PeriodicExportingMetricReader` every `OTEL_METRIC_EXPORT_INTERVAL`
  ms (default 60 s) and once more at shutdown. Protocol from the argument, else
  `OTEL_EXPORTER_OTLP_METRICS_PROTOCOL`, else `OTEL_EXPORTER_OTLP_PROTOCOL`, else
  `http/protobuf`; `grpc` is the other choice. Endpoint from the argument (a base URL;
  `/v1/metrics` is appended for http unless present), else
  `OTEL_EXPORTER_OTLP_METRICS_ENDPOINT` (used as is), else `OTEL_EXPORTER_OTLP_ENDPOINT`
  (plus `/v1/metrics` for http), else `http://localhost:4318/v1/metrics` (http) or
  `http://localhost:4317` (grpc). Headers from `OTEL_EXPORTER_OTLP_METRICS_HEADERS`, else
  `OTEL_EXPORTER_OTLP_HEADERS`.
- `prometheus`: a scrape endpoint at `http://HOST:PORT/metrics` for as long as the provider
  lives; host from the argument, else `OTEL_EXPORTER_PROMETHEUS_HOST`, else 127.0.0.1;
  port from the argument, else `OTEL_EXPORTER_PROMETHEUS_PORT`, else 9464 (0 picks a free
  port; see `Metrics.scrape_url`).

The provider is never made global (`metrics.set_meter_provider` is set-once). Every
OpenTelemetry package is imported inside `build_metrics`, never at import time. A bad
choice raises `MetricsError`, a port that is taken its subclass `EndpointError`, each with a
one-line message. An OTLP
endpoint that cannot be reached never fails a run: exports time out after `timeout_s`, and
`Metrics.shutdown` is bounded by its own timeout.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final, TextIO

if TYPE_CHECKING:
    from opentelemetry.sdk.metrics import MeterProvider
    from opentelemetry.sdk.resources import Resource

    from agentflow.runtime.telemetry.metrics import SpanMetrics

EXPORTERS: Final = ("none", "console", "otlp", "prometheus")
PROTOCOLS: Final = ("http/protobuf", "grpc")
DEFAULT_PROMETHEUS_HOST: Final = "127.0.0.1"
DEFAULT_PROMETHEUS_PORT: Final = 9464
DEFAULT_INTERVAL_S: Final = 60.0
EXPORT_TIMEOUT_S: Final = 3.0  # one OTLP export, retries included
SHUTDOWN_TIMEOUT_S: Final = 3.0  # the final flush at shutdown
HTTP_PATH: Final = "/v1/metrics"


class MetricsError(Exception):
    """Metrics cannot be set up as asked (the message is one line, for `agentflow: error:`)."""


class EndpointError(MetricsError):
    """The Prometheus endpoint cannot be served (the port is taken, the host is wrong)."""


@dataclass(frozen=True, slots=True)
class MetricsConfig:
    """The resolved choice: which exporters, and where each one sends or serves."""

    exporters: tuple[str, ...]
    protocol: str = "http/protobuf"
    endpoint: str = "http://localhost:4318/v1/metrics"
    headers: Mapping[str, str] = field(default_factory=dict)
    host: str = DEFAULT_PROMETHEUS_HOST
    port: int = DEFAULT_PROMETHEUS_PORT
    interval_s: float = DEFAULT_INTERVAL_S
    timeout_s: float = EXPORT_TIMEOUT_S

    @classmethod
    def resolve(
        cls,
        exporter: str | None = None,
        *,
        port: int | None = None,
        host: str | None = None,
        endpoint: str | None = None,
        protocol: str | None = None,
        interval_s: float | None = None,
        timeout_s: float = EXPORT_TIMEOUT_S,
        env: Mapping[str, str] | None = None,
    ) -> MetricsConfig:
        """Arguments first, then the standard OTEL_* variables of `env` (os.environ by default)."""
        env = os.environ if env is None else env
        exporters = _exporters(exporter, env)
        protocol = _protocol(protocol, env)
        return cls(
            exporters=exporters,
            protocol=protocol,
            endpoint=_endpoint(endpoint, protocol, env),
            headers=_headers(env),
            host=host or env.get("OTEL_EXPORTER_PROMETHEUS_HOST") or DEFAULT_PROMETHEUS_HOST,
            port=_port(port, env),
            interval_s=_interval(interval_s, env),
            timeout_s=timeout_s,
        )


@dataclass(slots=True)
class Metrics:
    """A meter provider and its readers; `shutdown()` flushes and stops them (once)."""

    provider: MeterProvider
    config: MetricsConfig
    scrape_url: str | None = None  # the Prometheus endpoint, when serving one
    _done: bool = False

    def span_processor(self) -> SpanMetrics:
        """A `SpanMetrics` recording into this provider (attach it to the tracer provider)."""
        from agentflow.runtime.telemetry.metrics import SpanMetrics

        return SpanMetrics(self.provider)

    def shutdown(self, timeout_s: float = SHUTDOWN_TIMEOUT_S) -> None:
        """Export what is left and stop; bounded by `timeout_s`, never raises, idempotent."""
        if self._done:
            return
        self._done = True
        try:
            self.provider.shutdown(timeout_millis=timeout_s * 1000)
        except Exception:  # the SDK raises when a reader failed to shut down: nothing to do
            return


def build_metrics(
    exporter: str | None = None,
    *,
    port: int | None = None,
    host: str | None = None,
    endpoint: str | None = None,
    protocol: str | None = None,
    env: Mapping[str, str] | None = None,
    resource: Resource | None = None,
    console: TextIO | None = None,
    interval_s: float | None = None,
    timeout_s: float = EXPORT_TIMEOUT_S,
) -> Metrics | None:
    """Build the meter provider the user chose, or None for `none`.

    `resource` should be the tracer provider's (so traces and metrics describe one service);
    by default it is built from `env` like the SDK does. Raises `MetricsError`.
    """
    config = MetricsConfig.resolve(
        exporter,
        port=port,
        host=host,
        endpoint=endpoint,
        protocol=protocol,
        interval_s=interval_s,
        timeout_s=timeout_s,
        env=env,
    )
    if not config.exporters:
        return None
    from opentelemetry.sdk.metrics import MeterProvider
    from opentelemetry.sdk.metrics.export import MetricReader

    readers: list[MetricReader] = []
    scrape_url: str | None = None
    try:
        for name in config.exporters:
            if name == "prometheus":
                from agentflow.runtime.telemetry.prometheus import ServingPrometheusReader

                reader = ServingPrometheusReader(config.host, config.port)
                scrape_url = reader.endpoint.url
                readers.append(reader)
            else:
                readers.append(_push_reader(name, config, console))
    except BaseException:
        for built in readers:
            built.shutdown(timeout_millis=0)
        raise
    provider = MeterProvider(
        metric_readers=readers,
        resource=resource or resource_from_env(env),
        shutdown_on_exit=False,
    )
    return Metrics(provider, config, scrape_url)


def resource_from_env(env: Mapping[str, str] | None = None) -> Resource:
    """`service.name` from OTEL_SERVICE_NAME, else OTEL_RESOURCE_ATTRIBUTES, else agentflow."""
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.util.re import parse_env_headers

    env = os.environ if env is None else env
    attributes: dict[str, str] = dict(
        parse_env_headers(env.get("OTEL_RESOURCE_ATTRIBUTES", ""), liberal=True)
    )
    attributes["service.name"] = (
        env.get("OTEL_SERVICE_NAME") or attributes.get("service.name") or "agentflow"
    )
    return Resource.create(attributes)


# ---------------------------------------------------------------- readers


def _push_reader(name: str, config: MetricsConfig, console: TextIO | None) -> Any:
    from opentelemetry.sdk.metrics.export import (
        ConsoleMetricExporter,
        MetricExporter,
        PeriodicExportingMetricReader,
    )

    exporter: MetricExporter
    if name == "console":
        exporter = ConsoleMetricExporter(out=console or sys.stderr, formatter=_one_line)
    elif config.protocol == "grpc":
        from opentelemetry.exporter.otlp.proto.grpc.metric_exporter import (
            OTLPMetricExporter as GrpcExporter,
        )

        exporter = GrpcExporter(
            endpoint=config.endpoint, headers=dict(config.headers) or None, timeout=config.timeout_s
        )
    else:
        from opentelemetry.exporter.otlp.proto.http.metric_exporter import (
            OTLPMetricExporter as HttpExporter,
        )

        exporter = HttpExporter(
            endpoint=config.endpoint, headers=dict(config.headers) or None, timeout=config.timeout_s
        )
    return PeriodicExportingMetricReader(
        exporter,
        export_interval_millis=config.interval_s * 1000,
        export_timeout_millis=config.timeout_s * 1000,
    )


def _one_line(data: Any) -> str:
    """A console export as one JSON line (stderr may carry JSON log lines too)."""
    return str(data.to_json(indent=None)) + "\n"


# ---------------------------------------------------------------- resolving the choice


def _exporters(chosen: str | None, env: Mapping[str, str]) -> tuple[str, ...]:
    source = "--metrics" if chosen is not None else "OTEL_METRICS_EXPORTER"
    raw = chosen if chosen is not None else env.get("OTEL_METRICS_EXPORTER", "none")
    names: list[str] = []
    for part in raw.split(","):
        name = part.strip().lower()
        if not name:
            continue
        if name not in EXPORTERS:
            raise MetricsError(
                f"unknown metrics exporter `{name}` in {source}"
                " (choose none, console, otlp or prometheus)"
            )
        if name != "none" and name not in names:
            names.append(name)
    return tuple(names)


def _protocol(chosen: str | None, env: Mapping[str, str]) -> str:
    raw = (
        chosen
        or env.get("OTEL_EXPORTER_OTLP_METRICS_PROTOCOL")
        or env.get("OTEL_EXPORTER_OTLP_PROTOCOL")
        or "http/protobuf"
    )
    protocol = raw.strip().lower()
    if protocol not in PROTOCOLS:
        raise MetricsError(
            f"unsupported OTLP protocol `{protocol}` for metrics (choose grpc or http/protobuf)"
        )
    return protocol


def _endpoint(chosen: str | None, protocol: str, env: Mapping[str, str]) -> str:
    http = protocol == "http/protobuf"
    if chosen:
        return _with_path(chosen) if http else chosen
    specific = env.get("OTEL_EXPORTER_OTLP_METRICS_ENDPOINT")
    if specific:
        return specific
    generic = env.get("OTEL_EXPORTER_OTLP_ENDPOINT")
    if generic:
        return _with_path(generic) if http else generic
    return "http://localhost:4318" + HTTP_PATH if http else "http://localhost:4317"


def _with_path(base: str) -> str:
    """A base URL with the metrics path (a traces URL, as `--otlp-endpoint` may be for spans,
    becomes the same collector's metrics URL)."""
    base = base.rstrip("/")
    if base.endswith("/v1/traces"):
        base = base.removesuffix("/v1/traces")
    return base if base.endswith(HTTP_PATH) else base + HTTP_PATH


def _headers(env: Mapping[str, str]) -> dict[str, str]:
    from opentelemetry.util.re import parse_env_headers

    raw = env.get("OTEL_EXPORTER_OTLP_METRICS_HEADERS") or env.get("OTEL_EXPORTER_OTLP_HEADERS")
    return dict(parse_env_headers(raw, liberal=True)) if raw else {}


def _port(chosen: int | None, env: Mapping[str, str]) -> int:
    if chosen is not None:
        value, source = chosen, "--metrics-port"
    else:
        raw = env.get("OTEL_EXPORTER_PROMETHEUS_PORT")
        if not raw:
            return DEFAULT_PROMETHEUS_PORT
        source = "OTEL_EXPORTER_PROMETHEUS_PORT"
        try:
            value = int(raw)
        except ValueError:
            raise MetricsError(f"{source} must be a port number, found `{raw}`") from None
    if not 0 <= value <= 65535:
        raise MetricsError(f"{source} must be a port number from 0 to 65535, found {value}")
    return value


def _interval(chosen: float | None, env: Mapping[str, str]) -> float:
    if chosen is not None:
        value = chosen
    else:
        raw = env.get("OTEL_METRIC_EXPORT_INTERVAL")
        if not raw:
            return DEFAULT_INTERVAL_S
        try:
            value = float(raw) / 1000
        except ValueError:
            raise MetricsError(
                f"OTEL_METRIC_EXPORT_INTERVAL must be a number of milliseconds, found `{raw}`"
            ) from None
    if value <= 0:
        raise MetricsError("the metrics export interval must be positive")
    return value
