"""Helpers for the stdlib tool tests: run a tool, and a loopback HTTP server in a thread."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from agentflow.stdlib_tools import ToolContext, get_tool


def call(name: str, args: dict[str, Any], base_dir: Path | None = None, **settings: Any) -> Any:
    """Run the stdlib tool `name` with raw arguments, as the runtime would."""
    secrets = settings.pop("secrets", {})
    tool = get_tool(name)
    ctx = ToolContext(base_dir=base_dir or Path.cwd(), settings=settings, secrets=secrets)
    return asyncio.run(tool.run(tool.Input.model_validate(args), ctx))


@dataclass
class Reply:
    """What the server answers: a status, headers and a body."""

    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    declare_length: bool = True  # False: no Content-Length, the body ends when the socket closes


@dataclass
class Request:
    """A request the server saw."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes


Route = Callable[[Request], Reply]


@dataclass
class LocalServer:
    """A `ThreadingHTTPServer` on 127.0.0.1 serving `routes` by path."""

    routes: dict[str, Route]
    seen: list[Request] = field(default_factory=list)
    port: int = 0

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@contextmanager
def local_server(routes: dict[str, Route]) -> Iterator[LocalServer]:
    """Serve `routes` on a free loopback port for the duration of the block."""
    state = LocalServer(routes)

    class Handler(BaseHTTPRequestHandler):
        def _handle(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            request = Request(
                self.command, self.path, dict(self.headers.items()), self.rfile.read(length)
            )
            state.seen.append(request)
            route = state.routes.get(self.path.split("?")[0])
            reply = route(request) if route else Reply(404, b"not found")
            self.send_response(reply.status)
            for key, value in reply.headers.items():
                self.send_header(key, value)
            if reply.declare_length and "Content-Length" not in reply.headers:
                self.send_header("Content-Length", str(len(reply.body)))
            self.end_headers()
            self.wfile.write(reply.body)

        do_GET = _handle
        do_POST = _handle

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def json_reply(value: Any, status: int = 200) -> Reply:
    """A JSON response."""
    return Reply(status, json.dumps(value).encode(), {"Content-Type": "application/json"})
