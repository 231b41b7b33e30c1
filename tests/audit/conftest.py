"""Fixtures for the audit, retention and compliance tests.

`tests/audit` is put on `sys.path`, so tests can `from audit_support import ...`.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

_HERE = str(Path(__file__).resolve().parent)
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)


@pytest.fixture(autouse=True)
def _plain_output(monkeypatch: pytest.MonkeyPatch) -> None:
    """Outputs are compared as plain text; runs start as the local user, not from the env."""
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.delenv("AGENTFLOW_TRACEBACK", raising=False)
    monkeypatch.delenv("AGENTFLOW_STATE", raising=False)
    monkeypatch.delenv("AGENTFLOW_TOKEN", raising=False)
