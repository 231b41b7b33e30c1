"""Hostile and unusual input: `check` never raises, and every diagnostic points inside the file.

Each case is a whole program text. For every case `agentflow.check` must return (never raise,
never hang), report no AF000 (an internal compiler error), and give spans that lie inside the
text with their end at or after their start. Some cases also expect a particular code.
"""

from __future__ import annotations

import codecs
import signal
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from functools import cache
from pathlib import Path

import pytest

import agentflow
from agentflow.compiler.plan import Plan
from agentflow.diagnostics import Diagnostic
from agentflow.files import decode_source, read_source
from agentflow.source import Source, Span

ROOT = Path(__file__).resolve().parents[2]
HELLO = (ROOT / "examples" / "hello.agentflow").read_text()
EXAMPLES = sorted((ROOT / "examples").glob("*.agentflow"))

# One offline agent, for programs that need a call.
AGENT = """\
agentflow 1

model local { provider = offline }

agent echo {
  model  = local
  input  { x: string }
  output = string
  prompt = "Echo {{ x }}"
}
"""

LOREM = "lorem ipsum dolor sit amet, consectetur adipiscing elit. "

# ------------------------------------------------------------------ helpers


class Hang(BaseException):
    """Raised by the watchdog; a BaseException so that the compiler's guard cannot swallow it."""


@contextmanager
def watchdog(seconds: int) -> Iterator[None]:
    """Fail (rather than hang the suite) when the block runs longer than `seconds`."""
    if not hasattr(signal, "SIGALRM"):
        yield
        return

    def on_alarm(signum: int, frame: object) -> None:
        raise Hang(f"still running after {seconds} s")

    previous = signal.signal(signal.SIGALRM, on_alarm)
    # Fires again every second, in case a library swallows the first exception.
    signal.setitimer(signal.ITIMER_REAL, seconds, 1)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def assert_sane(text: str, diagnostics: Sequence[Diagnostic]) -> None:
    """No internal error, and every span (primary and secondary) lies inside `text`."""
    internal = [d.message for d in diagnostics if d.code == "AF000"]
    assert internal == [], f"internal compiler error: {internal}"
    assert_spans_inside(text, diagnostics)


def assert_spans_inside(text: str, diagnostics: Sequence[Diagnostic]) -> None:
    lines = text.split("\n")
    for d in diagnostics:
        assert d.code.startswith("AF") and len(d.code) == 5 and d.code[2:].isdigit(), d.code
        assert d.message, d.code
        spans = [d.span, *(label.span for label in d.labels)]
        if d.suggestion is not None:
            spans.append(d.suggestion.span)
        for span in spans:
            assert 0 <= span.start <= span.end <= len(text), (d.code, d.message, span, len(text))
        assert 1 <= d.line <= len(lines), (d.code, d.line, len(lines))
        assert 1 <= d.end_line <= len(lines), (d.code, d.end_line, len(lines))
        assert 1 <= d.column <= len(lines[d.line - 1]) + 1, (d.code, d.line, d.column)
        assert 1 <= d.end_column <= len(lines[d.end_line - 1]) + 1, (d.code, d.end_column)
        assert (d.end_line, d.end_column) >= (d.line, d.column), (d.code, d.message)
        # The JSON shape is what editors and CI read: it must always build.
        assert d.to_dict()["line"] == d.line


def check(text: str, filename: str = "<string>", *, seconds: int = 60) -> list[Diagnostic]:
    """`agentflow.check` under a watchdog, with the sanity assertions applied."""
    with watchdog(seconds):
        diagnostics = agentflow.check(text, filename)
    assert isinstance(diagnostics, list)
    assert_sane(text, diagnostics)
    return diagnostics


def codes(diagnostics: Sequence[Diagnostic]) -> list[str]:
    return [d.code for d in diagnostics]


def errors(diagnostics: Sequence[Diagnostic]) -> list[tuple[str, int, int, str]]:
    return [(d.code, d.line, d.column, d.message) for d in diagnostics if d.is_error]


def workflow(body: str, *, params: str = "a: int", returns: str = "int") -> str:
    """A program with the offline agent and one workflow around `body`."""
    return AGENT + f"\nworkflow w({params}) -> {returns} {{\n{body}\n}}\n"


def nested(opener: str, closer: str, depth: int, inner: str = "a") -> str:
    return opener * depth + inner + closer * depth


# ------------------------------------------------------------------ the corpus of bad input

# name -> a function building the program text (built lazily: some are large)
CASES: dict[str, Callable[[], str]] = {
    "empty": lambda: "",
    "only-whitespace": lambda: " \n\t\n   \r\n\n",
    "only-comments": lambda: "# nothing here\n   # still nothing\n#\n",
    "header-only": lambda: "agentflow 1",
    "header-no-version": lambda: "agentflow",
    "nul-bytes": lambda: "agentflow 1\n\x00\x00model m { provider = offline }\n",
    "binary-surrogateescape": lambda: bytes(range(256)).decode("utf-8", "surrogateescape") * 4,
    "binary-surrogateescape-no-nul": lambda: bytes(range(1, 256)).decode(
        "utf-8", "surrogateescape"
    ),
    "surrogate-in-comment": lambda: HELLO + "# caf" + b"\xe9".decode("utf-8", "surrogateescape"),
    "replacement-chars": lambda: "agentflow 1\n\ufffd\ufffd\ufffd\n",
    "nested-brackets-5000": lambda: workflow("x = " + nested("[", "]", 5000) + "\nreturn 1"),
    "nested-parens-5000": lambda: workflow("x = " + nested("(", ")", 5000) + "\nreturn x"),
    "nested-braces-5000": lambda: workflow("x = " + nested("{a: ", "}", 5000, "1") + "\nreturn 1"),
    "nested-if-5000": lambda: workflow(nested("if true { ", "}", 5000, "y = 1 ") + "\nreturn 1"),
    "nested-type-5000": lambda: AGENT + "type T { a: " + nested("list[", "]", 5000, "int") + " }\n",
    "unclosed-brackets-5000": lambda: workflow("x = " + "[" * 5000),
    "unclosed-parens-5000": lambda: workflow("x = " + "(" * 5000),
    "closers-5000": lambda: "agentflow 1\n" + ")]}" * 5000,
    "top-level-brackets-5000": lambda: "agentflow 1\n" + "[" * 5000,
    "nested-brackets-200": lambda: workflow("x = " + nested("[", "]", 199, "1") + "\nreturn 1"),
    "string-1mb-text": lambda: workflow(f'x = "{LOREM * 18_000}"\nreturn len(x)'),
    "string-1mb-hex-like": lambda: workflow('x = "' + "a" * 1_000_000 + '"\nreturn len(x)'),
    "long-string-1mb": lambda: workflow(
        'x = """\n' + (LOREM + "\n") * 18_000 + '"""\nreturn len(x)'
    ),
    "unterminated-string-1mb": lambda: workflow('x = "' + LOREM * 18_000),
    "unterminated-long-string-1mb": lambda: workflow('x = """' + LOREM * 18_000),
    "comment-1mb": lambda: HELLO + "# " + LOREM * 18_000 + "\n",
    "template-1mb": lambda: workflow(
        'x = "' + (LOREM * 8 + "{{ a }} ") * 2200 + '"\nreturn len(x)'
    ),
    "sum-3000-terms": lambda: workflow("x = " + " + ".join(["a"] * 3000) + "\nreturn x"),
    "and-3000-terms": lambda: workflow("x = " + " and ".join(["true"] * 3000) + "\nreturn 1"),
    "coalesce-3000-terms": lambda: workflow("x = " + " ?? ".join(["a"] * 3000) + "\nreturn x"),
    "not-3000": lambda: workflow("x = " + "not " * 3000 + "true\nreturn 1"),
    "negation-3000": lambda: workflow("x = " + "-" * 3000 + "a\nreturn x"),
    "attribute-chain-3000": lambda: workflow("x = a" + ".b" * 3000 + "\nreturn 1"),
    "index-chain-3000": lambda: workflow("x = [1]" + "[0]" * 3000 + "\nreturn x"),
    "else-if-chain-3000": lambda: workflow(
        "if a > 0 { y = 1 } " + "else if a > 1 { y = 2 } " * 3000 + "\nreturn y ?? 0"
    ),
    "template-deep-parens": lambda: workflow(
        'x = "{{ ' + nested("(", ")", 3000) + ' }}"\nreturn 1'
    ),
    "template-deep-ifs": lambda: workflow(
        'x = "' + nested("{% if a %}", "{% endif %}", 500, "x") + '"\nreturn 1'
    ),
    "line-100k-string": lambda: workflow('x = "' + "word " * 20_000 + '" return len(x)'),
    "line-100k-list": lambda: workflow("x = [" + "a, " * 33_400 + "a] return len(x)"),
    "line-100k-comment": lambda: HELLO + "#" + "x" * 100_000,
    "line-100k-name": lambda: workflow("x" * 100_000 + " = 1 return 1"),
    "line-100k-garbage": lambda: "agentflow 1\n" + "@!~`" * 25_000,
    "huge-integer": lambda: workflow("x = 1" + "0" * 5000 + "\nreturn x"),
    "huge-money": lambda: AGENT + "budget b { per_run = $1" + "0" * 5000 + " }\n",
    "huge-duration": lambda: workflow("timeout = 1" + "0" * 5000 + "d\nreturn a"),
    "many-diagnostics": lambda: workflow(
        "\n".join(f"x{i} = y{i}" for i in range(500)) + "\nreturn a"
    ),
    "crlf-broken": lambda: workflow("x = undefined_name\r\nreturn x").replace("\n", "\r\n"),
    "cr-only": lambda: HELLO.replace("\n", "\r"),
    "bom-in-string-api": lambda: "\ufeff" + HELLO,
    "bom-mid-file": lambda: HELLO.replace("workflow", "\ufeffworkflow"),
    "unicode-identifier": lambda: workflow('café = "x"\nreturn a'),
    "unicode-workflow-name": lambda: AGENT + "workflow naïve() -> int { return 1 }\n",
    "unicode-lookalike-quote": lambda: workflow("x = \u201chello\u201d\nreturn a"),
    "fullwidth-equals": lambda: workflow("x \uff1d 1\nreturn a"),
    "zero-width-space": lambda: workflow("x\u200b = 1\nreturn a"),
    "rtl-override": lambda: workflow('x = "\u202eabc"\nreturn a  # \u202e comment'),
    "emoji-everywhere": lambda: workflow('x = "😀 {{ a }} 😀"\n# 😀\nreturn a'),
    "control-chars": lambda: workflow("x = 1\x01\x02\x1b[31m\nreturn a"),
    "form-feed-vertical-tab": lambda: HELLO.replace("\n\n", "\n\x0c\n").replace("  ", " \x0b "),
    "unicode-line-separators": lambda: HELLO.replace("\n\n", "\n\u2028\u2029\x85\n"),
}

NO_TOKENS = {"empty", "only-whitespace", "only-comments"}


@cache
def checked(name: str) -> tuple[Diagnostic, ...]:
    """The diagnostics of a case, computed once per process; raises only on a broken span."""
    text = CASES[name]()
    started = time.perf_counter()
    with watchdog(60):
        diagnostics = agentflow.check(text, f"{name}.agentflow")
    elapsed = time.perf_counter() - started
    assert isinstance(diagnostics, list)
    assert_spans_inside(text, diagnostics)
    assert elapsed < 20, f"{name}: check took {elapsed:.1f} s"
    return tuple(diagnostics)


def case(name: str) -> list[Diagnostic]:
    """The diagnostics of a case that must have no internal error."""
    found = list(checked(name))
    assert_sane(CASES[name](), found)
    return found


@pytest.mark.parametrize("name", list(CASES))
def test_bad_input_gives_diagnostics_never_a_crash(name: str) -> None:
    """Never raises, never hangs, spans inside the text, and no AF000."""
    case(name)


# ------------------------------------------------------------------ expected codes


@pytest.mark.parametrize("name", sorted(NO_TOKENS))
def test_a_file_without_tokens_is_missing_its_header(name: str) -> None:
    assert codes(case(name)) == ["AF002"]


def test_header_only_is_clean() -> None:
    assert check("agentflow 1") == []
    assert check("agentflow 1\n\n# nothing else\n") == []


def test_nul_bytes_are_a_binary_file() -> None:
    assert codes(case("nul-bytes")) == ["AF008"]


def test_binary_bytes_decoded_with_surrogateescape_are_a_binary_file() -> None:
    assert codes(case("binary-surrogateescape")) == ["AF008"]


def test_binary_bytes_without_nul_are_a_syntax_error() -> None:
    found = case("binary-surrogateescape-no-nul")
    assert found and all(d.is_error and d.code.startswith("AF0") for d in found)


@pytest.mark.parametrize(
    "name",
    [
        "nested-brackets-5000",
        "nested-parens-5000",
        "nested-braces-5000",
        "nested-if-5000",
        "nested-type-5000",
        "unclosed-brackets-5000",
        "unclosed-parens-5000",
    ],
)
def test_deep_nesting_is_af009(name: str) -> None:
    found = case(name)
    assert codes(found) == ["AF009"]
    assert "nested deeper" in found[0].message


def test_nesting_just_under_the_limit_is_fine() -> None:
    assert errors(case("nested-brackets-200")) == []


@pytest.mark.parametrize(
    "name", ["string-1mb-text", "long-string-1mb", "comment-1mb", "template-1mb"]
)
def test_a_megabyte_of_text_checks_clean(name: str) -> None:
    assert errors(case(name)) == []


def test_a_megabyte_of_hex_digits_is_at_most_a_normal_diagnostic() -> None:
    # "aaaa..." is all hex digits, so the secret scanner may flag it (AF403): that is fine.
    assert {e[0] for e in errors(case("string-1mb-hex-like"))} <= {"AF403"}


@pytest.mark.parametrize("name", ["unterminated-string-1mb", "unterminated-long-string-1mb"])
def test_an_unterminated_megabyte_string_is_af004(name: str) -> None:
    assert codes(case(name)) == ["AF004"]


@pytest.mark.parametrize(
    "name",
    [
        "sum-3000-terms",
        "and-3000-terms",
        "coalesce-3000-terms",
        "not-3000",
        "negation-3000",
        "attribute-chain-3000",
        "index-chain-3000",
        "else-if-chain-3000",
    ],
)
def test_a_3000_term_expression_is_clean_or_af009(name: str) -> None:
    found = case(name)
    assert "AF009" in codes(found) or errors(found) == []


def test_a_long_sum_within_the_limit_checks_clean() -> None:
    assert errors(check(workflow("x = " + " + ".join(["a"] * 300) + "\nreturn x"))) == []


@pytest.mark.parametrize("name", ["line-100k-string", "line-100k-list", "line-100k-comment"])
def test_a_100k_character_line_checks_clean(name: str) -> None:
    assert errors(case(name)) == []


def test_a_100k_character_line_of_garbage_reports_where() -> None:
    found = case("line-100k-garbage")
    assert errors(found) and found[0].line == 2


def test_huge_numbers_are_clean_or_a_literal_error() -> None:
    for name in ("huge-integer", "huge-money", "huge-duration"):
        assert {e[0] for e in errors(case(name))} <= {"AF010", "AF108"}, name


def test_thousands_of_diagnostics() -> None:
    found = case("many-diagnostics")
    assert codes(found).count("AF101") == 500


# ------------------------------------------------------------------ the 3,000-node chain

CHAIN_LENGTH = 3000


def chain_program(length: int = CHAIN_LENGTH) -> str:
    bindings = "\n".join(f"  b{i} = echo(x: b{i - 1})" for i in range(1, length + 1))
    return (
        AGENT + f"\nworkflow chain(b0: string) -> string {{\n{bindings}\n  return b{length}\n}}\n"
    )


def test_a_3000_binding_chain_checks_clean_and_compiles() -> None:
    text = chain_program()
    assert check(text) == []
    with watchdog(120):
        plan = agentflow.compile(text)
    nodes = plan.workflows["chain"].nodes
    assert len(nodes) >= CHAIN_LENGTH
    calls = [n for n in nodes if n.kind == "call_agent"]
    assert len(calls) == CHAIN_LENGTH
    assert Plan.model_validate_json(plan.model_dump_json()) == plan


def test_a_3000_binding_pure_chain_checks_clean() -> None:
    bindings = "\n".join(f"c{i} = c{i - 1} + 1" for i in range(1, CHAIN_LENGTH + 1))
    text = workflow(bindings + f"\nreturn c{CHAIN_LENGTH}", params="c0: int")
    assert errors(check(text)) == []


def test_a_3000_binding_cycle_is_one_diagnostic() -> None:
    bindings = "\n".join(f"c{i} = c{(i + 1) % CHAIN_LENGTH} + 1" for i in range(CHAIN_LENGTH))
    found = check(workflow(bindings + "\nreturn c0"))
    assert codes([d for d in found if d.is_error]) == ["AF301"]


def test_a_3000_way_fan_in_checks_clean() -> None:
    calls = "\n".join(f'c{i} = echo(x: "{i}")' for i in range(CHAIN_LENGTH))
    items = ", ".join(f"c{i}" for i in range(CHAIN_LENGTH))
    assert errors(check(workflow(f"{calls}\nall = [{items}]\nreturn len(all)"))) == []


# ------------------------------------------------------------------ line endings, BOM, tabs


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_windows_line_endings_check_clean(path: Path) -> None:
    text = path.read_text().replace("\n", "\r\n")
    assert check(text, str(path)) == []


def test_windows_line_endings_keep_positions() -> None:
    broken = workflow("x = undefined_name\nreturn x")
    unix = [(d.code, d.line, d.column) for d in check(broken)]
    windows = [(d.code, d.line, d.column) for d in check(broken.replace("\n", "\r\n"))]
    assert unix == windows
    line = broken.split("\n").index("x = undefined_name") + 1
    assert ("AF101", line, 5) in unix


def test_windows_line_endings_in_long_strings_check_clean() -> None:
    text = workflow('x = """\r\n  one\r\n  two {{ a }}\r\n"""\r\nreturn len(x)')
    assert errors(check(text.replace("\n", "\r\n"))) == []


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_a_utf8_bom_is_dropped_when_reading_a_file(path: Path, tmp_path: Path) -> None:
    file = tmp_path / path.name
    file.write_bytes(codecs.BOM_UTF8 + path.read_bytes())
    source, diagnostics = read_source(str(file))
    assert diagnostics == [] and source is not None
    assert check(source.text, str(path)) == []


def test_a_bom_given_to_check_directly_is_a_diagnostic_not_a_crash() -> None:
    # `check` takes text, not bytes: a BOM left in the text is at worst an unexpected character.
    assert set(codes(case("bom-in-string-api"))) <= {"AF011", "AF001", "AF002"}


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_tabs_for_indentation_check_clean(path: Path) -> None:
    text = path.read_text().replace("    ", "\t").replace("  ", "\t")
    assert check(text, str(path)) == []


def test_tabs_inside_long_strings_are_dedented() -> None:
    text = workflow('x = """\n\t\tone\n\t\ttwo\n\t"""\nreturn len(x)'.replace("\n", "\n\t"))
    assert errors(check(text)) == []


# ------------------------------------------------------------------ unicode


@pytest.mark.parametrize(
    "name", ["unicode-identifier", "unicode-workflow-name", "fullwidth-equals", "zero-width-space"]
)
def test_unicode_identifiers_are_a_syntax_error(name: str) -> None:
    text = CASES[name]()
    found = errors(case(name))
    assert found and found[0][0] in {"AF001", "AF011"}
    _, line, column, _ = found[0]
    # The caret points at the offending character, not somewhere before it.
    assert not text.split("\n")[line - 1][column - 1].isascii()


def test_unicode_lookalike_quotes_are_a_syntax_error() -> None:
    found = errors(case("unicode-lookalike-quote"))
    assert found and found[0][0] in {"AF001", "AF011"}


def test_unicode_in_strings_and_comments_is_fine() -> None:
    text = (
        AGENT
        + """
# Ünïcödé in comments: 日本語, Ελληνικά, עברית, emoji 😀🚀, combining e\u0301
workflow greet(name: string) -> string {
  hello = echo(x: "こんにちは {{ name }} — ça va? 😀")   # a call with a unicode template
  long  = \"\"\"
    Grüße, {{ name }}!
    Ωμέγα ✓ — “quoted” ‘text’ \u00a0non-breaking space
  \"\"\"
  return "{{ hello }} / {{ long }} / ß→SS"
}
"""
    )
    assert check(text) == []
    plan = agentflow.compile(text)
    assert Plan.model_validate_json(plan.model_dump_json()) == plan


def test_diagnostic_columns_count_characters_after_unicode() -> None:
    text = workflow('x = "😀日本"  + undefined_name\nreturn a')
    (found,) = [d for d in check(text) if d.code == "AF101"]
    line = text.split("\n")[found.line - 1]
    assert line[found.column - 1 :].startswith("undefined_name")


# ------------------------------------------------------------------ reading files


def test_invalid_utf8_file_is_af007(tmp_path: Path) -> None:
    file = tmp_path / "bad.agentflow"
    file.write_bytes(b"agentflow 1\n# caf\xe9\nmodel m { provider = offline }\n")
    source, diagnostics = read_source(str(file))
    assert source is None
    assert codes(diagnostics) == ["AF007"]
    (found,) = diagnostics
    assert (found.line, found.column) == (2, 6)
    assert_spans_inside(found.source.text, diagnostics)


@pytest.mark.parametrize(
    "data",
    [
        b"\xff\xfe\xfd",
        b"\xc3",  # a truncated two-byte sequence at the end of the file
        b"agentflow 1\n\xed\xa0\x80\n",  # an encoded surrogate
        b"agentflow 1\n\xf8\x88\x80\x80\x80\n",  # a five-byte form
        codecs.BOM_UTF8 + b"agentflow 1\n\x80",
    ],
)
def test_invalid_utf8_bytes_are_af007(data: bytes, tmp_path: Path) -> None:
    file = tmp_path / "bad.agentflow"
    file.write_bytes(data)
    source, diagnostics = read_source(str(file))
    assert source is None and codes(diagnostics) == ["AF007"]
    assert_spans_inside(diagnostics[0].source.text, diagnostics)


def test_utf16_file_is_af007(tmp_path: Path) -> None:
    file = tmp_path / "utf16.agentflow"
    file.write_bytes(HELLO.encode("utf-16"))
    source, diagnostics = read_source(str(file))
    assert source is None and codes(diagnostics) == ["AF007"]


def test_binary_file_is_af008(tmp_path: Path) -> None:
    file = tmp_path / "binary.agentflow"
    file.write_bytes(bytes(range(256)) * 16)
    source, diagnostics = read_source(str(file))
    assert source is None and codes(diagnostics) == ["AF008"]
    assert_spans_inside(diagnostics[0].source.text, diagnostics)


def test_unreadable_path_is_af006(tmp_path: Path) -> None:
    for path in (tmp_path, tmp_path / "missing.agentflow"):
        source, diagnostics = read_source(str(path))
        assert source is None and codes(diagnostics) == ["AF006"]


def test_decode_then_check_a_valid_file(tmp_path: Path) -> None:
    source, diagnostics = decode_source(HELLO.encode(), "hello.agentflow")
    assert diagnostics == [] and source is not None
    assert check(source.text) == []


# ------------------------------------------------------------------ spans helpers themselves


def test_assert_spans_inside_rejects_a_span_past_the_end() -> None:
    text = "agentflow 1\n"
    bad = Diagnostic("AF001", agentflow.Severity.ERROR, "x", Span(0, 99), Source(text))
    with pytest.raises(AssertionError):
        assert_spans_inside(text, [bad])


# ------------------------------------------------------------------ bugs found while writing these


def test_an_overflowing_float_literal_is_rejected_or_round_trips() -> None:
    text = "agentflow 1\nworkflow w() -> float {\n  return 1" + "0" * 309 + ".0\n}\n"
    found = check(text)
    if not errors(found):
        plan = agentflow.compile(text)
        assert Plan.model_validate_json(plan.model_dump_json()) == plan


def test_a_lone_surrogate_in_a_string_is_rejected_or_serializable() -> None:
    text = 'agentflow 1\nworkflow w() -> string {\n  return "caf\udce9"\n}\n'
    found = check(text)
    if not errors(found):
        plan = agentflow.compile(text)
        assert Plan.model_validate_json(plan.model_dump_json()) == plan


# Run in a child process with a memory cap: in-process, the unrolling can take the whole
# machine's memory before any watchdog gets a chance to stop it.
_COMPILE_IN_CHILD = """
import json, sys
import agentflow
try:
    plan = agentflow.compile(sys.stdin.read())
    print(json.dumps({"nodes": sum(len(w.nodes) for w in plan.workflows.values()), "codes": []}))
except agentflow.CompileError as error:
    print(json.dumps({"nodes": 0, "codes": [d.code for d in error.diagnostics]}))
"""


def compile_in_child(text: str, *, seconds: float, memory: int = 2 << 30) -> dict[str, object]:
    """`agentflow.compile` in a fresh interpreter limited to `memory` bytes and `seconds`."""
    import json
    import os
    import subprocess
    import sys

    def cap() -> None:  # pragma: no cover - runs in the child
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))

    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    try:
        result = subprocess.run(
            [sys.executable, "-c", _COMPILE_IN_CHILD],
            input=text,
            capture_output=True,
            text=True,
            timeout=seconds,
            env=env,
            preexec_fn=cap if os.name == "posix" else None,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"compile still running after {seconds} s")
    assert result.returncode == 0, result.stderr[-2000:]
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def test_an_absurd_iterate_bound_does_not_hang_compile() -> None:
    text = workflow(
        'r = iterate d = echo(x: "a") until len(d) > 3 max 1' + "0" * 24 + " => echo(x: d)\n"
        "return len(r)",
        params="",
    )
    check(text)
    outcome = compile_in_child(text, seconds=5)
    assert "AF000" not in outcome["codes"]  # type: ignore[operator]
    assert outcome["nodes"] < 100_000  # type: ignore[operator]


def test_compile_in_child_reports_nodes_and_codes() -> None:
    assert compile_in_child(chain_program(3), seconds=60) == {"nodes": 4, "codes": []}
    broken = compile_in_child(workflow("x = nowhere\nreturn a"), seconds=60)
    assert "AF101" in broken["codes"]  # type: ignore[operator]


@pytest.mark.parametrize(
    "template",
    [
        "{{ a | nosuch }}",
        "{{ a | ojson }}",
        "{% block b %}{% endblock %}{% block b %}{% endblock %}",
    ],
)
def test_an_unknown_template_filter_is_a_diagnostic(template: str) -> None:
    text = f'agentflow 1\nworkflow w(a: string) -> string {{\n  return "{template}"\n}}\n'
    assert_sane(text, check_unguarded(text))


def test_an_unknown_template_filter_in_an_agent_is_a_diagnostic() -> None:
    text = AGENT.replace('"Echo {{ x }}"', '"Echo {{ x | nosuch }}"')
    assert_sane(text, check_unguarded(text))


def check_unguarded(text: str) -> list[Diagnostic]:
    with watchdog(60):
        return agentflow.check(text)
