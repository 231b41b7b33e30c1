"""`stdlib.csv_read`: read a CSV file under the allowed roots as a list of rows."""

from __future__ import annotations

import asyncio
import csv
import io
from collections.abc import Iterable, Iterator

from pydantic import BaseModel

from agentflow.stdlib_tools.base import ToolContext, ToolError, ToolInput, parse_args
from agentflow.stdlib_tools.paths import Confined, confine, open_regular

DEFAULT_MAX_ROWS = 10_000
_EXTRA = object()


class CsvReadInput(ToolInput):
    """Arguments of `csv_read`."""

    path: str


def _text_lines(lines: Iterable[str], display: str) -> Iterator[str]:
    """The lines of a text file; a NUL character means it is not text."""
    for line in lines:
        if "\x00" in line:
            raise ToolError(f"`{display}` is not a text file (it contains NUL bytes)")
        yield line


def read_rows(target: Confined, max_rows: int) -> list[dict[str, str]]:
    """The rows of a confined CSV file (the first line is the header), values as strings."""
    rows: list[dict[str, str]] = []
    with open_regular(target) as raw:
        text = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
        reader = csv.DictReader(_text_lines(text, target.display), restkey=_EXTRA, restval="")  # type: ignore[call-overload]
        try:
            for row in reader:
                if len(rows) == max_rows:
                    raise ToolError(
                        f"`{target.display}` has more than {max_rows} rows, "
                        f"over the `max_rows` limit of {max_rows}"
                    )
                if _EXTRA in row:
                    raise ToolError(
                        f"`{target.display}` line {reader.line_num} has more fields "
                        f"than the header's {len(reader.fieldnames or [])}"
                    )
                rows.append(row)
        except UnicodeDecodeError:
            raise ToolError(f"`{target.display}` is not valid UTF-8") from None
        except csv.Error as error:
            message = str(error).lower()
            raise ToolError(f"`{target.display}` is not valid CSV: {message}") from None
    return rows


class CsvRead:
    """Read a CSV file under the allowed roots as rows keyed by the header."""

    name = "csv_read"
    Input = CsvReadInput
    Output = list[dict[str, str]]

    async def run(self, args: BaseModel, ctx: ToolContext) -> list[dict[str, str]]:
        """Each row as a map from header name to value."""
        path = parse_args(CsvReadInput, args).path
        max_rows = ctx.int_setting("max_rows", DEFAULT_MAX_ROWS)
        target = confine(ctx, path)
        return await asyncio.to_thread(read_rows, target, max_rows)


TOOL = CsvRead()
