"""`stdlib.file_read`: read a UTF-8 text file under the allowed roots."""

from __future__ import annotations

import asyncio
import os

from pydantic import BaseModel

from agentflow.stdlib_tools.base import ToolContext, ToolError, ToolInput, parse_args
from agentflow.stdlib_tools.paths import (
    DEFAULT_MAX_BYTES,
    Confined,
    confine,
    open_regular,
    too_large,
)


class FileReadInput(ToolInput):
    """Arguments of `file_read`."""

    path: str


def decode_text(data: bytes, display: str) -> str:
    """`data` as text: no NUL bytes, valid UTF-8 (a leading BOM is dropped)."""
    if b"\x00" in data:
        raise ToolError(f"`{display}` is not a text file (it contains NUL bytes)")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ToolError(
            f"`{display}` is not valid UTF-8 "
            f"(byte {data[error.start]:#04x} at offset {error.start})"
        ) from None


def read_text(target: Confined, max_bytes: int) -> str:
    """The text of a confined file of at most `max_bytes` bytes."""
    with open_regular(target) as handle:
        size = os.fstat(handle.fileno()).st_size
        if size > max_bytes:
            raise too_large(f"`{target.display}`", size, max_bytes)
        data = handle.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise too_large(f"`{target.display}`", f"more than {max_bytes}", max_bytes)
    return decode_text(data, target.display)


class FileRead:
    """Read a text file under the allowed roots."""

    name = "file_read"
    Input = FileReadInput
    Output = str

    async def run(self, args: BaseModel, ctx: ToolContext) -> str:
        """The file's text."""
        path = parse_args(FileReadInput, args).path
        max_bytes = ctx.int_setting("max_bytes", DEFAULT_MAX_BYTES)
        target = confine(ctx, path)
        return await asyncio.to_thread(read_text, target, max_bytes)


TOOL = FileRead()
