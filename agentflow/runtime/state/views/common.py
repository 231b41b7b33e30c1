"""What every view shares: JSON output, money and times, `--since`, finding a run by a prefix."""

from __future__ import annotations

import dataclasses
import json
import re
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, cast

from agentflow.runtime.state.store import StateStore

LAST = "last"  # `agentflow show last`: the newest run
MAX_CANDIDATES = 10
_UNITS = {"s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
_DURATION = re.compile(r"(\d+(?:\.\d+)?)\s*(s|sec|m|min|h|d|w)")


class RunNotFound(Exception):
    """A run reference matches no run, or several (`candidates` lists some of them)."""

    def __init__(self, message: str, candidates: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.candidates = candidates


# ---------------------------------------------------------------- values


def fetch(store: StateStore, sql: str, params: tuple[Any, ...] = ()) -> list[dict[str, Any]]:
    """Rows of a query, each a dict by column name (what `StateStore.query` returns)."""
    return cast("list[dict[str, Any]]", store.query(sql, params))


def money(amount: Decimal) -> str:
    """A decimal as plain digits (`0.0000012`, `100`, never `1.2E-6` or `1E+2`)."""
    return f"{amount.normalize():f}" if amount else "0"


def decimal(text: Any) -> Decimal:
    """A stored amount (TEXT) as a Decimal; anything unreadable counts as zero."""
    if text is None:
        return Decimal(0)
    try:
        return Decimal(str(text))
    except InvalidOperation:
        return Decimal(0)


def loads(text: str | None) -> Any:
    """A stored JSON column, or the text itself if it is not JSON (None stays None)."""
    if text is None:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return text


def iso(epoch: float) -> str:
    """An instant as ISO-8601 in UTC, to the millisecond: `2026-11-24T14:03:05.123Z`."""
    moment = datetime.fromtimestamp(epoch, UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def duration_ms(start: float | None, end: float | None) -> float | None:
    """Milliseconds between two epoch seconds, when both are known."""
    if start is None or end is None:
        return None
    return round((end - start) * 1000, 3)


def to_json(value: Any) -> Any:
    """A view as JSON-ready data: dataclasses become objects with their fields in order,
    Decimals become strings, and every float field named `*_at` (epoch seconds) becomes an
    ISO-8601 UTC string followed by the raw value as `*_at_epoch`."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        result: dict[str, Any] = {}
        for field in dataclasses.fields(value):
            item = getattr(value, field.name)
            if field.name.endswith("_at") and isinstance(item, int | float):
                result[field.name] = iso(item)
                result[f"{field.name}_epoch"] = item
            elif field.name.endswith("_at") and item is None:
                result[field.name] = None
                result[f"{field.name}_epoch"] = None
            else:
                result[field.name] = to_json(item)
        return result
    if isinstance(value, Decimal):
        return money(value)
    if isinstance(value, Mapping):
        return {str(k): to_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_json(v) for v in value]
    return value


def dumps(view: Any) -> str:
    """A view as indented JSON text, keys in a stable order."""
    return json.dumps(to_json(view), indent=2, ensure_ascii=False, default=str)


# ---------------------------------------------------------------- --since


def parse_since(text: str, now: float | None = None) -> float:
    """The instant `--since` names: a duration back from now (`30m`, `12h`, `7d`, `2w`,
    `45s`, `1.5h`) or an ISO date or date-time (`2026-11-01`, `2026-11-01T09:30`; local time
    unless it carries an offset). Raises ValueError with a message for anything else."""
    cleaned = text.strip()
    match = _DURATION.fullmatch(cleaned)
    if match:
        seconds = float(match.group(1)) * _UNITS[match.group(2)]
        return (time.time() if now is None else now) - seconds
    try:
        moment = datetime.fromisoformat(cleaned)
    except ValueError:
        moment = None
    if moment is None or not cleaned[:4].isdigit():
        raise ValueError(
            f"--since takes a duration (30m, 12h, 7d, 2w) or an ISO date (2026-11-01), "
            f"found `{text}`"
        )
    return moment.timestamp()  # a naive date-time is read as local time


# ---------------------------------------------------------------- finding a run


def resolve_run(store: StateStore, ref: str) -> str:
    """The id of the run `ref` names: its id, a unique prefix of it (`run_` may be left
    out), or `last` for the newest run. Raises RunNotFound otherwise."""
    if fetch(store, "SELECT 1 FROM runs WHERE id = ?", (ref,)):
        return ref
    if ref == LAST:
        newest = fetch(store, "SELECT id FROM runs ORDER BY started_at DESC, rowid DESC LIMIT 1")
        if not newest:
            raise RunNotFound("the store has no runs yet")
        return str(newest[0]["id"])
    for prefix in (ref, f"run_{ref}") if not ref.startswith("run_") else (ref,):
        found = _by_prefix(store, prefix)
        if len(found) == 1:
            return found[0]
        if found:
            total = fetch(
                store,
                "SELECT count(*) AS n FROM runs WHERE id >= ? AND id < ?",
                (prefix, prefix + "\U0010ffff"),
            )[0]["n"]
            more = f", and {total - len(found)} more" if total > len(found) else ""
            raise RunNotFound(
                f"`{ref}` matches {total} runs: {', '.join(found)}{more}; give more of the id",
                tuple(found),
            )
    raise RunNotFound(f"no run matches `{ref}` (`agentflow runs` lists the recent ones)")


def _by_prefix(store: StateStore, prefix: str) -> list[str]:
    rows = fetch(
        store,
        "SELECT id FROM runs WHERE id >= ? AND id < ? ORDER BY id LIMIT ?",
        (prefix, prefix + "\U0010ffff", MAX_CANDIDATES),
    )
    return [str(row["id"]) for row in rows]
