"""`agentflow check` and the entry point's exit statuses."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agentflow.cli.main import main
from agentflow.compiler import pipeline
from agentflow.diagnostics import DiagnosticSink, Severity
from agentflow.source import Span


def test_clean_file_exits_0(valid_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", str(valid_file)]) == 0
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == ""


def test_syntax_error_exits_1(broken_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", str(broken_file)]) == 1
    out = capsys.readouterr().out
    assert out.startswith("error[AF001]: ")
    assert f" --> {broken_file}:3:13\n" in out
    assert out.endswith("error: 1 error emitted\n")


def test_warnings_alone_exit_0(
    valid_file: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def analyze(source: object, *, lower: bool = False) -> pipeline.Analysis:
        assert isinstance(source, pipeline.Source)
        sink = DiagnosticSink(source)
        sink.report("AF307", Span(0, 9), "parameter `x` is never used", severity=Severity.WARNING)
        return pipeline.Analysis(source, None, sink.diagnostics)

    monkeypatch.setattr(pipeline, "analyze", analyze)
    assert main(["check", str(valid_file)]) == 0
    assert capsys.readouterr().out.endswith("warning: 1 warning emitted\n")


def test_missing_path_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "nope.agentflow"
    assert main(["check", str(missing)]) == 2
    captured = capsys.readouterr()
    assert captured.err == f"agentflow: error: no such file or directory: {missing}\n"
    assert "Traceback" not in captured.err
    assert captured.out == ""


def test_binary_file_is_af008(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "image.agentflow"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    assert main(["check", "--format", "json", str(path)]) == 1
    [diagnostic] = json.loads(capsys.readouterr().out)["diagnostics"]
    assert diagnostic["code"] == "AF008"
    assert (diagnostic["line"], diagnostic["column"]) == (3, 1)  # after `\x89PNG\r\n\x1a\n`


def test_invalid_utf8_is_af007(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "latin1.agentflow"
    path.write_bytes("agentflow 1\n\n# résumé\n".encode("latin-1"))
    assert main(["check", str(path)]) == 1
    out = capsys.readouterr().out
    assert out.startswith("error[AF007]: file is not valid UTF-8: unexpected byte `0xe9`\n")
    assert f" --> {path}:3:4\n" in out
    assert "3 | # r\ufffdsum\ufffd\n  |    ^\n" in out


def test_directory(
    tmp_path: Path, valid_file: Path, broken_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "nested").mkdir()
    (tmp_path / "nested" / "again.agentflow").write_bytes(broken_file.read_bytes())
    (tmp_path / "README.md").write_text("not a program {")
    assert main(["check", "--format", "json", str(tmp_path)]) == 1
    document = json.loads(capsys.readouterr().out)
    files = [d["file"] for d in document["diagnostics"]]
    assert files == [str(broken_file), str(tmp_path / "nested" / "again.agentflow")]


def test_directory_without_programs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", str(tmp_path)]) == 0
    assert "no .agentflow files" in capsys.readouterr().err


def test_json_format(
    valid_file: Path, broken_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["check", "--format", "json", str(valid_file), str(broken_file)]) == 1
    document = json.loads(capsys.readouterr().out)
    assert set(document) == {"diagnostics", "errors", "warnings"}
    assert (document["errors"], document["warnings"]) == (1, 0)
    assert set(document["diagnostics"][0]) == {
        "code",
        "severity",
        "message",
        "file",
        "line",
        "column",
        "end_line",
        "end_column",
        "hint",
    }


@pytest.mark.parametrize("fmt", ["sarif", "github"])
def test_machine_formats(fmt: str, broken_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "--format", fmt, str(broken_file)]) == 1
    out = capsys.readouterr().out
    if fmt == "sarif":
        assert json.loads(out)["runs"][0]["results"][0]["ruleId"] == "AF001"
    else:
        assert out.startswith(f"::error file={broken_file},line=3,col=13,")


@pytest.mark.parametrize(
    "argv",
    [[], ["frobnicate"], ["check"], ["check", "--format", "xml", "x"], ["check", "--nope", "x"]],
)
def test_usage_errors_exit_2(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "usage: agentflow" in err
    assert "Traceback" not in err


def test_help_and_version_exit_0(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == 0
    assert "check" in capsys.readouterr().out
    assert main(["check", "--help"]) == 0
    assert "--format" in capsys.readouterr().out
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.startswith("agentflow ")


def test_ctrl_c_exits_130(
    valid_file: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def interrupted(source: object, *, lower: bool = False) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(pipeline, "analyze", interrupted)
    assert main(["check", str(valid_file)]) == 130
    assert "Traceback" not in capsys.readouterr().err


def test_broken_pipe_is_quiet(
    broken_file: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    class Closed:
        def write(self, text: str) -> int:
            raise BrokenPipeError

        def flush(self) -> None:
            raise BrokenPipeError

        def isatty(self) -> bool:
            return False

    monkeypatch.setattr("sys.stdout", Closed())
    assert main(["check", str(broken_file)]) == 1
    assert capsys.readouterr().err == ""


def test_internal_error_is_reported_without_traceback(
    valid_file: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def crash(source: object, *, lower: bool = False) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(pipeline, "analyze", crash)
    assert main(["check", str(valid_file)]) == 70
    err = capsys.readouterr().err
    assert "internal error: RuntimeError: boom" in err
    assert "Traceback" not in err


def test_color_only_on_a_terminal(
    broken_file: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("NO_COLOR")
    monkeypatch.setattr("sys.stdout.isatty", lambda: True)
    assert main(["check", str(broken_file)]) == 1
    assert "\x1b[" in capsys.readouterr().out
    assert main(["check", "--no-color", str(broken_file)]) == 1
    assert "\x1b[" not in capsys.readouterr().out
    monkeypatch.setenv("NO_COLOR", "1")
    assert main(["check", str(broken_file)]) == 1
    assert "\x1b[" not in capsys.readouterr().out
