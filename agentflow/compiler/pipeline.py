"""The compiler pipeline: parse, then each pass in order, collecting diagnostics."""

from __future__ import annotations

import gc
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, TypeVar

from agentflow.diagnostics import Diagnostic, DiagnosticSink
from agentflow.grammar import ast
from agentflow.source import Source, Span

if TYPE_CHECKING:
    from agentflow.compiler.plan import Plan

T = TypeVar("T")


@dataclass
class Analysis:
    """What the compiler learned about one source."""

    source: Source
    program: ast.Program | None
    diagnostics: list[Diagnostic] = field(default_factory=list)
    plan: Plan | None = None


def parse_source(source: Source) -> tuple[ast.Program | None, list[Diagnostic]]:
    """Parse only: the AST (None on a syntax error) and the syntax diagnostics."""
    from agentflow.grammar.parser import parse

    sink = DiagnosticSink(source)
    program = parse(source, sink)
    return program, sink.sorted()


Parser = Callable[[Source, DiagnosticSink], "ast.Program | None"]


def analyze(source: Source, *, lower: bool = False, parser: Parser | None = None) -> Analysis:
    """Parse and check a source; with `lower`, also build the plan when there are no errors.

    `parser` replaces the full parse (the language server passes an incremental one that
    gives the same result). Never raises: input too deeply nested for the checker becomes
    AF009, and a bug in the compiler itself becomes AF000 rather than a traceback.
    """
    sink = DiagnosticSink(source)
    if "\x00" in source.text:
        sink.report("AF008", Span(0, 0), "this looks like a binary file (it contains NUL bytes)")
        return Analysis(source, None, sink.sorted())
    surrogate = _first_surrogate(source.text)
    if surrogate is not None:
        sink.report(
            "AF007",
            Span(surrogate, surrogate + 1),
            "this text cannot be encoded as UTF-8 (it holds a lone surrogate)",
        )
        return Analysis(source, None, sink.sorted())
    if parser is None:
        from agentflow.grammar.parser import parse

        parser = parse
    parse_text: Parser = parser
    _, program = _guarded(sink, lambda: _without_gc(lambda: parse_text(source, sink)))
    analysis = Analysis(source, program)
    if program is not None:
        from agentflow.compiler.context import Context
        from agentflow.compiler.passes import PASSES

        ctx = Context(source, sink, program)
        for check in PASSES:
            completed, _ = _guarded(sink, partial(check, ctx))
            if not completed:
                break
        if lower and not sink.has_errors:
            from agentflow.compiler.lower import lower_program

            _, analysis.plan = _guarded(sink, lambda: lower_program(ctx))
    analysis.diagnostics = sink.sorted()
    return analysis


def _without_gc(step: Callable[[], T]) -> T:
    """Run an allocation-heavy step with the cyclic GC paused: parsing builds many objects
    and no cycles, and the collector otherwise makes large files parse super-linearly."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        return step()
    finally:
        if was_enabled:
            gc.enable()


def _first_surrogate(text: str) -> int | None:
    """The offset of the first lone surrogate (text that came from undecodable bytes)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as error:
        return error.start
    return None


def _guarded(sink: DiagnosticSink, step: Callable[[], T]) -> tuple[bool, T | None]:
    """Run a compiler step: (True, its result), or (False, None) after reporting a recursion
    overflow (AF009) or an internal bug (AF000) as a diagnostic instead of raising."""
    try:
        return True, step()
    except RecursionError:
        sink.report(
            "AF009",
            Span(0, 0),
            "the program is nested too deeply to check",
            hint="split long expressions into named bindings",
        )
    except Exception as error:  # the compiler must never show a traceback
        sink.report(
            "AF000",
            Span(0, 0),
            f"internal compiler error: {type(error).__name__}: {error}",
            hint="please report this with the file that caused it",
        )
    return False, None
