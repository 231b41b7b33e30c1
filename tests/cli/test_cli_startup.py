"""`agentflow check` starts fast: importing the CLI pulls in none of the heavy dependencies."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

HEAVY = ("anthropic", "openai", "httpx", "opentelemetry", "pydantic", "jinja2", "networkx", "rich")
ROOT = Path(__file__).resolve().parents[2]


def _imported(code: str) -> set[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", code],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        check=True,
    )
    modules = set()
    for line in result.stderr.splitlines():
        if line.startswith("import time:") and line.count("|") == 2:
            modules.add(line.rsplit("|", 1)[1].strip())
    return modules


def test_cli_imports_no_heavy_dependency() -> None:
    modules = _imported("import agentflow.cli.main, agentflow.cli.check")
    assert "agentflow.cli.check" in modules
    heavy = sorted(m for m in modules if m.split(".")[0] in HEAVY)
    assert heavy == []


def test_main_imports_no_subcommand() -> None:
    modules = _imported("import agentflow.cli.main")
    commands = ("check", "explain", "fmt", "compile", "graph")
    assert not {f"agentflow.cli.{name}" for name in commands} & modules
