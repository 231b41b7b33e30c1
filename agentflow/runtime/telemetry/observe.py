"""Metrics and logs for a command: configure logging, build the metrics, and hand back the
span processors to attach to the run's tracer provider (`Telemetry(processors=...)`).

    observed = observe(log_level="info", metrics="prometheus", metrics_port=9464)
    telemetry = Telemetry(processors=observed.processors, ...)
    ...                                   # run
    telemetry.shutdown()                  # spans first: their metrics are recorded on end
    observed.shutdown()                   # then the last metrics export, bounded in time

With `logs` on, logging is configured and `SpanLogger` is among the processors; the CLI
turns it on when `--log-level` is given (any processor moves a run off the store-only fast
path, and without it the CLI reports exporter trouble in one line of its own);
`SpanMetrics` only when a metrics exporter was chosen. Nothing heavy is imported
until `observe` is called.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TextIO

from agentflow.runtime.telemetry.logs import configure_logging, get_logger
from agentflow.runtime.telemetry.metric_exporters import SHUTDOWN_TIMEOUT_S, Metrics, build_metrics

if TYPE_CHECKING:
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import SpanProcessor


@dataclass(slots=True)
class Observability:
    """What `observe` set up: span processors to attach, and the metrics to shut down."""

    processors: tuple[SpanProcessor, ...]
    metrics: Metrics | None = None

    def shutdown(self, timeout_s: float = SHUTDOWN_TIMEOUT_S) -> None:
        """Export the last metrics and stop serving them (bounded; never raises)."""
        if self.metrics is not None:
            self.metrics.shutdown(timeout_s)


def observe(
    *,
    log_level: str = "warning",
    log_format: str = "auto",
    log_stream: TextIO | None = None,
    log_color: bool | None = None,
    metrics: str | None = None,
    metrics_port: int | None = None,
    metrics_host: str | None = None,
    otlp_endpoint: str | None = None,
    otlp_protocol: str | None = None,
    env: Mapping[str, str] | None = None,
    resource: Resource | None = None,
    console: TextIO | None = None,
    logs: bool = True,
) -> Observability:
    """Configure logging, build the chosen metrics, return the processors.

    Raises ValueError (bad log level or format), MetricsError (bad metrics choice) or its
    subclass EndpointError (the Prometheus port is taken); logging stays configured.
    """
    from agentflow.runtime.telemetry.span_logs import SpanLogger

    if logs:
        configure_logging(log_level, log_format, log_stream, color=log_color)
    built = build_metrics(
        metrics,
        port=metrics_port,
        host=metrics_host,
        endpoint=otlp_endpoint,
        protocol=otlp_protocol,
        env=env,
        resource=resource,
        console=console,
    )
    processors: list[Any] = [SpanLogger()] if logs else []
    if built is not None:
        processors.insert(0, built.span_processor())
        log = get_logger("metrics")
        if built.scrape_url is not None:
            log.info("serving metrics", extra={"url": built.scrape_url})
        if "otlp" in built.config.exporters:
            log.info(
                "pushing metrics",
                extra={"endpoint": built.config.endpoint, "protocol": built.config.protocol},
            )
    return Observability(tuple(processors), built)
