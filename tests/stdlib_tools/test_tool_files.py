"""`stdlib.file_read` and `stdlib.file_write`: confinement to the roots, limits, atomic writes."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from tool_support import call

from agentflow.stdlib_tools.base import ToolError


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A program directory with `docs/` (the root), a secret outside it, and symlinks."""
    base = tmp_path / "project"
    docs = base / "docs"
    (docs / "sub").mkdir(parents=True)
    (docs / "guide.md").write_text("# Guide\nhello\n", encoding="utf-8")
    (docs / "sub" / "deep.txt").write_text("deep", encoding="utf-8")
    (base / "private.txt").write_text("not for models", encoding="utf-8")
    (tmp_path / "outside.txt").write_text("outside", encoding="utf-8")
    (docs / "escape.txt").symlink_to(tmp_path / "outside.txt")
    (docs / "escape_dir").symlink_to(tmp_path)
    (docs / "alias.md").symlink_to(docs / "guide.md")
    return base


def read(base: Path, path: str, **settings: object) -> str:
    settings.setdefault("roots", ["./docs"])
    return call("file_read", {"path": path}, base, **settings)


def write(base: Path, path: str, content: str, **settings: object) -> str:
    settings.setdefault("roots", ["./docs"])
    return call("file_write", {"path": path, "content": content}, base, **settings)


def denied(func: object, *args: object, **kwargs: object) -> ToolError:
    with pytest.raises(ToolError) as caught:
        func(*args, **kwargs)  # type: ignore[operator]
    assert caught.value.kind == "denied", caught.value
    return caught.value


# ------------------------------------------------------------------ file_read


def test_read_relative_to_the_program(project: Path) -> None:
    assert read(project, "docs/guide.md") == "# Guide\nhello\n"
    assert read(project, "./docs/sub/deep.txt") == "deep"
    assert read(project, "docs/sub/../guide.md") == "# Guide\nhello\n"


def test_read_absolute_inside_a_root(project: Path) -> None:
    assert read(project, str(project / "docs" / "guide.md")) == "# Guide\nhello\n"


def test_read_symlink_that_stays_inside(project: Path) -> None:
    assert read(project, "docs/alias.md") == "# Guide\nhello\n"


@pytest.mark.parametrize(
    "path",
    [
        "private.txt",
        "docs/../private.txt",
        "../outside.txt",
        "docs/../../outside.txt",
        "docs/sub/../../../outside.txt",
        "docs/escape.txt",  # a symlink inside the root that points outside
        "docs/escape_dir/outside.txt",  # a directory symlink that leaves the root
        "/etc/passwd",
    ],
)
def test_read_escapes_are_denied(project: Path, path: str) -> None:
    error = denied(read, project, path)
    assert "outside the allowed roots (`docs`)" in error.message


def test_read_absolute_path_outside(project: Path, tmp_path: Path) -> None:
    error = denied(read, project, str(tmp_path / "outside.txt"))
    assert str(tmp_path / "outside.txt") in error.message


def test_root_that_is_a_symlink_is_fine(tmp_path: Path) -> None:
    real = tmp_path / "real_docs"
    real.mkdir()
    (real / "a.txt").write_text("via link", encoding="utf-8")
    base = tmp_path / "prog"
    base.mkdir()
    (base / "docs").symlink_to(real)
    assert read(base, "docs/a.txt") == "via link"
    assert read(base, str(real / "a.txt")) == "via link"
    assert write(base, "docs/b.txt", "new") == "docs/b.txt"
    assert (real / "b.txt").read_text(encoding="utf-8") == "new"
    denied(read, base, "docs/../../outside.txt")


def test_several_roots(project: Path) -> None:
    (project / "data").mkdir()
    (project / "data" / "x.txt").write_text("x", encoding="utf-8")
    assert read(project, "data/x.txt", roots=["./docs", "data"]) == "x"
    denied(read, project, "data/x.txt")


def test_no_roots_denies_everything(project: Path) -> None:
    error = denied(read, project, "docs/guide.md", roots=[])
    assert "no `roots`" in error.message


def test_a_root_name_prefix_is_not_the_root(project: Path) -> None:
    (project / "docs2").mkdir()
    (project / "docs2" / "x.txt").write_text("x", encoding="utf-8")
    denied(read, project, "docs2/x.txt")


def test_missing_file_names_the_path_relative_to_the_program(project: Path) -> None:
    with pytest.raises(ToolError, match=r"^file `docs/nope\.md` does not exist$") as caught:
        read(project, str(project / "docs" / "nope.md"))
    assert caught.value.kind == "tool"


def test_directory_is_not_a_file(project: Path) -> None:
    with pytest.raises(ToolError, match="is a directory"):
        read(project, "docs/sub")


def test_fifo_is_refused_without_blocking(project: Path) -> None:
    os.mkfifo(project / "docs" / "pipe.txt")
    with pytest.raises(ToolError, match="not a regular file"):
        read(project, "docs/pipe.txt")


def test_binary_and_invalid_utf8_are_refused(project: Path) -> None:
    (project / "docs" / "bin.dat").write_bytes(b"abc\x00def")
    (project / "docs" / "latin1.txt").write_bytes("café".encode("latin-1"))
    with pytest.raises(ToolError, match="not a text file") as caught:
        read(project, "docs/bin.dat")
    assert caught.value.kind == "tool"
    with pytest.raises(ToolError, match=r"not valid UTF-8 \(byte 0xe9 at offset 3\)"):
        read(project, "docs/latin1.txt")


def test_utf8_bom_is_dropped(project: Path) -> None:
    (project / "docs" / "bom.txt").write_bytes(b"\xef\xbb\xbfhi")
    assert read(project, "docs/bom.txt") == "hi"


def test_max_bytes(project: Path) -> None:
    (project / "docs" / "big.txt").write_text("x" * 101, encoding="utf-8")
    assert read(project, "docs/big.txt", max_bytes=101) == "x" * 101
    with pytest.raises(ToolError) as caught:
        read(project, "docs/big.txt", max_bytes=100)
    assert caught.value.message == (
        "`docs/big.txt` is 101 bytes, over the `max_bytes` limit of 100 bytes"
    )


def test_default_max_bytes_is_one_megabyte(project: Path) -> None:
    (project / "docs" / "big.txt").write_text("x" * 1_000_001, encoding="utf-8")
    with pytest.raises(ToolError, match="limit of 1000000 bytes"):
        read(project, "docs/big.txt")


def test_nul_in_the_path_is_a_validation_error(project: Path) -> None:
    with pytest.raises(ToolError) as caught:
        read(project, "docs/guide.md\x00.txt")
    assert caught.value.kind == "validation"


# ------------------------------------------------------------------ file_write


def test_write_creates_parents_and_returns_the_relative_path(project: Path) -> None:
    assert write(project, "docs/out/new/report.md", "# Report\n") == "docs/out/new/report.md"
    assert (project / "docs" / "out" / "new" / "report.md").read_text(
        encoding="utf-8"
    ) == "# Report\n"
    assert write(project, str(project / "docs" / "abs.txt"), "a") == "docs/abs.txt"


def test_write_leaves_no_temporary_files(project: Path) -> None:
    write(project, "docs/clean.txt", "content")
    assert sorted(p.name for p in (project / "docs").iterdir() if p.name.startswith(".")) == []


def test_write_refuses_to_overwrite_by_default(project: Path) -> None:
    with pytest.raises(ToolError, match=r"`docs/guide\.md` already exists") as caught:
        write(project, "docs/guide.md", "replaced")
    assert caught.value.kind == "tool"
    assert (project / "docs" / "guide.md").read_text(encoding="utf-8") == "# Guide\nhello\n"


def test_write_overwrites_when_allowed(project: Path) -> None:
    assert write(project, "docs/guide.md", "replaced", overwrite=True) == "docs/guide.md"
    assert (project / "docs" / "guide.md").read_text(encoding="utf-8") == "replaced"


@pytest.mark.parametrize(
    "path",
    [
        "private2.txt",
        "../outside2.txt",
        "docs/../../outside2.txt",
        "docs/escape_dir/outside2.txt",  # the parent resolves outside through a symlink
        "docs/escape_dir/new_dir/x.txt",
        "/tmp/agentflow_should_not_exist.txt",
    ],
)
def test_write_escapes_are_denied(project: Path, path: str) -> None:
    denied(write, project, path, "pwned")
    assert not (project / "private2.txt").exists()
    assert not (project.parent / "outside2.txt").exists()
    assert not (project.parent / "new_dir").exists()
    assert not Path("/tmp/agentflow_should_not_exist.txt").exists()


def test_write_through_a_symlink_is_refused(project: Path, tmp_path: Path) -> None:
    error = denied(write, project, "docs/escape.txt", "pwned", overwrite=True)
    assert "outside the allowed roots" in error.message
    error = denied(write, project, "docs/alias.md", "pwned", overwrite=True)
    assert "symbolic link" in error.message
    assert (tmp_path / "outside.txt").read_text(encoding="utf-8") == "outside"
    assert (project / "docs" / "guide.md").read_text(encoding="utf-8") == "# Guide\nhello\n"


def test_write_a_dangling_symlink_is_refused(project: Path, tmp_path: Path) -> None:
    (project / "docs" / "dangling.txt").symlink_to(tmp_path / "created_by_attack.txt")
    denied(write, project, "docs/dangling.txt", "pwned")
    assert not (tmp_path / "created_by_attack.txt").exists()


def test_write_the_root_or_a_directory_is_refused(project: Path) -> None:
    with pytest.raises(ToolError, match="names a directory"):
        write(project, "docs", "x")
    with pytest.raises(ToolError, match="names a directory"):
        write(project, "docs/new/", "x")
    with pytest.raises(ToolError, match="is a directory"):
        write(project, "docs/sub", "x", overwrite=True)


def test_write_max_bytes(project: Path) -> None:
    with pytest.raises(ToolError) as caught:
        write(project, "docs/big.txt", "é" * 6, max_bytes=10)
    assert caught.value.message == (
        "the content is 12 bytes, over the `max_bytes` limit of 10 bytes"
    )
    assert not (project / "docs" / "big.txt").exists()
    assert write(project, "docs/ok.txt", "é" * 5, max_bytes=10) == "docs/ok.txt"


def test_write_then_read_round_trips(project: Path) -> None:
    text = "línea 1\nline 2 ✓\n"
    written = write(project, "docs/round.txt", text)
    assert read(project, written) == text
