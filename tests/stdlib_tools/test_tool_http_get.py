"""`stdlib.http_get`: allow-listed hosts, manual redirects, `max_bytes`, loopback only."""

from __future__ import annotations

from pathlib import Path

import pytest
from tool_support import Reply, call, local_server

from agentflow.stdlib_tools.base import ToolError
from agentflow.stdlib_tools.http_get import host_allowed


def fetch(url: str, **settings: object) -> dict[str, object]:
    settings.setdefault("allow", ["127.0.0.1"])
    return call("http_get", {"url": url}, Path.cwd(), **settings)


def redirect(location: str, status: int = 302) -> Reply:
    return Reply(status, b"", {"Location": location})


@pytest.fixture
def server():  # type: ignore[no-untyped-def]
    routes = {
        "/hello": lambda _: Reply(
            200, "héllo".encode(), {"Content-Type": "text/plain; charset=utf-8"}
        ),
        "/missing": lambda _: Reply(404, b"no such page"),
        "/to-hello": lambda _: redirect("/hello"),
        "/to-evil": lambda _: redirect("http://evil.example.com/steal"),
        "/to-localhost": lambda _: redirect("http://localhost/x"),
        "/to-file": lambda _: redirect("file:///etc/passwd"),
        "/loop": lambda _: redirect("/loop", 307),
        "/big": lambda _: Reply(200, b"x" * 5000),
        "/big-undeclared": lambda _: Reply(200, b"y" * 5000, declare_length=False),
        "/latin": lambda _: Reply(
            200, "café".encode("latin-1"), {"Content-Type": "text/plain; charset=latin-1"}
        ),
    }
    with local_server(routes) as running:
        yield running


def test_get_an_allowed_host(server) -> None:  # type: ignore[no-untyped-def]
    assert fetch(f"{server.base}/hello") == {"status": 200, "body": "héllo"}


def test_error_statuses_are_results_not_errors(server) -> None:  # type: ignore[no-untyped-def]
    assert fetch(f"{server.base}/missing") == {"status": 404, "body": "no such page"}


def test_charset_is_honoured(server) -> None:  # type: ignore[no-untyped-def]
    assert fetch(f"{server.base}/latin")["body"] == "café"


def test_redirects_to_allowed_hosts_are_followed(server) -> None:  # type: ignore[no-untyped-def]
    assert fetch(f"{server.base}/to-hello") == {"status": 200, "body": "héllo"}
    assert [r.path for r in server.seen] == ["/to-hello", "/hello"]


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/to-evil", "a redirect goes to `evil.example.com`, which is not an allowed host"),
        ("/to-localhost", "a redirect goes to `localhost`, which is not an allowed host"),
        ("/to-file", "a redirect uses the scheme `file`; only http and https are allowed"),
    ],
)
def test_redirects_elsewhere_are_denied(server, path: str, message: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ToolError) as caught:
        fetch(f"{server.base}{path}")
    assert caught.value.kind == "denied"
    assert caught.value.message == message
    assert len(server.seen) == 1


def test_redirect_loops_stop(server) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ToolError, match=r"too many redirects \(more than 5\)"):
        fetch(f"{server.base}/loop")
    assert len(server.seen) == 6


@pytest.mark.parametrize("route", ["/big", "/big-undeclared"])
def test_max_bytes(server, route: str) -> None:  # type: ignore[no-untyped-def]
    assert (
        fetch(f"{server.base}{route}", max_bytes=5000)["body"]
        == ("x" if route == "/big" else "y") * 5000
    )
    with pytest.raises(ToolError, match="over the `max_bytes` limit of 4999 bytes") as caught:
        fetch(f"{server.base}{route}", max_bytes=4999)
    assert caught.value.kind == "tool"


def test_hosts_not_in_the_allow_list_are_denied(server) -> None:  # type: ignore[no-untyped-def]
    for allow in (["example.com"], ["*.0.0.1"], []):
        with pytest.raises(ToolError) as caught:
            fetch(f"{server.base}/hello", allow=allow)
        assert caught.value.kind == "denied"
    assert server.seen == []


def test_port_in_the_allow_list(server) -> None:  # type: ignore[no-untyped-def]
    assert fetch(f"{server.base}/hello", allow=[f"127.0.0.1:{server.port}"])["status"] == 200
    with pytest.raises(ToolError):
        fetch(f"{server.base}/hello", allow=[f"127.0.0.1:{server.port + 1}"])


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "ftp://127.0.0.1/x",
        "gopher://127.0.0.1/",
        "http://evil.com/",
        "http://127.0.0.1@evil.com/",
        "http://127.0.0.1.evil.com/",
    ],
)
def test_other_schemes_and_hosts_are_denied(url: str) -> None:
    with pytest.raises(ToolError) as caught:
        fetch(url)
    assert caught.value.kind == "denied"


@pytest.mark.parametrize(
    "url", ["not a url", "//127.0.0.1/x", "http://", "http://[::1", "http://127.0.0.1:99999/"]
)
def test_malformed_urls(url: str) -> None:
    with pytest.raises(ToolError) as caught:
        fetch(url)
    assert caught.value.kind == "validation"


def test_connection_failure_is_a_tool_error() -> None:
    with local_server({}) as stopped:
        url = f"{stopped.base}/x"
    with pytest.raises(ToolError, match="failed") as caught:
        fetch(url)
    assert caught.value.kind == "tool"


@pytest.mark.parametrize(
    ("host", "allow", "ok"),
    [
        ("api.example.com", ["api.example.com"], True),
        ("API.Example.COM.", ["api.example.com"], True),
        ("example.com", ["*.example.com"], False),
        ("a.example.com", ["*.example.com"], True),
        ("a.b.example.com", ["*.example.com"], True),
        ("badexample.com", ["*.example.com"], False),
        ("example.com.evil.org", ["example.com"], False),
        ("::1", ["[::1]"], True),
        ("bücher.example", ["xn--bcher-kva.example"], True),
    ],
)
def test_host_matching(host: str, allow: list[str], ok: bool) -> None:
    assert host_allowed(host, 443, allow) is ok
