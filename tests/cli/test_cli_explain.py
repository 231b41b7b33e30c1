"""`agentflow explain`."""

from __future__ import annotations

import pytest

from agentflow.cli.explain import nearest_codes, normalize
from agentflow.cli.main import main
from agentflow.compiler.rules import codes, lookup


def test_known_code(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["explain", "AF001"]) == 0
    out = capsys.readouterr().out
    rule = lookup("AF001")
    assert out.startswith(f"AF001: {rule.name} (error)\n\n{rule.summary}\n\n")
    assert "## What it does" in out


def test_code_spellings() -> None:
    assert normalize("af8") == normalize("008") == normalize("AF008") == "AF008"


def test_unknown_code(capsys: pytest.CaptureFixture[str]) -> None:
    known = set(codes())
    unknown = next(f"AF{n:03d}" for n in range(999, 0, -1) if f"AF{n:03d}" not in known)
    assert main(["explain", unknown]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    near = nearest_codes(unknown)
    assert len(near) == 3 and set(near) <= known
    nearest = ", ".join(near)
    assert captured.err == (
        f"agentflow: error: unknown code `{unknown}`; the nearest known codes are {nearest}\n"
    )


def test_nearest_codes_are_numerically_close() -> None:
    number = int(codes()[1][2:])
    assert nearest_codes(f"AF{number:03d}")[0] == codes()[1]
    assert nearest_codes("nonsense-that-matches-nothing") == []


def test_list(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["explain", "--list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["CODE", "SEVERITY", "NAME", "SUMMARY"]
    assert [line.split()[0] for line in lines[1:]] == codes()


def test_needs_a_code(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["explain"]) == 2
    assert "give a CODE" in capsys.readouterr().err
