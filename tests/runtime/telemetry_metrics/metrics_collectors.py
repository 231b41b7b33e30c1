"""OTLP metrics collector stand-ins on loopback: HTTP (POST /v1/metrics, protobuf) and gRPC
(`MetricsService/Export`). Both keep every decoded `ExportMetricsServiceRequest`."""

from __future__ import annotations

import gzip
import threading
from concurrent import futures
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import grpc
from opentelemetry.proto.collector.metrics.v1 import metrics_service_pb2, metrics_service_pb2_grpc
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import (
    ExportMetricsServiceRequest,
    ExportMetricsServiceResponse,
)


class Received:
    """The requests a collector got, and what they say."""

    def __init__(self) -> None:
        self.requests: list[ExportMetricsServiceRequest] = []
        self.headers: list[dict[str, str]] = []
        self.lock = threading.Lock()

    def add(self, request: ExportMetricsServiceRequest, headers: dict[str, str]) -> None:
        with self.lock:
            self.requests.append(request)
            self.headers.append(headers)

    def values(self) -> dict[str, list[tuple[dict[str, str], float]]]:
        """metric name → [(attributes, value)]: a sum's value, a histogram's sum."""
        found: dict[str, list[tuple[dict[str, str], float]]] = {}
        for request in self.requests:
            for resource in request.resource_metrics:
                for scope in resource.scope_metrics:
                    for metric in scope.metrics:
                        for point, value in _points(metric):
                            labels = {kv.key: _text(kv.value) for kv in point.attributes}
                            found.setdefault(metric.name, []).append((labels, value))
        return found

    def resource(self) -> dict[str, str]:
        first = self.requests[0].resource_metrics[0].resource
        return {kv.key: _text(kv.value) for kv in first.attributes}


def _points(metric: Any) -> list[tuple[Any, float]]:
    kind = metric.WhichOneof("data")
    if kind == "sum":
        return [
            (p, p.as_double if p.WhichOneof("value") == "as_double" else float(p.as_int))
            for p in metric.sum.data_points
        ]
    if kind == "histogram":
        return [(p, p.sum) for p in metric.histogram.data_points]
    return []


def _text(value: Any) -> str:
    kind = value.WhichOneof("value")
    return str(getattr(value, kind)) if kind else ""


class HttpCollector:
    """`with HttpCollector() as c:` serves POST /v1/metrics at `c.base_url`."""

    def __init__(self) -> None:
        self.received = Received()
        received = self.received

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                if self.headers.get("Content-Encoding") == "gzip":
                    body = gzip.decompress(body)
                if self.path != "/v1/metrics":
                    self.send_error(404)
                    return
                request = ExportMetricsServiceRequest()
                request.ParseFromString(body)
                received.add(request, {k.lower(): v for k, v in self.headers.items()})
                reply = ExportMetricsServiceResponse().SerializeToString()
                self.send_response(200)
                self.send_header("Content-Type", "application/x-protobuf")
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base_url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> HttpCollector:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


class GrpcCollector:
    """`with GrpcCollector() as c:` serves the OTLP MetricsService at `c.endpoint`."""

    def __init__(self) -> None:
        self.received = Received()
        received = self.received

        class Service(metrics_service_pb2_grpc.MetricsServiceServicer):
            def Export(
                self, request: ExportMetricsServiceRequest, context: grpc.ServicerContext
            ) -> ExportMetricsServiceResponse:
                headers = {k: v for k, v in context.invocation_metadata() if isinstance(v, str)}
                received.add(request, headers)
                return metrics_service_pb2.ExportMetricsServiceResponse()

        self.server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
        metrics_service_pb2_grpc.add_MetricsServiceServicer_to_server(Service(), self.server)
        port = self.server.add_insecure_port("127.0.0.1:0")
        self.endpoint = f"http://127.0.0.1:{port}"

    def __enter__(self) -> GrpcCollector:
        self.server.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.stop(grace=None)
