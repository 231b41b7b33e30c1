"""Model prices: file overrides, the bundled table (cached per version), unknown models."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

import agentflow
from agentflow.compiler import prices


@pytest.fixture(autouse=True)
def private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    prices.table_price.cache_clear()
    prices._cache.cache_clear()
    yield tmp_path
    prices.table_price.cache_clear()
    prices._cache.cache_clear()


def test_known_model_is_priced_from_the_bundled_table(private_cache: Path) -> None:
    price = prices.table_price("anthropic", "claude-sonnet-4-5")
    assert price is not None
    assert (price.input, price.output) == (Decimal(3), Decimal(15))
    cached = json.loads(next((private_cache / "agentflow").glob("prices-*.json")).read_text())
    assert cached["anthropic/claude-sonnet-4-5"] == [str(price.input), str(price.output)]


def test_cached_price_is_used_without_the_table(private_cache: Path) -> None:
    prices.table_price("openai", "gpt-4o-mini")
    path = next((private_cache / "agentflow").glob("prices-*.json"))
    path.write_text(json.dumps({"openai/gpt-4o-mini": ["1", "2"]}))
    prices.table_price.cache_clear()
    prices._cache.cache_clear()
    price = prices.table_price("openai", "gpt-4o-mini")
    assert price is not None and (price.input, price.output) == (Decimal(1), Decimal(2))


def test_unknown_model_warns_and_price_override_silences_it() -> None:
    unknown = """agentflow 1
model m { provider = openai, name = "my-finetune-2031", api_key = env("K") }
agent a { model = m, prompt = "hi" }
workflow w() -> string {
  x = a()
  return x
}
"""
    codes = [d.code for d in agentflow.check(unknown)]
    assert codes == ["AF502"]
    priced = unknown.replace(
        'api_key = env("K")', 'api_key = env("K"), price = { input: $1, output: $2 }'
    )
    assert agentflow.check(priced) == []


def test_budget_warning_shows_the_worst_case_figures() -> None:
    source = """agentflow 1
model m { provider = offline, max_tokens = 1000, price = { input: $10, output: $30 } }
budget small { per_run = $0.10 }
agent a { model = m, max_steps = 5, budget = small, prompt = "hi" }
workflow w() -> string {
  x = a()
  return x
}
"""
    diagnostics = agentflow.check(source)
    assert [d.code for d in diagnostics] == ["AF501"]
    # 5 steps x 1000 tokens x ($10 + $30) per million = $0.20
    assert "$0.2" in diagnostics[0].message and "$0.1" in diagnostics[0].message
