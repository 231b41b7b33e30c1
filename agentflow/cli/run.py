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
from typing import Any

from agentflow.cli import error, write

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
    from agentflow.cli.render.progress import Progress
    from agentflow.runtime.api import run_workflow
    from agentflow.runtime.state.store import StoreError

    token = args.token or os.environ.get("AGENTFLOW_TOKEN")
    live = (
        not args.json
        and not args.no_color
        and not os.environ.get("NO_COLOR")
        and sys.stderr.isatty()
    )
    progress = Progress(live=live)
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
                )
            )
    except StoreError as problem:
        error(str(problem))
        return 1
    for warning in result.warnings:
        print(f"agentflow: warning: {warning}", file=sys.stderr)
    if args.json:
        write(json.dumps(result.to_json(), indent=2, ensure_ascii=False, default=str))
    else:
        write(progress.summary(result, color=live))
    return EXIT_STATUS[result.status]


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
