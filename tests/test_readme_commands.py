"""The README's two commands are what CI runs, so they keep working from a fresh clone."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def readme_commands() -> list[str]:
    first_screen = ROOT.joinpath("README.md").read_text().split("\n---\n")[0]
    return re.findall(r"```sh\n(.*?)\n```", first_screen, re.S)


def test_first_screen_has_exactly_two_commands() -> None:
    assert len(readme_commands()) == 2


def test_ci_runs_the_readme_commands() -> None:
    setup, tests = readme_commands()
    ci = ROOT.joinpath(".ci", "run").read_text()
    assert setup.replace("pip install -e", "pip install -q -e") in ci
    assert tests in ci
    assert "agentflow run examples/" in setup
