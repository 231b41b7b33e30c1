"""The language server: diagnostics on open and change, and the editor features on top.

Each document is analysed once per version (the same `analyze` as `agentflow check`); the
symbol index and binding types are built lazily from the last version that parsed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from lsprotocol import types
from pygls.lsp.server import LanguageServer

from agentflow import __version__
from agentflow.compiler.pipeline import Analysis, analyze
from agentflow.compiler.types import Type
from agentflow.diagnostics import Diagnostic, DiagnosticSink, Severity
from agentflow.grammar import ast
from agentflow.grammar.incremental import IncrementalParser
from agentflow.lsp import completion, hover
from agentflow.lsp.positions import offset, position, to_range
from agentflow.lsp.symbols import SymbolIndex, build_index
from agentflow.source import Source, Span

_SEVERITY = {
    Severity.ERROR: types.DiagnosticSeverity.Error,
    Severity.WARNING: types.DiagnosticSeverity.Warning,
    Severity.INFO: types.DiagnosticSeverity.Information,
}
_SYMBOL_KIND = {
    "model": types.SymbolKind.Class,
    "tool": types.SymbolKind.Function,
    "type": types.SymbolKind.Struct,
    "role": types.SymbolKind.Constant,
    "principal": types.SymbolKind.Constant,
    "budget": types.SymbolKind.Constant,
    "agent": types.SymbolKind.Function,
    "workflow": types.SymbolKind.Module,
    "param": types.SymbolKind.Variable,
    "binding": types.SymbolKind.Variable,
}
_SIMILAR = re.compile(r"a similar name exists: `(\w+)`")
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


@dataclass
class Parsed:
    """A version of a document that parsed, with what was derived from it on demand."""

    source: Source
    program: ast.Program
    _index: SymbolIndex | None = None
    _types: dict[tuple[str, str], Type] | None = None

    @property
    def index(self) -> SymbolIndex:
        if self._index is None:
            self._index = build_index(self.program)
        return self._index

    @property
    def types(self) -> dict[tuple[str, str], Type]:
        """(workflow, name) → type of each parameter and binding, from the type checker."""
        if self._types is None:
            self._types = _binding_types(self.source, self.program)
        return self._types


@dataclass
class State:
    analyses: dict[str, Analysis] = field(default_factory=dict)
    parsed: dict[str, Parsed] = field(default_factory=dict)
    parsers: dict[str, IncrementalParser] = field(default_factory=dict)


class AgentflowServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__("agentflow", __version__)
        self.state = State()

    def refresh(self, uri: str, version: int | None) -> None:
        """Analyse a document's current text and publish its diagnostics."""
        document = self.workspace.get_text_document(uri)
        source = Source(document.source, document.path or uri)
        parser = self.state.parsers.setdefault(uri, IncrementalParser())
        analysis = analyze(source, parser=parser.parse)
        self.state.analyses[uri] = analysis
        if analysis.program is not None:
            self.state.parsed[uri] = Parsed(source, analysis.program)
        self.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(
                uri=uri,
                version=version,
                diagnostics=[to_lsp(uri, d) for d in analysis.diagnostics],
            )
        )

    def current(self, uri: str) -> Parsed | None:
        """The document's analysis when its current text parsed, else None."""
        analysis = self.state.analyses.get(uri)
        parsed = self.state.parsed.get(uri)
        if analysis is None or parsed is None or parsed.source is not analysis.source:
            return None
        return parsed


def to_lsp(uri: str, diagnostic: Diagnostic) -> types.Diagnostic:
    source = diagnostic.source
    message = diagnostic.message + (f"\nhelp: {diagnostic.hint}" if diagnostic.hint else "")
    related = [
        types.DiagnosticRelatedInformation(
            location=types.Location(uri=uri, range=to_range(source, label.span)),
            message=label.message or diagnostic.message,
        )
        for label in diagnostic.labels
    ]
    return types.Diagnostic(
        range=to_range(source, diagnostic.span),
        message=message,
        severity=_SEVERITY[diagnostic.severity],
        code=diagnostic.code,
        source="agentflow",
        related_information=related or None,
    )


def _binding_types(source: Source, program: ast.Program) -> dict[tuple[str, str], Type]:
    from agentflow.compiler.context import Context
    from agentflow.compiler.passes import resolve, typecheck

    ctx = Context(source, DiagnosticSink(source), program)
    try:
        resolve.run(ctx)
        typecheck.run(ctx)
    except Exception:  # a half-typed program: show what is known
        pass
    found: dict[tuple[str, str], Type] = {}
    for workflow, info in ctx.workflows.items():
        for name, type_ in info.params.items():
            found[(workflow, name)] = type_
        for name, occurrences in info.occurrences.items():
            typed = [o.type for o in occurrences if o.type is not None]
            if typed:
                found[(workflow, name)] = typed[0]
    return found


server = AgentflowServer()


@server.feature(types.TEXT_DOCUMENT_DID_OPEN)
def did_open(ls: AgentflowServer, params: types.DidOpenTextDocumentParams) -> None:
    ls.refresh(params.text_document.uri, params.text_document.version)


@server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
def did_change(ls: AgentflowServer, params: types.DidChangeTextDocumentParams) -> None:
    ls.refresh(params.text_document.uri, params.text_document.version)


@server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
def did_close(ls: AgentflowServer, params: types.DidCloseTextDocumentParams) -> None:
    uri = params.text_document.uri
    ls.state.analyses.pop(uri, None)
    ls.state.parsed.pop(uri, None)
    ls.state.parsers.pop(uri, None)
    ls.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=[]))


@server.feature(types.TEXT_DOCUMENT_DEFINITION)
def definition(ls: AgentflowServer, params: types.DefinitionParams) -> types.Location | None:
    parsed = ls.current(params.text_document.uri)
    if parsed is None:
        return None
    symbol = parsed.index.at(offset(parsed.source, params.position))
    if symbol is None:
        return None
    return types.Location(
        uri=params.text_document.uri, range=to_range(parsed.source, symbol.name_span)
    )


@server.feature(types.TEXT_DOCUMENT_REFERENCES)
def references(ls: AgentflowServer, params: types.ReferenceParams) -> list[types.Location] | None:
    parsed = ls.current(params.text_document.uri)
    if parsed is None:
        return None
    symbol = parsed.index.at(offset(parsed.source, params.position))
    if symbol is None:
        return None
    spans = parsed.index.spans_of(symbol)
    if not params.context.include_declaration:
        spans = [span for span in spans if span != symbol.name_span]
    return [
        types.Location(uri=params.text_document.uri, range=to_range(parsed.source, span))
        for span in spans
    ]


@server.feature(types.TEXT_DOCUMENT_DOCUMENT_SYMBOL)
def document_symbols(
    ls: AgentflowServer, params: types.DocumentSymbolParams
) -> list[types.DocumentSymbol] | None:
    parsed = ls.current(params.text_document.uri)
    if parsed is None:
        return None
    source, index = parsed.source, parsed.index

    def symbol_of(name: str, kind: str, span: Span, name_span: Span) -> types.DocumentSymbol:
        return types.DocumentSymbol(
            name=name,
            detail=kind,
            kind=_SYMBOL_KIND.get(kind, types.SymbolKind.Object),
            range=to_range(source, span),
            selection_range=to_range(source, name_span),
        )

    outline = []
    for decl in parsed.program.declarations:
        if isinstance(decl, ast.PolicyDecl):
            start = decl.span.start
            outline.append(symbol_of("policy", "policy", decl.span, Span(start, start)))
            continue
        symbol = index.get((None, decl.name))
        kind = symbol.kind if symbol else "declaration"
        entry = symbol_of(decl.name, kind, decl.span, decl.name_span)
        if isinstance(decl, ast.WorkflowDecl):
            entry.children = [
                symbol_of(s.name, s.kind, s.node.span, s.name_span)  # type: ignore[attr-defined]
                for s in index.symbols
                if s.scope == decl.name
            ]
        outline.append(entry)
    return outline


@server.feature(types.TEXT_DOCUMENT_HOVER)
def on_hover(ls: AgentflowServer, params: types.HoverParams) -> types.Hover | None:
    uri = params.text_document.uri
    document = ls.workspace.get_text_document(uri)
    lines = document.lines
    if params.position.line < len(lines):
        line = lines[params.position.line].rstrip("\r\n")
        column = offset(Source(line), types.Position(line=0, character=params.position.character))
        code = hover.code_in_comment(line, column)
        if code is not None:
            return _code_hover(code)
    parsed = ls.current(uri)
    if parsed is None:
        return None
    symbol = parsed.index.at(offset(parsed.source, params.position))
    if symbol is None:
        return None
    binding_type = parsed.types.get((symbol.scope, symbol.name)) if symbol.scope else None
    text = hover.summary(parsed.source, symbol, binding_type)
    return types.Hover(
        contents=types.MarkupContent(
            kind=types.MarkupKind.Markdown, value=f"```agentflow\n{text}\n```"
        )
    )


def _code_hover(code: str) -> types.Hover | None:
    from agentflow.compiler.rules import document

    try:
        doc = document(code)
    except KeyError:
        return None
    rule = doc.rule
    return types.Hover(
        contents=types.MarkupContent(
            kind=types.MarkupKind.Markdown,
            value=f"**{rule.code}** `{rule.name}` ({rule.severity.value}): {rule.summary}",
        )
    )


@server.feature(types.TEXT_DOCUMENT_FORMATTING)
def formatting(
    ls: AgentflowServer, params: types.DocumentFormattingParams
) -> list[types.TextEdit] | None:
    from agentflow.grammar.printer import format_source

    document = ls.workspace.get_text_document(params.text_document.uri)
    source = Source(document.source, document.path or params.text_document.uri)
    result = format_source(source)
    if result.text is None or not result.changed:
        return []
    whole = types.Range(
        start=types.Position(line=0, character=0), end=position(source, len(source.text))
    )
    return [types.TextEdit(range=whole, new_text=result.text)]


@server.feature(
    types.TEXT_DOCUMENT_COMPLETION,
    types.CompletionOptions(trigger_characters=[".", "{", "=", "["]),
)
def on_completion(
    ls: AgentflowServer, params: types.CompletionParams
) -> list[types.CompletionItem]:
    uri = params.text_document.uri
    document = ls.workspace.get_text_document(uri)
    lines = [line.rstrip("\r\n") for line in document.lines]
    line = params.position.line
    text = lines[line] if line < len(lines) else ""
    cut = offset(Source(text), types.Position(line=0, character=params.position.character))
    parsed = ls.state.parsed.get(uri)
    return completion.complete(
        lines,
        line,
        text[:cut],
        parsed.index if parsed else None,
        parsed.types if parsed else {},
    )


@server.feature(types.TEXT_DOCUMENT_RENAME)
def rename(ls: AgentflowServer, params: types.RenameParams) -> types.WorkspaceEdit | None:
    parsed = ls.current(params.text_document.uri)
    if parsed is None or not _IDENTIFIER.fullmatch(params.new_name):
        return None
    symbol = parsed.index.at(offset(parsed.source, params.position))
    if symbol is None or parsed.index.taken(symbol, params.new_name):
        return None
    edits = [
        types.TextEdit(range=to_range(parsed.source, span), new_text=params.new_name)
        for span in parsed.index.spans_of(symbol)
    ]
    return types.WorkspaceEdit(changes={params.text_document.uri: edits})


@server.feature(
    types.TEXT_DOCUMENT_CODE_ACTION,
    types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.QuickFix]),
)
def code_actions(
    ls: AgentflowServer, params: types.CodeActionParams
) -> list[types.CodeAction] | None:
    uri = params.text_document.uri
    analysis = ls.state.analyses.get(uri)
    if analysis is None:
        return None
    source = analysis.source
    start, end = offset(source, params.range.start), offset(source, params.range.end)
    actions = []
    for diagnostic in analysis.diagnostics:
        if diagnostic.span.end < start or diagnostic.span.start > end:
            continue
        if diagnostic.suggestion is not None:
            span, replacement = diagnostic.suggestion.span, diagnostic.suggestion.replacement
        else:
            match = _SIMILAR.search(diagnostic.hint or "")
            if match is None:
                continue
            span, replacement = diagnostic.span, match.group(1)
        actions.append(
            types.CodeAction(
                title=f"replace with `{replacement}`" if replacement else "apply the fix",
                kind=types.CodeActionKind.QuickFix,
                diagnostics=[to_lsp(uri, diagnostic)],
                is_preferred=True,
                edit=types.WorkspaceEdit(
                    changes={
                        uri: [types.TextEdit(range=to_range(source, span), new_text=replacement)]
                    }
                ),
            )
        )
    return actions


def main() -> None:
    server.start_io()
