"""Shared fixtures for the runtime tests: loopback fake model servers.

`tests/runtime` is put on `sys.path`, so any test can also `from fakes.servers import ...`.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

_HERE = str(Path(__file__).resolve().parent)
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)

from fakes.servers import FakeServer  # noqa: E402


@pytest.fixture
def anthropic_server() -> Iterator[FakeServer]:
    """A started fake Anthropic Messages server (`base_url` without `/v1`)."""
    with FakeServer("anthropic") as server:
        yield server


@pytest.fixture
def openai_server() -> Iterator[FakeServer]:
    """A started fake OpenAI Chat Completions server (`base_url` ending in `/v1`)."""
    with FakeServer("openai") as server:
        yield server
