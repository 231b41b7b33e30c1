"""agentflow: a declarative language and compiler for governed AI-agent workflows."""

from __future__ import annotations

from typing import TYPE_CHECKING

from agentflow.diagnostics import CompileError, Diagnostic, Severity

if TYPE_CHECKING:
    from agentflow.compiler.plan import Plan
    from agentflow.grammar.ast import Program

__all__ = ["CompileError", "Diagnostic", "Severity", "check", "compile", "parse"]
__version__ = "0.1.0"


def parse(source: str, filename: str = "<string>") -> tuple[Program | None, list[Diagnostic]]:
    """Parse a program: the AST (None on a syntax error) and the syntax diagnostics."""
    from agentflow.compiler.pipeline import parse_source
    from agentflow.source import Source

    return parse_source(Source(source, filename))


def check(source: str, filename: str = "<string>") -> list[Diagnostic]:
    """Every diagnostic for a program, in file order. Never raises on any input."""
    from agentflow.compiler.pipeline import analyze
    from agentflow.source import Source

    return analyze(Source(source, filename)).diagnostics


def compile(source: str, filename: str = "<string>") -> Plan:
    """The executable plan of a program; raises CompileError carrying the diagnostics."""
    from agentflow.compiler.pipeline import analyze
    from agentflow.source import Source

    analysis = analyze(Source(source, filename), lower=True)
    if analysis.plan is None or any(d.is_error for d in analysis.diagnostics):
        raise CompileError(analysis.diagnostics)
    return analysis.plan
