"""Confinement of file paths to a tool's `roots` (symlinks resolved) and safe opening."""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from agentflow.stdlib_tools.base import ToolContext, ToolError

DEFAULT_MAX_BYTES = 1_000_000
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)


@dataclass(frozen=True, slots=True)
class Confined:
    """A path that resolved inside one of the roots."""

    real: Path  # symlinks resolved
    lexical: Path  # absolute, normalised, symlinks kept
    display: str  # relative to the program's directory where possible


def roots_of(ctx: ToolContext) -> list[Path]:
    """The realpath of every configured root (the `roots` setting is required)."""
    roots = ctx.list_setting("roots")
    if not roots:
        raise ToolError(
            "no `roots` are configured for this tool, so every path is refused", "denied"
        )
    return [Path(os.path.realpath(ctx.base_dir / root)) for root in roots]


def display_path(ctx: ToolContext, path: Path) -> str:
    """`path` relative to the program's directory, or absolute when it lies outside it."""
    rel = os.path.relpath(path, os.path.normpath(ctx.base_dir))
    return path.as_posix() if rel == ".." or rel.startswith(".." + os.sep) else Path(rel).as_posix()


def confine(ctx: ToolContext, raw: str) -> Confined:
    """Resolve `raw` (relative to the program's directory, or absolute) inside the roots."""
    if not raw or "\x00" in raw:
        raise ToolError("the path must be a non-empty string without NUL characters", "validation")
    joined = ctx.base_dir / raw  # an absolute `raw` replaces the base
    lexical = Path(os.path.normpath(joined))
    real = Path(os.path.realpath(joined))
    roots = roots_of(ctx)
    if not any(real == root or real.is_relative_to(root) for root in roots):
        shown = ", ".join(f"`{display_path(ctx, r)}`" for r in roots)
        raise ToolError(
            f"`{raw}` is outside the allowed roots ({shown}); "
            "paths are relative to the program's directory",
            "denied",
        )
    return Confined(real, lexical, display_path(ctx, lexical))


def open_regular(target: Confined) -> BinaryIO:
    """Open a confined path for reading; it must be an existing regular file."""
    try:
        fd = os.open(target.real, os.O_RDONLY | _NOFOLLOW | _NONBLOCK)
    except FileNotFoundError:
        raise ToolError(f"file `{target.display}` does not exist") from None
    except IsADirectoryError:
        raise ToolError(f"`{target.display}` is a directory, not a file") from None
    except OSError as error:
        raise ToolError(f"cannot open `{target.display}`: {error.strerror or error}") from None
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        os.close(fd)
        what = "a directory" if stat.S_ISDIR(mode) else "not a regular file"
        raise ToolError(f"`{target.display}` is {what}, not a file")
    return os.fdopen(fd, "rb")


def too_large(what: str, size: int | str, limit: int) -> ToolError:
    """The error for content over a `max_bytes` limit (`what`: "`docs/a.md`", "the content")."""
    return ToolError(f"{what} is {size} bytes, over the `max_bytes` limit of {limit} bytes")
