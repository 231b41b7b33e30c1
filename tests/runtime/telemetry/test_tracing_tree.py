"""The shape of a run's trace: one span per run, node, agent, step, model call and tool call,
each under the right parent, across parallel branches, inline continuations, map items,
sub-workflows and delegated calls; and the same tree in the state store."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from opentelemetry.sdk.trace import ReadableSpan
from tracing_support import (
    OFFLINE_MODEL,
    Captured,
    children,
    compile_source,
    kind,
    named,
    of_kind,
    one,
    parent_of,
    run,
    span_id,
    stored_spans,
    tree,
    write_json,
)

from agentflow.runtime.state.store import StateStore
from agentflow.runtime.telemetry import attributes as attr
from agentflow.runtime.telemetry.tracing import Telemetry

TREE_PROGRAM = (
    "agentflow 1\n"
    + OFFLINE_MODEL
    + """
model scripted {
  provider = offline
  script = "script.json"
}
tool calc = stdlib.calculator

agent helper {
  model = local
  input { q: string }
  output = string
  prompt = "Help with {{ q }}"
}

agent boss {
  model = scripted
  tools = [helper, calc]
  max_steps = 4
  input { q: string }
  output = string
  prompt = "Lead {{ q }}"
}

workflow inner(q: string) -> string {
  h = helper(q: q)
  return h
}

workflow main(q: string, items: list[string]) -> {
  a: string, b: string, t: float, each: list[string], sub: string, lead: string
} {
  a = helper(q: q)
  b = helper(q: "other")
  t1 = calc(expression: "1 + 1")
  t2 = calc(expression: "{{ t1 }} * 3")
  each = map i in items concurrency 2 => helper(q: i)
  sub = inner(q: q)
  lead = boss(q: q)
  return { a: a, b: b, t: t2, each: each, sub: sub, lead: lead }
}
"""
)
BOSS_SCRIPT = {
    "boss": [
        {
            "tool_calls": [
                {"tool": "helper", "args": {"q": "a part"}},
                {"tool": "calc", "args": {"expression": "2 + 3"}},
            ]
        },
        {"output": "done"},
    ]
}


@pytest.fixture
def tree_run(
    tmp_path: Path, captured: Captured
) -> Iterator[tuple[list[ReadableSpan], StateStore, str]]:
    write_json(tmp_path, "script.json", BOSS_SCRIPT)
    plan = compile_source(tmp_path, TREE_PROGRAM)
    store = StateStore.in_directory(tmp_path / "state")
    result = run(
        plan,
        "main",
        {"q": "tides", "items": ["x", "y", "z"]},
        store=store,
        telemetry=captured.telemetry,
    )
    assert result.status == "succeeded", result.error
    assert result.output["t"] == 6.0
    yield captured.spans, store, result.run_id
    store.close()


def test_the_whole_tree(tree_run: tuple[list[ReadableSpan], StateStore, str]) -> None:
    spans, _, _ = tree_run
    lines = tree(spans)
    assert lines[0] == (0, "run main")
    top = sorted(name for depth, name in lines if depth == 1)
    assert top == [
        "node a",
        "node b",
        "node each",
        "node lead",
        "node sub",
        "node t1",
        "node t2",
    ]
    # nothing else is a root
    assert [name for depth, name in lines if depth == 0] == ["run main"]


def test_parallel_branches_and_inline_continuations_are_siblings_under_the_run(
    tree_run: tuple[list[ReadableSpan], StateStore, str],
) -> None:
    spans, _, _ = tree_run
    root = one(spans, "run main")
    for name in ("node a", "node b", "node t1", "node t2", "node each", "node sub", "node lead"):
        span = one(spans, name)
        assert parent_of(span, spans) is root, name
    # t2 ran in t1's task, right after it: still the run's child, and after t1
    t1, t2 = one(spans, "node t1"), one(spans, "node t2")
    assert (t2.start_time or 0) >= (t1.end_time or 0)
    # a and b overlap in time (they ran in parallel) yet neither is the other's parent
    a, b = one(spans, "node a"), one(spans, "node b")
    assert parent_of(a, spans) is parent_of(b, spans) is root


def test_map_items_are_children_of_the_map_node(
    tree_run: tuple[list[ReadableSpan], StateStore, str],
) -> None:
    spans, _, _ = tree_run
    mapped = one(spans, "node each")
    assert (mapped.attributes or {})[attr.NODE_KIND] == "map"
    items = sorted(s.name for s in children(mapped, spans))
    assert items == ["node each[0]", "node each[1]", "node each[2]"]
    for item in children(mapped, spans):
        assert (item.attributes or {})[attr.NODE_KIND] == "call_agent"
        [agent] = children(item, spans)
        assert agent.name == "invoke_agent helper"


def test_an_agent_has_steps_with_a_model_call_each(
    tree_run: tuple[list[ReadableSpan], StateStore, str],
) -> None:
    spans, _, _ = tree_run
    [agent] = children(one(spans, "node a"), spans)
    assert agent.name == "invoke_agent helper"
    [step] = children(agent, spans)
    assert step.name == "step 1"
    [chat] = children(step, spans)
    assert chat.name == "chat local"
    assert children(chat, spans) == []


def test_a_sub_workflow_run_is_a_child_of_its_calling_node(
    tree_run: tuple[list[ReadableSpan], StateStore, str],
) -> None:
    spans, _, _ = tree_run
    [inner] = children(one(spans, "node sub"), spans)
    assert inner.name == "run inner"
    assert kind(inner) == "run"
    assert (inner.attributes or {})[attr.WORKFLOW] == "inner"
    [node] = children(inner, spans)
    assert node.name == "node sub/h"
    assert [s.name for s in children(node, spans)] == ["invoke_agent helper"]


def test_delegated_and_tool_calls_nest_under_the_step_that_made_them(
    tree_run: tuple[list[ReadableSpan], StateStore, str],
) -> None:
    spans, _, _ = tree_run
    [boss] = children(one(spans, "node lead"), spans)
    assert boss.name == "invoke_agent boss"
    steps = sorted(children(boss, spans), key=lambda s: s.start_time or 0)
    assert [s.name for s in steps] == ["step 1", "step 2"]
    first = sorted(s.name for s in children(steps[0], spans))
    assert first == ["chat scripted", "execute_tool calc", "node lead/helper#1"]
    delegated = one(spans, "node lead/helper#1")
    assert [s.name for s in children(delegated, spans)] == ["invoke_agent helper"]
    assert [s.name for s in children(steps[1], spans)] == ["chat scripted"]
    tool = one(spans, "execute_tool calc")
    assert (tool.attributes or {})[attr.GEN_AI_TOOL_CALL_ID]


def test_a_tool_node_is_its_tool_call(
    tree_run: tuple[list[ReadableSpan], StateStore, str],
) -> None:
    """A node that calls a tool directly has one span, with the execute_tool attributes."""
    spans, _, _ = tree_run
    t1 = one(spans, "node t1")
    attributes = dict(t1.attributes or {})
    assert attributes[attr.GEN_AI_OPERATION_NAME] == "execute_tool"
    assert attributes[attr.GEN_AI_TOOL_NAME] == "calc"
    assert attributes[attr.NODE_KIND] == "call_tool"
    assert children(t1, spans) == []


def test_every_span_shares_the_trace_and_names_its_kind_and_run(
    tree_run: tuple[list[ReadableSpan], StateStore, str],
) -> None:
    spans, _, run_id = tree_run
    assert len({s.context.trace_id for s in spans if s.context}) == 1
    expected_kind = {
        "run": "run",
        "node": "node",
        "invoke_agent": "agent",
        "step": "step",
        "chat": "model",
        "execute_tool": "tool",
    }
    for span in spans:
        attributes = dict(span.attributes or {})
        assert attributes[attr.RUN_ID] == run_id
        assert kind(span) == expected_kind[span.name.split(" ")[0]], span.name
        if kind(span) != "run" or span.parent is not None:
            assert attributes.get(attr.NODE_ID), span.name
        assert span.end_time is not None and span.start_time is not None
        assert span.end_time >= span.start_time


def test_the_store_keeps_the_same_tree(
    tree_run: tuple[list[ReadableSpan], StateStore, str],
) -> None:
    spans, store, run_id = tree_run
    rows = stored_spans(store, run_id)
    assert len(rows) == len(spans)
    by_id = {format(span_id(s), "016x"): s for s in spans}
    trace_id = format(spans[0].context.trace_id, "032x")  # type: ignore[union-attr]
    for row in rows:
        span = by_id[row["span_id"]]
        assert row["trace_id"] == trace_id
        assert row["name"] == span.name
        assert row["kind"] == kind(span)
        assert row["node_id"] == (span.attributes or {}).get(attr.NODE_ID)
        assert row["parent_id"] == (format(span.parent.span_id, "016x") if span.parent else None)
        assert (row["start_ns"], row["end_ns"]) == (span.start_time, span.end_time)
        assert row["status"] == "unset"
        assert row["attributes"] == json_ready(dict(span.attributes or {}))
    [run_row] = store.query("SELECT trace_id FROM runs WHERE id = ?", (run_id,))
    assert run_row["trace_id"] == trace_id


def json_ready(attributes: dict[str, object]) -> dict[str, object]:
    """Attributes as JSON gives them back (tuples become lists)."""
    return {k: list(v) if isinstance(v, tuple) else v for k, v in attributes.items()}


def test_the_store_only_path_writes_the_same_rows(tmp_path: Path, captured: Captured) -> None:
    """Without exporters the spans are agentflow's light ones: same names, kinds, parents and
    attributes in the store as the SDK's spans give."""
    write_json(tmp_path, "script.json", BOSS_SCRIPT)
    plan = compile_source(tmp_path, TREE_PROGRAM)
    inputs = {"q": "tides", "items": ["x", "y"]}
    shapes = []
    for telemetry in (captured.telemetry, Telemetry()):
        store = StateStore.in_directory(tmp_path / f"state-{len(shapes)}")
        result = run(plan, "main", inputs, store=store, telemetry=telemetry)
        assert result.status == "succeeded", result.error
        rows = stored_spans(store, result.run_id)
        store.close()
        ids = {r["span_id"]: r for r in rows}
        shapes.append(
            sorted(
                (
                    r["name"],
                    r["kind"],
                    r["node_id"],
                    r["status"],
                    ids[r["parent_id"]]["name"] if r["parent_id"] else None,
                    sorted(r["attributes"]),
                )
                for r in rows
            )
        )
        assert len({r["trace_id"] for r in rows}) == 1
        assert all(r["attributes"][attr.RUN_ID] == result.run_id for r in rows)
    assert Telemetry().store_only
    assert shapes[0] == shapes[1]


def test_no_telemetry_still_records_the_trace_in_the_store(tmp_path: Path) -> None:
    plan = compile_source(tmp_path, "agentflow 1\n" + OFFLINE_MODEL + HELLO)
    store = StateStore.in_directory(tmp_path / "state")
    result = run(plan, "hello", {"name": "Ada"}, store=store, telemetry=None)
    assert result.status == "succeeded"
    assert result.trace_id is not None and len(result.trace_id) == 32
    rows = stored_spans(store, result.run_id)
    assert sorted(r["name"] for r in rows) == [
        "chat local",
        "invoke_agent greeter",
        "node greeting",
        "node message",
        "run hello",
        "step 1",
    ]
    assert {r["trace_id"] for r in rows} == {result.trace_id}
    [row] = store.query("SELECT trace_id FROM runs WHERE id = ?", (result.run_id,))
    assert row["trace_id"] == result.trace_id
    assert result.to_json()["trace_id"] == result.trace_id
    store.close()


HELLO = """
agent greeter {
  model = local
  input { name: string }
  output = string
  prompt = "Greet {{ name }}"
}

workflow hello(name: string) -> string {
  greeting = greeter(name: name)
  message = "{{ greeting }}!"
  return message
}
"""


def test_an_ambient_span_becomes_the_runs_parent(tmp_path: Path, captured: Captured) -> None:
    """Embedded in an application that traces, a run joins the application's trace."""
    from agentflow.runtime.telemetry.tracing import TRACER_NAME

    plan = compile_source(tmp_path, "agentflow 1\n" + OFFLINE_MODEL + HELLO)
    store = StateStore.in_directory(tmp_path / "state")
    tracer = captured.provider.get_tracer(TRACER_NAME + ".test")
    for telemetry in (captured.telemetry, Telemetry()):
        with tracer.start_as_current_span("application") as outer:
            result = run(plan, "hello", {"name": "Ada"}, store=store, telemetry=telemetry)
        context = outer.get_span_context()
        assert result.trace_id == format(context.trace_id, "032x")
        rows = stored_spans(store, result.run_id)
        [root] = [r for r in rows if r["name"] == "run hello"]
        assert root["parent_id"] == format(context.span_id, "016x")
    store.close()


def test_many_parallel_nodes_all_hang_off_the_run(tmp_path: Path, captured: Captured) -> None:
    """Chains that continue inline and spawn tasks: every node span's parent is the run."""
    bindings = "\n".join(
        f'  c{i} = calc(expression: "{i} + 1")'
        if i % 3 == 0
        else f'  c{i} = calc(expression: "{{{{ c{i - 1} }}}} + 1")'
        for i in range(30)
    )
    source = (
        "agentflow 1\ntool calc = stdlib.calculator\n"
        f"workflow w() -> float {{\n{bindings}\n  return c29\n}}\n"
    )
    plan = compile_source(tmp_path, source)
    store = StateStore.in_directory(tmp_path / "state")
    result = run(plan, "w", store=store, telemetry=captured.telemetry)
    assert result.status == "succeeded", result.error
    spans = captured.spans
    root = one(spans, "run w")
    nodes = of_kind(spans, "node")
    assert len(nodes) == 30
    assert all(parent_of(n, spans) is root for n in nodes)
    assert named(spans, "run w") == [root]
    store.close()
