"""Model prices per million tokens: from `price = {...}`, else the bundled genai-prices table."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from importlib import metadata
from pathlib import Path

from agentflow.grammar import ast

MILLION = Decimal(1_000_000)


@dataclass(frozen=True, slots=True)
class Price:
    """US dollars per million input and output tokens."""

    input: Decimal
    output: Decimal
    source: str  # "file", "offline", "genai-prices"


FREE = Price(Decimal(0), Decimal(0), "offline")


def _setting(body: ast.Body, name: str) -> ast.Expr | None:
    for setting in body.settings:
        if setting.name == name:
            return setting.value
    return None


def model_price(model: ast.ModelDecl) -> Price | None:
    """The model's price, or None when it is not known."""
    override = _setting(model.body, "price")
    if isinstance(override, ast.RecordLit):
        amounts = {
            e.key: e.value.value for e in override.entries if isinstance(e.value, ast.MoneyLit)
        }
        given_input, given_output = amounts.get("input"), amounts.get("output")
        if given_input is not None and given_output is not None:
            return Price(given_input, given_output, "file")
    provider = _setting(model.body, "provider")
    provider_name = provider.name if isinstance(provider, ast.Name) else None
    if provider_name == "offline" or provider_name is None:
        return FREE
    name = _setting(model.body, "name")
    if not isinstance(name, ast.StringLit):
        return None
    return table_price(provider_name, name.value)


@cache
def table_price(provider: str, model_name: str) -> Price | None:
    """The bundled price of a provider's model, or None if unknown.

    Looked-up prices are cached per genai-prices version in the user's cache directory, so a
    warm `agentflow check` does not import genai-prices (and the HTTP client it brings).
    """
    key = f"{provider}/{model_name}"
    cached = _cache()
    if key not in cached:
        cached[key] = _lookup(provider, model_name)
        _save(cached)
    entry = cached[key]
    if entry is None:
        return None
    return Price(Decimal(entry[0]), Decimal(entry[1]), "genai-prices")


def _lookup(provider: str, model_name: str) -> tuple[str, str] | None:
    try:
        from genai_prices import Usage, calc_price
    except ImportError:  # pragma: no cover - a core dependency
        return None
    thousand = 1000  # a small request, below any long-context price tier
    try:
        per_input = calc_price(Usage(input_tokens=thousand), model_name, provider_id=provider)
        per_output = calc_price(Usage(output_tokens=thousand), model_name, provider_id=provider)
    except (LookupError, ValueError):
        return None
    scale = MILLION / thousand
    return (
        str(Decimal(per_input.total_price) * scale),
        str(Decimal(per_output.total_price) * scale),
    )


def _cache_file() -> Path | None:
    try:
        table_version = metadata.version("genai-prices")
    except metadata.PackageNotFoundError:  # pragma: no cover
        return None
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "agentflow" / f"prices-{table_version}.json"


@cache
def _cache() -> dict[str, tuple[str, str] | None]:
    path = _cache_file()
    try:
        loaded = json.loads(path.read_text()) if path else {}
    except (OSError, ValueError):
        return {}
    return {k: tuple(v) if isinstance(v, list) else None for k, v in loaded.items()}  # type: ignore[misc]


def _save(entries: dict[str, tuple[str, str] | None]) -> None:
    path = _cache_file()
    if path is None:
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(f".{os.getpid()}.tmp")
        temporary.write_text(json.dumps(entries, sort_keys=True))
        temporary.replace(path)
    except OSError:
        pass  # a cache that cannot be written only costs time
