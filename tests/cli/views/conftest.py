"""Fixtures for the store views: one seeded store, a fixed clock, UTC and 100 columns."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from views_seed import NOW, Run, seed, write_programs

from agentflow.cli import _store_views
from agentflow.cli.main import main


@pytest.fixture(scope="session")
def seeded_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A directory with the programs and `.agentflow/state.db` (see views_seed)."""
    root = tmp_path_factory.mktemp("views")
    write_programs(root)
    seed(root / ".agentflow")
    return root


@pytest.fixture(autouse=True)
def _fixed_world(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Times print in UTC, "now" is views_seed.NOW, and the terminal is 100 columns wide."""
    previous = os.environ.get("TZ")
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    monkeypatch.setenv("COLUMNS", "100")
    monkeypatch.delenv("AGENTFLOW_STATE", raising=False)
    monkeypatch.setattr(_store_views, "CLOCK", lambda: NOW)
    yield
    if previous is None:
        os.environ.pop("TZ", None)
    else:
        os.environ["TZ"] = previous
    time.tzset()


@pytest.fixture
def cli(
    seeded_root: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Run:
    """Run `agentflow ARGS --state <seeded store>` from the seeded directory:
    (exit status, stdout, stderr)."""
    monkeypatch.chdir(seeded_root)

    def run(*args: str, state: bool = True) -> tuple[int, str, str]:
        argv = [*args, "--state", str(seeded_root / ".agentflow")] if state else list(args)
        status = main(argv)
        captured = capsys.readouterr()
        return status, captured.out, captured.err

    return run
