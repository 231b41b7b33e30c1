"""Helpers for the metrics and logs tests: spans built by hand on the attribute contract of
`agentflow.runtime.telemetry.attributes`, and the data points a metric reader collected."""

from __future__ import annotations

import socket
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from opentelemetry.sdk.metrics.export import (
    HistogramDataPoint,
    InMemoryMetricReader,
    NumberDataPoint,
)
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.trace import Span, Status, StatusCode, Tracer

from agentflow.runtime.telemetry import attributes as attr


@dataclass(frozen=True)
class Point:
    """One data point: a sum's value, or a histogram's count and sum."""

    metric: str
    unit: str
    attributes: dict[str, Any]
    value: float | None = None
    count: int | None = None
    total: float | None = None
    bounds: tuple[float, ...] = ()


def points(reader: InMemoryMetricReader) -> list[Point]:
    """Every data point the reader collects now."""
    data = reader.get_metrics_data()
    found: list[Point] = []
    if data is None:
        return found
    for resource in data.resource_metrics:
        for scope in resource.scope_metrics:
            for metric in scope.metrics:
                for point in metric.data.data_points:
                    if isinstance(point, HistogramDataPoint):
                        found.append(
                            Point(
                                metric.name,
                                metric.unit or "",
                                dict(point.attributes or {}),
                                count=point.count,
                                total=point.sum,
                                bounds=tuple(point.explicit_bounds),
                            )
                        )
                    elif isinstance(point, NumberDataPoint):
                        found.append(
                            Point(
                                metric.name,
                                metric.unit or "",
                                dict(point.attributes or {}),
                                value=point.value,
                            )
                        )
    return found


def of(found: list[Point], metric: str) -> list[Point]:
    return [p for p in found if p.metric == metric]


def one(found: list[Point], metric: str, **attributes: Any) -> Point:
    """The single point of `metric` whose attributes are exactly `attributes`."""
    matches = [p for p in of(found, metric) if p.attributes == attributes]
    assert len(matches) == 1, f"{metric} {attributes}: {of(found, metric)}"
    return matches[0]


class Spans:
    """Builds a run's spans the way the runtime does (every span carries the run id)."""

    def __init__(self, provider: TracerProvider, run_id: str = "run_test_1") -> None:
        self.tracer: Tracer = provider.get_tracer("tests")
        self.run_id = run_id

    @contextmanager
    def span(
        self, name: str, kind: str, attributes: Mapping[str, Any] | None = None
    ) -> Iterator[Span]:
        with self.tracer.start_as_current_span(
            name,
            attributes={attr.SPAN_KIND: kind, attr.RUN_ID: self.run_id, **(attributes or {})},
            record_exception=False,
            set_status_on_exception=False,
        ) as span:
            yield span

    def run(self, workflow: str, status: str = "succeeded") -> Any:
        return self._with_status(
            self.span(f"run {workflow}", "run", {attr.WORKFLOW: workflow}), status
        )

    def node(self, node_id: str, kind: str = "call_agent", status: str = "succeeded") -> Any:
        return self._with_status(
            self.span(f"node {node_id}", "node", {attr.NODE_ID: node_id, attr.NODE_KIND: kind}),
            status,
        )

    def agent(self, name: str, budgets: tuple[str, ...] = ()) -> Any:
        extra: dict[str, Any] = {attr.GEN_AI_OPERATION_NAME: attr.OPERATION_INVOKE_AGENT}
        if budgets:
            extra[attr.BUDGETS] = list(budgets)
        return self.span(f"invoke_agent {name}", "agent", {attr.GEN_AI_AGENT_NAME: name, **extra})

    def chat(
        self,
        model: str,
        *,
        provider: str = "agentflow.offline",
        input_tokens: int | None = None,
        output_tokens: int | None = None,
        cost: float | None = None,
        budgets: tuple[str, ...] = (),
        error: str | None = None,
    ) -> None:
        attributes: dict[str, Any] = {
            attr.GEN_AI_OPERATION_NAME: attr.OPERATION_CHAT,
            attr.GEN_AI_PROVIDER_NAME: provider,
            attr.GEN_AI_REQUEST_MODEL: model,
        }
        if input_tokens is not None:
            attributes[attr.GEN_AI_USAGE_INPUT_TOKENS] = input_tokens
        if output_tokens is not None:
            attributes[attr.GEN_AI_USAGE_OUTPUT_TOKENS] = output_tokens
        if cost is not None:
            attributes[attr.COST_USD] = cost
        if budgets:
            attributes[attr.BUDGETS] = list(budgets)
        with self.span(f"chat {model}", "model", attributes) as span:
            if error:
                span.set_attribute(attr.ERROR_TYPE, error)
                span.set_status(Status(StatusCode.ERROR, f"{error} happened"))

    def tool(self, name: str, *, error: str | None = None) -> None:
        with self.span(
            f"execute_tool {name}",
            "tool",
            {attr.GEN_AI_TOOL_NAME: name, attr.GEN_AI_OPERATION_NAME: attr.OPERATION_EXECUTE_TOOL},
        ) as span:
            if error:
                span.set_attribute(attr.ERROR_TYPE, error)
                span.set_status(Status(StatusCode.ERROR, "tool failed"))

    @staticmethod
    @contextmanager
    def _with_status(manager: Any, status: str) -> Iterator[Span]:
        with manager as span:
            yield span
            span.set_attribute(attr.STATUS, status)
            if status in ("failed", "denied"):
                span.set_attribute(attr.ERROR_TYPE, status if status == "denied" else "tool")
                span.set_status(Status(StatusCode.ERROR, f"the node {status}"))


def free_port() -> int:
    """A loopback port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port
