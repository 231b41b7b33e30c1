"""`agentflow fmt`: the command's behaviour against a stand-in printer, then the real one."""

from __future__ import annotations

import io
import sys
import types
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from agentflow.cli.main import main
from agentflow.diagnostics import Diagnostic, DiagnosticSink, Severity
from agentflow.source import Source, Span

UGLY = "agentflow 1\nmodel local {provider=offline}   \n"
PRETTY = "agentflow 1\nmodel local { provider = offline }\n"


@dataclass
class FakeResult:
    text: str | None
    diagnostics: list[Diagnostic] = field(default_factory=list)
    original: str = ""


def _fake_format(source: Source) -> FakeResult:
    """Canonical form: the two spellings above; `{{` is a syntax error."""
    if "{{" in source.text:
        sink = DiagnosticSink(source)
        sink.report("AF001", Span(0, 1), "unexpected `{{`", severity=Severity.ERROR)
        return FakeResult(None, sink.diagnostics, source.text)
    return FakeResult(source.text.replace(UGLY, PRETTY), [], source.text)


@pytest.fixture
def fake_printer(monkeypatch: pytest.MonkeyPatch) -> None:
    module = types.ModuleType("agentflow.grammar.printer")
    module.format_source = _fake_format  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "agentflow.grammar.printer", module)


def _stdin(monkeypatch: pytest.MonkeyPatch, text: str) -> None:
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(text.encode()), encoding="utf-8"))


@pytest.mark.usefixtures("fake_printer")
class TestCommand:
    def test_rewrites_only_changed_files(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        ugly, pretty = tmp_path / "ugly.agentflow", tmp_path / "pretty.agentflow"
        ugly.write_text(UGLY)
        pretty.write_text(PRETTY)
        before = pretty.stat().st_mtime_ns
        assert main(["fmt", str(tmp_path)]) == 0
        assert ugly.read_text() == PRETTY
        assert pretty.stat().st_mtime_ns == before
        assert capsys.readouterr().err == "1 file reformatted, 1 file left unchanged\n"
        assert not list(tmp_path.glob("*.tmp"))

    def test_check_lists_files_and_writes_nothing(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        ugly, pretty = tmp_path / "ugly.agentflow", tmp_path / "pretty.agentflow"
        ugly.write_text(UGLY)
        pretty.write_text(PRETTY)
        assert main(["fmt", "--check", str(tmp_path)]) == 1
        assert capsys.readouterr().out == f"would reformat {ugly}\n"
        assert ugly.read_text() == UGLY
        assert main(["fmt", "--check", str(pretty)]) == 0

    def test_diff(self, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
        ugly = tmp_path / "ugly.agentflow"
        ugly.write_text(UGLY)
        assert main(["fmt", "--diff", str(ugly)]) == 1
        out = capsys.readouterr().out
        assert out.startswith(f"--- {ugly} (original)\n+++ {ugly} (formatted)\n")
        assert "-model local {provider=offline}   \n+model local { provider = offline }\n" in out
        assert ugly.read_text() == UGLY

    def test_syntax_error(self, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
        bad = tmp_path / "bad.agentflow"
        bad.write_text("{{\n")
        assert main(["fmt", str(bad)]) == 1
        assert capsys.readouterr().err.startswith("error[AF001]: unexpected `{{`")
        assert bad.read_text() == "{{\n"

    def test_stdin(
        self, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
    ) -> None:
        _stdin(monkeypatch, UGLY)
        assert main(["fmt", "-"]) == 0
        assert capsys.readouterr().out == PRETTY
        _stdin(monkeypatch, UGLY)
        assert main(["fmt", "--check", "-"]) == 1
        assert capsys.readouterr().out == ""
        _stdin(monkeypatch, PRETTY)
        assert main(["fmt", "--check", "-"]) == 0

    def test_stdin_error(
        self, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
    ) -> None:
        _stdin(monkeypatch, "{{\n")
        assert main(["fmt", "-"]) == 1
        captured = capsys.readouterr()
        assert captured.out == ""
        assert " --> <stdin>:1:1" in captured.err

    def test_missing_path(self, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
        assert main(["fmt", str(tmp_path / "gone.agentflow")]) == 2
        assert "no such file or directory" in capsys.readouterr().err


class TestRealPrinter:
    @pytest.fixture(autouse=True)
    def _printer(self) -> None:
        pytest.importorskip("agentflow.grammar.printer")

    def test_check_diff_and_stdin(
        self,
        valid_file: Path,
        monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        from agentflow.grammar.printer import format_source

        canonical = format_source(Source(valid_file.read_text(), str(valid_file))).text
        assert canonical is not None
        valid_file.write_text(canonical)
        assert main(["fmt", "--check", str(valid_file)]) == 0
        assert main(["fmt", "--diff", str(valid_file)]) == 0
        assert capsys.readouterr().out == ""

        squashed = "\n".join(line.strip() for line in canonical.splitlines()) + "\n\n\n"
        assert squashed != canonical
        valid_file.write_text(squashed)
        assert main(["fmt", "--check", str(valid_file)]) == 1
        assert main(["fmt", "--diff", str(valid_file)]) == 1
        assert "+++ " in capsys.readouterr().out
        _stdin(monkeypatch, squashed)
        assert main(["fmt", "-"]) == 0
        assert capsys.readouterr().out == canonical
        assert main(["fmt", str(valid_file)]) == 0
        assert valid_file.read_text() == canonical

    def test_syntax_error(self, broken_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
        assert main(["fmt", str(broken_file)]) == 1
        assert "error[AF001]" in capsys.readouterr().err
