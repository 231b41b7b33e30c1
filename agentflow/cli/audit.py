"""`agentflow audit verify|export|report`: the audit log's integrity, contents and the
program's compliance.

- `verify`: check the hash chain; exit 0 intact, 1 tampered (the first bad record is named).
- `export [--since 7d] [--until DATE] [--run RUN] [--format jsonl|csv] [-o FILE]`: stream the
  records out.
- `report FILE [--days 30] [--max-failed-ratio 10%]`: compliance checks over the program and
  its history; exit 0 when none fails, 1 otherwise.

Usage errors exit 2; a missing state store exits 1 (`report` then reviews the program alone).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from agentflow.cli import error, write

if TYPE_CHECKING:
    from agentflow.compiler.plan import Plan
    from agentflow.compliance.history import History
    from agentflow.runtime.state.store import StateStore


def configure(parser: argparse.ArgumentParser) -> None:
    """Add the `verify`, `export` and `report` actions and their arguments."""
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    verify = actions.add_parser(
        "verify",
        help="check the audit log's hash chain (exit 1 if tampered)",
        description="Check that no audit record was edited, deleted, inserted or reordered.",
    )
    _state_option(verify)
    verify.add_argument("--json", action="store_true", help="print the result as one JSON object")
    verify.add_argument(
        "--expect-head",
        metavar="SEQ:HASH",
        help="a head printed by an earlier verify: that record must still be there, unchanged",
    )
    export = actions.add_parser(
        "export",
        help="write the audit records out (JSON Lines or CSV)",
        description="Write the audit records out, oldest first.",
    )
    _state_option(export)
    export.add_argument(
        "--since", metavar="WHEN", help="from this time: a duration ago (7d, 12h) or an ISO date"
    )
    export.add_argument("--until", metavar="WHEN", help="before this time (same forms)")
    export.add_argument("--run", metavar="RUN", help="only the records of this run")
    export.add_argument(
        "--format", choices=("jsonl", "csv"), default="jsonl", help="jsonl (default) or csv"
    )
    export.add_argument("-o", "--output", metavar="FILE", help="write here (default: stdout)")
    report = actions.add_parser(
        "report",
        help="check a program and its history against compliance controls",
        description="Check a program and its run history against compliance controls.",
    )
    report.add_argument("file", metavar="FILE", help="the program to review")
    _state_option(report)
    report.add_argument(
        "--days", type=int, default=30, metavar="N", help="history to consider (default 30)"
    )
    report.add_argument(
        "--max-failed-ratio",
        metavar="RATIO",
        default="10%",
        help="the largest acceptable share of failed runs: 10%% or 0.1 (default 10%%)",
    )
    report.add_argument("--json", action="store_true", help="print the report as one JSON object")
    report.add_argument("--no-color", action="store_true", help="no colour")


def _state_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--state",
        metavar="DIR",
        type=Path,
        help="state store directory (default: $AGENTFLOW_STATE or .agentflow)",
    )


def run(args: argparse.Namespace) -> int:
    """Dispatch to the chosen action."""
    actions = {"verify": _verify, "export": _export, "report": _report}
    return actions[args.action](args)


def _open_store(args: argparse.Namespace) -> StateStore | None:
    from agentflow.runtime.state.store import StateStore, StoreError, default_state_dir

    try:
        return StateStore.in_directory(args.state or default_state_dir(), create=False)
    except StoreError as problem:
        error(str(problem))
        return None


# ---------------------------------------------------------------- verify


def _verify(args: argparse.Namespace) -> int:
    from agentflow.runtime.state.audit_log import connect, parse_head, verify

    if args.expect_head is not None and parse_head(args.expect_head) is None:
        error(f"--expect-head: `{args.expect_head}` is not SEQ:HASH (as verify prints it)")
        return 2
    store = _open_store(args)
    if store is None:
        return 1
    store.close()
    db = connect(store.path)
    try:
        report = verify(db, expected_head=args.expect_head)
    finally:
        db.close()
    if args.json:
        write(json.dumps(report.to_json(), indent=2))
    else:
        from agentflow.cli.render.audit import verify_text

        write(verify_text(report))
    return 0 if report.ok else 1


# ---------------------------------------------------------------- export


def parse_when(text: str, now: float | None = None) -> float:
    """A point in time: a duration ago (`7d`, `12h`, `30min`) or an ISO 8601 date or time
    (UTC unless it has an offset). A ValueError says what is accepted."""
    from agentflow.runtime.state.retention import parse_duration

    now = time.time() if now is None else now
    try:
        return now - parse_duration(text)
    except ValueError:
        pass
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(
            f"`{text}` is neither a duration (7d, 12h, 30min) nor an ISO date or time"
            " (2026-11-01, 2026-11-01T09:30:00Z)"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


def _export(args: argparse.Namespace) -> int:
    from agentflow.cli.render.audit import write_csv, write_jsonl
    from agentflow.runtime.state.audit_log import connect, records

    bounds: dict[str, float | None] = {}
    for name in ("since", "until"):
        text = getattr(args, name)
        try:
            bounds[name] = None if text is None else parse_when(text)
        except ValueError as problem:
            error(f"--{name}: {problem}")
            return 2
    store = _open_store(args)
    if store is None:
        return 1
    store.close()
    db = connect(store.path)
    writer = write_csv if args.format == "csv" else write_jsonl
    rows = records(db, since=bounds["since"], until=bounds["until"], run_id=args.run)
    try:
        if args.output is None:
            writer(rows, sys.stdout)
            sys.stdout.flush()
        else:
            try:
                with open(args.output, "w", encoding="utf-8", newline="") as stream:
                    writer(rows, stream)
            except OSError as problem:
                error(f"cannot write {args.output}: {(problem.strerror or str(problem)).lower()}")
                return 1
    finally:
        rows.close()
        db.close()
    return 0


# ---------------------------------------------------------------- report


def parse_ratio(text: str) -> float:
    """`10%` or `0.1` as 0.1; a ValueError unless it is between 0 and 1."""
    value = text.strip()
    try:
        ratio = float(value[:-1]) / 100 if value.endswith("%") else float(value)
    except ValueError:
        ratio = -1.0
    if not 0 <= ratio <= 1:
        raise ValueError(f"`{text}` is not a ratio: write a percentage (10%) or 0..1 (0.1)")
    return ratio


def _report(args: argparse.Namespace) -> int:
    import os

    from agentflow.cli.render import render, use_color
    from agentflow.compliance.checks import evaluate
    from agentflow.compliance.model import Review
    from agentflow.compliance.program import ProgramError, load

    try:
        ratio = parse_ratio(args.max_failed_ratio)
    except ValueError as problem:
        error(f"--max-failed-ratio: {problem}")
        return 2
    if args.days < 1:
        error("--days must be at least 1")
        return 2
    if not os.path.exists(args.file):
        error(f"no such file or directory: {args.file}")
        return 2
    try:
        program = load(args.file)
    except ProgramError as problem:
        color = use_color(sys.stderr, disabled=args.no_color)
        write(render("text", problem.diagnostics, color=color), sys.stderr)
        error(f"cannot review {args.file}: it does not compile")
        return 2
    review = Review(
        program.path, program.plan, program.diagnostics, days=args.days, max_failed_ratio=ratio
    )
    review.history = _history(args, program.plan)
    report = evaluate(review)
    if args.json:
        write(json.dumps(report.to_json(), indent=2))
    else:
        from agentflow.cli.render.compliance import render as render_report

        write(render_report(report, color=use_color(sys.stdout, disabled=args.no_color)))
    return 0 if report.ok else 1


def _history(args: argparse.Namespace, plan: Plan) -> History | None:
    """The program's history, or None without a state store (history checks are skipped)."""
    from agentflow.compliance.history import load
    from agentflow.runtime.state.store import StateStore, StoreError, default_state_dir

    try:
        store = StateStore.in_directory(args.state or default_state_dir(), create=False)
    except StoreError:
        return None
    try:
        return load(store, plan, args.days)
    finally:
        store.close()
