"""Property tests: no input, however mangled, makes `check` raise, hang or report AF000.

(a) every example, mutated at random (characters and bytes); (b) soups of the language's own
tokens; (c) small well-typed workflows built at random, which must check without errors,
compile, and give a plan that round-trips through JSON.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_robustness import Hang, assert_sane, watchdog

import agentflow
from agentflow.compiler.plan import Plan
from agentflow.diagnostics import Diagnostic
from agentflow.files import decode_source

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = {p.name: p.read_text() for p in sorted((ROOT / "examples").glob("*.agentflow"))}
PER_CALL_SECONDS = 5
# Multiplies every max_examples, for a longer hunt: AGENTFLOW_PROPERTY_SCALE=20 pytest ...
SCALE = max(1, int(os.environ.get("AGENTFLOW_PROPERTY_SCALE", "1")))

SETTINGS = settings(
    deadline=None,
    # Deterministic in CI (the same examples every run); a scaled-up hunt explores at random.
    derandomize=SCALE == 1,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def checked(text: str, filename: str = "<string>") -> list[Diagnostic]:
    """`check` must return within the time guard, with sane spans and no AF000."""
    started = time.perf_counter()
    try:
        with watchdog(PER_CALL_SECONDS * 4):
            diagnostics = agentflow.check(text, filename)
    except Hang as hang:
        raise AssertionError(f"check hung on {text[:2000]!r}") from hang
    elapsed = time.perf_counter() - started
    assert elapsed < PER_CALL_SECONDS, f"check took {elapsed:.1f} s on {text[:2000]!r}"
    assert_sane(text, diagnostics)
    return diagnostics


# ================================================================== (a) mutated examples

# What a mutation inserts or writes over: syntax that matters, and characters that often
# break lexers (quotes, escapes, control characters, surrogates, BOMs, non-ASCII).
FRAGMENTS = [
    "{",
    "}",
    "[",
    "]",
    "(",
    ")",
    '"',
    '"""',
    "'",
    "\\",
    "\\n",
    "#",
    "=",
    "==",
    "=>",
    "->",
    ":",
    ",",
    ".",
    "?",
    "??",
    "|",
    "+",
    "-",
    "*",
    "/",
    "<",
    ">=",
    "%",
    "$",
    "{{",
    "}}",
    "{%",
    "%}",
    "{#",
    "\n",
    "\r\n",
    "\r",
    "\t",
    " ",
    "\x00",
    "\x0c",
    "\ufeff",
    "\u2028",
    "é",
    "😀",
    "\udce9",
    "agentflow 1",
    "agentflow 2",
    "model",
    "tool",
    "type",
    "role",
    "agent",
    "workflow",
    "input",
    "output",
    "map",
    "iterate",
    "until",
    "max",
    "try",
    "if",
    "else",
    "switch",
    "return",
    "fail",
    "when",
    "for",
    "in",
    "not",
    "and",
    "or",
    "true",
    "false",
    "0",
    "1",
    "-1",
    "99999999999999999999",
    "1.5",
    "200k",
    "$0.50",
    "30s",
    "80%",
    "30/min",
    "string",
    "int",
    "list[",
    "map[",
    "Message",
    "Result[",
    "env(",
    "len(",
    "zip(",
]
fragments = st.one_of(
    st.sampled_from(FRAGMENTS),
    st.text(min_size=1, max_size=4),
    st.text(alphabet="{}[]()\"'\\#=:,.?|+-*/<>%$\n \t0123456789abcxyz_", min_size=1, max_size=8),
)


@st.composite
def mutated(draw: st.DrawFn) -> tuple[str, str]:
    """An example with one to four random edits."""
    name = draw(st.sampled_from(sorted(EXAMPLES)))
    text = EXAMPLES[name]
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(
            st.sampled_from(
                ["insert", "delete", "replace", "swap", "truncate", "duplicate_line", "drop_line"]
            )
        )
        at = draw(st.integers(0, len(text)))
        if kind == "insert":
            text = text[:at] + draw(fragments) + text[at:]
        elif kind == "delete":
            text = text[:at] + text[at + draw(st.integers(1, 40)) :]
        elif kind == "replace":
            text = text[:at] + draw(fragments) + text[at + draw(st.integers(1, 10)) :]
        elif kind == "swap" and len(text) > 1:
            i, j = sorted((at % len(text), draw(st.integers(0, len(text) - 1))))
            text = text[:i] + text[j] + text[i + 1 : j] + text[i] + text[j + 1 :] if i < j else text
        elif kind == "truncate":
            text = text[:at]
        elif kind in ("duplicate_line", "drop_line"):
            lines = text.split("\n")
            k = at % len(lines)
            lines[k:k] = [lines[k]] if kind == "duplicate_line" else []
            if kind == "drop_line":
                del lines[k]
            text = "\n".join(lines)
    return name, text


@settings(SETTINGS, max_examples=600 * SCALE)
@given(mutated())
def test_mutated_examples_never_crash(case: tuple[str, str]) -> None:
    name, text = case
    path = str(ROOT / "examples" / name)
    diagnostics = checked(text, path)
    if not any(d.is_error for d in diagnostics):
        compiled_and_round_tripped(text, path)


def compiled_and_round_tripped(text: str, filename: str = "<string>") -> Plan:
    """A program without errors compiles, and its plan survives JSON."""
    with watchdog(PER_CALL_SECONDS * 4):
        plan = agentflow.compile(text, filename)
    assert Plan.model_validate_json(plan.model_dump_json()) == plan
    return plan


@st.composite
def mutated_bytes(draw: st.DrawFn) -> tuple[str, bytes]:
    """An example's UTF-8 bytes with random byte edits (may break the encoding)."""
    name = draw(st.sampled_from(sorted(EXAMPLES)))
    data = bytearray(EXAMPLES[name].encode())
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(data)))
        kind = draw(st.sampled_from(["insert", "delete", "replace", "truncate"]))
        if kind == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=4))
        elif kind == "delete":
            del data[at : at + draw(st.integers(1, 8))]
        elif kind == "replace":
            chunk = draw(st.binary(min_size=1, max_size=4))
            data[at : at + len(chunk)] = chunk
        else:
            del data[at:]
    return name, bytes(data)


@settings(SETTINGS, max_examples=600 * SCALE)
@given(mutated_bytes())
def test_mutated_bytes_are_read_or_refused_never_crash(case: tuple[str, bytes]) -> None:
    name, data = case
    source, diagnostics = decode_source(data, name)
    if source is None:
        assert [d.code for d in diagnostics] in (["AF007"], ["AF008"])
        assert_sane(diagnostics[0].source.text, diagnostics)
    else:
        assert diagnostics == []
        checked(source.text, name)


# ================================================================== (b) token soup

KEYWORDS = [
    "agentflow",
    "model",
    "tool",
    "type",
    "role",
    "principal",
    "budget",
    "policy",
    "agent",
    "workflow",
    "input",
    "output",
    "map",
    "run_as",
    "timeout",
    "max_nodes",
    "try",
    "iterate",
    "until",
    "max",
    "concurrency",
    "when",
    "if",
    "else",
    "switch",
    "return",
    "fail",
    "or",
    "and",
    "not",
    "in",
    "true",
    "false",
    "for",
    "stdlib",
    "python",
    "env",
    "provider",
    "offline",
    "prompt",
    "system",
    "tools",
    "retry",
    "fallback",
    "bind",
    "history",
]
PUNCTUATION = [
    "{",
    "}",
    "[",
    "]",
    "(",
    ")",
    "=",
    "->",
    "=>",
    ":",
    ",",
    ".",
    "?",
    "??",
    "|",
    "+",
    "-",
    "*",
    "/",
    "==",
    "!=",
    "<",
    "<=",
    ">",
    ">=",
]
LITERALS = [
    "0",
    "1",
    "42",
    "3.5",
    "1_000",
    "200k",
    "2M",
    "$0.50",
    "$20",
    "250ms",
    "30s",
    "5min",
    "2h",
    "30d",
    "80%",
    "30/min",
    "5/s",
    '""',
    '"x"',
    '"a b"',
    '"{{ x }}"',
    '"{{ x.y }}"',
    '"{% if x %}y{% endif %}"',
    '"{{ "',
    '"\\n\\t\\""',
    '"""\n  long\n  text\n"""',
    '"sk-abcdefghijklmnopqrstuvwxyz012345"',
    '"./docs"',
]
NAMES = [
    "a",
    "b",
    "x",
    "y",
    "local",
    "ag",
    "w",
    "string",
    "int",
    "float",
    "bool",
    "list",
    "Message",
    "Error",
    "Result",
    "len",
    "join",
    "zip",
    "calculator",
    "file_read",
    "T",
    "_",
    "t0",
]
TOKENS = KEYWORDS + PUNCTUATION + LITERALS + NAMES

SKELETON = """\
agentflow 1
model local { provider = offline }
type T { a: string, b: int? }
agent ag {
  model  = local
  input  { x: string }
  output = string
  prompt = "{{ x }}"
  %AGENT%
}
workflow w(a: string, b: int) -> string {
  %WORKFLOW%
  r = ag(x: a)
  return r
}
"""

soup = st.lists(st.sampled_from(TOKENS), min_size=0, max_size=60).flatmap(
    lambda tokens: st.lists(
        st.sampled_from([" ", " ", " ", "\n", ""]), min_size=len(tokens), max_size=len(tokens)
    ).map(lambda seps: "".join(t + s for t, s in zip(tokens, seps, strict=True)))
)


@st.composite
def token_programs(draw: st.DrawFn) -> str:
    text = draw(soup)
    where = draw(st.sampled_from(["raw", "header", "agent", "workflow", "top"]))
    if where == "raw":
        return text
    if where == "header":
        return "agentflow 1\n" + text
    skeleton = SKELETON.replace("%AGENT%", text if where == "agent" else "")
    skeleton = skeleton.replace("%WORKFLOW%", text if where == "workflow" else "")
    return skeleton + (text if where == "top" else "")


@settings(SETTINGS, max_examples=300 * SCALE)
@given(token_programs())
def test_token_soup_never_crashes(text: str) -> None:
    checked(text)


# ================================================================== (c) well-typed programs

HEADER = """\
agentflow 1

model local { provider = offline }

agent ag {
  model  = local
  input  { x: string }
  output = string
  prompt = "Echo {{ x }}"
}
"""

SCALARS = ("int", "float", "string", "bool")
TYPES = (*SCALARS, "list[int]", "list[string]")
STRING_LITERALS = ['""', '"x"', '"hello world"', '"a, b"', '"quote \\" inside"', '"tab\\tnew\\n"']


@dataclass
class Scope:
    """The names in scope, by type (optional names are only read through `??`)."""

    names: dict[str, str] = field(default_factory=dict)
    optional: dict[str, str] = field(default_factory=dict)
    counter: int = 0

    def of(self, type_: str) -> list[str]:
        return sorted(n for n, t in self.names.items() if t == type_)

    def fresh(self) -> str:
        self.counter += 1
        return f"n{self.counter}"


def expression(draw: st.DrawFn, scope: Scope, type_: str, depth: int = 2) -> str:
    """A pure expression of `type_` over the names in scope."""
    names = scope.of(type_)
    optional = sorted(n for n, t in scope.optional.items() if t == type_)
    leaf = depth <= 0 or draw(st.integers(0, 3)) == 0
    if leaf or type_ not in TYPES:
        choices: list[str] = names[:]
        choices += [f"({n} ?? {_literal(draw, type_)})" for n in optional]
        choices.append(_literal(draw, type_))
        return draw(st.sampled_from(choices))

    def sub(t: str) -> str:
        return expression(draw, scope, t, depth - 1)

    if type_ == "int":
        form = draw(st.integers(0, 5))
        if form == 0:
            return f"{sub('int')} {draw(st.sampled_from(['+', '-', '*']))} {sub('int')}"
        if form == 1:
            return f"-({sub('int')})"
        if form == 2:
            return f"len({sub(draw(st.sampled_from(['list[int]', 'list[string]'])))})"
        if form == 3:
            return f"({sub('int')})"
        if form == 4:
            return f"sum({sub('list[int]')})"
        return f"len({sub('string')})"
    if type_ == "float":
        form = draw(st.integers(0, 3))
        if form == 0:
            a, b = sub(draw(st.sampled_from(["int", "float"]))), sub("float")
            return f"{a} {draw(st.sampled_from(['+', '-', '*']))} {b}"
        if form == 1:
            return f"{sub('int')} / {sub(draw(st.sampled_from(['int', 'float'])))}"
        if form == 2:
            return sub("int")  # int widens to float
        return f"({sub('float')})"
    if type_ == "string":
        form = draw(st.integers(0, 4))
        if form == 0:
            return f"{sub('string')} + {sub('string')}"
        if form == 1:
            return f"{draw(st.sampled_from(['lower', 'upper']))}({sub('string')})"
        if form == 2:
            return f'join({sub("list[string]")}, ", ")'
        if form == 3:
            # Templates see workflow names, not comprehension variables (`v1`, `v2`).
            refs = [n for n, t in scope.names.items() if t in SCALARS and n[0] != "v"]
            if refs:
                picked = draw(st.lists(st.sampled_from(sorted(refs)), min_size=1, max_size=3))
                return '"' + " and ".join("{{ " + r + " }}" for r in picked) + '"'
        return f"({sub('string')})"
    if type_ == "bool":
        form = draw(st.integers(0, 5))
        if form == 0:
            num = ["int", "float"]
            a, b = sub(draw(st.sampled_from(num))), sub(draw(st.sampled_from(num)))
            return f"{a} {draw(st.sampled_from(['<', '<=', '>', '>=', '==', '!=']))} {b}"
        if form == 1:
            return f"{sub('string')} {draw(st.sampled_from(['==', '!=']))} {sub('string')}"
        if form == 2:
            return f"{sub('bool')} {draw(st.sampled_from(['and', 'or']))} {sub('bool')}"
        if form == 3:
            return f"not {sub('bool')}"
        if form == 4:
            return f"contains({sub('string')}, {sub('string')})"
        return f"{sub('int')} in {sub('list[int]')}"
    if type_ == "list[int]":
        form = draw(st.integers(0, 1))
        if form == 0:
            items = [sub("int") for _ in range(draw(st.integers(1, 3)))]
            return "[" + ", ".join(items) + "]"
        var = f"v{depth}"
        inner = Scope({**scope.names, var: "int"}, scope.optional, scope.counter)
        element = expression(draw, inner, "int", depth - 1)
        condition = expression(draw, inner, "bool", depth - 1)
        return f"[{element} for {var} in {sub('list[int]')} if {condition}]"
    # list[string]
    form = draw(st.integers(0, 1))
    if form == 0:
        items = [sub("string") for _ in range(draw(st.integers(1, 3)))]
        return "[" + ", ".join(items) + "]"
    var = f"v{depth}"
    inner = Scope({**scope.names, var: "string"}, scope.optional, scope.counter)
    return f"[{expression(draw, inner, 'string', depth - 1)} for {var} in {sub('list[string]')}]"


def _literal(draw: st.DrawFn, type_: str) -> str:
    if type_ == "int":
        return str(draw(st.integers(0, 10_000)))
    if type_ == "float":
        return f"{draw(st.integers(0, 999))}.{draw(st.integers(0, 99))}"
    if type_ == "string":
        return draw(st.sampled_from(STRING_LITERALS))
    if type_ == "bool":
        return draw(st.sampled_from(["true", "false"]))
    if type_ == "list[int]":
        return (
            "["
            + ", ".join(str(draw(st.integers(0, 9))) for _ in range(draw(st.integers(1, 3))))
            + "]"
        )
    return "[" + ", ".join(draw(st.sampled_from(STRING_LITERALS)) for _ in range(2)) + "]"


def statement(draw: st.DrawFn, scope: Scope) -> list[str]:
    """One statement (a binding, a call, `map`, `try`, `iterate`, `if` or `switch`)."""
    kind = draw(
        st.sampled_from(
            [
                "pure",
                "pure",
                "call",
                "guarded",
                "map",
                "try",
                "iterate",
                "if",
                "if_partial",
                "switch",
            ]
        )
    )
    name = scope.fresh()
    if kind == "pure":
        type_ = draw(st.sampled_from(TYPES))
        value = expression(draw, scope, type_)
        scope.names[name] = type_
        return [f"{name} = {value}"]
    if kind in ("call", "guarded"):
        call = f"ag(x: {expression(draw, scope, 'string', 1)})"
        if draw(st.booleans()):
            call += ' { retry = 2, timeout = 30s, fallback = "none" }'
        if kind == "guarded":
            guard = expression(draw, scope, "bool", 1)
            scope.optional[name] = "string"
            return [f"{name} = {call} when {guard}"]
        scope.names[name] = "string"
        return [f"{name} = {call}"]
    if kind == "iterate":
        start = expression(draw, scope, "string", 1)
        limit = draw(st.integers(1, 5))
        scope.names[name] = "string"
        return [f"{name} = iterate d = ag(x: {start}) until len(d) > 10 max {limit} => ag(x: d)"]
    if kind == "map":
        items = expression(draw, scope, "list[string]", 1)
        scope.names[name] = "list[string]"
        return [f"{name} = map item in {items} concurrency 2 => ag(x: item)"]
    if kind == "try":
        argument = expression(draw, scope, "string", 1)
        scope.names[name + "_ok"] = "bool"
        scope.optional[name + "_value"] = "string"
        return [
            f"{name} = try ag(x: {argument})",
            f"{name}_ok = {name}.ok",
            f"{name}_value = {name}.value",
        ]
    type_ = draw(st.sampled_from(SCALARS))
    if kind == "switch":
        subject = expression(draw, scope, "string", 1)
        arms = [
            f'  "{label}" => {{ {name} = {expression(draw, scope, type_, 1)} }}'
            for label in draw(st.lists(st.sampled_from(["a", "b", "c"]), unique=True, max_size=3))
        ]
        arms.append(f"  else => {{ {name} = {expression(draw, scope, type_, 1)} }}")
        scope.names[name] = type_
        return [f"switch {subject} {{", *arms, "}"]
    condition = expression(draw, scope, "bool", 1)
    then = expression(draw, scope, type_, 1)
    if kind == "if_partial":
        scope.optional[name] = type_
        return [f"if {condition} {{ {name} = {then} }}"]
    otherwise = expression(draw, scope, type_, 1)
    scope.names[name] = type_
    return [f"if {condition} {{", f"  {name} = {then}", "} else {", f"  {name} = {otherwise}", "}"]


@st.composite
def programs(draw: st.DrawFn) -> str:
    """A small workflow: typed parameters, random statements, and a typed return."""
    params = {f"p{i}": draw(st.sampled_from(TYPES)) for i in range(draw(st.integers(0, 3)))}
    scope = Scope(dict(params))
    body: list[str] = []
    for _ in range(draw(st.integers(1, 8))):
        body += statement(draw, scope)
    if draw(st.booleans()):
        result_type = draw(st.sampled_from(TYPES))
        result = expression(draw, scope, result_type)
    else:
        a, b = draw(st.sampled_from(SCALARS)), draw(st.sampled_from(TYPES))
        result_type = f"{{ first: {a}, second: {b} }}"
        result = f"{{ first: {expression(draw, scope, a)}, second: {expression(draw, scope, b)} }}"
    signature = ", ".join(f"{n}: {t}" for n, t in params.items())
    lines = "\n".join("  " + line for line in body)
    return (
        f"{HEADER}\nworkflow w({signature}) -> {result_type} {{\n{lines}\n  return {result}\n}}\n"
    )


@settings(SETTINGS, max_examples=300 * SCALE)
@given(programs())
def test_well_typed_programs_check_compile_and_round_trip(text: str) -> None:
    diagnostics = checked(text)
    found = [(d.code, d.line, d.column, d.message) for d in diagnostics if d.is_error]
    # The generator only builds well-typed programs: an error here is a checker bug
    # (or a generator bug), with the program in the failure report.
    assert found == [], text
    plan = compiled_and_round_tripped(text)
    assert plan.workflows["w"].nodes


def test_the_program_generator_covers_every_statement_kind() -> None:
    """A sanity check of the generator itself, so that (c) keeps testing what it claims."""
    seen: set[str] = set()

    @settings(max_examples=60, deadline=None, database=None)
    @given(programs())
    def collect(text: str) -> None:
        for marker in (
            "map item in",
            "iterate d",
            "try ag",
            "when",
            "switch",
            "} else {",
            " for v",
            '"{{ ',
            "ag(x:",
        ):
            if marker in text:
                seen.add(marker)

    collect()
    assert len(seen) >= 6, seen
