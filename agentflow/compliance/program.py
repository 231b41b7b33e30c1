"""Loading the program under review: its plan, and what the compiler said about it.

A program whose only errors are about secrets (a credential-looking literal, a secret
setting not read from the environment) is still reviewed: those are exactly what the
`secrets` check reports, so the plan is built despite them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from agentflow.diagnostics import Diagnostic, sorted_diagnostics

if TYPE_CHECKING:
    from agentflow.compiler.plan import Plan
    from agentflow.source import Source

SECRET_ERRORS = frozenset({"AF403", "AF404"})


@dataclass
class Program:
    path: str
    plan: Plan
    diagnostics: list[Diagnostic] = field(default_factory=list)


class ProgramError(Exception):
    """The program cannot be reviewed: it could not be read, or has errors beyond secrets."""

    def __init__(self, diagnostics: list[Diagnostic]) -> None:
        super().__init__(f"{len(diagnostics)} diagnostics")
        self.diagnostics = diagnostics


def load(path: str) -> Program:
    """Read and compile `path`; raises ProgramError carrying the diagnostics."""
    from agentflow.compiler.pipeline import analyze
    from agentflow.files import read_source

    source, diagnostics = read_source(path)
    if source is None:
        raise ProgramError(diagnostics)
    analysis = analyze(source, lower=True)
    diagnostics = sorted_diagnostics(analysis.diagnostics)
    plan = analysis.plan
    errors = {d.code for d in diagnostics if d.is_error}
    if plan is None and errors and errors <= SECRET_ERRORS:
        plan = _lower_despite_errors(source)
    if plan is None:
        raise ProgramError(diagnostics)
    return Program(path, plan, diagnostics)


def _lower_despite_errors(source: Source) -> Plan | None:
    """The plan of a program that checked with errors the lowering does not depend on."""
    from agentflow.compiler.context import Context
    from agentflow.compiler.lower import lower_program
    from agentflow.compiler.passes import PASSES
    from agentflow.diagnostics import DiagnosticSink
    from agentflow.grammar.parser import parse

    sink = DiagnosticSink(source)
    try:
        program = parse(source, sink)
        if program is None:
            return None
        ctx = Context(source, sink, program)
        for check in PASSES:
            check(ctx)
        return lower_program(ctx)
    except Exception:  # the compiler's own guard reports these; here the review just stops
        return None
