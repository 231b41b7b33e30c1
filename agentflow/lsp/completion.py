"""Completion by simple heuristics on the text before the cursor.

The text being typed rarely parses, so the names come from the last version of the
document that did, and the enclosing declaration is found by scanning lines upwards.
"""

from __future__ import annotations

import re

from lsprotocol import types

from agentflow.compiler.schema import SETTINGS
from agentflow.compiler.types import RecordT, Type, strip_optional
from agentflow.grammar import ast
from agentflow.lsp.symbols import SymbolIndex

TOP_LEVEL = ("agentflow", "model", "tool", "type", "role", "principal", "budget", "policy")
TOP_LEVEL_ALL = (*TOP_LEVEL, "agent", "workflow")
STATEMENTS = ("return", "fail", "if", "else", "switch", "case", "default", "try", "map", "iterate")
WORKFLOW_SETTINGS = ("run_as", "budget", "timeout", "max_nodes")
# a setting's name → the kinds of declaration its value names
SETTING_KINDS = {
    "model": ("model",),
    "fallback": ("model",),
    "tools": ("tool",),
    "roles": ("role",),
    "budget": ("budget",),
    "run_as": ("principal",),
    "output": ("type",),
}
CALLABLE = ("agent", "tool", "workflow")

_DECL_LINE = re.compile(r"^(model|tool|type|role|principal|budget|policy|agent|workflow)\b\s*(\w*)")
_ATTRIBUTE = re.compile(r"(\w+)\.(\w*)$")
_SETTING_VALUE = re.compile(r"^\s*(\w+)\s*=\s*(?:\[[\w\s,]*)?\w*$")
_KIND = {
    "model": types.CompletionItemKind.Class,
    "tool": types.CompletionItemKind.Function,
    "type": types.CompletionItemKind.Struct,
    "role": types.CompletionItemKind.Constant,
    "principal": types.CompletionItemKind.Constant,
    "budget": types.CompletionItemKind.Constant,
    "agent": types.CompletionItemKind.Function,
    "workflow": types.CompletionItemKind.Function,
    "param": types.CompletionItemKind.Variable,
    "binding": types.CompletionItemKind.Variable,
}


def enclosing(lines: list[str], line: int) -> tuple[str, str] | None:
    """The kind and name of the declaration around a 0-based line, from the text alone."""
    for text in reversed(lines[: line + 1]):
        match = _DECL_LINE.match(text)
        if match:
            return match.group(1), match.group(2)
        if text.startswith("}"):
            return None
    return None


def complete(
    lines: list[str],
    line: int,
    prefix: str,
    index: SymbolIndex | None,
    types_of: dict[tuple[str, str], Type],
) -> list[types.CompletionItem]:
    """Completion items for the cursor after `prefix` on a 0-based line."""
    around = enclosing(lines, line)
    kind, name = around if around else ("", "")
    if prefix.rfind("{{") > prefix.rfind("}}"):
        return _template_names(index, kind, name)
    attribute = _ATTRIBUTE.search(prefix)
    if attribute:
        if kind != "workflow":
            return []
        record = strip_optional(types_of.get((name, attribute.group(1)), RecordT(())))
        if not isinstance(record, RecordT):
            return []
        return [
            types.CompletionItem(f.name, kind=types.CompletionItemKind.Field, detail=str(f.type))
            for f in record.fields
        ]
    setting = _SETTING_VALUE.match(prefix)
    if setting and index is not None:
        kinds = SETTING_KINDS.get(setting.group(1))
        if kinds is None and kind != "workflow":
            return []
        symbols = [s for s in index.declarations() if s.kind in (kinds or CALLABLE)]
        if kinds is None:
            symbols += index.in_scope(name)
        return [_item(s.name, s.kind) for s in symbols]
    if re.fullmatch(r"\w*", prefix):
        return [_keyword(word) for word in TOP_LEVEL_ALL]
    if re.fullmatch(r"\s+\w*", prefix):
        if kind == "workflow":
            return [_keyword(word) for word in (*STATEMENTS, *WORKFLOW_SETTINGS)]
        return [
            types.CompletionItem(setting_name, kind=types.CompletionItemKind.Property)
            for setting_name in SETTINGS.get(kind, {})
        ]
    return []


def _template_names(index: SymbolIndex | None, kind: str, name: str) -> list[types.CompletionItem]:
    if index is None:
        return []
    if kind == "workflow":
        return [_item(s.name, s.kind) for s in index.in_scope(name)]
    symbol = index.get((None, name))
    if kind == "agent" and symbol is not None and isinstance(symbol.node, ast.AgentDecl):
        return [
            _item(f.name, "param")
            for item in symbol.node.body.items
            if isinstance(item, ast.InputBlock)
            for f in item.fields.fields
        ]
    return []


def _item(label: str, kind: str) -> types.CompletionItem:
    return types.CompletionItem(label, kind=_KIND.get(kind), detail=kind)


def _keyword(word: str) -> types.CompletionItem:
    return types.CompletionItem(word, kind=types.CompletionItemKind.Keyword)
