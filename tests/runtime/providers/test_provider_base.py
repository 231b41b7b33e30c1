"""The provider interface, the token counter, and what importing them pulls in."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import pytest
from provider_support import model

from agentflow.runtime.providers.base import (
    ProviderError,
    decode_arguments,
    encode_arguments,
    error_for_status,
    parse_retry_after,
    provider_for,
    unwrap_text,
    wrap_schema,
)
from agentflow.runtime.tokens import count_tokens, truncate_to_tokens

ROOT = Path(__file__).resolve().parents[3]
SDK_MODULES = ("anthropic", "openai", "httpx", "httpx2")


def test_importing_the_interface_imports_no_sdk() -> None:
    code = (
        "import sys, json, asyncio\n"
        "from pathlib import Path\n"
        "import agentflow.runtime.providers.base as base, agentflow.runtime.tokens as tokens\n"
        "from agentflow.compiler.plan import ModelPlan\n"
        "tokens.count_tokens('hello', 'anthropic')\n"
        "plan = ModelPlan(name='m', provider='offline', max_tokens=20)\n"
        "provider = base.provider_for(plan, base_dir=Path('.'))\n"
        "request = base.ModelRequest(plan, 'a', None, (base.ChatMessage('user', 'hi'),), (),\n"
        "                            None, 20, None, {})\n"
        "asyncio.run(provider.complete(request))\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in "
        f"{SDK_MODULES!r})))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == []


def test_count_tokens() -> None:
    assert count_tokens("") == 0
    assert count_tokens("hello world") == 2
    assert count_tokens("hello world", "anthropic") == 3  # 2 x 1.2, rounded up
    assert count_tokens("hello world", "offline") == 2
    assert count_tokens("<|endoftext|>") > 1  # special tokens are ordinary text here
    text = 'Budgets are enforced on mixed text: código, 数字, emoji 🎉, JSON {"a": [1, 2]}.'
    assert count_tokens(text) > len(text) / 4  # the len/4 rule under-counts
    assert count_tokens(text, "anthropic") == -(-count_tokens(text) * 6 // 5)


def test_remembered_and_long_texts_count_the_same_as_a_fresh_count() -> None:
    from agentflow.runtime.tokens import CACHED_TEXT_CHARS, _encoding

    short = "remembered " * 10
    long = "not remembered, código 数字 " * (CACHED_TEXT_CHARS // 10)
    assert len(long) > CACHED_TEXT_CHARS
    for text in (short, short, long):
        fresh = len(_encoding().encode_ordinary(text))
        assert count_tokens(text) == fresh
        assert count_tokens(text, "anthropic") == -(-fresh * 6 // 5)


@pytest.mark.parametrize("provider", ["openai", "anthropic"])
def test_truncate_to_tokens(provider: str) -> None:
    text = "Über 数字 and emoji 🎉 " * 30
    for limit in (0, 1, 5, 17, 40):
        cut = truncate_to_tokens(text, limit, provider)
        assert text.startswith(cut)
        assert count_tokens(cut, provider) <= limit
    assert truncate_to_tokens("short", 100, provider) == "short"


def test_retry_after() -> None:
    assert parse_retry_after({"Retry-After": "2"}) == 2.0
    assert parse_retry_after({"retry-after": "0.5"}) == 0.5
    assert parse_retry_after({"retry-after-ms": "250", "retry-after": "9"}) == 0.25
    assert parse_retry_after({}) is None
    assert parse_retry_after({"retry-after": "soon"}) is None
    later = format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)
    assert 25 <= (parse_retry_after({"Retry-After": later}) or 0) <= 30


@pytest.mark.parametrize(
    ("status", "kind", "retryable", "retry_after"),
    [
        (429, "rate_limited", True, 3.0),
        (408, "timeout", True, 3.0),
        (500, "model", True, 3.0),
        (502, "model", True, 3.0),
        (529, "model", True, 3.0),
        (401, "auth", False, None),
        (403, "auth", False, None),
        (400, "validation", False, None),
        (413, "validation", False, None),
        (404, "model", False, None),
    ],
)
def test_error_for_status(
    status: int, kind: str, retryable: bool, retry_after: float | None
) -> None:
    error = error_for_status(status, "boom", {"retry-after": "3"})
    assert (error.kind, error.retryable, error.status, error.retry_after) == (
        kind,
        retryable,
        status,
        retry_after,
    )
    assert str(error) == "boom"


def test_unknown_provider() -> None:
    plan = model("offline").model_copy(update={"provider": "gemini"})
    with pytest.raises(ProviderError) as caught:
        provider_for(plan, base_dir=Path("."))
    assert caught.value.kind == "model" and not caught.value.retryable
    assert "unknown provider `gemini`" in str(caught.value)


def test_schema_wrapping_and_arguments() -> None:
    record = {"type": "object", "properties": {}}
    assert wrap_schema(record) == (record, False)
    wrapped, was_wrapped = wrap_schema({"type": "array", "items": {"type": "string"}})
    assert was_wrapped and wrapped["required"] == ["value"]
    assert unwrap_text('{"value": ["a"]}') == '["a"]'
    assert unwrap_text("not json") == "not json"
    assert decode_arguments("") == {}
    assert decode_arguments('{"a": 1}') == {"a": 1}
    assert decode_arguments("[1]") == {"__invalid_json__": "[1]"}
    assert encode_arguments({"__invalid_json__": "{oops"}) == "{oops"
    assert encode_arguments({"a": "ü"}) == '{"a": "ü"}'
