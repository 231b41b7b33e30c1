"""What hover shows: a declaration's one-line summary, a binding's type, a code's rule."""

from __future__ import annotations

import re

from agentflow.compiler.types import Type
from agentflow.grammar import ast
from agentflow.lsp.symbols import Symbol
from agentflow.source import Source, Span

_CODE = re.compile(r"AF\d{3}", re.IGNORECASE)
_SUMMARY_SETTINGS = {"model": ("provider", "name"), "tool": (), "budget": ("limit", "per")}
MAX_SUMMARY = 160


def text_of(source: Source, span: Span) -> str:
    """A node's text on one line: whitespace collapsed, line breaks between fields as commas."""
    lines = [" ".join(line.split()) for line in source.text[span.start : span.end].splitlines()]
    lines = [line for line in lines if line and not line.startswith("#")]
    joined = ""
    for line in lines:
        if (
            joined
            and not joined.endswith(("{", "[", "(", ","))
            and not line.startswith(("}", "]", ")"))
        ):
            joined += ","
        joined += (" " if joined else "") + line
    return joined


def summary(source: Source, symbol: Symbol, binding_type: Type | None = None) -> str:
    """One line describing a symbol, e.g. `agent researcher(topic: string) -> string`."""
    node = symbol.node
    if isinstance(node, ast.AgentDecl):
        inputs = ""
        output = "string"
        for item in node.body.items:
            if isinstance(item, ast.InputBlock):
                inputs = ", ".join(text_of(source, f.span) for f in item.fields.fields)
            elif isinstance(item, ast.OutputBlock):
                output = text_of(source, item.type.span)
            elif isinstance(item, ast.Setting) and item.name == "output":
                output = text_of(source, item.value.span)
        line = f"agent {node.name}({inputs}) -> {output}"
    elif isinstance(node, ast.WorkflowDecl):
        params = ", ".join(text_of(source, p.span) for p in node.params)
        line = f"workflow {node.name}({params}) -> {text_of(source, node.result.span)}"
    elif isinstance(node, ast.ToolDecl):
        line = f"tool {node.name} = {text_of(source, node.source.span)}"
    elif isinstance(node, ast.TypeDecl):
        line = f"type {node.name} = {text_of(source, node.fields.span)}"
    elif isinstance(node, ast.Param):
        line = f"(parameter) {text_of(source, node.span)}"
    elif isinstance(node, ast.Binding):
        line = f"(binding) {node.name}" + (f": {binding_type}" if binding_type else "")
    elif isinstance(node, ast.ModelDecl | ast.RoleDecl | ast.PrincipalDecl | ast.BudgetDecl):
        settings = ", ".join(text_of(source, s.span) for s in node.body.settings)
        line = f"{symbol.kind} {node.name}" + (f" {{ {settings} }}" if settings else "")
    else:
        line = f"{symbol.kind} {symbol.name}"
    return line if len(line) <= MAX_SUMMARY else line[: MAX_SUMMARY - 1] + "…"


def code_in_comment(line: str, column: int) -> str | None:
    """The diagnostic code under a column of a line, if it stands inside a `#` comment."""
    hash_at = line.find("#")
    if hash_at == -1 or column < hash_at:
        return None
    for match in _CODE.finditer(line, hash_at):
        if match.start() <= column <= match.end():
            return match.group(0).upper()
    return None
