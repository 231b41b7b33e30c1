"""Span exporters chosen by flags or the standard OTEL_* environment.

- exporter: `--trace-exporter`, else OTEL_TRACES_EXPORTER, else `none`; a comma-separated
  list of `none`, `console`, `otlp`, `jsonl`.
- `otlp` protocol: `--otlp-protocol`, else OTEL_EXPORTER_OTLP_TRACES_PROTOCOL, else
  OTEL_EXPORTER_OTLP_PROTOCOL, else `http/protobuf` (the specification's default); `grpc`
  is the other one.
- `otlp` endpoint: `--otlp-endpoint` is a base URL, like OTEL_EXPORTER_OTLP_ENDPOINT: for
  http/protobuf `/v1/traces` is appended (unless it is already there), for gRPC it is used
  as is (`http://` assumed without a scheme: plaintext). Without the flag the exporter reads
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT (used as is) or OTEL_EXPORTER_OTLP_ENDPOINT itself, and
  the other OTEL_EXPORTER_OTLP_* settings (headers, certificates, compression, timeout).
- timeout: OTEL_EXPORTER_OTLP_TRACES_TIMEOUT / OTEL_EXPORTER_OTLP_TIMEOUT, else
  EXPORT_TIMEOUT_S (lower than the SDK's 10 s: a run must not wait long on a dead collector).
- `jsonl`: `--trace-file`, else DEFAULT_TRACE_FILE in the working directory (appended to;
  its directory must exist).
- `--trace-file` without the jsonl exporter is a usage error (not silently ignored); the
  `--otlp-*` flags are not checked that way, as metrics may use them too.
- `console`: one JSON object per span on the stream given (the CLI passes stderr, so that
  `--json` output on stdout stays parseable).

Exporter packages are imported only when chosen (gRPC only for the gRPC protocol).
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Final, TextIO

from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import SpanExporter, SpanExportResult

EXPORTERS: Final = ("none", "console", "otlp", "jsonl")
PROTOCOLS: Final = ("http/protobuf", "grpc")
DEFAULT_PROTOCOL: Final = "http/protobuf"
DEFAULT_TRACE_FILE: Final = "agentflow-traces.jsonl"
EXPORT_TIMEOUT_S: Final = 4.0
TRACES_PATH: Final = "/v1/traces"
SDK_LOGGER: Final = "opentelemetry"


class TraceConfigError(ValueError):
    """The trace settings name an unknown exporter or protocol."""


@dataclass(frozen=True)
class TraceSettings:
    """Which exporters to build, and how."""

    exporters: tuple[str, ...] = ()
    protocol: str = DEFAULT_PROTOCOL
    endpoint: str | None = None
    file: Path = Path(DEFAULT_TRACE_FILE)


def resolve_settings(
    exporter: str | None = None,
    protocol: str | None = None,
    endpoint: str | None = None,
    file: Path | None = None,
    environ: Mapping[str, str] | None = None,
) -> TraceSettings:
    """The settings from flags (None: not given) and the environment; raises TraceConfigError."""
    environ = os.environ if environ is None else environ
    protocol_flag = protocol  # given on the command line (else from the environment)
    source = "--trace-exporter" if exporter else "OTEL_TRACES_EXPORTER"
    raw = exporter or environ.get("OTEL_TRACES_EXPORTER") or "none"
    names = [n.strip().lower() for n in raw.split(",") if n.strip()]
    for name in names:
        if name not in EXPORTERS:
            raise TraceConfigError(
                f"unknown trace exporter `{name}` in {source} (expected one of "
                f"{', '.join(EXPORTERS)})"
            )
    chosen = tuple(dict.fromkeys(n for n in names if n != "none"))
    protocol_source = "--otlp-protocol"
    if not protocol:
        for variable in ("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "OTEL_EXPORTER_OTLP_PROTOCOL"):
            if environ.get(variable):
                protocol, protocol_source = environ[variable].strip().lower(), variable
                break
    protocol = protocol or DEFAULT_PROTOCOL
    if protocol not in PROTOCOLS and ("otlp" in chosen or protocol_flag):
        raise TraceConfigError(
            f"unsupported OTLP protocol `{protocol}` in {protocol_source} (expected one of "
            f"{', '.join(PROTOCOLS)})"
        )
    if file is not None and "jsonl" not in chosen:
        raise TraceConfigError("--trace-file is only used with `--trace-exporter jsonl`")
    target = file or Path(DEFAULT_TRACE_FILE)
    if "jsonl" in chosen and (target.is_dir() or not target.parent.is_dir()):
        problem = "is a directory" if target.is_dir() else "its directory does not exist"
        raise TraceConfigError(f"cannot write traces to {target}: {problem}")
    return TraceSettings(chosen, protocol, endpoint or None, target)


class GuardedExporter(SpanExporter):
    """An exporter that never raises and remembers whether any batch failed."""

    def __init__(self, inner: SpanExporter, label: str) -> None:
        self.inner = inner
        self.label = label
        self.failed = 0
        self.exported = 0
        self._shut = False

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        try:
            result = self.inner.export(spans)
        except Exception:  # an exporter must never break a run
            result = SpanExportResult.FAILURE
        if result is SpanExportResult.SUCCESS:
            self.exported += len(spans)
        else:
            self.failed += len(spans)
        return result

    def problem(self, finished: bool) -> str | None:
        """One line saying what went wrong, or None."""
        if self.failed:
            return f"could not export {self.failed} span(s) to {self.label}"
        if not finished:
            return f"gave up exporting spans to {self.label} (it did not answer in time)"
        return None

    def shutdown(self) -> None:
        if self._shut:
            return
        self._shut = True
        try:
            self.inner.shutdown()
        except Exception:  # a broken exporter must not fail the command
            return

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        try:
            return self.inner.force_flush(timeout_millis)
        except Exception:
            return False


def _timeout(environ: Mapping[str, str]) -> float | None:
    """EXPORT_TIMEOUT_S unless the environment sets a timeout (the exporter reads it then)."""
    if environ.get("OTEL_EXPORTER_OTLP_TRACES_TIMEOUT") or environ.get(
        "OTEL_EXPORTER_OTLP_TIMEOUT"
    ):
        return None
    return EXPORT_TIMEOUT_S


def http_endpoint(base: str) -> str:
    """A base URL as the http/protobuf exporter's full traces URL."""
    base = base.rstrip("/")
    return base if base.endswith(TRACES_PATH) else base + TRACES_PATH


def grpc_endpoint(endpoint: str) -> str:
    return endpoint if "://" in endpoint else f"http://{endpoint}"


def _otlp(settings: TraceSettings, environ: Mapping[str, str]) -> GuardedExporter:
    timeout = _timeout(environ)
    if settings.protocol == "grpc":
        from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import (
            OTLPSpanExporter as GrpcExporter,
        )

        endpoint = grpc_endpoint(settings.endpoint) if settings.endpoint else None
        grpc = GrpcExporter(endpoint=endpoint, timeout=timeout)
        where = endpoint or environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
        where = where or environ.get("OTEL_EXPORTER_OTLP_ENDPOINT") or "http://localhost:4317"
        return GuardedExporter(grpc, f"{where} (OTLP gRPC)")
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import (
        OTLPSpanExporter as HttpExporter,
    )

    url = http_endpoint(settings.endpoint) if settings.endpoint else None
    http = HttpExporter(endpoint=url, timeout=timeout)
    return GuardedExporter(http, f"{getattr(http, '_endpoint', url)} (OTLP http/protobuf)")


def build_exporters(
    settings: TraceSettings,
    *,
    console: TextIO | None = None,
    environ: Mapping[str, str] | None = None,
) -> list[GuardedExporter]:
    """The exporters the settings name (none: an empty list)."""
    environ = os.environ if environ is None else environ
    exporters: list[GuardedExporter] = []
    for name in settings.exporters:
        if name == "otlp":
            exporters.append(_otlp(settings, environ))
        elif name == "jsonl":
            from agentflow.runtime.telemetry.jsonl import JsonLinesSpanExporter

            jsonl = JsonLinesSpanExporter(settings.file)
            exporters.append(GuardedExporter(jsonl, str(settings.file)))
        elif name == "console":
            from opentelemetry.sdk.trace.export import ConsoleSpanExporter

            exporters.append(
                GuardedExporter(ConsoleSpanExporter(out=console or sys.stderr), "the console")
            )
    return exporters


@contextmanager
def quiet_sdk_logs() -> Iterator[None]:
    """While in the block, keep the SDK's own warnings (an exporter retrying, giving up) off
    stderr when logging is not configured: Python would print them through its last-resort
    handler, several lines per failed batch, where the CLI reports one line per exporter.
    Configured logging (`--log-level`, an application's handlers) is left alone."""
    logger = logging.getLogger(SDK_LOGGER)
    if logger.hasHandlers():
        yield
        return
    silent = logging.NullHandler()
    logger.addHandler(silent)
    try:
        yield
    finally:
        logger.removeHandler(silent)
