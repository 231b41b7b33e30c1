"""`stdlib.current_time`: ISO 8601 in the configured IANA time zone."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from tool_support import call

from agentflow.stdlib_tools.base import ToolError

ISO = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2}$")


def test_default_is_utc() -> None:
    text = call("current_time", {})
    assert ISO.match(text), text
    parsed = datetime.fromisoformat(text)
    assert parsed.utcoffset() == timedelta(0)
    assert abs(datetime.now(UTC) - parsed) < timedelta(seconds=5)


@pytest.mark.parametrize("zone", ["Asia/Kolkata", "America/New_York", "Europe/Paris", "UTC"])
def test_timezone_setting(zone: str) -> None:
    text = call("current_time", {}, timezone=zone)
    assert ISO.match(text), text
    parsed = datetime.fromisoformat(text)
    assert parsed.utcoffset() == datetime.now(ZoneInfo(zone)).utcoffset()
    assert abs(datetime.now(UTC) - parsed) < timedelta(seconds=5)


def test_kolkata_offset_has_half_hours() -> None:
    assert call("current_time", {}, timezone="Asia/Kolkata").endswith("+05:30")


@pytest.mark.parametrize("zone", ["Mars/Olympus_Mons", "../../etc/passwd", "", "utc+1"])
def test_unknown_zone_is_a_tool_error(zone: str) -> None:
    with pytest.raises(ToolError) as caught:
        call("current_time", {}, timezone=zone or "Nowhere/Empty")
    assert caught.value.kind == "tool"
    assert "unknown time zone" in caught.value.message


def test_no_arguments_are_accepted() -> None:
    from agentflow.stdlib_tools.current_time import CurrentTimeInput

    with pytest.raises(ValueError):
        CurrentTimeInput.model_validate({"zone": "UTC"})
