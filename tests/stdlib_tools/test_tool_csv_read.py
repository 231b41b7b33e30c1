"""`stdlib.csv_read`: rows as maps of strings, confinement and the `max_rows` limit."""

from __future__ import annotations

from pathlib import Path

import pytest
from tool_support import call

from agentflow.stdlib_tools.base import ToolError


def read_csv(base: Path, path: str, **settings: object) -> list[dict[str, str]]:
    settings.setdefault("roots", ["data"])
    return call("csv_read", {"path": path}, base, **settings)


@pytest.fixture
def base(tmp_path: Path) -> Path:
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "people.csv").write_text(
        'name,age,city\nAda,36,London\n"Hopper, Grace",85,"New\nYork"\n', encoding="utf-8"
    )
    (tmp_path / "secret.csv").write_text("k,v\nkey,sk-123\n", encoding="utf-8")
    return tmp_path


def test_rows_are_maps_of_strings(base: Path) -> None:
    assert read_csv(base, "data/people.csv") == [
        {"name": "Ada", "age": "36", "city": "London"},
        {"name": "Hopper, Grace", "age": "85", "city": "New\nYork"},
    ]


def test_short_rows_get_empty_values_and_bom_is_dropped(base: Path) -> None:
    (base / "data" / "short.csv").write_bytes(b"\xef\xbb\xbfa,b\n1\n")
    assert read_csv(base, "data/short.csv") == [{"a": "1", "b": ""}]


def test_long_rows_are_an_error(base: Path) -> None:
    (base / "data" / "long.csv").write_text("a,b\n1,2,3\n", encoding="utf-8")
    with pytest.raises(ToolError, match="line 2 has more fields than the header's 2"):
        read_csv(base, "data/long.csv")


def test_empty_and_header_only(base: Path) -> None:
    (base / "data" / "empty.csv").write_text("", encoding="utf-8")
    (base / "data" / "header.csv").write_text("a,b\n", encoding="utf-8")
    assert read_csv(base, "data/empty.csv") == []
    assert read_csv(base, "data/header.csv") == []


def test_max_rows(base: Path) -> None:
    (base / "data" / "many.csv").write_text("n\n" + "".join(f"{i}\n" for i in range(11)))
    assert len(read_csv(base, "data/many.csv", max_rows=11)) == 11
    with pytest.raises(ToolError) as caught:
        read_csv(base, "data/many.csv", max_rows=10)
    assert caught.value.message == (
        "`data/many.csv` has more than 10 rows, over the `max_rows` limit of 10"
    )


def test_default_max_rows_is_ten_thousand(base: Path) -> None:
    (base / "data" / "big.csv").write_text("n\n" + "1\n" * 10_001)
    with pytest.raises(ToolError, match="`max_rows` limit of 10000"):
        read_csv(base, "data/big.csv")


@pytest.mark.parametrize(
    "path", ["secret.csv", "../secret.csv", "data/../secret.csv", "data/link.csv"]
)
def test_confinement(base: Path, path: str) -> None:
    (base / "data" / "link.csv").symlink_to(base / "secret.csv")
    with pytest.raises(ToolError) as caught:
        read_csv(base, path)
    assert caught.value.kind == "denied"


def test_binary_and_invalid_utf8(base: Path) -> None:
    (base / "data" / "nul.csv").write_bytes(b"a,b\n1,\x002\n")
    (base / "data" / "latin.csv").write_bytes("a\ncafé\n".encode("latin-1"))
    with pytest.raises(ToolError, match="not a text file"):
        read_csv(base, "data/nul.csv")
    with pytest.raises(ToolError, match="not valid UTF-8"):
        read_csv(base, "data/latin.csv")


def test_missing_file(base: Path) -> None:
    with pytest.raises(ToolError, match=r"file `data/nope\.csv` does not exist"):
        read_csv(base, "data/nope.csv")


def test_malformed_csv(base: Path) -> None:
    (base / "data" / "bad.csv").write_text('a\n"x' + "y" * 200_000 + "\n", encoding="utf-8")
    with pytest.raises(ToolError, match="not valid CSV: field larger than field limit"):
        read_csv(base, "data/bad.csv")
