"""Values of numeric and unit literals; None marks a malformed literal."""

from __future__ import annotations

import math
import re
from decimal import Decimal, InvalidOperation

_DIGITS = re.compile(r"^\d+(?:_\d+)*(?:\.\d+(?:_\d+)*)?$")

DURATION_UNITS = {
    "ms": Decimal("0.001"),
    "s": Decimal(1),
    "min": Decimal(60),
    "h": Decimal(3600),
    "d": Decimal(86400),
}
RATE_PERIODS = {"s": 1, "min": 60, "h": 3600, "d": 86400}
COUNT_SUFFIXES = {"k": 1_000, "M": 1_000_000}


def decimal_of(digits: str) -> Decimal | None:
    """The exact value of `1_000.5`-style digits, or None if malformed."""
    if not _DIGITS.match(digits):
        return None
    try:
        return Decimal(digits.replace("_", ""))
    except InvalidOperation:  # pragma: no cover - the pattern already rules this out
        return None


def number_of(raw: str) -> int | float | None:
    value = decimal_of(raw)
    if value is None:
        return None
    if "." not in raw:
        return int(value)
    as_float = float(value)
    return as_float if math.isfinite(as_float) else None  # beyond a double: malformed


def count_of(raw: str) -> int | None:
    value = decimal_of(raw[:-1])
    if value is None:
        return None
    total = value * COUNT_SUFFIXES[raw[-1]]
    return int(total) if total == total.to_integral_value() else None


def money_of(raw: str) -> Decimal | None:
    return decimal_of(raw[1:])


def percent_of(raw: str) -> Decimal | None:
    return decimal_of(raw[:-1])


def duration_of(raw: str) -> Decimal | None:
    match = re.match(r"^([\d_.]+)(ms|s|min|h|d)$", raw)
    if not match:
        return None
    value = decimal_of(match.group(1))
    return None if value is None else value * DURATION_UNITS[match.group(2)]


def rate_of(raw: str) -> tuple[Decimal | None, int]:
    digits, _, period = raw.partition("/")
    return decimal_of(digits), RATE_PERIODS.get(period, 1)


def format_duration(seconds: Decimal) -> str:
    """The shortest literal for a duration: `90s`, `2min`, `250ms`."""
    for unit in ("d", "h", "min", "s"):
        size = DURATION_UNITS[unit]
        if seconds >= size and seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{(seconds * 1000).normalize():f}ms"
