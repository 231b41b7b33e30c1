"""The formatter: an AST plus its comments back to canonical text (`agentflow fmt`).

The printer builds a small Wadler/Prettier-style document (text, groups that print flat
when they fit, indentation, soft and hard line breaks, comments deferred to the end of a
line) and renders it to at most `LINE_WIDTH` columns where it can.

Layout
------
- `agentflow 1` first, then exactly one blank line between top-level declarations. A
  comment block directly above a declaration stays attached to it; a blank line between
  a comment block and what follows is kept. Output uses `\\n` line endings, no trailing
  white space outside `\"\"\"` strings, and ends with one newline.
- Two-space indentation; one setting, field or statement per line; `name = value` with
  single spaces (no column alignment). Inside bodies, a blank line between two items is
  kept (at most one); blank lines just after `{` or just before `}` are dropped.
- A declaration body with a single item stays on one line if it fits
  (`model local { provider = offline }`); two or more items are always one per line,
  without commas. A `type` declaration follows the same rule for its fields.
- Groups print on one line when they fit in 100 columns, else one element per line:
  lists, record literals, call arguments and workflow parameters then get a trailing
  comma; bodies, record types and per-node settings get no commas (commas there are
  optional); type arguments (`map[...]`) get none after the last (the grammar has no
  trailing comma there). A group that holds a comment always breaks, so each comment
  keeps its element.
- Input/output records and inline record types: `{ a: string, b: int }` when they fit.
  `output` with a record is printed `output { ... }`, like `input`.
- Types: `list[string]`, `string?`, `(string?)?`, `"low" | "normal" | "urgent"`, and an
  optional enum as `"a" | "b"?` (the grammar's own form: the `?` covers the whole enum).
- Expressions: binary operators and unary `-`/`not` never break; parentheses appear
  exactly where precedence (or, and, not, comparison, ??, + -, * /, unary -, postfix)
  and associativity require them: `(a + b) * c`, `a - (b - c)`, `(a ?? b) ?? c`,
  `(a < b) == c`, `-(not x)`. Redundant parentheses are dropped.
- Workflows: `if c {` ... `} else if d {` ... `} else {` ... `}` (always multi-line);
  `switch x {` with `"a" => { ... }` cases and a last `else => { ... }` case: a case
  whose block has one statement stays on one line if it fits, like a declaration body.
  Per-node settings come after the call on the same line if they fit, then `when`. A
  `map` or `iterate` too long for its line breaks before `=>` (and `until`), indented.
- Literals are printed from their source spelling (`1_000`, `$0.50`, `30/min`, escapes,
  quoted record keys). A `\"\"\"` string spanning lines is re-indented: its content two
  spaces deeper than the line it starts on, the closing quotes level with that line (a
  one-line `\"\"\"` string is left alone). When re-indenting would change the decoded
  value (a string of only white space, white-space-only lines deeper than the common
  indentation in some layouts) the string is kept exactly as written.

Comments
--------
Every comment is kept, in order. A comment on its own line stays on its own line before
whatever follows it (or before the closing bracket). A comment after code stays at the
end of that line, one space after the code. A comment between the tokens of something
that prints on one line (inside an expression, between a keyword and its operand) ends
that line where it was, and the rest continues on the next line, indented two more. A
comment between `}` and `else` moves just above that `}`. Trailing white space (and a
stray `\\r`) is stripped from comments.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from agentflow.diagnostics import Diagnostic, DiagnosticSink
from agentflow.grammar import ast
from agentflow.grammar.strings import decode_string
from agentflow.source import Source, Span

LINE_WIDTH = 100
INDENT = 2
_RECURSION_LIMIT = 10_000

__all__ = ["LINE_WIDTH", "FormatResult", "format_program", "format_source"]


# ============================================================ results


@dataclass(frozen=True)
class FormatResult:
    """The formatted text (None when the source has syntax errors) and the diagnostics."""

    text: str | None
    diagnostics: list[Diagnostic]
    original: str = ""

    @property
    def changed(self) -> bool:
        """Whether formatting changed the text."""
        return self.text is not None and self.text != self.original


def format_source(source: Source) -> FormatResult:
    """Parse and format a source; never raises on any input."""
    from agentflow.grammar.parser import parse

    sink = DiagnosticSink(source)
    try:
        program = parse(source, sink)
        text = format_program(program, source) if program is not None else None
    except RecursionError:
        sink.report(
            "AF009",
            Span(0, 0),
            "the program is nested too deeply to format",
            hint="split long expressions into named bindings",
        )
    except Exception as error:  # formatting must never show a traceback
        sink.report(
            "AF000",
            Span(0, 0),
            f"internal error while formatting: {type(error).__name__}: {error}",
            hint="please report this with the file that caused it",
        )
    else:
        return FormatResult(text, sink.sorted(), source.text)
    return FormatResult(None, sink.sorted(), source.text)


def format_program(program: ast.Program, source: Source) -> str:
    """The canonical text of a parsed program (`source` is the text it was parsed from)."""
    with _recursion_limit(_RECURSION_LIMIT):
        doc = _Printer(program, source).program(program)
    text = _Renderer(LINE_WIDTH).render(doc)
    return text + "\n" if text else ""


@contextmanager
def _recursion_limit(limit: int) -> Iterator[None]:
    """Allow deeper recursion for a while: the parser accepts 200 levels of brackets, and
    the printer spends a few Python frames per level (which use no C stack in 3.11+)."""
    old = sys.getrecursionlimit()
    if old >= limit:
        yield
        return
    sys.setrecursionlimit(limit)
    try:
        yield
    finally:
        sys.setrecursionlimit(old)


# ============================================================ documents


class _Doc:
    """A document node; `hard` means it forces every enclosing group to break."""

    __slots__ = ("hard",)
    hard: bool


Doc = str | _Doc


class _Concat(_Doc):
    __slots__ = ("parts",)

    def __init__(self, parts: tuple[Doc, ...]) -> None:
        self.parts = parts
        self.hard = any(not isinstance(p, str) and p.hard for p in parts)


class _Group(_Doc):
    """Printed flat if it fits on the rest of the line (and holds nothing hard)."""

    __slots__ = ("contents",)

    def __init__(self, contents: Doc) -> None:
        self.contents = contents
        self.hard = not isinstance(contents, str) and contents.hard


class _Indent(_Doc):
    __slots__ = ("contents",)

    def __init__(self, contents: Doc) -> None:
        self.contents = contents
        self.hard = not isinstance(contents, str) and contents.hard


class _Line(_Doc):
    """`soft`: nothing when flat; `line`: a space when flat; `hard`: always a newline;
    `blank`: an empty line, only when the enclosing group is broken."""

    __slots__ = ("kind",)

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.hard = kind == "hard"


class _IfBreak(_Doc):
    __slots__ = ("broken", "flat")

    def __init__(self, broken: str, flat: str) -> None:
        self.broken = broken
        self.flat = flat
        self.hard = False


class _LineSuffix(_Doc):
    """A comment printed at the end of the current line."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text
        self.hard = True


class _OwnComment(_Doc):
    """A comment on a line of its own (always placed right after a line break)."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text
        self.hard = True


class _LongString(_Doc):
    """A `\"\"\"` string spanning lines, re-indented at render time when that is safe."""

    __slots__ = ("bad", "lines", "raw", "value")

    def __init__(self, literal: ast.StringLit) -> None:
        self.raw = literal.raw
        self.value = literal.value
        self.bad = len(literal.bad_escapes)
        self.lines = _dedented_lines(literal.raw[3:-3])
        self.hard = True

    def text(self, indent: int) -> str:
        pad = " " * (indent + INDENT)
        body = "\n".join(pad + line if line else "" for line in self.lines)
        candidate = '"""\n' + body + "\n" + " " * indent + '"""'
        decoded = decode_string(candidate)
        if decoded.value == self.value and len(decoded.bad_escapes) == self.bad:
            return candidate
        return self.raw


SOFT = _Line("soft")
LINE = _Line("line")
HARD = _Line("hard")
BLANK = _Line("blank")


def cat(*parts: Doc | None) -> Doc:
    """Concatenate documents (None and empty strings are skipped)."""
    kept = tuple(p for p in parts if p is not None and p != "")
    if not kept:
        return ""
    if len(kept) == 1:
        return kept[0]
    return _Concat(kept)


def _dedented_lines(content: str) -> list[str]:
    """The lines of long-string content after the language's dedent, escapes untouched."""
    lines = content.split("\n")
    if len(lines) > 1 and not lines[0].strip():
        lines.pop(0)
    if len(lines) > 1 and not lines[-1].strip():
        lines.pop()
    indents = [len(line) - len(line.lstrip(" \t")) for line in lines if line.strip()]
    indent = min(indents, default=0)
    return [line[min(indent, len(line) - len(line.lstrip(" \t"))) :] for line in lines]


# ============================================================ rendering

_FLAT = False
_BREAK = True
_Command = tuple[int, bool, Doc]


class _Renderer:
    """Lays a document out in a fixed width (Prettier's algorithm, without recursion)."""

    def __init__(self, width: int) -> None:
        self.width = width
        self.lines: list[str] = []
        self.line: list[str] = []
        self.column = 0
        self.suffix: list[str] = []

    def render(self, doc: Doc) -> str:
        commands: list[_Command] = [(0, _BREAK, doc)]
        while commands:
            indent, mode, node = commands.pop()
            if isinstance(node, str):
                self._write(node)
            elif isinstance(node, _Concat):
                commands.extend((indent, mode, part) for part in reversed(node.parts))
            elif isinstance(node, _Indent):
                commands.append((indent + INDENT, mode, node.contents))
            elif isinstance(node, _Group):
                if node.hard:
                    commands.append((indent, _BREAK, node.contents))
                elif mode is _FLAT:
                    commands.append((indent, _FLAT, node.contents))
                else:
                    flat: _Command = (indent, _FLAT, node.contents)
                    fits = self._fits(flat, commands, self.width - self.column)
                    commands.append(flat if fits else (indent, _BREAK, node.contents))
            elif isinstance(node, _Line):
                self._line(node.kind, mode, indent)
            elif isinstance(node, _IfBreak):
                self._write(node.broken if mode is _BREAK else node.flat)
            elif isinstance(node, _LineSuffix):
                self.suffix.append(node.text)
            elif isinstance(node, _OwnComment):
                self._write(node.text)
            elif isinstance(node, _LongString):
                self._write(node.text(indent))
        self._newline(0)
        return "\n".join(self.lines).rstrip("\n")

    def _line(self, kind: str, mode: bool, indent: int) -> None:
        if mode is _FLAT and kind != "hard":
            if kind == "line":
                self._write(" ")
        elif kind == "blank":
            self._newline(0)
        else:
            self._newline(indent)

    def _write(self, text: str) -> None:
        if "\n" not in text:
            self.line.append(text)
            self.column += len(text)
            return
        # A long string: its inner lines are kept byte for byte, and comments waiting for
        # the end of the line wait for the line the string ends on.
        first, *middle, last = text.split("\n")
        self.lines.append("".join(self.line) + first)
        self.lines.extend(middle)
        self.line = [last]
        self.column = len(last)

    def _newline(self, indent: int) -> None:
        self._end_line(indent)
        self.line = [" " * indent]
        self.column = indent

    def _end_line(self, next_indent: int) -> None:
        current = "".join(self.line).rstrip(" \t")
        after: list[str] = []
        if self.suffix:
            first, *rest = self.suffix
            current = f"{current} {first}" if current.strip() else current + first
            # Two comments cannot share a line: later ones go on their own lines.
            after = [" " * next_indent + text for text in rest]
            self.suffix = []
        self.lines.append(current)
        self.lines.extend(after)
        self.line = []

    @staticmethod
    def _fits(next_command: _Command, rest: list[_Command], width: int) -> bool:
        """Whether `next_command`, flat, and what follows up to the next break fit."""
        stack = [next_command]
        remaining = width
        rest_index = len(rest)
        while remaining >= 0:
            if not stack:
                if rest_index == 0:
                    return True
                rest_index -= 1
                stack.append(rest[rest_index])
                continue
            indent, mode, node = stack.pop()
            if isinstance(node, str):
                remaining -= len(node)
            elif isinstance(node, _Concat):
                stack.extend((indent, mode, part) for part in reversed(node.parts))
            elif isinstance(node, _Indent):
                stack.append((indent, mode, node.contents))
            elif isinstance(node, _Group):
                stack.append((indent, _BREAK if node.hard else mode, node.contents))
            elif isinstance(node, _Line):
                if mode is _BREAK or node.kind == "hard":
                    return True
                if node.kind == "line":
                    remaining -= 1
            elif isinstance(node, _IfBreak):
                remaining -= len(node.broken if mode is _BREAK else node.flat)
            elif isinstance(node, (_OwnComment, _LongString)):
                return remaining >= 3
        return False


# ============================================================ building the document

_LEVEL = {
    "or": 1,
    "and": 2,
    "==": 4,
    "!=": 4,
    "<": 4,
    "<=": 4,
    ">": 4,
    ">=": 4,
    "in": 4,
    "not in": 4,
    "??": 5,
    "+": 6,
    "-": 6,
    "*": 7,
    "/": 7,
}
_NOT, _COMPARE, _COALESCE, _NEGATE, _POSTFIX, _ATOM = 3, 4, 5, 8, 9, 10

# What may stand between an element and its trailing comment: white space, or closing
# parentheses of the element itself followed by its comma.
_TRAILING_GAP = re.compile(r"(?:[ \t\r)]*,)?[ \t\r]*")
_BLANK_LINE = re.compile(r"\n[ \t\r,]*\n")

_Entry = tuple[int, int, Callable[[Any], Doc], Any]  # start, end, printer, node


def _level(node: Any) -> int:
    kind = type(node).__name__
    if kind == "Binary":
        return _LEVEL[node.op]
    if kind == "Unary":
        return _NOT if node.op == "not" else _NEGATE
    if kind in ("Attribute", "Index"):
        return _POSTFIX
    return _ATOM


def _is(node: Any, *kinds: str) -> bool:
    return type(node).__name__ in kinds


class _Printer:
    """Builds the document of one program, placing comments as it walks in source order."""

    def __init__(self, program: ast.Program, source: Source) -> None:
        self.text = source.text
        unique = {c.span: c for c in program.comments}
        self.comments = sorted(unique.values(), key=lambda c: (c.span.start, c.span.end))
        self.next = 0

    def node(self, node: Any) -> Doc:
        """Dispatch on the node's class name."""
        method: Callable[[Any], Doc] = getattr(self, f"_print_{type(node).__name__}")
        return method(node)

    # ---------------------------------------------------------------- comments

    def _take_before(self, offset: int) -> list[ast.Comment]:
        taken: list[ast.Comment] = []
        while self.next < len(self.comments) and self.comments[self.next].span.start < offset:
            taken.append(self.comments[self.next])
            self.next += 1
        return taken

    def _take_trailing(self, end: int) -> ast.Comment | None:
        """The comment after `end` on the same line, with only a comma between."""
        if self.next < len(self.comments):
            comment = self.comments[self.next]
            start = comment.span.start
            if start >= end and _TRAILING_GAP.fullmatch(self.text, end, start):
                self.next += 1
                return comment
        return None

    def _interior(self, offset: int) -> Doc | None:
        """Comments before `offset` inside one-line code: end the line there and go on."""
        comments = self._take_before(offset)
        if not comments:
            return None
        parts: list[Doc] = [_LineSuffix(_comment_text(comments[0]))]
        for comment in comments[1:]:
            parts += [_Indent(HARD), _OwnComment(_comment_text(comment))]
        parts.append(_Indent(HARD))
        return cat(*parts)

    def _sp(self, offset: int) -> Doc:
        """The space before the token at `offset` (or the comments before it)."""
        return self._interior(offset) or " "

    def _nsp(self, offset: int) -> Doc:
        """Nothing before the token at `offset` (or the comments before it)."""
        return self._interior(offset) or ""

    def _keyword(self, word: str, after: int, child: Any, *, breakable: bool = False) -> Doc:
        """` word child`; comments before the keyword stay before it, others after it.
        With `breakable`, the space before the keyword is a line break in a broken group."""
        at = self._find(word, after, child.span.start)
        before = self._interior(at) or (LINE if breakable else " ")
        return cat(before, word, self._sp(child.span.start), self.node(child))

    def _before_break(self, offset: int) -> Doc:
        """Comments before `offset`, where a line break follows anyway."""
        comments = self._take_before(offset)
        if not comments:
            return ""
        parts: list[Doc] = [_LineSuffix(_comment_text(comments[0]))]
        for comment in comments[1:]:
            parts += [HARD, _OwnComment(_comment_text(comment))]
        return cat(*parts)

    def _leftovers(self, end: int) -> Doc:
        """Comments inside an item that nothing placed yet (kept at the end of its line)."""
        return cat(*(_LineSuffix(_comment_text(c)) for c in self._take_before(end)))

    def _entries(self, nodes: Sequence[Any]) -> list[_Entry]:
        return [(node.span.start, node.span.end, self.node, node) for node in nodes]

    def _find(self, token: str, start: int, end: int) -> int:
        """The offset of `token` between two nodes (skipping comments), else `start`."""
        text = self.text
        i = start
        while i < end:
            if text[i] == "#":
                newline = text.find("\n", i)
                if newline == -1:
                    break
                i = newline
            elif text.startswith(token, i):
                return i
            i += 1
        return start

    def _blank_between(self, start: int, end: int) -> bool:
        return _BLANK_LINE.search(self.text, start, max(start, end)) is not None

    # ---------------------------------------------------------------- sequences

    def _seq(
        self,
        entries: Sequence[_Entry],
        opener: str,
        closer: str,
        open_end: int,
        close_at: int,
        *,
        hard: bool = False,
        pad: bool = False,
        commas: str = "all",
    ) -> Doc:
        """A bracketed sequence: one line if it fits, else one element per line.

        `commas`: "all" (between, plus a trailing one when broken), "between" (never
        trailing), "flat" (between, only when on one line), "none".
        """
        edge = HARD if hard else (LINE if pad else SOFT)
        head: list[Doc] = [opener]
        prev_end = open_end
        opener_comment = self._take_trailing(open_end)
        if opener_comment:
            head.append(_LineSuffix(_comment_text(opener_comment)))
            prev_end = opener_comment.span.end
        inner: list[Doc] = []

        def separate(start: int) -> None:
            if not inner:
                inner.append(edge)
                return
            if self._blank_between(prev_end, start):
                inner.append(BLANK)
            inner.append(HARD if hard else LINE)

        for i, (start, end, build, item) in enumerate(entries):
            for comment in self._take_before(start):
                separate(comment.span.start)
                inner.append(_OwnComment(_comment_text(comment)))
                prev_end = comment.span.end
            separate(start)
            inner.append(build(item))
            inner.append(self._leftovers(end))
            last = i == len(entries) - 1
            if commas == "all":
                inner.append(_IfBreak(",", "") if last else ",")
            elif commas == "between" and not last:
                inner.append(",")
            elif commas == "flat" and not last:
                inner.append(_IfBreak("", ","))
            prev_end = end
            trailing = self._take_trailing(end)
            if trailing:
                inner.append(_LineSuffix(_comment_text(trailing)))
                prev_end = trailing.span.end
        for comment in self._take_before(close_at):
            separate(comment.span.start)
            inner.append(_OwnComment(_comment_text(comment)))
            prev_end = comment.span.end
        if not inner and len(head) == 1:
            return opener + closer
        doc = cat(*head, _Indent(cat(*inner)), edge, closer)
        return doc if hard else _Group(doc)

    # ---------------------------------------------------------------- file

    def program(self, program: ast.Program) -> Doc:
        items: list[_Entry] = []
        header = program.header
        if header is not None:
            items.append((header.span.start, header.span.end, self._header, header))
        items += self._entries(program.declarations)
        parts: list[Doc] = []
        prev_end = 0

        def separate(start: int, force_blank: bool) -> None:
            if parts:
                if force_blank or self._blank_between(prev_end, start):
                    parts.append(BLANK)
                parts.append(HARD)

        for i, (start, end, build, item) in enumerate(items):
            comments = self._take_before(start)
            for j, comment in enumerate(comments):
                separate(comment.span.start, force_blank=i > 0 and j == 0)
                parts.append(_OwnComment(_comment_text(comment)))
                prev_end = comment.span.end
            separate(start, force_blank=i > 0 and not comments)
            parts.append(build(item))
            parts.append(self._leftovers(end))
            prev_end = end
            trailing = self._take_trailing(end)
            if trailing:
                parts.append(_LineSuffix(_comment_text(trailing)))
                prev_end = trailing.span.end
        for comment in self._take_before(len(self.text) + 1):
            separate(comment.span.start, force_blank=False)
            parts.append(_OwnComment(_comment_text(comment)))
            prev_end = comment.span.end
        return cat(*parts)

    def _header(self, header: ast.Header) -> Doc:
        return cat("agentflow", self._sp(header.version.span.start), header.version.raw)

    # ---------------------------------------------------------------- declarations

    def _named(self, keyword: str, name: str, name_span: Span, rest: Callable[[], Doc]) -> Doc:
        return cat(keyword, self._sp(name_span.start), name, rest())

    def _body(self, body: ast.Body) -> Doc:
        entries = self._entries(body.items)
        return self._seq(
            entries,
            "{",
            "}",
            body.span.start + 1,
            body.span.end,
            hard=len(entries) > 1,
            pad=True,
            commas="flat",
        )

    def _with_body(self, keyword: str, decl: Any) -> Doc:
        body: ast.Body = decl.body
        return self._named(
            keyword,
            decl.name,
            decl.name_span,
            lambda: cat(self._sp(body.span.start), self._body(body)),
        )

    def _print_ModelDecl(self, decl: ast.ModelDecl) -> Doc:
        return self._with_body("model", decl)

    def _print_RoleDecl(self, decl: ast.RoleDecl) -> Doc:
        return self._with_body("role", decl)

    def _print_PrincipalDecl(self, decl: ast.PrincipalDecl) -> Doc:
        return self._with_body("principal", decl)

    def _print_BudgetDecl(self, decl: ast.BudgetDecl) -> Doc:
        return self._with_body("budget", decl)

    def _print_AgentDecl(self, decl: ast.AgentDecl) -> Doc:
        return self._with_body("agent", decl)

    def _print_PolicyDecl(self, decl: ast.PolicyDecl) -> Doc:
        return cat("policy", self._sp(decl.body.span.start), self._body(decl.body))

    def _print_ToolDecl(self, decl: ast.ToolDecl) -> Doc:
        def rest() -> Doc:
            source = self._keyword("=", decl.name_span.end, decl.source)
            if decl.body is None:
                return source
            return cat(source, self._sp(decl.body.span.start), self._body(decl.body))

        return self._named("tool", decl.name, decl.name_span, rest)

    def _print_StdlibSource(self, source: ast.StdlibSource) -> Doc:
        return cat(source.namespace, self._nsp(source.name_span.start), ".", source.name)

    def _print_PythonSource(self, source: ast.PythonSource) -> Doc:
        target = source.target
        return cat(
            source.kind,
            "(",
            self._nsp(target.span.start),
            target.raw,
            self._nsp(source.span.end),
            ")",
        )

    def _print_TypeDecl(self, decl: ast.TypeDecl) -> Doc:
        fields = decl.fields
        return self._named(
            "type",
            decl.name,
            decl.name_span,
            lambda: cat(
                self._sp(fields.span.start), self._record_type(fields, hard=len(fields.fields) > 1)
            ),
        )

    def _print_WorkflowDecl(self, decl: ast.WorkflowDecl) -> Doc:
        result_start = decl.result.span.start

        def rest() -> Doc:
            params = decl.params
            first = params[0].span.start if params else result_start
            open_at = self._find("(", decl.name_span.end, first)
            last_end = params[-1].span.end if params else open_at + 1
            close_at = self._find(")", last_end, result_start)
            entries = self._entries(params)
            head = cat(self._nsp(open_at), self._seq(entries, "(", ")", open_at + 1, close_at))
            arrow = self._find("->", close_at, result_start)
            return cat(
                head,
                self._sp(arrow),
                "->",
                self._sp(result_start),
                self._type(decl.result),
                self._sp(decl.body.span.start),
                self._block(decl.body),
            )

        return self._named("workflow", decl.name, decl.name_span, rest)

    def _print_Param(self, param: ast.Param) -> Doc:
        return self._typed(param.name, param.type, param.default)

    def _typed(self, name: str, type_: ast.TypeExpr, default: ast.Expr | None) -> Doc:
        doc = cat(name, ":", self._sp(type_.span.start), self._type(type_))
        if default is None:
            return doc
        return cat(doc, self._keyword("=", type_.span.end, default))

    # ---------------------------------------------------------------- body items

    def _print_Setting(self, setting: ast.Setting) -> Doc:
        return cat(setting.name, self._keyword("=", setting.name_span.end, setting.value))

    def _print_InputBlock(self, block: ast.InputBlock) -> Doc:
        return cat("input", self._sp(block.fields.span.start), self._record_type(block.fields))

    def _print_OutputBlock(self, block: ast.OutputBlock) -> Doc:
        if _is(block.type, "RecordType"):
            return cat("output", self._sp(block.type.span.start), self._type(block.type))
        return cat("output =", self._sp(block.type.span.start), self._type(block.type))

    # ---------------------------------------------------------------- types

    def _type(self, type_: ast.TypeExpr) -> Doc:
        return self.node(type_)

    def _print_TypeName(self, type_: ast.TypeName) -> Doc:
        return type_.name

    def _print_TypeApp(self, type_: ast.TypeApp) -> Doc:
        args = type_.arguments
        name_end = type_.span.start + len(type_.name)
        open_at = self._find("[", name_end, args[0].span.start if args else type_.span.end)
        entries = self._entries(args)
        seq = self._seq(entries, "[", "]", open_at + 1, type_.span.end, commas="between")
        return cat(type_.name, self._nsp(open_at), seq)

    def _print_RecordType(self, type_: ast.RecordType) -> Doc:
        return self._record_type(type_)

    def _record_type(self, type_: ast.RecordType, *, hard: bool = False) -> Doc:
        entries = self._entries(type_.fields)
        return self._seq(
            entries,
            "{",
            "}",
            type_.span.start + 1,
            type_.span.end,
            hard=hard,
            pad=True,
            commas="flat",
        )

    def _print_Field(self, field: ast.Field) -> Doc:
        return self._typed(field.name, field.type, field.default)

    def _print_EnumType(self, type_: ast.EnumType) -> Doc:
        first, *rest = type_.members
        parts: list[Doc] = [first.raw]
        for member in rest:
            parts += [" |", self._sp(member.span.start), member.raw]
        return cat(*parts)

    def _print_OptionalType(self, type_: ast.OptionalType) -> Doc:
        inner = self._type(type_.inner)
        if _is(type_.inner, "OptionalType"):
            inner = cat("(", inner, ")")
        return cat(inner, self._nsp(type_.span.end), "?")

    # ---------------------------------------------------------------- workflow bodies

    def _block(self, block: ast.Block, *, hard: bool = True, close_at: int | None = None) -> Doc:
        entries = self._entries(block.statements)
        end = block.span.end if close_at is None else close_at
        return self._seq(
            entries, "{", "}", block.span.start + 1, end, hard=hard, pad=True, commas="flat"
        )

    def _print_Binding(self, binding: ast.Binding) -> Doc:
        value = binding.value
        parts: list[Doc] = [binding.name, self._keyword("=", binding.name_span.end, value)]
        end = value.span.end
        if binding.settings is not None:
            parts += [self._sp(binding.settings.span.start), self.node(binding.settings)]
            end = binding.settings.span.end
        if binding.guard is not None:
            parts.append(self._keyword("when", end, binding.guard))
        return cat(*parts)

    def _print_NodeSettings(self, settings: ast.NodeSettings) -> Doc:
        entries = self._entries(settings.settings)
        return self._seq(
            entries, "{", "}", settings.span.start + 1, settings.span.end, pad=True, commas="flat"
        )

    def _print_TryCall(self, node: ast.TryCall) -> Doc:
        return cat("try", self._sp(node.call.span.start), self.node(node.call))

    def _print_MapCall(self, node: ast.MapCall) -> Doc:
        parts: list[Doc] = ["map", self._sp(node.item.span.start), node.item.name]
        parts.append(self._keyword("in", node.item.span.end, node.iterable))
        end = node.iterable.span.end
        if node.concurrency is not None:
            parts.append(self._keyword("concurrency", end, node.concurrency))
            end = node.concurrency.span.end
        call = self._keyword("=>", end, node.call, breakable=True)
        return _Group(cat(*parts, _Indent(call)))

    def _print_IterateCall(self, node: ast.IterateCall) -> Doc:
        head = cat(
            "iterate",
            self._sp(node.variable.span.start),
            node.variable.name,
            self._keyword("=", node.variable.span.end, node.initial),
        )
        tail = cat(
            self._keyword("until", node.initial.span.end, node.until, breakable=True),
            self._keyword("max", node.until.span.end, node.max),
            self._keyword("=>", node.max.span.end, node.call, breakable=True),
        )
        return _Group(cat(head, _Indent(tail)))

    def _print_WorkflowSetting(self, setting: ast.WorkflowSetting) -> Doc:
        return cat(setting.name, self._keyword("=", setting.name_span.end, setting.value))

    def _print_If(self, node: ast.If) -> Doc:
        parts: list[Doc] = []
        current: Any = node
        while current is not None:
            condition = current.condition
            parts += ["if", self._sp(condition.span.start), self.node(condition)]
            parts.append(self._sp(current.then.span.start))
            otherwise = current.otherwise
            if otherwise is None:
                parts.append(self._block(current.then))
                break
            else_at = self._find("else", current.then.span.end, otherwise.span.start)
            parts += [self._block(current.then, close_at=else_at), " else"]
            parts.append(self._sp(otherwise.span.start))
            if _is(otherwise, "If"):
                current = otherwise
            else:
                parts.append(self._block(otherwise))
                current = None
        return cat(*parts)

    def _print_Switch(self, node: ast.Switch) -> Doc:
        subject = node.subject
        entries: list[_Entry] = []
        for case in node.cases:
            entries.append((case.span.start, case.span.end, self._case, case))
        first = node.cases[0].span.start if node.cases else None
        default = node.default
        else_at = None
        if default is not None:
            prev = node.cases[-1].span.end if node.cases else subject.span.end
            else_at = self._find("else", prev, default.span.start)
            entries.append((else_at, default.span.end, self._default_case, default))
        if first is None:
            first = else_at if else_at is not None else node.span.end
        open_at = self._find("{", subject.span.end, first)
        cases = self._seq(entries, "{", "}", open_at + 1, node.span.end, hard=True, commas="none")
        return cat(
            "switch",
            self._sp(subject.span.start),
            self.node(subject),
            self._sp(open_at),
            cases,
        )

    def _case(self, case: ast.SwitchCase) -> Doc:
        body = case.body
        return cat(
            case.label.raw,
            " =>",
            self._sp(body.span.start),
            self._block(body, hard=len(body.statements) != 1),
        )

    def _default_case(self, block: ast.Block) -> Doc:
        return cat(
            "else =>",
            self._sp(block.span.start),
            self._block(block, hard=len(block.statements) != 1),
        )

    def _print_Return(self, node: ast.Return) -> Doc:
        return cat("return", self._sp(node.value.span.start), self.node(node.value))

    def _print_Fail(self, node: ast.Fail) -> Doc:
        parts: list[Doc] = ["fail", self._sp(node.message.span.start), self.node(node.message)]
        if node.guard is not None:
            parts.append(self._keyword("when", node.message.span.end, node.guard))
        return cat(*parts)

    # ---------------------------------------------------------------- expressions

    def _operand(self, node: ast.Expr, minimum: int) -> Doc:
        doc = self.node(node)
        return cat("(", doc, ")") if _level(node) < minimum else doc

    def _print_Binary(self, node: ast.Binary) -> Doc:
        level = _LEVEL[node.op]
        operands: list[ast.Expr] = []
        ops: list[str] = []
        current: Any = node
        if level == _COMPARE:  # non-associative
            operands, ops = [node.left, node.right], [node.op]
            minimums = [level + 1, level + 1]
        elif level == _COALESCE:  # right-associative: walk down the right spine
            while _is(current, "Binary") and _LEVEL[current.op] == level:
                operands.append(current.left)
                ops.append(current.op)
                current = current.right
            operands.append(current)
            minimums = [level + 1] * (len(operands) - 1) + [level]
        else:  # left-associative: walk down the left spine
            while _is(current, "Binary") and _LEVEL[current.op] == level:
                operands.append(current.right)
                ops.append(current.op)
                current = current.left
            operands.append(current)
            operands.reverse()
            ops.reverse()
            minimums = [level] + [level + 1] * len(ops)
        parts: list[Doc] = [self._operand(operands[0], minimums[0])]
        for op, left, right, minimum in zip(
            ops, operands, operands[1:], minimums[1:], strict=False
        ):
            op_at = self._find(op.split()[0], left.span.end, right.span.start)
            parts += [self._sp(op_at), op, self._sp(right.span.start)]
            parts.append(self._operand(right, minimum))
        return cat(*parts)

    def _print_Unary(self, node: ast.Unary) -> Doc:
        parts: list[Doc] = []
        current: Any = node
        while _is(current, "Unary"):
            op: str = current.op
            operand: ast.Expr = current.operand
            minimum = _NOT if op == "not" else _NEGATE
            gap = self._sp(operand.span.start) if op == "not" else self._nsp(operand.span.start)
            parts += [op, gap]
            if _level(operand) < minimum:
                parts.append(cat("(", self.node(operand), ")"))
                break
            current = operand
        else:
            parts.append(self.node(current))
        return cat(*parts)

    def _postfix(self, node: ast.Attribute | ast.Index) -> Doc:
        chain: list[Any] = []
        current: Any = node
        while _is(current, "Attribute", "Index"):
            chain.append(current)
            current = current.target
        parts: list[Doc] = [self._operand(current, _POSTFIX)]
        for link in reversed(chain):
            if _is(link, "Attribute"):
                parts += [self._nsp(link.name_span.start), ".", link.name]
            else:
                index = link.index
                parts += ["[", self._nsp(index.span.start), self.node(index)]
                parts += [self._nsp(link.span.end), "]"]
        return cat(*parts)

    def _print_Attribute(self, node: ast.Attribute) -> Doc:
        return self._postfix(node)

    def _print_Index(self, node: ast.Index) -> Doc:
        return self._postfix(node)

    def _print_Call(self, node: ast.Call) -> Doc:
        args = node.arguments
        callee_end = node.callee.span.end
        open_at = self._find("(", callee_end, args[0].span.start if args else node.span.end)
        entries = self._entries(args)
        seq = self._seq(entries, "(", ")", open_at + 1, node.span.end)
        return cat(node.callee.name, self._nsp(open_at), seq)

    def _print_Argument(self, argument: ast.Argument) -> Doc:
        value = self.node(argument.value)
        if argument.name is None:
            return value
        return cat(argument.name, ":", self._sp(argument.value.span.start), value)

    def _print_ListLit(self, node: ast.ListLit) -> Doc:
        entries = self._entries(node.items)
        return self._seq(entries, "[", "]", node.span.start + 1, node.span.end)

    def _print_RecordLit(self, node: ast.RecordLit) -> Doc:
        entries = self._entries(node.entries)
        return self._seq(entries, "{", "}", node.span.start + 1, node.span.end, pad=True)

    def _print_Entry(self, entry: ast.Entry) -> Doc:
        key = self.text[entry.key_span.start : entry.key_span.end]
        return cat(key, ":", self._sp(entry.value.span.start), self.node(entry.value))

    def _print_Comprehension(self, node: ast.Comprehension) -> Doc:
        element, iterable, condition = node.element, node.iterable, node.condition
        head: list[Doc] = ["["]
        opener = self._take_trailing(node.span.start + 1)
        if opener:
            head.append(_LineSuffix(_comment_text(opener)))
        inner: list[Doc] = [SOFT]
        for comment in self._take_before(element.span.start):
            inner += [_OwnComment(_comment_text(comment)), HARD]
        inner.append(self.node(element))
        first = node.targets[0]
        inner += [self._before_break(self._find("for", element.span.end, first.span.start))]
        inner += [LINE, "for", self._sp(first.span.start), first.name]
        for previous, target in zip(node.targets, node.targets[1:], strict=False):
            inner += [self._nsp(self._find(",", previous.span.end, target.span.start)), ","]
            inner += [self._sp(target.span.start), target.name]
        inner.append(self._keyword("in", node.targets[-1].span.end, iterable))
        if condition is not None:
            inner.append(
                self._before_break(self._find("if", iterable.span.end, condition.span.start))
            )
            inner += [LINE, "if", self._sp(condition.span.start), self.node(condition)]
        inner.append(self._before_break(node.span.end))
        return _Group(cat(*head, _Indent(cat(*inner)), SOFT, "]"))

    def _print_Name(self, node: ast.Name) -> Doc:
        return node.name

    def _print_StringLit(self, node: ast.StringLit) -> Doc:
        if node.raw.startswith('"""') and "\n" in node.raw:
            return _LongString(node)
        return node.raw

    def _print_NumberLit(self, node: ast.NumberLit) -> Doc:
        return node.raw

    def _print_CountLit(self, node: ast.CountLit) -> Doc:
        return node.raw

    def _print_MoneyLit(self, node: ast.MoneyLit) -> Doc:
        return node.raw

    def _print_DurationLit(self, node: ast.DurationLit) -> Doc:
        return node.raw

    def _print_PercentLit(self, node: ast.PercentLit) -> Doc:
        return node.raw

    def _print_RateLit(self, node: ast.RateLit) -> Doc:
        return node.raw

    def _print_BoolLit(self, node: ast.BoolLit) -> Doc:
        return "true" if node.value else "false"


def _comment_text(comment: ast.Comment) -> str:
    return comment.text.rstrip()
