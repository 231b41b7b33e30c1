"""`fits` is only a fast path: whenever it accepts a value, full validation agrees and
conforming changes nothing."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

import agentflow
from agentflow.runtime.validation import conform, fits, validate

ROOT = Path(__file__).resolve().parents[3]


def example_schemas() -> list[dict]:
    schemas = []
    for path in sorted((ROOT / "examples").glob("*.agentflow")):
        plan = agentflow.compile(path.read_text(), str(path))
        for agent in plan.agents.values():
            schemas += [agent.input_schema, agent.output_schema]
        for tool in plan.tools.values():
            schemas += [tool.input_schema, tool.output_schema]
        for workflow in plan.workflows.values():
            schemas += [workflow.params, workflow.result_schema]
    return schemas


SCHEMAS = example_schemas()
JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-5, 5)
    | st.floats(allow_nan=True)
    | st.sampled_from(["", "low", "urgent", "billing", "x"]),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(
            st.sampled_from(["id", "title", "summary", "tags", "x"]), inner, max_size=4
        )
    ),
    max_leaves=10,
)


@settings(max_examples=300, deadline=None)
@given(schema=st.sampled_from(SCHEMAS), value=JSON)
def test_fits_implies_valid_and_unchanged(schema: dict, value: object) -> None:
    if fits(value, schema):
        assert validate(value, schema) == []
        assert conform(value, schema) == value


def test_fits_accepts_a_typical_record_and_rejects_a_near_miss() -> None:
    schema = {
        "type": "object",
        "properties": {
            "a": {"type": "integer"},
            "b": {"type": "array", "items": {"type": "string"}},
        },
        "required": ["a"],
        "additionalProperties": False,
    }
    assert fits({"a": 1, "b": ["x"]}, schema)
    assert not fits({"a": 1.0}, schema)
    assert not fits({"a": 1, "c": 2}, schema)
    assert not fits({"b": []}, schema)
    assert not fits({"a": True}, schema)
