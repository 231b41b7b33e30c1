"""Diagnostics as data: what went wrong, where, and how to fix it."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from agentflow.source import Position, Source, Span


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


@dataclass(frozen=True, slots=True)
class Label:
    """A secondary span that the diagnostic also blames, with a short note."""

    span: Span
    message: str = ""


@dataclass(frozen=True, slots=True)
class Suggestion:
    """A machine-applicable fix: replace the text of `span` with `replacement`."""

    span: Span
    replacement: str
    message: str = ""


@dataclass(frozen=True)
class Diagnostic:
    """One problem found in a source file."""

    code: str
    severity: Severity
    message: str
    span: Span
    source: Source = field(repr=False, compare=False)
    labels: tuple[Label, ...] = ()
    hint: str | None = None
    suggestion: Suggestion | None = None

    @property
    def file(self) -> str:
        return self.source.path

    @property
    def start(self) -> Position:
        return self.source.position(self.span.start)

    @property
    def end(self) -> Position:
        return self.source.position(self.span.end)

    @property
    def line(self) -> int:
        return self.start.line

    @property
    def column(self) -> int:
        return self.start.column

    @property
    def end_line(self) -> int:
        return self.end.line

    @property
    def end_column(self) -> int:
        return self.end.column

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    def to_dict(self) -> dict[str, object]:
        """The JSON shape of `agentflow check --format json`."""
        return {
            "code": self.code,
            "severity": self.severity.value,
            "message": self.message,
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "end_line": self.end_line,
            "end_column": self.end_column,
            "hint": self.hint,
        }


class DiagnosticSink:
    """Collects diagnostics for one source; passes report into it and keep going."""

    def __init__(self, source: Source) -> None:
        self.source = source
        self.diagnostics: list[Diagnostic] = []

    def report(
        self,
        code: str,
        span: Span,
        message: str,
        *,
        hint: str | None = None,
        labels: Iterable[Label] = (),
        suggestion: Suggestion | None = None,
        severity: Severity | None = None,
    ) -> Diagnostic:
        """Record a diagnostic; its severity comes from the rule unless given."""
        from agentflow.compiler.rules import lookup

        diagnostic = Diagnostic(
            code=code,
            severity=severity or lookup(code).severity,
            message=message,
            span=span,
            source=self.source,
            labels=tuple(labels),
            hint=hint,
            suggestion=suggestion,
        )
        self.diagnostics.append(diagnostic)
        return diagnostic

    @property
    def has_errors(self) -> bool:
        return any(d.is_error for d in self.diagnostics)

    def sorted(self) -> list[Diagnostic]:
        return sorted_diagnostics(self.diagnostics)


def sorted_diagnostics(diagnostics: Iterable[Diagnostic]) -> list[Diagnostic]:
    """Diagnostics in file order, errors before warnings at the same place."""
    order = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.INFO: 2}
    return sorted(
        diagnostics, key=lambda d: (d.file, d.span.start, order[d.severity], d.code, d.message)
    )


class CompileError(Exception):
    """Raised at API boundaries when a program has errors; carries every diagnostic."""

    def __init__(self, diagnostics: Sequence[Diagnostic]) -> None:
        self.diagnostics = list(diagnostics)
        errors = [d for d in self.diagnostics if d.is_error]
        first = errors[0] if errors else None
        summary = (
            f"{first.file}:{first.line}:{first.column}: {first.code} {first.message}"
            if first
            else ""
        )
        super().__init__(f"{len(errors)} error(s); first: {summary}")
