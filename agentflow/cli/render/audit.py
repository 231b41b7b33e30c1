"""Audit and retention output: `audit verify` and `gc` summaries, `audit export` records.

Export formats: JSON Lines (one object per record, `details` parsed) and CSV (a header row,
then one row per record, `details` as its JSON text). Both carry `prev_hash` and `hash`, so
an export can be checked against the chain.
"""

from __future__ import annotations

import contextlib
import csv
import json
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any, TextIO

from agentflow.runtime.state.audit_log import AuditRecord, VerifyReport
from agentflow.runtime.state.retention import GcReport, iso_time

FIELDS = (
    "seq",
    "time",
    "at",
    "run_id",
    "principal",
    "action",
    "resource",
    "decision",
    "reason",
    "details",
    "prev_hash",
    "hash",
)


_JSON = json.JSONEncoder(ensure_ascii=False, default=str)


def record_time(at: float) -> str:
    """An audit record's time: ISO 8601 in UTC, to the millisecond."""
    return datetime.fromtimestamp(at, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _fields(record: AuditRecord) -> dict[str, Any]:
    return {
        "seq": record.seq,
        "time": record_time(record.at),
        "at": record.at,
        "run_id": record.run_id,
        "principal": record.principal,
        "action": record.action,
        "resource": record.resource,
        "decision": record.decision,
        "reason": record.reason,
        "details": record.details,
        "prev_hash": record.prev_hash,
        "hash": record.hash,
    }


def write_jsonl(records: Iterable[AuditRecord], stream: TextIO) -> int:
    """One JSON object per line; returns how many records were written."""
    count = 0
    for record in records:
        fields = _fields(record)
        if record.details is not None:
            with contextlib.suppress(ValueError):  # not JSON (an edited record): keep the text
                fields["details"] = json.loads(record.details)
        stream.write(_JSON.encode(fields) + "\n")
        count += 1
    return count


def write_csv(records: Iterable[AuditRecord], stream: TextIO) -> int:
    """A header and one row per record (RFC 4180 quoting); returns how many were written."""
    writer = csv.DictWriter(stream, fieldnames=FIELDS)
    writer.writeheader()
    count = 0
    for record in records:
        writer.writerow(_fields(record))
        count += 1
    return count


def verify_text(report: VerifyReport) -> str:
    if report.ok:
        if report.checked == 0:
            return "audit log intact: it is empty"
        return f"audit log intact: {report.checked} records verified, head {report.head}"
    lines = [f"audit log tampered: {report.problem}"]
    if report.checked:
        lines.append(f"({report.checked} records before it verified)")
    return "\n".join(lines)


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def gc_text(report: GcReport) -> str:
    cutoff = iso_time(report.cutoff)
    if not report.runs:
        lines = [f"nothing to purge: no finished runs before {cutoff} still hold data"]
    else:
        verb = "would purge" if report.dry_run else "purged"
        deleted = "would be deleted" if report.dry_run else "deleted"
        span = (
            report.first_run
            if report.first_run == report.last_run
            else f"{report.first_run} … {report.last_run}"
        )
        lines = [
            f"{verb} {_plural(report.runs, 'run')} finished before {cutoff} ({span})",
            f"inputs, outputs and errors, {report.node_results} node results, {report.spans}"
            f" spans and {report.spend_windows} per-run budget windows {deleted}",
            "kept: run summaries, day and month spend, the ledger and the audit log",
        ]
        if report.dry_run:
            lines.append("nothing was changed (dry run)")
    if report.kept_running:
        lines.append(
            f"note: {_plural(report.kept_running, 'run')} started before the cutoff"
            f" {'is' if report.kept_running == 1 else 'are'} still marked running and"
            " left alone"
        )
    if report.vacuumed:
        lines.append("the state file was vacuumed")
    return "\n".join(lines)
