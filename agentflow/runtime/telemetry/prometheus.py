"""A Prometheus scrape endpoint for a run's metrics, on a registry of its own.

`PrometheusMetricReader` is given a fresh `CollectorRegistry` (never prometheus_client's
global one, so runs and tests in one process do not collide), and a small threaded WSGI
server serves that registry at `http://HOST:PORT/metrics`. Shutting the reader down (which
`MeterProvider.shutdown` does) also stops the server. Imported only when chosen.
"""

from __future__ import annotations

import errno
import socket
import threading
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from opentelemetry.exporter.prometheus import PrometheusMetricReader
from prometheus_client import CollectorRegistry, make_wsgi_app

from agentflow.runtime.telemetry.metric_exporters import EndpointError

POLL_S = 0.1  # how often the server loop checks for shutdown


class _Server(ThreadingMixIn, WSGIServer):
    """One daemon thread per scrape: a slow scraper never holds the process."""

    daemon_threads = True
    block_on_close = False

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A scraper that hangs up early is not worth a traceback on stderr."""


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        """No access log on stderr."""


class ScrapeEndpoint:
    """A running `/metrics` server; `close()` stops it."""

    def __init__(self, registry: CollectorRegistry, host: str, port: int) -> None:
        server_class = type("_Server", (_Server,), {"address_family": _family(host)})
        try:
            self._server: WSGIServer = make_server(
                host, port, make_wsgi_app(registry), server_class, _QuietHandler
            )
        except OSError as error:
            raise EndpointError(_bind_problem(host, port, error)) from error
        self.host = host
        self.port: int = self._server.server_address[1]
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": POLL_S},
            name="agentflow-metrics-endpoint",
            daemon=True,
        )
        self._thread.start()
        self._closed = False

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/metrics"

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5.0)


class ServingPrometheusReader(PrometheusMetricReader):
    """A Prometheus reader that serves its own registry and stops serving when shut down."""

    def __init__(self, host: str, port: int) -> None:
        registry = CollectorRegistry(auto_describe=True)
        self.endpoint = ScrapeEndpoint(registry, host, port)
        try:
            super().__init__(registry=registry)
        except BaseException:
            self.endpoint.close()
            raise

    def shutdown(self, timeout_millis: float = 30_000, **kwargs: Any) -> None:
        try:
            super().shutdown(timeout_millis=timeout_millis, **kwargs)
        finally:
            self.endpoint.close()


def _family(host: str) -> socket.AddressFamily:
    return socket.AF_INET6 if ":" in host else socket.AF_INET


def _bind_problem(host: str, port: int, error: OSError) -> str:
    where = f"{host}:{port}"
    if error.errno == errno.EADDRINUSE:
        return (
            f"cannot serve metrics on {where}: the port is already in use"
            " (choose another with --metrics-port)"
        )
    if error.errno == errno.EACCES:
        return f"cannot serve metrics on {where}: permission denied (choose a port above 1023)"
    reason = error.strerror or str(error)
    return f"cannot serve metrics on {where}: {reason[:1].lower() + reason[1:]}"
