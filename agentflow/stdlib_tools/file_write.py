"""`stdlib.file_write`: write a text file under the allowed roots, atomically."""

from __future__ import annotations

import asyncio
import os
import tempfile
from pathlib import Path

from pydantic import BaseModel

from agentflow.stdlib_tools.base import ToolContext, ToolError, ToolInput, parse_args
from agentflow.stdlib_tools.paths import DEFAULT_MAX_BYTES, confine, roots_of, too_large


class FileWriteInput(ToolInput):
    """Arguments of `file_write`."""

    path: str
    content: str


def write_text(ctx: ToolContext, raw: str, data: bytes, overwrite: bool) -> str:
    """Write `data` to the confined path `raw`; the path written, relative to the base."""
    target = confine(ctx, raw)
    if raw.endswith(("/", os.sep)) or target.real in roots_of(ctx):
        raise ToolError(f"`{raw}` names a directory, not a file", "validation")
    if target.lexical.is_symlink():
        raise ToolError(
            f"`{target.display}` is a symbolic link; refusing to write through it", "denied"
        )
    final = target.real  # the last component is no link, so its parent resolved inside a root
    if final.is_dir():
        raise ToolError(f"`{target.display}` is a directory, not a file")
    if final.exists() and not overwrite:
        raise ToolError(f"`{target.display}` already exists and this tool may not overwrite files")
    try:
        final.parent.mkdir(parents=True, exist_ok=True)
        _atomic_write(final.parent, final.name, data)
    except OSError as error:
        raise ToolError(f"cannot write `{target.display}`: {error.strerror or error}") from None
    return target.display


def _atomic_write(parent: Path, name: str, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, parent / name)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class FileWrite:
    """Write a text file under the allowed roots."""

    name = "file_write"
    Input = FileWriteInput
    Output = str

    async def run(self, args: BaseModel, ctx: ToolContext) -> str:
        """The path written, relative to the program's directory."""
        parsed = parse_args(FileWriteInput, args)
        max_bytes = ctx.int_setting("max_bytes", DEFAULT_MAX_BYTES)
        overwrite = ctx.bool_setting("overwrite", False)
        if "\x00" in parsed.content:
            raise ToolError("the content must be text (it contains NUL characters)", "validation")
        try:
            data = parsed.content.encode("utf-8")
        except UnicodeEncodeError:
            raise ToolError("the content is not valid Unicode text", "validation") from None
        if len(data) > max_bytes:
            raise too_large("the content", len(data), max_bytes)
        return await asyncio.to_thread(write_text, ctx, parsed.path, data, overwrite)


TOOL = FileWrite()
