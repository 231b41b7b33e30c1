"""The diagnostic corpus: every rule's Example triggers its code (snapshotted as rendered text),
and every rule's "Use instead" program checks clean."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest
from test_rules_catalogue import ENVIRONMENT_FIXES, examples

import agentflow
from agentflow.cli.render import text
from agentflow.compiler.rules import codes

FIXTURES = Path(__file__).parent / "fixtures"
CODES_WITH_PROGRAMS = [c for c in codes() if examples(c)[0]]


def _check_in(
    tmp_path: Path, program: str, *, with_acme: bool, monkeypatch: pytest.MonkeyPatch
) -> list[agentflow.Diagnostic]:
    """Check a program as `example.agentflow` in a fresh directory (with the `acme` fixture)."""
    for name in [m for m in sys.modules if m == "acme" or m.startswith("acme.")]:
        monkeypatch.delitem(sys.modules, name)
    if with_acme:
        shutil.copytree(FIXTURES / "acme", tmp_path / "acme")
    monkeypatch.chdir(tmp_path)
    return agentflow.check(program, "example.agentflow")


def test_corpus_covers_enough_codes() -> None:
    assert len(CODES_WITH_PROGRAMS) >= 40


@pytest.mark.parametrize("code", CODES_WITH_PROGRAMS)
def test_example_triggers_its_code(
    code: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, snapshot
) -> None:
    wrong, _ = examples(code)
    rendered = []
    for program in wrong:
        diagnostics = _check_in(
            tmp_path, program, with_acme=code != "AF112", monkeypatch=monkeypatch
        )
        assert code in {d.code for d in diagnostics}, [(d.code, d.message) for d in diagnostics]
        assert "AF000" not in {d.code for d in diagnostics}
        rendered.append(text.render(diagnostics))
    assert "\n".join(rendered) == snapshot


@pytest.mark.parametrize("code", [c for c in codes() if examples(c)[1]])
def test_fix_is_clean(code: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    if code in ENVIRONMENT_FIXES:
        pytest.skip("the fix is installing the module, not editing the program")
    _, right = examples(code)
    for program in right:
        diagnostics = _check_in(tmp_path, program, with_acme=True, monkeypatch=monkeypatch)
        problems = [(d.code, d.line, d.message) for d in diagnostics if d.severity.value != "info"]
        assert problems == []
