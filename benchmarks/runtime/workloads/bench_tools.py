"""Python tools of the runtime workloads W1-W4 (../shared/bench/README.md, section 3).

agentflow calls them as `python("bench_tools:NAME")`, resolved relative to the program's
directory. All are `async def`, so the runtime awaits them on the event loop (no thread
hop); "sleep(x)" is `await asyncio.sleep(x)`, standing in for LLM latency.
"""

from __future__ import annotations

import asyncio

MOD = 1_000_000_007
W2_SLEEP_S = 0.020
W3_SLEEP_S = 0.005

# W4's tool records every key it is asked for, so the harness can check (after the clock
# stops) that each run made exactly the three calls k0, k1, k2, in that order.
LOOKUPS: list[str] = []


async def step(count: int, i: int) -> int:
    """W1: node c{i} of the chain; fails unless it sees its predecessor's output."""
    if count != i:
        raise ValueError(f"c{i} saw count={count}")
    return count + 1


async def work(i: int) -> int:
    """W2: one fanned-out worker: sleep 20 ms, then return its index."""
    await asyncio.sleep(W2_SLEEP_S)
    return i


async def cell(k: int, j: int, width: int, prev: list[int]) -> int:
    """W3: node n[k][j]: sleep 5 ms, then combine all `width` values of layer k-1."""
    await asyncio.sleep(W3_SLEEP_S)
    if k == 0:
        return j + 1
    if len(prev) != width:
        raise ValueError(f"n{k}_{j} saw {len(prev)} inputs, expected {width}")
    return (sum(prev) + j) % MOD


async def sink(width: int, values: list[int]) -> int:
    """W3: the sink; fails unless it sees all `width` values of the last layer."""
    if len(values) != width:
        raise ValueError(f"sink saw {len(values)} inputs, expected {width}")
    return sum(values) % MOD


async def lookup(key: str) -> str:
    """Return the value stored under `key`."""
    LOOKUPS.append(key)
    return "value-of-" + key
