"""Model prices per million tokens: from `price = {...}`, else the bundled genai-prices table."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from functools import cache

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
        if amounts.get("input") is not None and amounts.get("output") is not None:
            return Price(amounts["input"], amounts["output"], "file")
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
    """The bundled price of a provider's model (no network), or None if unknown."""
    try:
        from genai_prices import Usage, calc_price
    except ImportError:  # pragma: no cover - a core dependency
        return None
    thousand = 1000
    try:
        per_input = calc_price(Usage(input_tokens=thousand), model_name, provider_id=provider)
        per_output = calc_price(Usage(output_tokens=thousand), model_name, provider_id=provider)
    except (LookupError, ValueError):
        return None
    scale = MILLION / thousand
    return Price(
        Decimal(per_input.total_price) * scale,
        Decimal(per_output.total_price) * scale,
        "genai-prices",
    )
