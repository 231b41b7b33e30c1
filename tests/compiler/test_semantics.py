"""What the checker accepts and infers: the positive side of the typing rules."""

from __future__ import annotations

import pytest

import agentflow

PRELUDE = """agentflow 1
model m { provider = offline }
type Ticket { id: string, priority: "low" | "normal" | "urgent", tags: list[string], due: string? }
agent classify {
  model = m
  input { ticket: Ticket }
  output { category: "billing" | "bug" | "other", score: float }
  prompt = "Classify {{ ticket.id }} ({{ ticket.priority }})"
}
agent answer { model = m, input { text: string }, output = string, prompt = "{{ text }}" }
agent tag { model = m, input { tag: string }, output { tag: string, weight: int }, prompt = "{{ tag }}" }
"""


def errors(body: str, params: str = "ticket: Ticket", result: str = "string") -> list[str]:
    source = PRELUDE + f"workflow w({params}) -> {result} {{\n{body}\n}}\n"
    diagnostics = agentflow.check(source)
    return [
        f"{d.code} {d.message}"
        for d in diagnostics
        if d.severity.value != "info" and d.code != "AF305"
    ]


def test_guarded_binding_is_optional_and_needs_a_default() -> None:
    assert errors(
        'k = classify(ticket: ticket) when ticket.priority == "urgent"\nreturn k.category'
    )
    assert (
        errors(
            'k = classify(ticket: ticket) when ticket.priority == "urgent"\n'
            'c = k ?? { category: "other", score: 0.0 }\nreturn c.category'
        )
        == []
    )


def test_partial_if_binding_is_optional_and_full_binding_is_not() -> None:
    partial = 'if ticket.priority == "urgent" {\n a = answer(text: ticket.id)\n}\nreturn a'
    assert any(e.startswith("AF207") for e in errors(partial))
    full = (
        'if ticket.priority == "urgent" {\n a = answer(text: ticket.id)\n} else {\n'
        ' a = "later"\n}\nreturn a'
    )
    assert errors(full) == []


def test_exhaustive_enum_switch_binds_on_every_path() -> None:
    body = """k = classify(ticket: ticket)
switch k.category {
  "billing" => { r = answer(text: "billing") }
  "bug" => { r = answer(text: "bug") }
  "other" => { r = "n/a" }
}
return r"""
    assert errors(body) == []
    missing = body.replace('  "other" => { r = "n/a" }\n', "")
    assert any("AF222" in e and '"other"' in e for e in errors(missing))


def test_enum_literals_take_the_expected_enum_type() -> None:
    assert errors('return "normal"', params="", result='"low" | "normal"') == []
    medium = errors('return "medium"', params="", result='"low" | "normal"')
    assert any(e.startswith("AF208") for e in medium)
    # bound to a name first, a literal is a plain string
    assert any(
        e.startswith("AF210")
        for e in errors('x = "normal"\nreturn x', params="", result='"low" | "normal"')
    )


def test_structural_records_and_width_subtyping() -> None:
    literal = 'k = classify(ticket: { id: "1", priority: "low", tags: [] })\nreturn k.category'
    assert errors(literal, params="") == []
    unknown_key = literal.replace("tags: []", "tags: [], x: 1")
    assert any(e.startswith("AF204") for e in errors(unknown_key, params=""))
    # a record with more fields fits where fewer are needed
    wider = "t = { id: ticket.id, priority: ticket.priority, tags: ticket.tags, due: ticket.due }"
    assert errors(f"{wider}\nk = classify(ticket: t)\nreturn k.category") == []


def test_map_comprehension_zip_and_builtins() -> None:
    body = """parts = map t in ticket.tags concurrency 4 => tag(tag: t)
heavy = [p.tag for p in parts if p.weight > 2]
pairs = [a + ":" + b for a, b in zip(heavy, ticket.tags)]
top = max_by(parts, by: "weight")
return join(sort(unique(pairs)), ", ") + top.tag + "{{ parts | length }}\""""
    assert errors(body) == []


def test_try_gives_a_result_record() -> None:
    body = "r = try answer(text: ticket.id)\nreturn r.value ?? r.error.message"
    assert any(e.startswith("AF207") for e in errors(body))
    ok = (
        'r = try answer(text: ticket.id)\ne = r.error ?? { kind: "failed", message: "", node: "" }\n'
        "return r.value ?? e.message"
    )
    assert errors(ok) == []


def test_iterate_and_per_call_settings() -> None:
    body = """best = iterate d = answer(text: ticket.id) until len(d) > 10 max 3 => answer(text: d)
safe = answer(text: best) { retry = { attempts: 3, on: [timeout], backoff: 2s }, timeout = 30s, fallback = "none" }
return safe"""
    assert errors(body) == []


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ("a = answer(text: b)\nb = answer(text: a)\nreturn a", "AF301"),
        ("return len(answer(text: ticket.id))", "AF221"),
        ('x = [answer(text: t) for t in ticket.tags]\nreturn "{{ x }}"', "AF220"),
        ("x = answer(ticket.id)\nreturn x", "AF213"),
        ('return "{{ tickt.id }}"', "AF231"),
        ('return "{{ ticket.idd }}"', "AF232"),
    ],
)
def test_errors_are_reported_with_their_code(body: str, code: str) -> None:
    assert any(e.startswith(code) for e in errors(body))


def test_cycle_names_every_node() -> None:
    found = [
        e
        for e in errors("a = answer(text: c)\nb = answer(text: a)\nc = answer(text: b)\nreturn a")
        if e.startswith("AF301")
    ]
    assert found == ["AF301 these bindings depend on each other: `a` -> `c` -> `b` -> `a`"]


def test_template_references_become_dependency_edges() -> None:
    source = PRELUDE + (
        "workflow w(ticket: Ticket) -> string {\n k = classify(ticket: ticket)\n"
        ' note = "{{ k.category }} for {{ ticket.id }}"\n a = answer(text: note)\n return a\n}\n'
    )
    plan = agentflow.compile(source)
    nodes = {n.id: n for n in plan.workflows["w"].nodes}
    assert nodes["note"].depends_on == ["k"]
    assert nodes["a"].depends_on == ["note"]
