"""`stdlib.current_time`: the current time in ISO 8601, in the configured time zone."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel

from agentflow.stdlib_tools.base import ToolContext, ToolError, ToolInput, parse_args


class CurrentTimeInput(ToolInput):
    """`current_time` takes no arguments."""


def zone(name: str) -> ZoneInfo:
    """The IANA time zone `name` (kind "tool" when unknown)."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise ToolError(
            f"unknown time zone `{name}` (use an IANA name such as `Europe/Paris`)"
        ) from None


class CurrentTime:
    """The current time in ISO 8601."""

    name = "current_time"
    Input = CurrentTimeInput
    Output = str

    async def run(self, args: BaseModel, ctx: ToolContext) -> str:
        """Now, to the second, with the zone's UTC offset: `2025-05-01T14:03:09+02:00`."""
        parse_args(CurrentTimeInput, args)
        tz = zone(ctx.str_setting("timezone", "UTC") or "UTC")
        return datetime.now(tz).isoformat(timespec="seconds")


TOOL = CurrentTime()
