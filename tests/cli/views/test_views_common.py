"""The views' shared pieces: `--since`, JSON output, money, and a light start-up."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import pytest
from views_seed import NOW, at

from agentflow.runtime.state.views.common import iso, money, parse_since, to_json

ROOT = Path(__file__).resolve().parents[3]


@pytest.mark.parametrize(
    ("text", "seconds_back"),
    [
        ("30m", 1800),
        ("30min", 1800),
        ("45s", 45),
        ("12h", 43200),
        ("7d", 7 * 86400),
        ("2w", 14 * 86400),
        ("1.5h", 5400),
        (" 3d ", 3 * 86400),
        ("0m", 0),
    ],
)
def test_since_durations_count_back_from_now(text: str, seconds_back: float) -> None:
    assert parse_since(text, NOW) == NOW - seconds_back


def test_since_dates_are_local_unless_they_carry_an_offset() -> None:
    # The fixture sets TZ=UTC, so local midnight is UTC midnight here.
    assert parse_since("2026-11-01", NOW) == at(11, 1, 0)
    assert parse_since("2026-11-01T09:30", NOW) == at(11, 1, 9, 30)
    assert parse_since("2026-11-01T09:30:00+02:00", NOW) == at(11, 1, 7, 30)
    assert parse_since("2026-11-01T09:30:00Z", NOW) == at(11, 1, 9, 30)


def test_since_a_naive_date_follows_the_local_zone(monkeypatch: pytest.MonkeyPatch) -> None:
    import time

    monkeypatch.setenv("TZ", "JST-9")  # POSIX form: needs no tz database
    time.tzset()
    try:
        assert parse_since("2026-11-01", NOW) == datetime(2026, 11, 1).timestamp() == at(10, 31, 15)
    finally:
        monkeypatch.setenv("TZ", "UTC")
        time.tzset()


@pytest.mark.parametrize(
    "text", ["", "7", "7y", "d", "-3d", "3 days", "last week", "2026-13-01", "now"]
)
def test_since_rejects_anything_else(text: str) -> None:
    with pytest.raises(
        ValueError, match=r"^--since takes a duration \(30m, 12h, 7d, 2w\) or an ISO date"
    ):
        parse_since(text, NOW)


def test_money_is_plain_digits() -> None:
    assert [money(Decimal(x)) for x in ("0", "0.0000012", "100", "1E+2", "0.10", "12.500")] == [
        "0",
        "0.0000012",
        "100",
        "100",
        "0.1",
        "12.5",
    ]


def test_iso_is_utc_to_the_millisecond() -> None:
    assert iso(at(11, 24, 9, 0, 2.5)) == "2026-11-24T09:00:02.500Z"


@dataclass(frozen=True)
class _Inner:
    amount: Decimal
    seen_at: float | None


@dataclass(frozen=True)
class _Outer:
    name: str
    started_at: float
    items: tuple[_Inner, ...]
    extra: dict[str, object]


def test_to_json_conventions() -> None:
    value = _Outer(
        "x", at(11, 24, 9), (_Inner(Decimal("1.50"), None),), {"n": Decimal(2), "l": [1]}
    )
    assert to_json(value) == {
        "name": "x",
        "started_at": "2026-11-24T09:00:00.000Z",
        "started_at_epoch": at(11, 24, 9),
        "items": [{"amount": "1.5", "seen_at": None, "seen_at_epoch": None}],
        "extra": {"n": "2", "l": [1]},
    }


def _imported(code: str) -> set[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", code],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        check=True,
    )
    return {
        line.rsplit("|", 1)[1].strip()
        for line in result.stderr.splitlines()
        if line.startswith("import time:") and line.count("|") == 2
    }


def test_the_views_import_nothing_heavy() -> None:
    modules = _imported(
        "import agentflow.cli.runs, agentflow.cli.show, agentflow.cli.trace, agentflow.cli.budget,"
        " agentflow.runtime.state.views.runs, agentflow.runtime.state.views.show,"
        " agentflow.runtime.state.views.trace, agentflow.runtime.state.views.budget"
    )
    heavy = sorted(
        m
        for m in modules
        if m.split(".")[0]
        in ("opentelemetry", "rich", "pydantic", "anthropic", "openai", "lark", "grpc")
        or m.startswith(
            ("agentflow.compiler", "agentflow.runtime.engine", "agentflow.runtime.policy")
        )
    )
    assert heavy == []


def test_json_output_never_imports_rich(seeded_root: Path) -> None:
    code = (
        "import sys; from agentflow.cli.main import main;"
        f" status = main(['runs', '--json', '--state', {str(seeded_root / '.agentflow')!r}]);"
        " sys.stdout.flush(); assert status == 0, status; assert 'rich' not in sys.modules"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, check=True, capture_output=True)
