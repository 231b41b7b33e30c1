"""The HTTP client for the network tools: `httpx2` when installed, else `httpx`, imported lazily."""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any

from agentflow.stdlib_tools.base import ToolError

USER_AGENT = "agentflow-stdlib/1"
DEFAULT_TIMEOUT_S = 30.0


def http_module() -> ModuleType:
    """The `httpx2` module if importable, else `httpx`."""
    for name in ("httpx2", "httpx"):
        try:
            return importlib.import_module(name)
        except ImportError:
            continue
    raise ToolError("no HTTP client is installed (install `httpx2` or `httpx`)")


def client(module: ModuleType) -> Any:
    """An async client that follows no redirects and ignores proxy and netrc settings."""
    return module.AsyncClient(
        follow_redirects=False,
        trust_env=False,
        timeout=DEFAULT_TIMEOUT_S,
        headers={"User-Agent": USER_AGENT},
    )


async def read_limited(response: Any, max_bytes: int, what: str) -> bytes:
    """The (decoded) body of a streamed response; more than `max_bytes` is an error."""
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise ToolError(
            f"{what} is {declared} bytes, over the `max_bytes` limit of {max_bytes} bytes"
        )
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.aiter_bytes():
        size += len(chunk)
        if size > max_bytes:
            raise ToolError(
                f"{what} is more than {max_bytes} bytes, "
                f"over the `max_bytes` limit of {max_bytes} bytes"
            )
        chunks.append(chunk)
    return b"".join(chunks)


def describe_error(error: Exception) -> str:
    """A short description of a transport error, without URLs' query strings or headers."""
    name = type(error).__name__
    detail = str(error).splitlines()[0] if str(error) else ""
    return f"{name}: {detail}" if detail else name
