"""`stdlib.http_get`: fetch a URL from an allow-listed host, following redirects by hand."""

from __future__ import annotations

import ipaddress
from typing import Any

from pydantic import BaseModel

from agentflow.stdlib_tools.base import ToolContext, ToolError, ToolInput, ToolOutput, parse_args
from agentflow.stdlib_tools.http_client import client, describe_error, http_module, read_limited

DEFAULT_MAX_BYTES = 1_000_000
MAX_REDIRECTS = 5
SCHEMES = ("http", "https")


class HttpGetInput(ToolInput):
    """Arguments of `http_get`."""

    url: str


class HttpGetOutput(ToolOutput):
    """The response: its status and its body as text."""

    status: int
    body: str


def normalize_host(host: str) -> str:
    """A host name for comparison: lowercase ASCII (IDNA), no IPv6 brackets or trailing dot."""
    host = host.strip().strip("[]").rstrip(".").lower()
    try:
        return host.encode("idna").decode("ascii") if not host.isascii() else host
    except UnicodeError:
        return host


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def split_entry(entry: str) -> tuple[str, int | None]:
    """An `allow` entry as (host pattern, port or None): `api.example.com`, `127.0.0.1:8080`."""
    entry = entry.strip()
    if entry.startswith("[") and "]" in entry:  # [::1] or [::1]:8080
        host, _, rest = entry[1:].partition("]")
        port = rest[1:] if rest.startswith(":") else ""
    elif entry.count(":") == 1:
        host, _, port = entry.partition(":")
    else:
        host, port = entry, ""
    return normalize_host(host), int(port) if port.isdigit() else None


def host_allowed(host: str, port: int | None, allow: list[str]) -> bool:
    """Whether `host` (and `port`) matches `allow`: exact names or `*.example.com` subdomains."""
    host = normalize_host(host)
    wildcard_ok = not _is_ip(host)  # `*.0.0.1` must not match an IP address
    for entry in allow:
        pattern, wanted_port = split_entry(entry)
        if wanted_port is not None and wanted_port != port:
            continue
        if host == pattern or (
            wildcard_ok and pattern.startswith("*.") and host.endswith(pattern[1:])
        ):
            return True
    return False


def check_url(url: Any, allow: list[str], what: str) -> None:
    """Refuse a URL that is not http(s) or whose host is not allowed (kind "denied")."""
    if not url.scheme:
        raise ToolError(
            f"{what} is not an absolute URL (such as `https://example.com/`)", "validation"
        )
    if url.scheme not in SCHEMES:
        raise ToolError(
            f"{what} uses the scheme `{url.scheme}`; only http and https are allowed", "denied"
        )
    if not url.host:
        raise ToolError(f"{what} has no host", "validation")
    port = url.port or (443 if url.scheme == "https" else 80)
    if not host_allowed(url.host, port, allow):
        hint = "" if allow else " (the `allow` setting lists no hosts)"
        raise ToolError(
            f"{what} goes to `{url.host}`, which is not an allowed host{hint}", "denied"
        )


def parse_url(module: Any, raw: str) -> Any:
    """`raw` as the HTTP library's URL (kind "validation" when malformed)."""
    try:
        url = module.URL(raw)
    except (module.InvalidURL, TypeError, ValueError) as error:
        raise ToolError(f"`{raw}` is not a valid URL ({error})", "validation") from None
    if url.port is not None and not 0 < url.port < 65536:
        raise ToolError(f"`{raw}` is not a valid URL (port {url.port})", "validation")
    return url


class HttpGet:
    """Fetch a URL from an allow-listed host."""

    name = "http_get"
    Input = HttpGetInput
    Output = HttpGetOutput

    async def run(self, args: BaseModel, ctx: ToolContext) -> dict[str, Any]:
        """The final response's status and body (redirects to allowed hosts are followed)."""
        raw = parse_args(HttpGetInput, args).url
        allow = ctx.list_setting("allow") or []
        max_bytes = ctx.int_setting("max_bytes", DEFAULT_MAX_BYTES)
        module = http_module()
        url = parse_url(module, raw)
        check_url(url, allow, "the URL")
        try:
            async with client(module) as http:
                for _ in range(MAX_REDIRECTS + 1):
                    async with http.stream("GET", url) as response:
                        location = response.headers.get("location")
                        if response.is_redirect and location:
                            url = parse_url(module, str(url.join(location)))
                            check_url(url, allow, "a redirect")
                            continue
                        body = await read_limited(
                            response, max_bytes, f"the response from `{url.host}`"
                        )
                        text = body.decode(response.charset_encoding or "utf-8", errors="replace")
                        return HttpGetOutput(status=response.status_code, body=text).model_dump()
        except (module.HTTPError, module.InvalidURL, module.StreamError) as error:
            raise ToolError(f"fetching `{raw}` failed ({describe_error(error)})") from None
        except LookupError:  # an unknown charset
            raise ToolError(
                f"the response from `{url.host}` declares an unknown text encoding"
            ) from None
        raise ToolError(f"too many redirects (more than {MAX_REDIRECTS})")


TOOL = HttpGet()
