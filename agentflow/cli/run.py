"""`agentflow run FILE [-w WORKFLOW] [-i NAME=VALUE ...]`: execute a workflow under policy.

Exit status: 0 succeeded, 1 failed, 2 usage or compile error, 3 denied (authentication,
permission or budget).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from agentflow.cli import error, write

if TYPE_CHECKING:
    from opentelemetry.sdk.trace.export import SpanExporter

    from agentflow.runtime.telemetry.observe import Observability
    from agentflow.runtime.telemetry.tracing import Telemetry

EXIT_STATUS = {"succeeded": 0, "failed": 1, "denied": 3}


def configure(parser: argparse.ArgumentParser) -> None:
    """Add `run`'s arguments."""
    parser.add_argument("file", metavar="FILE", help="the program to run")
    parser.add_argument("-w", "--workflow", help="the workflow to run (optional if only one)")
    parser.add_argument(
        "-i",
        "--input",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="an input; the value is read as JSON when it parses, else as text",
    )
    parser.add_argument("--input-json", metavar="FILE", help="inputs as a JSON object (- = stdin)")
    parser.add_argument(
        "--offline",
        action="store_true",
        help="replace every model with the deterministic offline provider",
    )
    parser.add_argument("--json", action="store_true", help="print the result as one JSON object")
    parser.add_argument(
        "--state",
        metavar="DIR",
        type=Path,
        help="state store directory (default: $AGENTFLOW_STATE or .agentflow)",
    )
    parser.add_argument("--token", help="the principal's token (default: $AGENTFLOW_TOKEN)")
    parser.add_argument("--no-color", action="store_true", help="no colour, no live view")
    tracing = parser.add_argument_group(
        "tracing (OpenTelemetry; spans always go to the state store)"
    )
    tracing.add_argument(
        "--trace-exporter",
        metavar="NAME",
        help="where else spans go: none, console (stderr), otlp, jsonl, or a comma list"
        " (default: $OTEL_TRACES_EXPORTER, else none)",
    )
    tracing.add_argument(
        "--trace-file",
        metavar="PATH",
        type=Path,
        help="the jsonl exporter's file, appended to (default: agentflow-traces.jsonl)",
    )
    tracing.add_argument(
        "--otlp-protocol",
        metavar="PROTOCOL",
        help="http/protobuf or grpc (default: $OTEL_EXPORTER_OTLP_TRACES_PROTOCOL,"
        " $OTEL_EXPORTER_OTLP_PROTOCOL, else http/protobuf)",
    )
    tracing.add_argument(
        "--otlp-endpoint",
        metavar="URL",
        help="the collector's base URL; /v1/traces is added for http/protobuf"
        " (default: the OTEL_EXPORTER_OTLP_* variables, else localhost)",
    )
    tracing.add_argument(
        "--trace-content",
        action="store_true",
        help="record prompts, completions and tool arguments and results in spans, redacted"
        " (also $OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=true)",
    )
    observing = parser.add_argument_group("metrics and logs")
    observing.add_argument(
        "--metrics",
        choices=("none", "console", "otlp", "prometheus"),
        help="where metrics go (default: $OTEL_METRICS_EXPORTER, else none); a Prometheus"
        " endpoint lives only while the command runs",
    )
    observing.add_argument(
        "--metrics-port",
        type=int,
        metavar="PORT",
        help="the Prometheus endpoint's port (default: $OTEL_EXPORTER_PROMETHEUS_PORT, else 9464)",
    )
    observing.add_argument(
        "--metrics-host",
        metavar="HOST",
        help="the Prometheus endpoint's address (default: 127.0.0.1)",
    )
    observing.add_argument(
        "--log-level",
        choices=("debug", "info", "warning", "error"),
        help="log runs, nodes, calls and policy events at this level and above to stderr"
        " (default: no run log, only warnings of agentflow itself)",
    )
    observing.add_argument(
        "--log-format",
        choices=("auto", "json", "text"),
        default="auto",
        help="log lines as JSON or text (default: text on a terminal, else JSON lines)",
    )


def run(args: argparse.Namespace) -> int:
    """Compile, run and report; see the module docstring for exit statuses."""
    from agentflow.cli.compile import build_plan

    plan = build_plan(args.file, no_color=args.no_color)
    if isinstance(plan, int):
        return 2
    workflow = _choose_workflow(plan, args.workflow)
    if workflow is None:
        return 2
    inputs = _inputs(args)
    if inputs is None or not _check_inputs(plan.workflows[workflow], inputs):
        return 2
    exporters = _span_exporters(args)
    if exporters is None:
        return 2
    observed = _observe(args)
    if isinstance(observed, int):
        return observed
    from agentflow.runtime.telemetry.logs import reset_logging
    from agentflow.runtime.telemetry.tracing import Telemetry

    telemetry = Telemetry(
        exporters=exporters,
        processors=observed.processors,
        capture_content=args.trace_content or None,
    )
    try:
        return _run(args, plan, workflow, inputs, telemetry, observed)
    finally:
        reset_logging()  # the next command in this process (tests, embedders) starts clean


def _run(
    args: argparse.Namespace,
    plan: Any,
    workflow: str,
    inputs: dict[str, Any],
    telemetry: Telemetry,
    observed: Observability,
) -> int:
    from agentflow.cli.render.progress import Progress
    from agentflow.runtime.api import run_workflow
    from agentflow.runtime.state.store import StoreError
    from agentflow.runtime.telemetry.exporters import quiet_sdk_logs

    token = args.token or os.environ.get("AGENTFLOW_TOKEN")
    live = (
        not args.json
        and not args.no_color
        and not os.environ.get("NO_COLOR")
        and sys.stderr.isatty()
    )
    progress = Progress(live=live)
    problems: list[str] = []
    try:
        with quiet_sdk_logs():
            try:
                with progress:
                    result = asyncio.run(
                        run_workflow(
                            plan,
                            workflow,
                            inputs,
                            token=token,
                            offline=args.offline,
                            state_dir=args.state,
                            events=progress,
                            telemetry=telemetry,
                        )
                    )
            finally:
                problems = telemetry.shutdown()  # exporters flushed, within a time limit
                observed.shutdown()  # the last metrics, after the spans that make them
    except StoreError as problem:
        error(str(problem))
        return 1
    for warning in [*result.warnings, *problems]:
        print(f"agentflow: warning: {warning}", file=sys.stderr)
    if args.json:
        write(json.dumps(result.to_json(), indent=2, ensure_ascii=False, default=str))
    else:
        write(progress.summary(result, color=live))
    return EXIT_STATUS[result.status]


def _observe(args: argparse.Namespace) -> Observability | int:
    """Logging and metrics from the flags and OTEL_* variables, or the exit status of a
    usage error (2) or a taken Prometheus port (1), already reported."""
    from agentflow.runtime.telemetry.logs import reset_logging
    from agentflow.runtime.telemetry.metric_exporters import EndpointError, MetricsError
    from agentflow.runtime.telemetry.observe import observe
    from agentflow.runtime.telemetry.tracing import build_resource

    try:
        return observe(
            log_level=args.log_level or "warning",
            log_format=args.log_format,
            log_color=False if args.no_color or os.environ.get("NO_COLOR") else None,
            metrics=args.metrics,
            metrics_port=args.metrics_port,
            metrics_host=args.metrics_host,
            otlp_endpoint=args.otlp_endpoint,
            otlp_protocol=args.otlp_protocol,
            resource=build_resource(),
            logs=args.log_level is not None,
        )
    except MetricsError as problem:  # EndpointError too: a taken port is not a usage error
        reset_logging()
        error(str(problem))
        return 1 if isinstance(problem, EndpointError) else 2


def _span_exporters(args: argparse.Namespace) -> list[SpanExporter] | None:
    """The span exporters the tracing flags and OTEL_* variables ask for (None: a usage
    error, already reported)."""
    from agentflow.runtime.telemetry.exporters import (
        TraceConfigError,
        build_exporters,
        resolve_settings,
    )

    try:
        settings = resolve_settings(
            args.trace_exporter, args.otlp_protocol, args.otlp_endpoint, args.trace_file
        )
        exporters = build_exporters(settings, console=sys.stderr)
    except TraceConfigError as problem:
        error(str(problem))
        return None
    return list(exporters)


def _choose_workflow(plan: Any, chosen: str | None) -> str | None:
    names = sorted(plan.workflows)
    if chosen is not None:
        if chosen in plan.workflows:
            return chosen
        error(f"no workflow named `{chosen}`; workflows: {', '.join(names)}")
        return None
    if len(names) == 1:
        return names[0]
    error(f"this file has several workflows; choose one with -w: {', '.join(names)}")
    return None


def _inputs(args: argparse.Namespace) -> dict[str, Any] | None:
    inputs: dict[str, Any] = {}
    if args.input_json:
        try:
            text = (
                sys.stdin.read()
                if args.input_json == "-"
                else Path(args.input_json).read_text(encoding="utf-8")
            )
            loaded = json.loads(text)
        except OSError as problem:
            error(f"cannot read {args.input_json}: {(problem.strerror or str(problem)).lower()}")
            return None
        except ValueError as problem:
            error(f"{args.input_json} is not valid JSON: {problem}")
            return None
        if not isinstance(loaded, dict):
            error(f"{args.input_json} must hold a JSON object of inputs")
            return None
        inputs.update(loaded)
    for item in args.input:
        name, sep, raw = item.partition("=")
        if not sep or not name:
            error(f"inputs are written NAME=VALUE, found `{item}`")
            return None
        try:
            inputs[name] = json.loads(raw)
        except ValueError:
            inputs[name] = raw
    return inputs


def _check_inputs(workflow: Any, inputs: dict[str, Any]) -> bool:
    """Unknown and missing inputs are usage errors, reported before anything runs."""
    properties = workflow.params.get("properties", {})
    unknown = sorted(set(inputs) - set(properties))
    missing = [
        n
        for n in workflow.params.get("required", [])
        if n not in inputs and n not in workflow.param_defaults
    ]
    if unknown:
        error(
            f"workflow `{workflow.name}` has no input `{unknown[0]}`; inputs: "
            + (", ".join(properties) or "none")
        )
        return False
    if missing:
        error(f"workflow `{workflow.name}` needs input `{missing[0]}` (-i {missing[0]}=...)")
        return False
    from agentflow.runtime.validation import validate

    problems = validate(inputs, {**workflow.params, "required": []})
    if problems:
        error(f"invalid inputs for `{workflow.name}`: " + "; ".join(problems[:3]))
        return False
    return True
