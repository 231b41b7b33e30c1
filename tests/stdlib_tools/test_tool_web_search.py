"""`stdlib.web_search`: BM25 over a local corpus (cached per corpus state) and an HTTP backend."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from tool_support import Reply, call, json_reply, local_server

from agentflow.stdlib_tools import bm25
from agentflow.stdlib_tools.base import ToolError


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    docs = tmp_path / "docs"
    (docs / "guides").mkdir(parents=True)
    (docs / "rates.md").write_text(
        "# Rate limits\n\nEvery tool may declare a rate limit such as 30/min. When the rate limit "
        "is exceeded the call waits. Rate limits protect upstream services.\n",
        encoding="utf-8",
    )
    (docs / "budgets.md").write_text(
        "# Budgets\n\nA budget caps spending per run, per day and per month. "
        "The ledger settles the real cost after each call.\n",
        encoding="utf-8",
    )
    (docs / "guides" / "install.txt").write_text(
        "Installing agentflow: create a virtual environment and install the package. "
        "Nothing about limits here except one mention of rate.\n",
        encoding="utf-8",
    )
    (docs / "guides" / "policy.rst").write_text(
        "Policy overview\n===============\n\nAudit logs record every decision.\n", encoding="utf-8"
    )
    (docs / "image.png").write_bytes(b"\x89PNG rate limits rate limits")
    return tmp_path


def search(base: Path, query: str, **kwargs: object) -> list[dict[str, str]]:
    limit = kwargs.pop("limit", None)
    args: dict[str, object] = {"query": query} | ({"limit": limit} if limit else {})
    settings = {"backend": "local", "corpus": "./docs"} | kwargs
    return call("web_search", args, base, **settings)


def test_most_relevant_document_ranks_first(corpus: Path) -> None:
    results = search(corpus, "rate limit")
    assert [r["url"] for r in results] == ["docs/rates.md", "docs/guides/install.txt"]
    top = results[0]
    assert top["title"] == "Rate limits"
    assert "rate limit" in top["snippet"].lower()
    assert len(top["snippet"]) <= 210


def test_titles_fall_back_to_rst_title_and_file_name(corpus: Path) -> None:
    assert search(corpus, "audit")[0]["title"] == "Policy overview"
    assert search(corpus, "virtual environment")[0]["title"] == "install.txt"


def test_only_text_documents_are_indexed(corpus: Path) -> None:
    assert all(not r["url"].endswith(".png") for r in search(corpus, "rate limits"))


def test_limit_and_no_match(corpus: Path) -> None:
    assert len(search(corpus, "rate limit", limit=1)) == 1
    assert search(corpus, "kubernetes") == []


def test_limit_bounds_and_empty_query(corpus: Path) -> None:
    from agentflow.stdlib_tools.web_search import WebSearchInput

    with pytest.raises(ValueError):
        WebSearchInput.model_validate({"query": "x", "limit": 51})
    with pytest.raises(ValueError):
        WebSearchInput.model_validate({"query": "x", "limit": 0})
    with pytest.raises(ToolError, match="no words") as caught:
        search(corpus, "?!")
    assert caught.value.kind == "validation"


def test_snippet_is_the_window_around_the_query_terms(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    filler = " ".join(f"word{i}" for i in range(200))
    (docs / "long.md").write_text(f"{filler} the zebra crossing is here {filler}", encoding="utf-8")
    snippet = search(tmp_path, "zebra crossing")[0]["snippet"]
    assert "zebra crossing" in snippet
    assert snippet.startswith("…") and snippet.endswith("…")
    assert len(snippet) <= 210


def test_bm25_prefers_rare_terms_and_short_documents() -> None:
    docs = [
        bm25.Document(name, name, text, bm25.Counter(bm25.tokenize(text)), len(bm25.tokenize(text)))
        for name, text in [
            ("a", "the cat sat on the mat"),
            ("b", "the dog " + "filler " * 50 + "cat"),
            ("c", "the the the the"),
        ]
    ]
    index = bm25.Index(docs)
    hits = index.search("the cat", 10)
    assert [h.document.path for h in hits][:2] == ["a", "b"]
    assert index.idf("cat") > index.idf("the") > 0


def test_index_is_cached_and_rebuilt_when_a_file_changes(corpus: Path) -> None:
    key = os.path.realpath(corpus / "docs")
    before = bm25.BUILDS[key]
    search(corpus, "budget")
    search(corpus, "ledger")
    assert bm25.BUILDS[key] == before + 1

    page = corpus / "docs" / "budgets.md"
    page.write_text("# Budgets\n\nA budget about giraffes.\n", encoding="utf-8")
    stat = page.stat()
    os.utime(page, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10_000_000_000))
    assert search(corpus, "giraffes")[0]["url"] == "docs/budgets.md"
    assert bm25.BUILDS[key] == before + 2

    (corpus / "docs" / "new.md").write_text("# New\n\nokapi\n", encoding="utf-8")
    assert search(corpus, "okapi")[0]["url"] == "docs/new.md"
    (corpus / "docs" / "new.md").unlink()
    assert search(corpus, "okapi") == []
    assert bm25.BUILDS[key] == before + 4


def test_missing_corpus(tmp_path: Path) -> None:
    with pytest.raises(ToolError, match="not a directory"):
        search(tmp_path, "x", corpus="./nope")


# ------------------------------------------------------------------ http backend


def test_http_backend_posts_the_query_with_the_bearer_key(tmp_path: Path) -> None:
    results = [
        {"title": f"T{i}", "url": f"https://example.com/{i}", "snippet": f"s{i}"} for i in range(4)
    ]
    with local_server({"/search": lambda _: json_reply({"results": results})}) as server:
        got = call(
            "web_search",
            {"query": "agent budgets", "limit": 3},
            tmp_path,
            backend="http",
            url=f"{server.base}/search",
            secrets={"api_key": "test-key-123"},
        )
    assert got == results[:3]
    (request,) = server.seen
    assert request.method == "POST"
    assert request.headers["Authorization"] == "Bearer test-key-123"
    assert json.loads(request.body) == {"query": "agent budgets", "limit": 3}


def test_http_backend_url_may_come_from_the_environment(tmp_path: Path) -> None:
    with local_server({"/s": lambda _: json_reply({"results": []})}) as server:
        got = call(
            "web_search",
            {"query": "q"},
            tmp_path,
            backend="http",
            secrets={"url": f"{server.base}/s"},
        )
    assert got == []
    assert "Authorization" not in server.seen[0].headers


@pytest.mark.parametrize(
    ("reply", "message"),
    [
        (json_reply({"error": "nope"}, status=500), "answered with HTTP status 500"),
        (Reply(200, b"<html>not json</html>"), "did not answer with JSON"),
        (json_reply({"items": []}), "did not answer with JSON"),
        (json_reply({"results": [{"title": "t"}]}), "did not answer with JSON"),
    ],
)
def test_http_backend_errors(tmp_path: Path, reply: Reply, message: str) -> None:
    with local_server({"/s": lambda _: reply}) as server, pytest.raises(ToolError) as caught:
        call(
            "web_search",
            {"query": "q"},
            tmp_path,
            backend="http",
            url=f"{server.base}/s",
            secrets={"api_key": "test-key-123"},
        )
    assert message in caught.value.message
    assert "test-key-123" not in caught.value.message


def test_http_backend_unreachable(tmp_path: Path) -> None:
    with local_server({}) as server:
        url = f"{server.base}/s"
    with pytest.raises(ToolError, match="could not be reached"):
        call("web_search", {"query": "q"}, tmp_path, backend="http", url=url)


def test_symlinks_leaving_the_corpus_are_not_indexed(tmp_path: Path) -> None:
    import asyncio

    from agentflow.stdlib_tools.base import ToolContext
    from agentflow.stdlib_tools.web_search import TOOL

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "inside.md").write_text("# Inside\nquarterly payroll figures are here too\n")
    outside = tmp_path / "secret.md"
    outside.write_text("# Secret\nquarterly payroll figures for every employee\n")
    (corpus / "link.md").symlink_to(outside)
    context = ToolContext(tmp_path, {"backend": "local", "corpus": "corpus"}, {})
    results = asyncio.run(TOOL.run(TOOL.Input(query="payroll figures"), context))
    assert [r["title"] for r in results] == ["Inside"]
