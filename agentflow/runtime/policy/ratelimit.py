"""Token-bucket rate limits, one bucket per limited tool or model.

A caller that finds the bucket empty reserves the next token at once (the balance may go
negative) and sleeps until it has been refilled. Because reservations are made in call
order, concurrent waiters are served first come, first served, and a caller can tell
before waiting whether its token will arrive within its timeout.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

from agentflow.compiler.plan import RateLimit

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[object]]


class TokenBucket:
    """`rate` tokens per second, holding at most `capacity`; starts full."""

    def __init__(
        self,
        limit: RateLimit | float,
        capacity: float | None = None,
        *,
        clock: Clock = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        if isinstance(limit, RateLimit):
            rate = float(limit.count) / limit.per_seconds
            capacity = float(limit.count) if capacity is None else capacity
        else:
            rate = float(limit)
            capacity = rate if capacity is None else capacity
        if rate <= 0:
            raise ValueError("a rate limit must allow some calls")
        self.rate = rate
        self.capacity = max(float(capacity), 1.0)
        self._clock = clock
        self._sleep = sleep
        self._tokens = self.capacity
        self._updated = clock()

    def __repr__(self) -> str:
        return f"TokenBucket(rate={self.rate:g}/s, capacity={self.capacity:g})"

    @property
    def tokens(self) -> float:
        """Tokens available now; negative when callers are waiting for reserved tokens."""
        self._refill()
        return self._tokens

    def _refill(self) -> None:
        now = self._clock()
        elapsed = max(now - self._updated, 0.0)
        self._tokens = min(self.capacity, self._tokens + elapsed * self.rate)
        self._updated = now

    def wait_time(self) -> float:
        """Seconds until a caller arriving now would get its token."""
        self._refill()
        return max(0.0, (1.0 - self._tokens) / self.rate)

    async def acquire(self, timeout: float | None = None) -> bool:
        """Take a token, waiting for one if it arrives within `timeout` seconds (None: no
        limit). Returns False at once, without waiting, when it would arrive too late."""
        wait = self.wait_time()
        if wait > 0 and timeout is not None and wait > max(timeout, 0.0):
            return False
        self._tokens -= 1.0
        if wait <= 0:
            return True
        try:
            await self._sleep(wait)
        except asyncio.CancelledError:
            self._tokens += 1.0  # hand the reservation back
            raise
        return True


class RateLimiterRegistry:
    """One bucket per key (for example `tool:search`), created on first use."""

    def __init__(self, *, clock: Clock = time.monotonic, sleep: Sleep = asyncio.sleep) -> None:
        self._clock = clock
        self._sleep = sleep
        self._buckets: dict[str, TokenBucket] = {}

    def get(self, key: str, limit: RateLimit | float) -> TokenBucket:
        """The bucket for `key`; `limit` is used only when the bucket is first created."""
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = TokenBucket(limit, clock=self._clock, sleep=self._sleep)
            self._buckets[key] = bucket
        return bucket

    def __len__(self) -> int:
        return len(self._buckets)
