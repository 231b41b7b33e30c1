"""Fixtures for the metrics and logs tests: a tracer provider whose finished spans feed
`SpanMetrics` (read back through an in-memory metric reader), and clean logging state."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import TracerProvider

_HERE = str(Path(__file__).resolve().parent)
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)

from metrics_support import Spans  # noqa: E402

from agentflow.runtime.telemetry.logs import clear_secrets, reset_logging  # noqa: E402
from agentflow.runtime.telemetry.metrics import SpanMetrics  # noqa: E402


@pytest.fixture
def reader() -> InMemoryMetricReader:
    return InMemoryMetricReader()


@pytest.fixture
def meter_provider(reader: InMemoryMetricReader) -> Iterator[MeterProvider]:
    provider = MeterProvider(metric_readers=[reader], shutdown_on_exit=False)
    yield provider
    provider.shutdown()


@pytest.fixture
def tracer_provider(meter_provider: MeterProvider) -> Iterator[TracerProvider]:
    provider = TracerProvider(shutdown_on_exit=False)
    provider.add_span_processor(SpanMetrics(meter_provider))
    yield provider
    provider.shutdown()


@pytest.fixture
def spans(tracer_provider: TracerProvider) -> Spans:
    return Spans(tracer_provider)


@pytest.fixture(autouse=True)
def clean_logging() -> Iterator[None]:
    """Every test starts and ends with logging unconfigured and no registered secrets."""
    reset_logging()
    clear_secrets()
    yield
    reset_logging()
    clear_secrets()
