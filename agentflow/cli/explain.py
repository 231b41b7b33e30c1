"""`agentflow explain CODE` and `agentflow explain --list`."""

from __future__ import annotations

import argparse
import difflib
import re

from agentflow.cli import error, write
from agentflow.compiler import rules

_CODE = re.compile(r"^(?:af)?(\d{1,3})$", re.IGNORECASE)


def configure(parser: argparse.ArgumentParser) -> None:
    """Add `explain`'s arguments."""
    parser.add_argument("code", nargs="?", metavar="CODE", help="a diagnostic code, e.g. AF101")
    parser.add_argument("--list", action="store_true", help="list every code")


def run(args: argparse.Namespace) -> int:
    """Print one rule's explanation, or the table of every rule."""
    if args.list:
        if args.code:
            error("give either a CODE or --list, not both")
            return 2
        write(rule_table())
        return 0
    if not args.code:
        error("give a CODE to explain (or --list to see them all)")
        return 2
    code = normalize(args.code)
    try:
        doc = rules.document(code)
    except KeyError:
        near = nearest_codes(code)
        hint = f"; the nearest known codes are {', '.join(near)}" if near else ""
        error(f"unknown code `{args.code}`{hint}")
        return 2
    rule = doc.rule
    header = f"{rule.code}: {rule.name} ({rule.severity.value})"
    write(f"{header}\n\n{rule.summary}\n\n{explanation_body(doc)}")
    return 0


def explanation_body(doc: rules.RuleDoc) -> str:
    """The explanation without its first line when that just repeats the summary."""
    text = doc.explanation
    if text.startswith(doc.rule.summary):
        text = text[len(doc.rule.summary) :].lstrip("\n")
    return text


def normalize(code: str) -> str:
    """`af101`, `AF101` and `101` all mean `AF101`."""
    match = _CODE.match(code.strip())
    return f"AF{int(match.group(1)):03d}" if match else code.strip().upper()


def nearest_codes(code: str, limit: int = 3) -> list[str]:
    """Known codes close to `code`: numerically when it is one, else by spelling."""
    known = rules.codes()
    match = _CODE.match(code)
    if match:
        number = int(match.group(1))
        return sorted(known, key=lambda c: (abs(int(c[2:]) - number), c))[:limit]
    return difflib.get_close_matches(code, known, n=limit, cutoff=0.3)


def rule_table() -> str:
    """Every code with its severity, name and summary, in aligned columns."""
    docs = [rules.lookup(code) for code in rules.codes()]
    if not docs:
        return "no diagnostic codes are defined"
    name_width = max(len("NAME"), *(len(r.name) for r in docs))
    severity_width = max(len("SEVERITY"), *(len(r.severity.value) for r in docs))
    rows = [f"{'CODE':<6} {'SEVERITY':<{severity_width}} {'NAME':<{name_width}} SUMMARY"]
    rows.extend(
        f"{r.code:<6} {r.severity.value:<{severity_width}} {r.name:<{name_width}} {r.summary}"
        for r in docs
    )
    return "\n".join(row.rstrip() for row in rows)
