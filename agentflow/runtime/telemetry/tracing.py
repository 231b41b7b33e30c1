"""Tracing of runs on OpenTelemetry: the `Telemetry` facade, where runs' spans go.

`Telemetry` owns a `TracerProvider` it builds itself (never the global one) or one it is
given, with the state-store processor always attached, then the extra processors (metrics)
and the exporters chosen by the user (each behind a `BatchSpanProcessor`). `begin_run` gives
a `RunTrace` (`spans.py`), the span helpers the runtime calls; attribute names are in
`attributes.py`. With no exporter and no processor, spans take the store-only path
(`store_spans.py`). The OpenTelemetry SDK is imported only when a provider is needed.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING, Final

from opentelemetry.context import get_current

from agentflow.runtime.telemetry.content import Cleaner
from agentflow.runtime.telemetry.spans import RunTrace, SpanHandle

if TYPE_CHECKING:
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import SpanProcessor, TracerProvider
    from opentelemetry.sdk.trace.export import SpanExporter
    from opentelemetry.trace import Tracer

    from agentflow.runtime.state.store import StateStore

__all__ = ["RunTrace", "SpanHandle", "Telemetry", "default_telemetry"]

CAPTURE_CONTENT_ENV: Final = "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT"
TRACER_NAME: Final = "agentflow"
DEFAULT_SERVICE_NAME: Final = "agentflow"
FLUSH_TIMEOUT_S: Final = 5.0


def env_flag(value: str | None) -> bool:
    return (value or "").strip().lower() in ("1", "true", "yes", "on")


def build_resource() -> Resource:
    """`service.name` from OTEL_SERVICE_NAME (or OTEL_RESOURCE_ATTRIBUTES), else "agentflow";
    the other OTEL_RESOURCE_ATTRIBUTES as given."""
    from opentelemetry.sdk.resources import Resource

    from agentflow import __version__

    resource = Resource.create({"service.version": __version__})
    name = resource.attributes.get("service.name")
    if not isinstance(name, str) or name.startswith("unknown_service"):
        resource = resource.merge(Resource({"service.name": DEFAULT_SERVICE_NAME}))
    return resource


class Telemetry:
    """Where the spans of runs go: always each run's state store, plus what is configured.

    `tracer_provider`: use this provider (tests inject one with an in-memory exporter) instead
    of building one; the store processor is added to it. `processors`: extra span processors
    (e.g. span-derived metrics). `exporters`: span exporters, each behind a batch processor,
    flushed and shut down by `shutdown`. `capture_content`: record prompts, completions and
    tool arguments and results (redacted); None reads the standard environment variable
    OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT.

    With none of the three, spans only go to the store: they are then recorded by a light
    span class of agentflow's own (`StoreSpan`), not the SDK's, which costs several times
    less per span and writes the same rows; span events, which the store does not keep,
    are dropped.
    """

    def __init__(
        self,
        *,
        tracer_provider: TracerProvider | None = None,
        processors: Sequence[SpanProcessor] = (),
        exporters: Sequence[SpanExporter] = (),
        capture_content: bool | None = None,
    ) -> None:
        if capture_content is None:
            capture_content = env_flag(os.environ.get(CAPTURE_CONTENT_ENV))
        self.capture_content = capture_content
        self.exporters = list(exporters)
        self.store_only = tracer_provider is None and not processors and not exporters
        self.owns_provider = tracer_provider is None
        self.provider: TracerProvider | None = None
        self.tracer: Tracer | None = None
        self._closed = False
        if self.store_only:
            return
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import BatchSpanProcessor
        from opentelemetry.sdk.trace.sampling import ALWAYS_ON

        from agentflow import __version__
        from agentflow.runtime.telemetry.store_exporter import StoreSpanProcessor

        provider = tracer_provider or TracerProvider(
            resource=build_resource(), sampler=ALWAYS_ON, shutdown_on_exit=False
        )
        self.store_processor = StoreSpanProcessor()
        provider.add_span_processor(self.store_processor)
        for processor in processors:
            provider.add_span_processor(processor)
        for exporter in self.exporters:
            provider.add_span_processor(BatchSpanProcessor(exporter))
        self.provider = provider
        self.tracer = provider.get_tracer(TRACER_NAME, __version__)

    def begin_run(
        self,
        run_id: str,
        store: StateStore,
        *,
        secrets: Sequence[str] = (),
        redact_classes: Sequence[str] = (),
    ) -> RunTrace:
        """The spans of a new run, recorded to `store` until `end_run`."""
        if not self.store_only:
            self.store_processor.register(run_id, store)
        cleaner = Cleaner(secrets, redact_classes)
        return RunTrace(
            self.tracer, run_id, store, cleaner, get_current(), capture=self.capture_content
        )

    def end_run(self, trace: RunTrace) -> None:
        """The run is over: its last spans go to the store, later ones nowhere."""
        trace.flush()
        if not self.store_only:
            self.store_processor.unregister(trace.run_id)

    def shutdown(self, timeout_s: float = FLUSH_TIMEOUT_S) -> list[str]:
        """Flush and shut down the exporters, waiting `timeout_s` at most; returns one
        problem per exporter that failed to export or to finish in time (never raises)."""
        if self._closed or self.provider is None:
            return []
        self._closed = True
        provider = self.provider
        done = threading.Event()

        def flush() -> None:
            try:
                provider.force_flush(int(timeout_s * 1000))
            finally:
                done.set()

        threading.Thread(target=flush, name="agentflow-trace-flush", daemon=True).start()
        finished = done.wait(timeout_s)
        problems = []
        for exporter in self.exporters:
            problem = getattr(exporter, "problem", None)
            if callable(problem) and (text := problem(finished)):
                problems.append(text)
            exporter.shutdown()  # also interrupts an exporter waiting to retry
        if finished and self.owns_provider:
            provider.shutdown()
        return problems


_default: Telemetry | None = None
_default_lock = threading.Lock()


def default_telemetry() -> Telemetry:
    """The process's store-only telemetry (no exporter), for runs given none."""
    global _default
    with _default_lock:
        if _default is None:
            _default = Telemetry(capture_content=False)
        return _default
