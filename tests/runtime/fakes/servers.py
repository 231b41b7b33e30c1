"""Loopback fake model servers speaking the Anthropic Messages and OpenAI Chat Completions
wire formats, for testing the adapters through the real SDKs.

Each server is a stdlib `ThreadingHTTPServer` on 127.0.0.1 (a free port) in a daemon thread.
Tests queue the replies it gives, in order, and inspect the requests it received:

    server = FakeServer("openai").start()
    server.push_text("hello", input_tokens=12, output_tokens=3)
    server.push_tool_calls([("calc", {"expression": "2+2"})])
    server.push_error(429, "slow down", headers={"Retry-After": "2"})
    server.push(Reply(200, body={...}, delay=1.0))           # any body, after a delay
    ...
    server.requests[0].json["tools"]                          # what the SDK sent
    server.close()

`server.base_url` is what the model's `base_url` should be (the OpenAI one ends in `/v1`,
the Anthropic one does not). With no reply queued the server answers 500, so a test that
sends one request too many fails loudly. The fixtures `anthropic_server` and `openai_server`
(in `tests/runtime/conftest.py`) give a started server and close it after the test.
"""

from __future__ import annotations

import json
import threading
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal

Flavor = Literal["anthropic", "openai"]
PATHS = {"anthropic": "/v1/messages", "openai": "/v1/chat/completions"}
DEFAULT_MODELS = {"anthropic": "claude-sonnet-4-6", "openai": "gpt-4o-mini"}

__all__ = [
    "FakeServer",
    "Recorded",
    "Reply",
    "anthropic_error",
    "anthropic_message",
    "openai_completion",
    "openai_error",
]


@dataclass
class Reply:
    """One scripted HTTP answer. `body` is JSON-encoded unless it is `bytes` or `str`."""

    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds to wait before answering


@dataclass
class Recorded:
    """One request the server received."""

    method: str
    path: str
    headers: dict[str, str]  # lower-cased names
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


# ---------------------------------------------------------------------------------------------
# Wire-format bodies
# ---------------------------------------------------------------------------------------------


def anthropic_message(
    text: str = "",
    tool_uses: list[tuple[str, dict[str, Any]]] | None = None,
    *,
    model: str = DEFAULT_MODELS["anthropic"],
    input_tokens: int = 10,
    output_tokens: int = 5,
    stop_reason: str | None = None,
    ids: list[str] | None = None,
) -> dict[str, Any]:
    content: list[dict[str, Any]] = []
    if text:
        content.append({"type": "text", "text": text})
    for index, (name, arguments) in enumerate(tool_uses or []):
        call_id = ids[index] if ids else f"toolu_{index + 1:02d}"
        content.append({"type": "tool_use", "id": call_id, "name": name, "input": arguments})
    return {
        "id": "msg_fake",
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": content,
        "stop_reason": stop_reason or ("tool_use" if tool_uses else "end_turn"),
        "stop_sequence": None,
        "usage": {"input_tokens": input_tokens, "output_tokens": output_tokens},
    }


def anthropic_error(status: int, message: str) -> dict[str, Any]:
    kinds = {
        400: "invalid_request_error",
        401: "authentication_error",
        403: "permission_error",
        404: "not_found_error",
        408: "timeout_error",
        429: "rate_limit_error",
        529: "overloaded_error",
    }
    return {"type": "error", "error": {"type": kinds.get(status, "api_error"), "message": message}}


def openai_completion(
    text: str | None = "",
    tool_calls: list[tuple[str, dict[str, Any] | str]] | None = None,
    *,
    model: str = DEFAULT_MODELS["openai"],
    input_tokens: int | None = 10,
    output_tokens: int = 5,
    finish_reason: str | None = None,
    ids: list[str] | None = None,
) -> dict[str, Any]:
    """A chat completion; a tool call's arguments may be given as raw (even invalid) text."""
    message: dict[str, Any] = {"role": "assistant", "content": text if text else None}
    if tool_calls:
        message["tool_calls"] = [
            {
                "id": ids[index] if ids else f"call_{index + 1:02d}",
                "type": "function",
                "function": {
                    "name": name,
                    "arguments": arguments if isinstance(arguments, str) else json.dumps(arguments),
                },
            }
            for index, (name, arguments) in enumerate(tool_calls)
        ]
    body: dict[str, Any] = {
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "created": 1_700_000_000,
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": message,
                "finish_reason": finish_reason or ("tool_calls" if tool_calls else "stop"),
                "logprobs": None,
            }
        ],
    }
    if input_tokens is not None:
        body["usage"] = {
            "prompt_tokens": input_tokens,
            "completion_tokens": output_tokens,
            "total_tokens": input_tokens + output_tokens,
        }
    return body


def openai_error(status: int, message: str) -> dict[str, Any]:
    return {
        "error": {
            "message": message,
            "type": "server_error" if status >= 500 else "invalid_request_error",
            "param": None,
            "code": None,
        }
    }


# ---------------------------------------------------------------------------------------------
# The server
# ---------------------------------------------------------------------------------------------


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.0"  # one request per connection: nothing lingers after a test

    def do_POST(self) -> None:
        self._handle()

    def do_GET(self) -> None:
        self._handle()

    def _handle(self) -> None:
        fake = self.server.fake
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        fake._record(
            Recorded(self.command, self.path, {k.lower(): v for k, v in self.headers.items()}, body)
        )
        if self.path.split("?")[0] != PATHS[fake.flavor]:
            reply = Reply(404, fake.error_body(404, f"fake server: no route {self.path}"))
        else:
            reply = fake._next_reply()
        if reply.delay and fake._stopping.wait(reply.delay):
            return  # the server is closing: drop the connection
        payload = reply.body
        if isinstance(payload, str):
            data = payload.encode("utf-8")
        elif isinstance(payload, bytes):
            data = payload
        else:
            data = json.dumps(payload).encode("utf-8")
        try:
            self.send_response(reply.status)
            headers = {"Content-Type": "application/json", **reply.headers}
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (a timeout test)

    def log_message(self, format: str, *args: Any) -> None:
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    fake: FakeServer

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that hung up mid-reply is expected in timeout tests


class FakeServer:
    def __init__(self, flavor: Flavor) -> None:
        self.flavor: Flavor = flavor
        self.requests: list[Recorded] = []
        self._replies: deque[Reply] = deque()
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ------------------------------------------------------------------------------

    def start(self) -> FakeServer:
        server = _Server(("127.0.0.1", 0), _Handler)
        server.fake = self
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"fake-{self.flavor}",
            daemon=True,
        )
        self._thread.start()
        return self

    def close(self) -> None:
        self._stopping.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FakeServer:
        return self.start() if self._server is None else self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def port(self) -> int:
        assert self._server is not None, "the server is not started"
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        root = f"http://127.0.0.1:{self.port}"
        return root + "/v1" if self.flavor == "openai" else root

    # -- scripting ------------------------------------------------------------------------------

    def push(self, *replies: Reply) -> FakeServer:
        with self._lock:
            self._replies.extend(replies)
        return self

    def push_text(self, text: str, *, delay: float = 0.0, **options: Any) -> FakeServer:
        body = (
            anthropic_message(text, **options)
            if self.flavor == "anthropic"
            else openai_completion(text, **options)
        )
        return self.push(Reply(200, body, delay=delay))

    def push_tool_calls(
        self, calls: list[tuple[str, Any]], text: str = "", **options: Any
    ) -> FakeServer:
        body = (
            anthropic_message(text, calls, **options)
            if self.flavor == "anthropic"
            else openai_completion(text, calls, **options)
        )
        return self.push(Reply(200, body))

    def push_error(
        self,
        status: int,
        message: str = "fake error",
        *,
        headers: dict[str, str] | None = None,
        delay: float = 0.0,
    ) -> FakeServer:
        return self.push(Reply(status, self.error_body(status, message), headers or {}, delay))

    def error_body(self, status: int, message: str) -> dict[str, Any]:
        return (
            anthropic_error(status, message)
            if self.flavor == "anthropic"
            else openai_error(status, message)
        )

    @property
    def pending(self) -> int:
        """Replies queued and not yet given."""
        with self._lock:
            return len(self._replies)

    @property
    def bodies(self) -> list[Any]:
        """The JSON bodies of the requests received, in order."""
        with self._lock:
            return [r.json for r in self.requests]

    def _record(self, request: Recorded) -> None:
        with self._lock:
            self.requests.append(request)

    def _next_reply(self) -> Reply:
        with self._lock:
            if self._replies:
                return self._replies.popleft()
        return Reply(500, self.error_body(500, "fake server: no scripted reply left"))
