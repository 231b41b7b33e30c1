"""Retry decisions shared by nodes, tools and model calls: which errors, how long to wait."""

from __future__ import annotations

import asyncio
import random
from contextlib import AbstractAsyncContextManager, nullcontext

from agentflow.compiler.plan import Retry

NEVER_RETRIED = ("denied", "budget")
_NO_LIMIT: AbstractAsyncContextManager[None] = nullcontext()


def within(seconds: float | None) -> AbstractAsyncContextManager[object]:
    """`asyncio.timeout(seconds)`, or a free no-op when there is no limit (the common case)."""
    return _NO_LIMIT if seconds is None else asyncio.timeout(seconds)


def should_retry(policy: Retry, kind: str, attempt: int) -> bool:
    """Whether attempt number `attempt` (1-based) failing with `kind` earns another try."""
    if kind in NEVER_RETRIED or attempt >= policy.attempts:
        return False
    return not policy.on or kind in policy.on


def backoff_delay(policy: Retry, attempt: int, retry_after: float | None = None) -> float:
    """Seconds to wait before the next attempt: the server's Retry-After, else exponential
    backoff with jitter, never above `max_delay`."""
    ceiling = float(policy.max_delay_s)
    if retry_after is not None:
        return min(max(retry_after, 0.0), ceiling)
    delay = min(float(policy.backoff_s) * 2 ** (attempt - 1), ceiling)
    return delay * (0.5 + random.random() / 2) if policy.jitter else delay
