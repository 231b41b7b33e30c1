"""`stdlib.web_search`: BM25 over a local corpus, or a configured HTTP search API."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from pydantic import BaseModel, Field, ValidationError

from agentflow.stdlib_tools.base import ToolContext, ToolError, ToolInput, ToolOutput, parse_args
from agentflow.stdlib_tools.bm25 import index_for, tokenize
from agentflow.stdlib_tools.http_client import client, describe_error, http_module, read_limited

MAX_LIMIT = 50
MAX_RESPONSE_BYTES = 5_000_000


class WebSearchInput(ToolInput):
    """Arguments of `web_search`."""

    query: str = Field(min_length=1, max_length=1000)
    limit: int = Field(default=5, ge=1, le=MAX_LIMIT)


class SearchResult(ToolOutput):
    """One search hit."""

    title: str
    url: str
    snippet: str


class _ApiResponse(BaseModel):
    results: list[SearchResult]


async def search_local(query: str, limit: int, ctx: ToolContext) -> list[SearchResult]:
    """BM25 over the `.md`, `.txt` and `.rst` files under the `corpus` directory."""
    corpus = ctx.str_setting("corpus")
    if not corpus:
        raise ToolError("the local search backend needs a `corpus` directory")
    path = ctx.base_dir / corpus
    if not path.is_dir():
        raise ToolError(f"the search corpus `{corpus}` is not a directory")
    if not tokenize(query):
        raise ToolError("the query has no words to search for", "validation")
    index = await asyncio.to_thread(index_for, path, ctx.base_dir)
    return [
        SearchResult(
            title=h.document.title, url=h.document.path, snippet=index.snippet(h.document, query)
        )
        for h in index.search(query, limit)
    ]


async def search_http(query: str, limit: int, ctx: ToolContext) -> list[SearchResult]:
    """POST `{"query", "limit"}` as JSON to `url`; the answer is `{"results": [...]}`."""
    url = ctx.str_setting("url")
    if not url:
        raise ToolError("the http search backend needs a `url`")
    headers = {"Accept": "application/json"}
    if api_key := ctx.secrets.get("api_key"):
        headers["Authorization"] = f"Bearer {api_key}"
    module = http_module()
    try:
        async with (
            client(module) as http,
            http.stream(
                "POST", url, json={"query": query, "limit": limit}, headers=headers
            ) as response,
        ):
            body = await read_limited(response, MAX_RESPONSE_BYTES, "the search response")
            status = response.status_code
    except (module.HTTPError, module.InvalidURL, module.StreamError) as error:
        raise ToolError(
            f"the search service could not be reached ({describe_error(error)})"
        ) from None
    if status >= 400:
        raise ToolError(f"the search service answered with HTTP status {status}")
    try:
        parsed = _ApiResponse.model_validate(json.loads(body))
    except (ValueError, ValidationError):
        raise ToolError(
            "the search service did not answer with JSON "
            '`{"results": [{"title", "url", "snippet"}]}`'
        ) from None
    return parsed.results[:limit]


class WebSearch:
    """Search a local corpus (BM25) or a configured search API."""

    name = "web_search"
    Input = WebSearchInput
    Output = list[SearchResult]

    async def run(self, args: BaseModel, ctx: ToolContext) -> list[dict[str, Any]]:
        """Up to `limit` results, best first."""
        parsed = parse_args(WebSearchInput, args)
        backend = ctx.str_setting("backend", "local")
        if backend == "local":
            results = await search_local(parsed.query, parsed.limit, ctx)
        elif backend == "http":
            results = await search_http(parsed.query, parsed.limit, ctx)
        else:
            raise ToolError(f"unknown search backend `{backend}` (expected `local` or `http`)")
        return [r.model_dump() for r in results]


TOOL = WebSearch()
