"""Fixtures for the tracing tests: a telemetry whose spans also go to an in-memory exporter
(on a tracer provider the test injects), and this folder on `sys.path` for its helpers."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

_HERE = str(Path(__file__).resolve().parent)
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)

from tracing_support import Captured  # noqa: E402


@pytest.fixture
def captured() -> Iterator[Captured]:
    """Spans of runs given `captured.telemetry`, content capture off."""
    spans = Captured(capture_content=False)
    yield spans
    spans.close()


@pytest.fixture
def captured_content() -> Iterator[Captured]:
    """The same with prompts, completions and tool arguments and results captured."""
    spans = Captured(capture_content=True)
    yield spans
    spans.close()
