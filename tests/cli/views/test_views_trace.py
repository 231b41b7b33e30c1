"""`agentflow trace RUN`: the span tree and its bars, the critical path, --depth, runs
without spans (node results instead, purged, refused)."""

from __future__ import annotations

import json

import pytest
from views_seed import A1, B2, C3, D4, F6, Run

from agentflow.cli.render.timeline import bar, layout
from agentflow.runtime.state.store import SpanRow
from agentflow.runtime.state.views.trace import children_of, critical_path


@pytest.mark.parametrize(
    "run_id", [A1, B2, F6, D4, C3], ids=["spans", "retries", "node-results", "purged", "refused"]
)
def test_text(cli: Run, run_id: str, snapshot: object) -> None:
    status, out, err = cli("trace", run_id)
    assert (status, err) == (0, "")
    assert out == snapshot


@pytest.mark.parametrize("run_id", [A1, F6, D4], ids=["spans", "node-results", "purged"])
def test_json(cli: Run, run_id: str, snapshot: object) -> None:
    status, out, _ = cli("trace", run_id, "--json")
    assert status == 0
    assert out == snapshot


@pytest.mark.parametrize("columns", [60, 100, 160])
def test_every_span_line_fills_the_width(
    cli: Run, monkeypatch: pytest.MonkeyPatch, columns: int
) -> None:
    monkeypatch.setenv("COLUMNS", str(columns))
    out = cli("trace", A1)[1]
    span_lines = [line for line in out.splitlines() if line.endswith("│")]
    assert len(span_lines) == 17
    assert {len(line) for line in span_lines} == {columns}
    assert all(len(line) <= columns for line in out.splitlines())


def test_the_critical_path_is_marked(cli: Run) -> None:
    data = json.loads(cli("trace", A1, "--json")[1])
    marked = [s["name"] for s in data["spans"] if s["critical"]]
    assert marked == [
        "run triage",
        "node classify",  # the chain classify → reply, not the parallel routes[*]
        "invoke_agent classifier",
        "step 1",
        "chat sonnet",
        "execute_tool search",
        "step 2",
        "chat sonnet",
        "node reply",
        "invoke_agent writer",
        "step 1",
        "chat sonnet",
        "execute_tool kb_search",
    ]
    assert data["critical_path"] == [s["span_id"] for s in data["spans"] if s["critical"]]
    lines = cli("trace", A1)[1].splitlines()
    starred = [
        line[2:].strip().split("  ")[0].split(" · ")[0].removesuffix(" ✗")
        for line in lines
        if line.startswith("* ") and "│" in line
    ]
    assert starred == [
        "run triage",
        "node classify",  # the chain classify → reply, not the parallel routes[*]
        "invoke_agent classifier",
        "step 1",
        "chat sonnet",
        "execute_tool search",
        "step 2",
        "chat sonnet",
        "node reply",
        "invoke_agent writer",
        "step 1",
        "chat sonnet",
        "execute_tool kb_search",
    ]


def test_model_spans_show_tokens_and_cost(cli: Run) -> None:
    data = json.loads(cli("trace", A1, "--json")[1])
    chat = next(s for s in data["spans"] if s["name"] == "chat sonnet")
    assert (chat["model"], chat["input_tokens"], chat["output_tokens"], chat["cost_usd"]) == (
        "claude-sonnet-4-5",
        1200,
        150,
        "0.0057",
    )
    assert "chat sonnet · 1,350 tok · $0.0057" in cli("trace", A1)[1]


def test_depth_limits_the_tree(cli: Run) -> None:
    data = json.loads(cli("trace", A1, "--json", "--depth", "1")[1])
    assert [s["name"] for s in data["spans"]] == [
        "run triage",
        "node classify",
        "node routes[0]",
        "node routes[1]",
        "node reply",
    ]
    assert (data["total_spans"], data["hidden_spans"]) == (17, 12)
    out = cli("trace", A1, "--depth", "1")[1]
    assert out.endswith("(12 deeper spans hidden by --depth 1)\n")
    assert "critical path: 13 spans; most of it in node reply (1.25 s, 50%)" in out
    assert len(json.loads(cli("trace", A1, "--json", "-d", "0")[1])["spans"]) == 1


def test_a_run_without_spans_uses_its_node_results(cli: Run) -> None:
    data = json.loads(cli("trace", F6, "--json")[1])
    assert data["source"] == "node_results"
    assert [(s["name"], s["depth"]) for s in data["spans"]] == [
        ("run hello", 0),
        ("node greeting", 1),
        ("node message", 1),
    ]


def test_a_purged_run_says_why_there_is_nothing(cli: Run) -> None:
    status, out, _ = cli("trace", D4)
    assert status == 0
    assert "purged by retention on 2026-11-05: no spans are kept" in out


def test_a_negative_depth_is_a_usage_error(cli: Run) -> None:
    assert cli("trace", A1, "--depth=-1") == (
        2,
        "",
        "agentflow: error: --depth must be 0 or more, found -1\n",
    )


def test_an_unknown_run(cli: Run) -> None:
    assert cli("trace", "nope")[0] == 1


# ---------------------------------------------------------------- the pure functions


def _span(span_id: str, parent: str | None, start: int, end: int) -> SpanRow:
    return SpanRow("r", span_id, "t", parent, span_id, "node", None, start, end, "ok")


def test_critical_path_follows_the_child_that_ends_last() -> None:
    spans = [
        _span("root", None, 0, 100),
        _span("a", "root", 0, 60),  # starts first, ends earlier
        _span("b", "root", 10, 95),  # ends last: on the path
        _span("b1", "b", 10, 50),
        _span("b2", "b", 50, 90),  # ends last within b
        _span("c", "root", 20, 40),
    ]
    # b1 ended just as b2 started: b waited on both; a and c overlap b and are not
    assert critical_path(spans) == ("root", "b", "b1", "b2")


def test_critical_path_holds_a_chain_of_siblings_not_a_parallel_one() -> None:
    spans = [
        _span("root", None, 0, 100),
        _span("parallel", "root", 0, 50),  # overlaps the chain: not what the run waited on
        _span("first", "root", 0, 30),
        _span("second", "root", 30, 60),
        _span("third", "root", 60, 100),
    ]
    assert critical_path(spans) == ("root", "first", "second", "third")


def test_critical_path_is_not_the_longest_child() -> None:
    spans = [
        _span("root", None, 0, 100),
        _span("long", "root", 0, 80),
        _span("late", "root", 70, 99),
    ]
    assert critical_path(spans) == ("root", "late")


def test_critical_path_ties_go_to_the_longer_span_then_the_smaller_id() -> None:
    tie = [_span("root", None, 0, 10), _span("short", "root", 5, 10), _span("long", "root", 1, 10)]
    assert critical_path(tie) == ("root", "long")
    same = [_span("root", None, 0, 10), _span("y", "root", 1, 10), _span("x", "root", 1, 10)]
    assert critical_path(same) == ("root", "x")


def test_critical_path_starts_at_the_root_that_ends_last() -> None:
    spans = [
        _span("r1", None, 0, 50),
        _span("r2", "missing-parent", 10, 70),
        _span("k", "r2", 20, 60),
    ]
    assert critical_path(spans) == ("r2", "k")
    assert critical_path([]) == ()


def test_a_cycle_does_not_hang() -> None:
    spans = [_span("a", "b", 0, 10), _span("b", "a", 0, 10), _span("root", None, 0, 5)]
    roots, _ = children_of(spans)
    assert [s.span_id for s in roots] == ["root"]
    assert critical_path(spans) == ("root",)


def test_children_are_sorted_by_start() -> None:
    spans = [_span("root", None, 0, 9), _span("late", "root", 5, 6), _span("early", "root", 1, 2)]
    _, children = children_of(spans)
    assert [s.span_id for s in children["root"]] == ["early", "late"]


@pytest.mark.parametrize(
    ("offset", "length", "expected"),
    [
        (0, 100, "██████████"),
        (0, 50, "█████     "),
        (50, 50, "     █████"),
        (12, 1, " █        "),  # never less than one cell
        (99.9, 0, "         █"),  # the last cell, not past it
        (25, 30, "  ████    "),
    ],
)
def test_bar(offset: float, length: float, expected: str) -> None:
    assert bar(offset, length, 100, 10, "█") == expected


def test_layout_keeps_a_usable_label_and_bar() -> None:
    assert layout(100) == (52, 34)
    label, size = layout(40)
    assert label >= 20 and size >= 10
