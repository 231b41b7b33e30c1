"""Token buckets on a virtual clock: bursts, waiting within a timeout, refusal, fairness."""

from __future__ import annotations

import asyncio
import heapq
import itertools
from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Any

import pytest

from agentflow.compiler.plan import RateLimit
from agentflow.runtime.policy.ratelimit import RateLimiterRegistry, TokenBucket


class VirtualTime:
    """A clock that only moves when every task is asleep: it jumps to the next wake-up."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []
        self._timers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._order = itertools.count()

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._timers, (self.now + seconds, next(self._order), future))
        await future

    async def run(self, main: Awaitable[Any]) -> Any:
        task = asyncio.ensure_future(main)
        while not task.done():
            for _ in range(20):  # let every runnable task reach its next sleep
                await asyncio.sleep(0)
            if self._timers and not task.done():
                when, _, future = heapq.heappop(self._timers)
                self.now = max(self.now, when)
                if not future.done():
                    future.set_result(None)
        return task.result()


def run(vt: VirtualTime, make: Callable[[], Awaitable[Any]]) -> Any:
    return asyncio.run(vt.run(make()))


def bucket(vt: VirtualTime, count: int, per_seconds: int) -> TokenBucket:
    return TokenBucket(
        RateLimit(count=Decimal(count), per_seconds=per_seconds), clock=vt.clock, sleep=vt.sleep
    )


def test_rate_and_capacity_from_the_plan() -> None:
    vt = VirtualTime()
    b = bucket(vt, 30, 60)
    assert b.rate == 0.5
    assert b.capacity == 30
    assert b.tokens == 30
    floats = TokenBucket(5.0, clock=vt.clock, sleep=vt.sleep)
    assert (floats.rate, floats.capacity) == (5.0, 5.0)
    slow = TokenBucket(0.25, clock=vt.clock, sleep=vt.sleep)
    assert slow.capacity == 1.0  # always room for one call
    assert TokenBucket(2.0, capacity=10, clock=vt.clock).capacity == 10
    with pytest.raises(ValueError):
        TokenBucket(0.0)


def test_burst_up_to_capacity_then_refuse_without_waiting() -> None:
    vt = VirtualTime()
    b = bucket(vt, 3, 1)

    async def main() -> list[bool]:
        return [await b.acquire(timeout=0) for _ in range(4)]

    assert run(vt, main) == [True, True, True, False]
    assert vt.sleeps == []
    assert vt.now == 0.0


def test_waits_when_the_token_arrives_within_the_timeout() -> None:
    vt = VirtualTime()
    b = bucket(vt, 2, 1)  # one token every half second

    async def main() -> list[bool]:
        return [await b.acquire(1.0) for _ in range(3)]

    assert run(vt, main) == [True, True, True]
    assert vt.sleeps == [0.5]
    assert vt.now == 0.5


def test_refuses_immediately_beyond_the_timeout() -> None:
    vt = VirtualTime()
    b = bucket(vt, 1, 10)  # one token every ten seconds

    async def main() -> tuple[bool, bool, bool]:
        first = await b.acquire(None)
        refused = await b.acquire(5.0)
        patient = await b.acquire(10.0)
        return first, refused, patient

    assert run(vt, main) == (True, False, True)
    assert vt.sleeps == [10.0]  # the refusal did not wait
    assert vt.now == 10.0


def test_refills_over_time_but_never_beyond_capacity() -> None:
    vt = VirtualTime()
    b = bucket(vt, 2, 1)

    async def main() -> None:
        assert await b.acquire(0)
        assert await b.acquire(0)
        assert not await b.acquire(0)
        vt.now += 100.0
        assert b.tokens == 2.0
        assert await b.acquire(0)
        assert await b.acquire(0)
        assert not await b.acquire(0)

    run(vt, main)


def test_no_timeout_waits_as_long_as_needed() -> None:
    vt = VirtualTime()
    b = bucket(vt, 1, 60)

    async def main() -> list[bool]:
        return [await b.acquire(None) for _ in range(3)]

    assert run(vt, main) == [True, True, True]
    assert vt.now == 120.0


def test_concurrent_waiters_are_served_first_come_first_served() -> None:
    vt = VirtualTime()
    b = bucket(vt, 1, 1)
    served: list[tuple[int, float]] = []

    async def caller(i: int) -> None:
        assert await b.acquire(None)
        served.append((i, vt.now))

    async def main() -> None:
        async with asyncio.TaskGroup() as group:
            for i in range(5):
                group.create_task(caller(i))

    run(vt, main)
    assert served == [(0, 0.0), (1, 1.0), (2, 2.0), (3, 3.0), (4, 4.0)]


def test_a_latecomer_cannot_jump_the_queue() -> None:
    vt = VirtualTime()
    b = bucket(vt, 1, 1)

    async def main() -> tuple[bool, bool, float]:
        assert await b.acquire(0)
        waiter = asyncio.ensure_future(b.acquire(None))  # reserves the token due at t=1
        await asyncio.sleep(0)
        latecomer = await b.acquire(1.5)  # the next free token is at t=2: too late
        return await waiter, latecomer, b.wait_time()

    waited, latecomer, wait = run(vt, main)
    assert waited is True
    assert latecomer is False
    assert vt.now == 1.0
    assert wait == 1.0  # the waiter took the token due at t=1


def test_a_cancelled_waiter_gives_its_token_back() -> None:
    vt = VirtualTime()
    b = bucket(vt, 1, 1)

    async def main() -> float:
        assert await b.acquire(0)
        waiter = asyncio.ensure_future(b.acquire(None))
        await asyncio.sleep(0)
        assert b.wait_time() == 2.0
        waiter.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiter
        return b.wait_time()

    assert run(vt, main) == 1.0


def test_real_clock_smoke() -> None:
    b = TokenBucket(1000.0, capacity=1)

    async def main() -> list[bool]:
        return [await b.acquire(0.5) for _ in range(3)]

    assert asyncio.run(main()) == [True, True, True]


def test_registry_creates_one_bucket_per_key() -> None:
    vt = VirtualTime()
    registry = RateLimiterRegistry(clock=vt.clock, sleep=vt.sleep)
    limit = RateLimit(count=Decimal(30), per_seconds=60)
    search = registry.get("tool:search", limit)
    assert registry.get("tool:search", limit) is search
    assert registry.get("tool:search", RateLimit(count=Decimal(1), per_seconds=1)) is search
    model = registry.get("model:fast", 2.0)
    assert model is not search
    assert len(registry) == 2

    async def main() -> bool:
        return await search.acquire(0)

    assert run(vt, main)
    assert registry.get("tool:search", limit).tokens == 29
    assert repr(search) == "TokenBucket(rate=0.5/s, capacity=30)"
