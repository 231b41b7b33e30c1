"""Fixtures for the command-line tests."""

from __future__ import annotations

from pathlib import Path

import pytest

VALID = """\
agentflow 1

model local {
  provider = offline
}

agent greeter {
  model  = local
  input  { name: string }
  output = string
  prompt = "Greet {{ name }}."
}

workflow hello(name: string) -> string {
  greeting = greeter(name: name)
  return greeting
}
"""

SYNTAX_ERROR = "agentflow 1\n\nworkflow w( -> string {\n"


@pytest.fixture(autouse=True)
def _no_color(monkeypatch: pytest.MonkeyPatch) -> None:
    """Outputs are compared as plain text, whatever the environment."""
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.delenv("AGENTFLOW_TRACEBACK", raising=False)


@pytest.fixture
def valid_file(tmp_path: Path) -> Path:
    path = tmp_path / "hello.agentflow"
    path.write_text(VALID)
    return path


@pytest.fixture
def broken_file(tmp_path: Path) -> Path:
    path = tmp_path / "broken.agentflow"
    path.write_text(SYNTAX_ERROR)
    return path
