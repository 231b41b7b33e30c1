"""The language server's incremental parser gives exactly what the full parser gives."""

from __future__ import annotations

import sys
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agentflow.compiler.pipeline import analyze
from agentflow.diagnostics import DiagnosticSink
from agentflow.grammar.incremental import IncrementalParser, split
from agentflow.grammar.parser import parse
from agentflow.source import Source

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "benchmarks"))
from gen_program import generate  # noqa: E402

EXAMPLES = {p.name: p.read_text() for p in sorted((ROOT / "examples").glob("*.agentflow"))}
GENERATED = generate(400)


def full(text: str) -> tuple[object, list[str]]:
    source = Source(text, "t.agentflow")
    sink = DiagnosticSink(source)
    return parse(source, sink), [f"{d.code} {d.span} {d.message}" for d in sink.sorted()]


def incremental(parser: IncrementalParser, text: str) -> tuple[object, list[str]]:
    source = Source(text, "t.agentflow")
    sink = DiagnosticSink(source)
    return parser.parse(source, sink), [f"{d.code} {d.span} {d.message}" for d in sink.sorted()]


def test_every_example_parses_to_the_same_program() -> None:
    for name, text in {**EXAMPLES, "generated": GENERATED}.items():
        parser = IncrementalParser()
        assert incremental(parser, text) == full(text), name
        edited = "# a new first line\n" + text
        assert incremental(parser, edited) == full(edited), name


def test_unchanged_pieces_are_reused_and_moved() -> None:
    parser = IncrementalParser()
    first, _ = incremental(parser, GENERATED)
    pieces = len(split(GENERATED))
    assert pieces > 20
    edited = "# moved\n" + GENERATED
    second, _ = incremental(parser, edited)
    assert parser._local and len(parser._local) <= pieces + 1
    assert second == full(edited)[0]
    assert first != second  # every span moved by the inserted line


def test_a_cut_inside_a_string_falls_back_to_the_full_parse() -> None:
    text = 'agent a {\n  model = m\n  prompt = """\nagent b is mentioned here\n"""\n}\n'
    assert len(split(text)) == 2
    assert incremental(IncrementalParser(), text) == full(text)


def test_a_field_named_like_a_keyword_in_column_0_falls_back() -> None:
    text = "type Ticket {\ntype: string,\n  body: string\n}\n"
    assert incremental(IncrementalParser(), text) == full(text)


def test_syntax_errors_are_the_full_parsers() -> None:
    text = EXAMPLES["hello.agentflow"] + "\nagent broken {\n  model = \n}\n"
    program, diagnostics = incremental(IncrementalParser(), text)
    assert program is None and diagnostics
    assert (program, diagnostics) == full(text)


def test_the_server_analysis_matches_check() -> None:
    source = Source(GENERATED.replace("0.6", "0.6 +"), "t.agentflow")
    expected = analyze(source).diagnostics
    assert expected
    assert analyze(source, parser=IncrementalParser().parse).diagnostics == expected


FRAGMENTS = ["\n", "}", "{", '"', '"""', "agent x {\n", "\ntype ", "# c\n", " ", "x", "workflow"]


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(
    st.sampled_from(sorted(EXAMPLES)),
    st.lists(
        st.tuples(
            st.floats(0, 1),
            st.integers(0, 12),
            st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=3)),
        ),
        min_size=1,
        max_size=6,
    ),
)
def test_a_session_of_edits_matches_the_full_parser_at_every_version(
    name: str, edits: list[tuple[float, int, str]]
) -> None:
    parser = IncrementalParser()
    text = EXAMPLES[name]
    assert incremental(parser, text) == full(text)
    for where, deleted, inserted in edits:
        at = int(where * len(text))
        text = text[:at] + inserted + text[at + deleted :]
        assert incremental(parser, text) == full(text)


def test_offsets_inside_string_literals_move_too() -> None:
    text = 'model m { provider = "offline" }\n\nagent a {\n  model = m\n  prompt = "bad \\q"\n}\n'
    parser = IncrementalParser()
    assert incremental(parser, text) == full(text)
    edited = "# moved\n" + text
    program, _ = incremental(parser, edited)
    assert program == full(edited)[0]
    assert "bad_escapes=(80,)" in repr(program)  # 72 in the text before the edit
