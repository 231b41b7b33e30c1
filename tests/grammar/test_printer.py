"""The formatter: idempotent, meaning-preserving, and it keeps every comment."""

from __future__ import annotations

import dataclasses
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agentflow.diagnostics import DiagnosticSink
from agentflow.grammar import ast
from agentflow.grammar.parser import parse as parse_program
from agentflow.grammar.printer import FormatResult, format_program, format_source
from agentflow.grammar.strings import decode_string
from agentflow.source import Source, Span

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((ROOT / "examples").glob("*.agentflow"))
LANGUAGE = ROOT.parent / "shared" / "LANGUAGE.md"

# ============================================================ helpers


def parse(text: str) -> ast.Program:
    source = Source(text)
    sink = DiagnosticSink(source)
    program = parse_program(source, sink)
    assert program is not None, [(d.code, d.message, d.line, d.column) for d in sink.diagnostics]
    return program


def shape(node: Any) -> Any:
    """The AST as nested tuples, without spans, comments or the spelling of strings."""
    if isinstance(node, ast.StringLit):
        return ("StringLit", node.value)
    if dataclasses.is_dataclass(node) and not isinstance(node, type):
        kept = [
            f.name
            for f in dataclasses.fields(node)
            if f.name not in ("span", "comments", "bad_escapes") and not f.name.endswith("_span")
        ]
        return (type(node).__name__, *((name, shape(getattr(node, name))) for name in kept))
    if isinstance(node, tuple):
        return tuple(shape(item) for item in node)
    return node


def comment_texts(program: ast.Program) -> Counter[str]:
    return Counter(comment.text.rstrip() for comment in program.comments)


def fmt(text: str) -> str:
    result = format_source(Source(text))
    assert result.text is not None, [(d.code, d.message) for d in result.diagnostics]
    return result.text


def assert_round_trip(text: str) -> str:
    """Format once and check idempotence, meaning and comments; return the output."""
    once = fmt(text)
    assert fmt(once) == once, "formatting is not idempotent"
    before, after = parse(text), parse(once)
    assert shape(after) == shape(before), "formatting changed the meaning"
    assert comment_texts(after) == comment_texts(before), "formatting lost or added comments"
    assert [c.text.rstrip() for c in after.comments] == [
        c.text.rstrip() for c in before.comments
    ], "formatting reordered comments"
    if '"""' not in once:  # white space at the end of a long string's line is its value
        assert all(line == line.rstrip() for line in once.splitlines()), "trailing white space"
    return once


def workflow(*statements: str) -> str:
    body = "\n".join(f"  {line}" for line in statements)
    return f"agentflow 1\n\nworkflow w(a: int, b: int) -> int {{\n{body}\n}}\n"


# ============================================================ tricky inputs

CASES: dict[str, str] = {
    "every declaration": """agentflow 1
model sonnet { provider = anthropic, name = "claude-sonnet-4-5", api_key = env("K"), max_tokens = 2048, temperature = 0.2 }
model local{provider=offline}
tool calc = stdlib.calculator
tool docs = stdlib.file_read  { roots = ["./docs"], max_bytes = 200k }
tool orders = python("acme.orders:lookup_order") { timeout = 10s, retry = { attempts: 3, on: [rate_limited, timeout], backoff: 2s } }
tool rank = python("acme.leads:rank") { input { candidates: list[Candidate], top: int = 3 } output = list[string] timeout = 10s }
tool now = stdlib.current_time { input {} }
type Ticket { id: string, priority: "low" | "normal" | "urgent", tags: list[string], due: string?, meta: map[string] }
type Empty {}
type One { id: string }
type Nested { inner: { a: string, b: list[{ c: int }] }?, level: ("a" | "b")?, twice: (string?)?, r: Result[int] }
role analyst { tools = [calc, docs], agents = [researcher], workflows = [report] }
principal ci_bot { roles = [analyst], token = env("CI_BOT_TOKEN") }
budget team { per_run = $0.50, daily = $20, monthly = $1_000, tokens_per_run = 2M, alert_at = 80%, on_exceed = stop }
policy { audit = true, retention = 30d, redact = [email, phone], max_concurrency = 16 }
agent researcher {
  model = sonnet, tools = [], budget = team
  input  { topic: string, depth: int = 2 }
  output { summary: string, sources: list[string], confidence: float }
  output = { summary: string }
}
agent writer { input { notes: string } output = string prompt = "Write:\\n{{ notes }}" }
workflow report(topic: string, audience: string = "engineering",) -> { title: string, body: string } {
  return { title: topic, body: audience }
}
""",
    "every statement": workflow(
        "run_as = analyst",
        "budget = team",
        "timeout = 5min",
        "max_nodes = 200",
        'facts = researcher(topic: a) { retry = 2, timeout = 2min, fallback = "(none)" } when a > 1',
        "r = try writer(notes: facts.summary)",
        "parts = map tag in tags concurrency 4 => tagger(tag: tag) { retry = 1 }",
        "each = map tag in tags => tagger(tag: tag)",
        "best = iterate d = draft(topic: a) until d.score >= 8 max 4 => revise(draft: d.text)",
        "if a == 1 { x = 1 } else if a == 2 { x = 2 } else if a == 3 { } else { x = 3 }",
        "if a { y = 1 }",
        'switch kind { "a" => { z = 1 } "b" => { z = 2 w = 3 } else => { z = 0 } }',
        'switch kind { "a" => {} }',
        "switch kind { else => { q = 1 } }",
        'fail "bad {{ a }}" when a < 0',
        'fail "always"',
        "return a",
    ),
    "every literal": workflow(
        "x = [1, 3.5, 1_000, 200k, 2M, 1.5k, $0.50, $20, $1_000, 250ms, 30s, 5min, 2h, 30d]",
        'y = [80%, 12.5%, 30/min, 5/s, 1000/h, 20000/d, true, false, "s", "esc \\" \\\\ \\n \\t"]',
        'z = { "quoted key": 1, plain: 2, "": 3 }',
        "e = [[], {}, [[]], [{}]]",
        'bad = "\\q unknown escape"',
        "return a",
    ),
    "precedence": workflow(
        "p1 = (a + b) * c",
        "p2 = a - (b - c)",
        "p3 = a - b - c",
        "p4 = (a ?? b) ?? c",
        "p5 = a ?? (b ?? c)",
        "p6 = (a < b) == (c > d)",
        "p7 = not (a and b) or not c",
        "p8 = (a or b) and c",
        "p9 = -(a + b) * -c",
        "p10 = -(not a)",
        "p11 = (not a) == b",
        "p12 = (a + b).c[(d - e)].f",
        "p13 = ((((a))))",
        "p14 = a / (b * c) / d",
        "p15 = (-a).b",
        "p16 = - - a",
        "p17 = a in (b ?? c) and (d not in e)",
        "p18 = (a in b) in c",
        "p19 = not not a",
        "p20 = ({ a: 1 }).a + [1][0]",
        "p21 = (a ?? b) + c",
        "p22 = 30 / min",
        "return a",
    ),
    "comprehensions and calls": workflow(
        "c1 = [x * 2 for x in xs if x > 0]",
        "c2 = [x + y for x, y in zip(xs, ys)]",
        'c3 = sort(xs, by: "field", desc: true)',
        'c4 = join(xs, ", ")',
        "c5 = f()",
        "c6 = f(a: [1, 2, 3], b: { k: [x for x in xs] })",
        "return a",
    ),
    "long lines": workflow(
        'result = researcher(topic: "a topic that is rather long", depth: 3, audience: "engineering", extra: 1)',
        "items = [alpha_value, beta_value, gamma_value, delta_value, epsilon_value, zeta_value, eta_value]",
        "rec = { alpha: alpha_value, beta: beta_value, gamma: gamma_value, delta: delta_value, eps: 1 }",
        "out = outer(inner: middle(values: [first_long_argument_value, second_long_argument_value, third]))",
        "long = [some_element_value * 2 for some_element_value in some_long_list_of_values if some_element_value > 10]",
        'node = writer(notes: notes) { retry = 2, timeout = 2min, fallback = "(no report available)", x = 1 } when ok',
        "return a",
    )
    + "\nworkflow long_params(first_parameter: string, second_parameter: list[string], third: int = 3) -> "
    "map[string] {\n  return {}\n}\n"
    "\ntype Wide { value: map[{ first_field: string, second_field: string, third_field: string, more: int }] }\n",
    "long strings": '''agentflow 1

agent a {
  system = """
    Line one.
      Indented line.

    Line three with "quotes" and \\n escapes.
  """
  prompt = """
        deeply indented in the source
        second
"""
  other = """first line kept
  second line"""
  single = """one line "quoted" """
  empty = """
  """
  blank_inside = """
    a
\t
    b
  """
  tabbed = """
\tuses a tab
\tsecond
  """
  ws_only = """
    x
\x20\x20\x20\x20\x20\x20
    y
    """
}

workflow w(a: int) -> string {
  x = writer(notes: """
    notes in a call
  """)
  if a > 1 {
    y = """
      nested
        more
    """
  }
  return x
}
''',
    "comments everywhere": """# file comment

# attached to the header
agentflow 1 # header comment
# floating comment

# model comment
model m { # after brace
  # leading
  provider = offline # trailing

  # after blank
  max_tokens = 100, # with comma
  # dangling at end
}
model n { provider = offline } # after one-liner
tool t = stdlib.file_read { roots = [ # in list
  "./a", # first
  # own line in list
  "./b"
  # before close
] }
type T { # t
  a: string # a
  b: int? # b
}
agent x {
  input { a: string, # field comment
    b: int }
  system = # before value
    \"\"\"
    text
    \"\"\"
}
workflow w(a: int, # param comment
  b: int) -> int { # body
  # first
  x = a + # after op
    b # end x
  y = a # before op
    * b
  z = f(a: 1, # arg
    b: 2) { retry = 2 # setting
  } when # after when
    ok
  if a > 1 { # then
    q = 1
  } # before else
  else { # else brace
    q = 2 # in else
  }
  switch a { # switch
    # before case
    "a" => { r = 1 } # after case
    # before default
    else => { r = 2 }
    # end of switch
  }
  l = [x # elem
    for x in xs # for
    if x] # end
  m = map i in xs # map
    => f(a: i)
  n = iterate d = 1 until d > 2 # until
    max 3 => g(d: d)
  o = not # not
    a
  p = a. # dot
    b[ # index
    0]
  return x # return
  # dangling in body
}
# trailing file comment

# last comment
""",
    "comments in empty bodies": """agentflow 1
model m {
  # only a comment
}
workflow w() -> int {
  if a {
    # nothing here
  } else {
  }
  return 1
}
""",
    "blank lines": """agentflow 1


model m {

  provider = offline


  max_tokens = 1

}
# attached


# detached

agent a { model = m }
""",
    "no header": "model m { provider = offline }\n",
    "crlf": 'agentflow 1\r\n# c\r\nmodel m {\r\n  provider = offline # t\r\n  name = "x"\r\n}\r\n',
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_tricky_cases_round_trip(name: str) -> None:
    assert_round_trip(CASES[name])


def test_files_without_code() -> None:
    assert fmt("") == ""
    assert fmt("\n\n") == ""
    assert assert_round_trip("# just a comment\n\n\n# and another\n") == (
        "# just a comment\n\n# and another\n"
    )


def test_files_without_code_never_raise() -> None:
    for text in ("", "\n", "# c\n"):
        result = format_source(Source(text))
        assert result.text is not None


# ============================================================ examples and the design document


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_examples_round_trip(path: Path) -> None:
    assert_round_trip(path.read_text(encoding="utf-8"))


def test_examples_exist() -> None:
    if not EXAMPLES:
        pytest.skip("no examples yet")


def _code_blocks(path: Path) -> list[str]:
    """The ```agentflow blocks of a Markdown file, dedented."""
    if not path.exists():
        return []
    blocks = []
    text = path.read_text(encoding="utf-8")
    for match in re.finditer(r"^( *)```agentflow\n(.*?)^\1```", text, re.S | re.M):
        indent = len(match.group(1))
        blocks.append("".join(line[indent:] + "\n" for line in match.group(2).splitlines()))
    return blocks


def _parses(text: str) -> bool:
    source = Source(text)
    return parse_program(source, DiagnosticSink(source)) is not None


def _as_program(block: str) -> str | None:
    """A block as a whole program: as written, under a header, or inside a workflow."""
    body = "".join(f"  {line}\n" for line in block.splitlines())
    candidates = [
        block,
        "agentflow 1\n\n" + block,
        f"agentflow 1\n\nworkflow w() -> int {{\n{body}  return 1\n}}\n",
    ]
    return next((text for text in candidates if _parses(text)), None)


# Every complete program in the design document must round-trip (a block that does not
# parse fails here); fragments and the README's programs are checked when they parse.
DOC_PROGRAMS: list[tuple[str, str]] = []
for _path in (LANGUAGE, ROOT / "README.md"):
    for _i, _block in enumerate(_code_blocks(_path)):
        _program = _block if _path == LANGUAGE and _block.startswith("agentflow 1") else None
        _program = _program or _as_program(_block)
        if _program is not None:
            DOC_PROGRAMS.append((f"{_path.name}-{_i}", _program))


@pytest.mark.skipif(not DOC_PROGRAMS, reason="no agentflow blocks in the documents")
@pytest.mark.parametrize("name", [name for name, _ in DOC_PROGRAMS])
def test_document_blocks_round_trip(name: str) -> None:
    assert_round_trip(dict(DOC_PROGRAMS)[name])


# ============================================================ exact layout


def test_canonical_layout(snapshot: Any) -> None:
    source = """agentflow 1   # v1
# A model.
model local{provider=offline}
model mini {
  provider = openai
  price    = { input: $0.15, output: $0.60 }  # per million tokens
}
role support { tools = [orders, calc], agents = [triager], workflows = [triage] }
type Ticket { id: string, priority: "low" | "normal" | "urgent", due: string? }
workflow triage(ticket: Ticket) -> string {
  run_as = support
  kind = triager(ticket: ticket) { retry = 2, timeout = 2min } when ticket.id != ""
  if kind.category == "billing" { answer = billing(ticket: ticket) } else { answer = general(ticket: ticket) }
  switch kind.category { "a" => { n = 1 } else => { n = 2 } }
  total = (kind.a + kind.b) * 2 - (kind.c - 1)
  return answer ?? "escalated"
}
"""
    assert assert_round_trip(source) == snapshot


def test_exact_output_for_small_program() -> None:
    source = (
        "agentflow 1 # v\n"
        "model local{provider=offline}\n"
        'tool docs = stdlib.file_read { roots = ["./docs"], max_bytes = 200k }\n'
        "workflow w(a: int) -> int { x = (a + 1) * (a - (1 - a)) # note\n"
        " y = f(a: a) {retry=2} when not (x > 1)\n"
        " return x }\n"
    )
    assert fmt(source) == (
        "agentflow 1 # v\n"
        "\n"
        "model local { provider = offline }\n"
        "\n"
        "tool docs = stdlib.file_read {\n"
        '  roots = ["./docs"]\n'
        "  max_bytes = 200k\n"
        "}\n"
        "\n"
        "workflow w(a: int) -> int {\n"
        "  x = (a + 1) * (a - (1 - a)) # note\n"
        "  y = f(a: a) { retry = 2 } when not x > 1\n"
        "  return x\n"
        "}\n"
    )


def test_long_groups_break_one_element_per_line_with_trailing_commas() -> None:
    names = ", ".join(f"value_number_{i}" for i in range(8))
    out = fmt(workflow(f"x = f(items: [{names}])", "return x"))
    assert "  x = f(\n    items: [\n      value_number_0,\n" in out
    assert "      value_number_7,\n    ],\n  )\n" in out
    assert max(len(line) for line in out.splitlines()) <= 100


def test_long_string_is_reindented_without_changing_its_value() -> None:
    source = (
        'agentflow 1\nagent a {\n  system = """\n            Hello\n              world\n  """\n}\n'
    )
    out = fmt(source)
    assert '  system = """\n    Hello\n      world\n  """\n' in out
    before = parse(source).declarations[0].body.items[0].value  # type: ignore[attr-defined]
    after = parse(out).declarations[0].body.items[0].value  # type: ignore[attr-defined]
    assert before.value == after.value == "Hello\n  world"


def test_long_string_whose_value_would_change_is_kept_verbatim() -> None:
    raw = '"""\n     \n  """'  # only white space: re-indenting would change the value
    assert decode_string(raw).value == "     "
    source = f"agentflow 1\nagent a {{\n    system = {raw} # why\n}}\n"
    out = assert_round_trip(source)
    assert out == f"agentflow 1\n\nagent a {{\n  system = {raw} # why\n}}\n"


def test_long_strings_keep_their_values_at_any_depth() -> None:
    source = workflow(
        'x = """',
        "    top",
        '  """',
        "if a {",
        "  if b {",
        '    y = f(s: """first line',
        "      indented",
        '  """)',
        "  }",
        "}",
        "return x",
    )
    out = assert_round_trip(source)
    # The first line is not blank, so it counts for the dedent: the value keeps 8 spaces.
    assert '      y = f(\n        s: """\n          first line\n                  indented\n' in out


def test_trailing_and_own_line_comments_stay_in_place() -> None:
    out = fmt("agentflow 1\nmodel m {\n  # lead\n  provider = offline   # trail   \n}\n")
    assert out == "agentflow 1\n\nmodel m {\n  # lead\n  provider = offline # trail\n}\n"


def test_comment_inside_an_expression_ends_its_line() -> None:
    out = fmt(workflow("x = a + # why\n b", "return x"))
    assert "  x = a + # why\n    b\n" in out


def test_format_result_reports_change() -> None:
    canonical = fmt("agentflow 1\nmodel m{provider=offline}\n")
    unchanged = format_source(Source(canonical))
    assert isinstance(unchanged, FormatResult)
    assert not unchanged.changed
    assert unchanged.original == canonical
    assert format_source(Source("agentflow 1\nmodel m{provider=offline}\n")).changed


def test_format_program_matches_format_source() -> None:
    text = CASES["every statement"]
    assert format_program(parse(text), Source(text)) == fmt(text)


# ============================================================ broken input


@pytest.mark.parametrize(
    "text",
    [
        "agentflow 1\nmodel m {\n",
        "agentflow 1\nmodel m { provider = }\n",
        'agentflow 1\nmodel m { name = "unterminated }\n',
        'agentflow 1\nagent a { system = """never closed }\n',
        "agentflow 1\nworkflow w( -> int {}\n",
        "agentflow 1\n@@@\n",
        "agentflow 1\nmodel m { x = " + "[" * 300 + "]" * 300 + " }\n",
    ],
)
def test_broken_input_gives_diagnostics_and_no_text(text: str) -> None:
    result = format_source(Source(text))
    assert result.text is None
    assert not result.changed
    assert result.diagnostics
    assert all(d.is_error for d in result.diagnostics)


def test_deep_but_legal_nesting_formats() -> None:
    nested = "f(a: " * 190 + "1" + ")" * 190
    chain = " + ".join(["a"] * 3000)
    out = fmt(workflow(f"x = {nested}", f"y = {chain}", "z = " + "not " * 2000 + "a", "return x"))
    assert out.count("f(") == 190


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(alphabet='agentflow 1{}[]()=:,."#\n -+*/?<>$%_model', max_size=80))
def test_format_source_never_raises(text: str) -> None:
    result = format_source(Source(text))
    if result.text is not None:
        assert fmt(result.text) == result.text


# ============================================================ property: precedence

NAMES = st.sampled_from(["a", "b", "item", "x1"])
LITERALS = st.sampled_from(
    ["1", "2.5", "1_000", "200k", "$0.50", "30s", "80%", "30/min", "true", "false", '"s"']
)
BINARY = ["or", "and", "==", "!=", "<", "<=", ">", ">=", "in", "not in", "??", "+", "-", "*", "/"]


def _expressions() -> st.SearchStrategy[str]:
    """Random expression trees, printed fully parenthesized so the intended tree is exact."""

    def extend(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
        return st.one_of(
            st.tuples(st.sampled_from(BINARY), children, children).map(
                lambda t: f"({t[1]} {t[0]} {t[2]})"
            ),
            st.tuples(st.sampled_from(["-", "not "]), children).map(lambda t: f"({t[0]}{t[1]})"),
            children.map(lambda c: f"({c}).field"),
            st.tuples(children, children).map(lambda t: f"({t[0]})[{t[1]}]"),
            st.tuples(children, children).map(lambda t: f"len(xs: {t[0]}, {t[1]})"),
            st.lists(children, max_size=3).map(lambda items: "[" + ", ".join(items) + "]"),
            st.tuples(children, children).map(lambda t: f"{{ k: {t[0]}, v: {t[1]} }}"),
            st.tuples(children, children).map(lambda t: f"[{t[0]} for q in {t[1]} if q]"),
        )

    return st.recursive(st.one_of(NAMES, LITERALS), extend, max_leaves=10)


def _program(exprs: list[str]) -> str:
    e = exprs
    return (
        "agentflow 1\n"
        f"model m {{ provider = offline, setting = {e[0]} }}\n"
        f"agent g {{ input {{ p: int = {e[1]} }} }}\n"
        f"workflow w(a: int = {e[2]}) -> int {{\n"
        f"  x = {e[3]}\n"
        f"  y = f(a: {e[4]}) {{ fallback = {e[5]} }} when {e[6]}\n"
        f"  if {e[7]} {{ z = 1 }} else if {e[8]} {{ z = 2 }}\n"
        f"  m = map i in {e[9]} concurrency {e[10]} => f(a: i)\n"
        f"  n = iterate d = {e[11]} until {e[12]} max 3 => f(a: d)\n"
        f'  switch {e[13]} {{ "a" => {{ s = 1 }} }}\n'
        f"  fail {e[14]} when {e[15]}\n"
        f"  return {e[16]}\n"
        "}\n"
    )


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_expressions(), min_size=17, max_size=17))
def test_formatting_preserves_random_expressions(exprs: list[str]) -> None:
    text = _program(exprs)
    once = fmt(text)
    assert shape(parse(once)) == shape(parse(text))
    assert fmt(once) == once


# ============================================================ property: comments anywhere

COMMENT_HOST = """agentflow 1
model m { provider = offline, price = { input: $0.15, output: $0.60 } }
tool t = python("a:b") { input { q: string, n: int = 2 } output = list[string] timeout = 10s }
type T { a: "x" | "y"?, b: list[map[string]] }
agent g {
  tools = [t]
  system = \"\"\"
    Hello {{ q }}.
  \"\"\"
}
workflow w(a: int, b: string = "d") -> { r: int } {
  run_as = r
  x = f(a: a + 1 * 2, b: [1, 2]) { retry = 2, timeout = 1s } when a > 0 and not b
  y = try g(q: b)
  z = map i in [1, 2] concurrency 2 => f(a: i)
  k = iterate d = 1 until d >= 3 max 4 => f(a: d)
  if a > 1 { u = 1 } else if a < 0 { u = 2 } else { u = 3 }
  switch b { "d" => { v = 1 } else => { v = 2 } }
  c = [q.n[0] for q, p in zip(a, b) if q ?? p]
  fail "no" when -a > 2
  return { r: x.value }
}
"""


def _boundaries(node: Any, found: set[int]) -> None:
    if isinstance(node, tuple):
        for item in node:
            _boundaries(item, found)
    elif isinstance(node, Span):
        found.update((node.start, node.end))
    elif dataclasses.is_dataclass(node) and not isinstance(node, type):
        for f in dataclasses.fields(node):
            _boundaries(getattr(node, f.name), found)


def _gaps(text: str) -> list[int]:
    """Token boundaries: white space, and the edges of every node (outside strings)."""
    strings = [m.span() for m in re.finditer(r'"""[\s\S]*?"""|"(?:[^"\\\n]|\\.)*"', text)]
    found = {i for i, char in enumerate(text) if char in " \n"}
    _boundaries(parse(text), found)
    return sorted(
        i for i in found if i < len(text) and not any(start < i < end for start, end in strings)
    )


GAPS = _gaps(COMMENT_HOST)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(GAPS), min_size=1, max_size=6, unique=True))
def test_comments_anywhere_survive(positions: list[int]) -> None:
    text = COMMENT_HOST
    for n, at in enumerate(sorted(positions, reverse=True)):
        text = f"{text[:at]} # c{n}\n{text[at:]}"
    assert_round_trip(text)
