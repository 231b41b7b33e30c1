"""Metrics derived from finished spans: `SpanMetrics`, a span processor recording to a meter.

The runtime records nothing twice: it emits spans (attribute names in `attributes.py`), and
this processor, attached to the run's `TracerProvider`, turns each finished span into
measurements on instruments created from the `MeterProvider` it is given (built by
`metric_exporters.build_metrics`). Metrics therefore match traces exactly.

Instruments (attribute keys in brackets; an attribute the span lacks is left out):

- `gen_ai.client.token.usage` histogram, `{token}`, from model spans, one point per token
  type [gen_ai.operation.name, gen_ai.provider.name, gen_ai.request.model,
  gen_ai.response.model, gen_ai.token.type = input | output]  (GenAI semantic conventions)
- `gen_ai.client.operation.duration` histogram, `s`, from model spans [gen_ai.operation.name,
  gen_ai.provider.name, gen_ai.request.model, gen_ai.response.model, error.type if it failed]
- `agentflow.runs` counter, `{run}`, and `agentflow.run.duration` histogram, `s`, from run
  spans [agentflow.workflow, agentflow.status]; a sub-workflow call counts as a run of its
  workflow
- `agentflow.node.calls` counter, `{call}`, and `agentflow.node.duration` histogram, `s`,
  from node spans (map items included) [agentflow.workflow, agentflow.node.kind,
  agentflow.status]
- `agentflow.tool.calls` counter, `{call}`, and `agentflow.tool.duration` histogram, `s`,
  from tool spans and from node spans that are a tool call themselves (a `call_tool`
  node's span has `gen_ai.operation.name = execute_tool` and no tool span under it)
  [gen_ai.tool.name, agentflow.status]
- `agentflow.errors` counter, `{error}`: one per failed span (status ERROR or an
  `error.type`) [agentflow.span.kind, error.type, agentflow.workflow]. An error that fails a
  tool, then its step, agent, node and run is counted once per kind: filter by kind
- `agentflow.cost` counter, `USD`, and `agentflow.tokens` counter, `{token}`, from model
  spans [gen_ai.request.model, gen_ai.agent.name, agentflow.workflow; tokens also
  gen_ai.token.type]
- `agentflow.budget.cost` counter, `USD`, and `agentflow.budget.tokens` counter, `{token}`:
  one point per budget a model call was charged to [agentflow.budget; tokens also
  gen_ai.token.type]

On a Prometheus endpoint dots become underscores, a unit becomes a suffix (`{...}`
annotations are dropped) and counters end in `_total`: `agentflow_runs_total`,
`agentflow_cost_USD_total`, `agentflow_node_duration_seconds_bucket`,
`gen_ai_client_token_usage_bucket`.

Double counting: cost and tokens are read from model spans only (the leaves where money is
spent), never from the node, agent or run spans that may carry totals of their children.
Cost by budget is a separate instrument, because one call charged to a workflow budget and
to its parent's budget adds its cost to both: summing `agentflow.cost` gives what was spent,
summing `agentflow.budget.cost` over budgets would not.

Cardinality: attributes are names from the program (workflow, agent, model, tool, budget,
node kind) or small fixed vocabularies (status, span kind, error type); run ids, node ids
(which include map item indices), principals and free text never become metric attributes.
A span's workflow, agent and budgets come from its nearest ancestor that has them.

Cost per span: counters are summed in the processor and read by observable counters when a
reader collects; only histograms are recorded through the SDK on the span's path.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Final

from opentelemetry.context import Context
from opentelemetry.metrics import CallbackOptions, Observation
from opentelemetry.sdk.trace import ReadableSpan, Span, SpanProcessor
from opentelemetry.trace import StatusCode

from agentflow.runtime.telemetry import attributes as attr
from agentflow.runtime.telemetry.lineage import Entry, Lineage, from_ancestors

if TYPE_CHECKING:
    from opentelemetry.metrics import MeterProvider

METER_NAME: Final = "agentflow"
TOKEN_TYPE: Final = "gen_ai.token.type"
BUDGET: Final = "agentflow.budget"

# Every instrument's name (as created; a Prometheus endpoint shows `.` as `_`, a unit
# suffix and `_total` on counters).
TOKEN_USAGE: Final = "gen_ai.client.token.usage"
OPERATION_DURATION: Final = "gen_ai.client.operation.duration"
RUNS: Final = "agentflow.runs"
RUN_DURATION: Final = "agentflow.run.duration"
NODE_CALLS: Final = "agentflow.node.calls"
NODE_DURATION: Final = "agentflow.node.duration"
TOOL_CALLS: Final = "agentflow.tool.calls"
TOOL_DURATION: Final = "agentflow.tool.duration"
ERRORS: Final = "agentflow.errors"
COST: Final = "agentflow.cost"
TOKENS: Final = "agentflow.tokens"
BUDGET_COST: Final = "agentflow.budget.cost"
BUDGET_TOKENS: Final = "agentflow.budget.tokens"
INSTRUMENTS: Final = (
    TOKEN_USAGE,
    OPERATION_DURATION,
    RUNS,
    RUN_DURATION,
    NODE_CALLS,
    NODE_DURATION,
    TOOL_CALLS,
    TOOL_DURATION,
    ERRORS,
    COST,
    TOKENS,
    BUDGET_COST,
    BUDGET_TOKENS,
)

# Bucket boundaries: the GenAI semantic conventions' for model calls and tokens; for nodes,
# tools and runs, seconds from 5 ms to 10 minutes (the SDK's default buckets are for ms).
GENAI_DURATION_BUCKETS: Final = (
    0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92,
)  # fmt: skip
TOKEN_BUCKETS: Final = (
    1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864,
)  # fmt: skip
DURATION_BUCKETS: Final = (
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0,
)  # fmt: skip

_Key = tuple[tuple[str, str], ...]  # a metric point's attributes, as hashable pairs


class _Sums:
    """Cumulative sums by attribute set, read by an observable counter when collected.

    Adding to an SDK counter costs several microseconds (attribute validation and hashing);
    adding to a dict costs a fraction of one, and the SDK reads the totals only when a
    reader collects (a scrape, a periodic export, shutdown). Histograms have no observable
    form, so they are recorded directly.
    """

    __slots__ = ("_lock", "_values")

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._values: dict[_Key, float] = {}

    def add(self, value: float, key: _Key) -> None:
        with self._lock:
            self._values[key] = self._values.get(key, 0) + value

    def observe(self, options: CallbackOptions) -> Iterable[Observation]:
        with self._lock:
            totals = list(self._values.items())
        return [Observation(value, dict(key)) for key, value in totals]


class Instruments:
    """The instruments of one meter provider (shared by every SpanMetrics recording into it:
    an observable counter's callback is registered once per name and provider)."""

    def __init__(self, meter_provider: MeterProvider) -> None:
        from agentflow import __version__

        meter = meter_provider.get_meter(METER_NAME, __version__)

        def counter(name: str, unit: str, description: str) -> _Sums:
            sums = _Sums()
            meter.create_observable_counter(name, [sums.observe], unit, description)
            return sums

        def histogram(name: str, unit: str, description: str, buckets: Sequence[float]) -> Any:
            return meter.create_histogram(
                name, unit, description, explicit_bucket_boundaries_advisory=buckets
            )

        self.token_usage = histogram(
            TOKEN_USAGE, "{token}", "Tokens used by model calls, by token type", TOKEN_BUCKETS
        )
        self.operation_duration = histogram(
            OPERATION_DURATION, "s", "Duration of model calls", GENAI_DURATION_BUCKETS
        )
        self.runs = counter(RUNS, "{run}", "Workflow runs, by final status")
        self.run_duration = histogram(
            RUN_DURATION, "s", "Duration of workflow runs", DURATION_BUCKETS
        )
        self.node_calls = counter(NODE_CALLS, "{call}", "Plan nodes executed")
        self.node_duration = histogram(
            NODE_DURATION, "s", "Duration of plan nodes", DURATION_BUCKETS
        )
        self.tool_calls = counter(TOOL_CALLS, "{call}", "Tool calls")
        self.tool_duration = histogram(
            TOOL_DURATION, "s", "Duration of tool calls", DURATION_BUCKETS
        )
        self.errors = counter(ERRORS, "{error}", "Failed spans, by span kind")
        self.cost = counter(COST, "USD", "Model spend")
        self.tokens = counter(TOKENS, "{token}", "Model tokens")
        self.budget_cost = counter(BUDGET_COST, "USD", "Model spend charged to each budget")
        self.budget_tokens = counter(
            BUDGET_TOKENS, "{token}", "Model tokens charged to each budget"
        )


_instruments: weakref.WeakKeyDictionary[Any, Instruments] = weakref.WeakKeyDictionary()
_instruments_lock = threading.Lock()


def instruments_of(meter_provider: MeterProvider) -> Instruments:
    """The instruments of a meter provider, created on first use."""
    with _instruments_lock:
        found = _instruments.get(meter_provider)
        if found is None:
            found = _instruments[meter_provider] = Instruments(meter_provider)
        return found


class SpanMetrics(SpanProcessor):
    """Records metrics from every span that ends on the tracer provider it is attached to.

    Several SpanMetrics may record into one meter provider (say, one per tracer provider):
    they share its instruments, so their counts add up.
    """

    def __init__(self, meter_provider: MeterProvider) -> None:
        self._lineage = Lineage()
        self.instruments = instruments_of(meter_provider)

    # ---------------------------------------------------------------- SpanProcessor

    def on_start(self, span: Span, parent_context: Context | None = None) -> None:
        self._lineage.start(span)

    def on_end(self, span: ReadableSpan) -> None:
        entry = self._lineage.end(span)
        a = span.attributes
        kind = a.get(attr.SPAN_KIND) if a else None
        if a is None or not isinstance(kind, str):
            return
        i = self.instruments
        failed = span.status.status_code is StatusCode.ERROR or a.get(attr.ERROR_TYPE) is not None
        if failed:
            i.errors.add(
                1,
                _key(
                    (attr.SPAN_KIND, kind),
                    (attr.ERROR_TYPE, _error_type(a)),
                    (attr.WORKFLOW, _text(_inherit(a, entry, attr.WORKFLOW))),
                ),
            )
        if kind == "model":
            self._model(span, a, entry, failed)
        elif kind == "node":
            key = _key(
                (attr.WORKFLOW, _text(_inherit(a, entry, attr.WORKFLOW))),
                (attr.NODE_KIND, _text(a.get(attr.NODE_KIND))),
                (attr.STATUS, _status(a, failed)),
            )
            i.node_calls.add(1, key)
            _record(i.node_duration, span, key)
            if a.get(attr.GEN_AI_OPERATION_NAME) == attr.OPERATION_EXECUTE_TOOL:
                self._tool(span, a, failed)  # a node that calls a tool is that call
        elif kind == "tool":
            self._tool(span, a, failed)
        elif kind == "run":
            key = _key(
                (attr.WORKFLOW, _text(a.get(attr.WORKFLOW))),
                (attr.STATUS, _status(a, failed)),
            )
            i.runs.add(1, key)
            _record(i.run_duration, span, key)

    def shutdown(self) -> None:
        """Nothing to release: the meter provider belongs to whoever built it."""

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return True

    # ---------------------------------------------------------------- tool and model calls

    def _tool(self, span: ReadableSpan, a: Mapping[str, Any], failed: bool) -> None:
        key = _key(
            (attr.GEN_AI_TOOL_NAME, _text(a.get(attr.GEN_AI_TOOL_NAME))),
            (attr.STATUS, _status(a, failed)),
        )
        self.instruments.tool_calls.add(1, key)
        _record(self.instruments.tool_duration, span, key)

    def _model(
        self, span: ReadableSpan, a: Mapping[str, Any], entry: Entry | None, failed: bool
    ) -> None:
        i = self.instruments
        model = _text(a.get(attr.GEN_AI_REQUEST_MODEL))
        genai = _key(
            (
                attr.GEN_AI_OPERATION_NAME,
                _text(a.get(attr.GEN_AI_OPERATION_NAME)) or attr.OPERATION_CHAT,
            ),
            (attr.GEN_AI_PROVIDER_NAME, _text(a.get(attr.GEN_AI_PROVIDER_NAME))),
            (attr.GEN_AI_REQUEST_MODEL, model),
            (attr.GEN_AI_RESPONSE_MODEL, _text(a.get(attr.GEN_AI_RESPONSE_MODEL))),
        )
        _record(
            i.operation_duration,
            span,
            (*genai, (attr.ERROR_TYPE, _error_type(a))) if failed else genai,
        )
        spend = _key(
            (attr.GEN_AI_REQUEST_MODEL, model),
            (attr.GEN_AI_AGENT_NAME, _text(_inherit(a, entry, attr.GEN_AI_AGENT_NAME))),
            (attr.WORKFLOW, _text(_inherit(a, entry, attr.WORKFLOW))),
        )
        budgets = _names(_inherit(a, entry, attr.BUDGETS))
        for token_type, usage in (
            ("input", attr.GEN_AI_USAGE_INPUT_TOKENS),
            ("output", attr.GEN_AI_USAGE_OUTPUT_TOKENS),
        ):
            count = _number(a.get(usage))
            if count is None or count < 0:
                continue
            kind = (TOKEN_TYPE, token_type)
            i.token_usage.record(count, dict((*genai, kind)))
            i.tokens.add(count, (*spend, kind))
            for budget in budgets:
                i.budget_tokens.add(count, ((BUDGET, budget), kind))
        cost = _number(a.get(attr.COST_USD))
        if cost is not None and cost >= 0:
            i.cost.add(cost, spend)
            for budget in budgets:
                i.budget_cost.add(cost, ((BUDGET, budget),))


def _record(histogram: Any, span: ReadableSpan, key: _Key) -> None:
    """Record the span's duration in seconds."""
    if span.start_time is not None and span.end_time is not None:
        histogram.record(max(span.end_time - span.start_time, 0) / 1e9, dict(key))


# ---------------------------------------------------------------- attribute helpers


def _inherit(a: Mapping[str, Any], entry: Entry | None, key: str) -> Any:
    """An attribute of the span (`a`), else of its nearest ancestor that has it."""
    value = a.get(key)
    return value if value is not None else from_ancestors(entry, key)


def _status(a: Mapping[str, Any], failed: bool) -> str:
    """The span's `agentflow.status`, else succeeded or failed from its OpenTelemetry status."""
    value = a.get(attr.STATUS)
    if isinstance(value, str):
        return value
    return "failed" if failed else "succeeded"


def _error_type(a: Mapping[str, Any]) -> str:
    """`error.type`, or `_OTHER` (the semantic conventions' fallback) when a span has none."""
    return _text(a.get(attr.ERROR_TYPE)) or "_OTHER"


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _number(value: Any) -> float | int | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return value


def _names(value: Any) -> Sequence[str]:
    if isinstance(value, str):
        return (value,) if value else ()
    if isinstance(value, Sequence):
        return tuple(dict.fromkeys(v for v in value if isinstance(v, str) and v))
    return ()


def _key(*pairs: tuple[str, str | None]) -> _Key:
    """The pairs that have a value (a missing attribute is left out, not written as "")."""
    return tuple((name, value) for name, value in pairs if value is not None)
