"""Snapshots of every diagnostic output format, on diagnostics built by hand."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agentflow.cli.render import github, sarif, text
from agentflow.cli.render import json as json_format
from agentflow.compiler.rules import document
from agentflow.diagnostics import Diagnostic, DiagnosticSink, Label, Severity, Suggestion
from agentflow.source import Source, Span

PROGRAM = """\
agentflow 1

workflow report(topic: string) -> string {
\tdraft = reseacher(topic: "日本語" + count)
  return draft
}
"""


def _at(text: str, needle: str, length: int | None = None) -> Span:
    start = text.index(needle)
    return Span(start, start + (len(needle) if length is None else length))


@pytest.fixture
def diagnostics() -> list[Diagnostic]:
    source = Source(PROGRAM, "flows/report.agentflow")
    sink = DiagnosticSink(source)
    sink.report(
        "AF101",
        _at(PROGRAM, "reseacher"),
        "unknown name `reseacher`",
        hint="a similar name exists: `researcher`",
        suggestion=Suggestion(_at(PROGRAM, "reseacher"), "researcher", "use `researcher`"),
    )
    sink.report(
        "AF215",
        _at(PROGRAM, "count"),
        "cannot add `string` and `int`",
        labels=[
            Label(_at(PROGRAM, '"日本語"'), "this is a `string`"),
            Label(_at(PROGRAM, "draft"), "bound here"),
        ],
        severity=Severity.ERROR,
    )
    start = PROGRAM.index("workflow")
    sink.report(
        "AF307",
        Span(start, len(PROGRAM)),
        "parameter `topic` is never used",
        labels=[Label(_at(PROGRAM, "return"), "the workflow returns here")],
        severity=Severity.WARNING,
    )
    sink.report(
        "AF001",
        Span(len(PROGRAM), len(PROGRAM)),
        'unexpected "end": 100%, really',
        hint="line one\nline two, with: colon",
        severity=Severity.ERROR,
    )
    return sink.diagnostics


def test_text(diagnostics: list[Diagnostic], snapshot: object) -> None:
    assert text.render(diagnostics) == snapshot


def test_text_has_no_trailing_spaces(diagnostics: list[Diagnostic]) -> None:
    output = text.render(diagnostics)
    assert all(line == line.rstrip() for line in output.splitlines())
    assert "\t" not in output


def test_text_carets_count_cells() -> None:
    line = '\tx = "日本語" + count'
    sink = DiagnosticSink(Source(line + "\n", "a.agentflow"))
    sink.report("AF215", _at(line, "count"), "bad", labels=[Label(_at(line, '"日本語"'), "str")])
    rows = text.render(sink.diagnostics).splitlines()
    assert rows[3] == '1 |     x = "日本語" + count'
    # A tab is four cells and each CJK character two.
    assert rows[4:7] == ["  |         --------   ^^^^^", "  |         |", "  |         str"]


def test_text_several_labels_on_one_line() -> None:
    line = "a = b + c + d"
    sink = DiagnosticSink(Source(line + "\n", "a.agentflow"))
    labels = [Label(_at(line, "a"), "first"), Label(_at(line, "c"), "second")]
    sink.report("AF215", _at(line, "d"), "bad", labels=labels, severity=Severity.ERROR)
    sink.report("AF215", _at(line, "b"), "bad", labels=[Label(_at(line, "d"), "last")])
    rows = text.render(sink.diagnostics).splitlines()
    assert rows[4:9] == [
        "  | -       -   ^",
        "  | |       |",
        "  | |       second",
        "  | first",
        "",
    ]
    assert rows[13] == "  |     ^       - last"


def test_text_summary() -> None:
    source = Source("agentflow 1\n", "a.agentflow")
    sink = DiagnosticSink(source)
    assert text.render([]) == ""
    sink.report("AF307", Span(0, 9), "unused", severity=Severity.WARNING)
    assert text.render(sink.diagnostics).endswith("warning: 1 warning emitted\n")
    sink.report("AF001", Span(0, 9), "broken", severity=Severity.ERROR)
    sink.report("AF001", Span(0, 9), "broken", severity=Severity.ERROR)
    assert text.render(sink.diagnostics).endswith("error: 2 errors, 1 warning emitted\n")


def test_text_replaces_control_characters() -> None:
    source = Source("x = \x1b[31m\u202e1\u2028\n", "a.agentflow")
    sink = DiagnosticSink(source)
    sink.report("AF011", Span(4, 5), "unexpected character", severity=Severity.ERROR)
    output = text.render(sink.diagnostics)
    assert "\x1b" not in output and "\u202e" not in output
    assert "1 | x = \ufffd[31m\ufffd1\ufffd\n" in output


def test_text_cuts_very_long_lines() -> None:
    line = "a" * 500 + " bad " + "b" * 500
    source = Source(line + "\n", "a.agentflow")
    sink = DiagnosticSink(source)
    sink.report("AF011", _at(line, "bad"), "bad", severity=Severity.ERROR)
    lines = text.render(sink.diagnostics).splitlines()
    shown = next(row for row in lines if row.startswith("1 |"))
    assert shown.startswith("1 | ...") and shown.endswith("...")
    assert len(shown) < 160
    assert lines[lines.index(shown) + 1].index("^^^") == shown.index("bad")


def test_text_color_uses_ansi(diagnostics: list[Diagnostic]) -> None:
    coloured = text.render(diagnostics, color=True)
    assert "\x1b[" in coloured
    assert "\x1b[" not in text.render(diagnostics)


def test_json(diagnostics: list[Diagnostic], snapshot: object) -> None:
    output = json_format.render(diagnostics)
    document = json.loads(output)
    assert list(document) == ["diagnostics", "errors", "warnings"]
    assert (document["errors"], document["warnings"]) == (3, 1)
    assert document["diagnostics"][0] == diagnostics[0].to_dict()
    assert output == snapshot


def test_sarif(diagnostics: list[Diagnostic], snapshot: object) -> None:
    output = sarif.render(diagnostics)
    log = json.loads(output)
    assert log["version"] == "2.1.0"
    assert log["$schema"].endswith("sarif-schema-2.1.0.json")
    run = log["runs"][0]
    assert run["tool"]["driver"]["name"] == "agentflow"
    rules = run["tool"]["driver"]["rules"]
    assert [rule["id"] for rule in rules] == ["AF001", "AF101", "AF215", "AF307"]
    for rule in rules:
        doc = document(rule["id"])
        assert rule["name"] == doc.rule.name
        assert rule["shortDescription"]["text"] == doc.rule.summary
        assert rule["fullDescription"]["text"] in doc.explanation
        assert rule["help"]["text"] == rule["fullDescription"]["text"]
        assert (
            rule["defaultConfiguration"]["level"]
            == {"error": "error", "warning": "warning", "info": "note"}[doc.rule.severity.value]
        )
        # The catalogue's wording changes on its own: keep it out of the snapshot.
        for key in ("name", "shortDescription", "fullDescription", "help"):
            rule[key] = "<catalogue>"
    results = run["results"]
    assert [r["level"] for r in results] == ["error", "error", "warning", "error"]
    assert [rules[r["ruleIndex"]]["id"] for r in results] == [r["ruleId"] for r in results]
    region = results[0]["locations"][0]["physicalLocation"]["region"]
    assert region == {"startLine": 4, "startColumn": 10, "endLine": 4, "endColumn": 19}
    assert results[1]["relatedLocations"][0]["message"]["text"] == "this is a `string`"
    assert json.dumps(log, indent=2, ensure_ascii=False) == snapshot


def test_sarif_uri() -> None:
    assert sarif.artifact_uri("flows/a b.agentflow") == "flows/a%20b.agentflow"
    assert sarif.artifact_uri("/tmp/x.agentflow") == "file:///tmp/x.agentflow"


def test_github(diagnostics: list[Diagnostic], snapshot: object) -> None:
    output = github.render(diagnostics)
    assert output.splitlines()[0].startswith(
        "::error file=flows/report.agentflow,line=4,col=10,endLine=4,endColumn=19,title=AF101::"
    )
    assert output.splitlines()[2].startswith("::warning ")
    assert output == snapshot


def test_github_escaping() -> None:
    assert github.escape_data("50%\r\nnext") == "50%25%0D%0Anext"
    assert github.escape_property("a:b,c%\n") == "a%3Ab%2Cc%25%0A"


@given(
    st.text(max_size=200),
    st.lists(st.tuples(st.integers(-5, 250), st.integers(-5, 250)), min_size=1, max_size=4),
)
@settings(max_examples=300, deadline=None)
def test_text_never_raises(program: str, spans: list[tuple[int, int]]) -> None:
    sink = DiagnosticSink(Source(program, "p.agentflow"))
    (start, end), *others = spans
    labels = [Label(Span(a, b), "label") for a, b in others]
    sink.report("AF001", Span(start, end), "message", labels=labels, severity=Severity.ERROR)
    for output in (text.render(sink.diagnostics), github.render(sink.diagnostics)):
        assert all(line == line.rstrip() for line in output.splitlines())
    json.loads(sarif.render(sink.diagnostics))
