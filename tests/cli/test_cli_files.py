"""Reading program files: what cannot be read becomes an AF0xx diagnostic."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from agentflow.files import collect_paths, read_source


def test_reads_utf8_and_drops_a_bom(tmp_path: Path) -> None:
    path = tmp_path / "a.agentflow"
    path.write_bytes(b"\xef\xbb\xbfagentflow 1\n# caf\xc3\xa9\n")
    source, diagnostics = read_source(str(path))
    assert diagnostics == []
    assert source is not None
    assert source.text == "agentflow 1\n# café\n"
    assert source.path == str(path)


def test_missing_file_is_af006(tmp_path: Path) -> None:
    path = str(tmp_path / "nope.agentflow")
    source, diagnostics = read_source(path)
    assert source is None
    [diagnostic] = diagnostics
    assert diagnostic.code == "AF006"
    assert diagnostic.is_error
    assert (diagnostic.span.start, diagnostic.span.end) == (0, 0)
    assert diagnostic.source.text == "" and diagnostic.file == path
    assert "no such file or directory" in diagnostic.message


def test_directory_is_af006(tmp_path: Path) -> None:
    source, [diagnostic] = read_source(str(tmp_path))
    assert source is None
    assert diagnostic.code == "AF006"
    assert "is a directory" in diagnostic.message


@pytest.mark.skipif(os.geteuid() == 0 if hasattr(os, "geteuid") else True, reason="root reads all")
def test_unreadable_file_is_af006(tmp_path: Path) -> None:
    path = tmp_path / "secret.agentflow"
    path.write_text("agentflow 1\n")
    path.chmod(0)
    source, [diagnostic] = read_source(str(path))
    assert source is None
    assert diagnostic.code == "AF006"
    assert "permission denied" in diagnostic.message


def test_nul_byte_is_af008_at_the_byte(tmp_path: Path) -> None:
    path = tmp_path / "b.agentflow"
    path.write_bytes(b"agentflow 1\nab\xc3\xa9\x00cd\n")
    source, [diagnostic] = read_source(str(path))
    assert source is None
    assert diagnostic.code == "AF008"
    assert (diagnostic.line, diagnostic.column) == (2, 4)


def test_invalid_utf8_is_af007_at_the_first_bad_byte(tmp_path: Path) -> None:
    path = tmp_path / "c.agentflow"
    path.write_bytes(b"agentflow 1\n# na\xc3\xafve caf\xe9 \xff\n")
    source, [diagnostic] = read_source(str(path))
    assert source is None
    assert diagnostic.code == "AF007"
    assert (diagnostic.line, diagnostic.column) == (2, 12)
    assert "0xe9" in diagnostic.message
    # The snippet's text is the decoded file, so the caret lands on the replacement character.
    assert diagnostic.source.text[diagnostic.span.start] == "\ufffd"


def test_utf16_is_af007(tmp_path: Path) -> None:
    path = tmp_path / "d.agentflow"
    path.write_bytes("agentflow 1\n".encode("utf-16"))
    source, [diagnostic] = read_source(str(path))
    assert source is None
    assert diagnostic.code == "AF007"
    assert "UTF-16" in diagnostic.message


def test_collect_paths(tmp_path: Path) -> None:
    (tmp_path / "sub" / "deeper").mkdir(parents=True)
    (tmp_path / ".hidden").mkdir()
    for name in (
        "b.agentflow",
        "a.agentflow",
        "notes.txt",
        "sub/c.agentflow",
        "sub/deeper/d.agentflow",
        ".hidden/e.agentflow",
    ):
        (tmp_path / name).write_text("agentflow 1\n")
    explicit = str(tmp_path / "notes.txt")
    files, missing = collect_paths([str(tmp_path), explicit, str(tmp_path / "gone"), explicit])
    relative = [os.path.relpath(f, tmp_path) for f in files]
    assert relative == [
        "a.agentflow",
        "b.agentflow",
        os.path.join("sub", "c.agentflow"),
        os.path.join("sub", "deeper", "d.agentflow"),
        "notes.txt",
    ]
    assert missing == [str(tmp_path / "gone")]
