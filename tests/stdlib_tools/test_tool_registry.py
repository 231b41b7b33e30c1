"""The stdlib tool registry agrees with the compiler's table of stdlib tools."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

import pytest

from agentflow.compiler.schema import STDLIB_TOOLS
from agentflow.stdlib_tools import TOOLS, ToolContext, get_tool
from agentflow.stdlib_tools.base import ToolError, parse_args


def test_every_compiler_tool_has_an_implementation() -> None:
    assert set(TOOLS) == set(STDLIB_TOOLS)
    for name, tool in TOOLS.items():
        assert tool.name == name
        assert get_tool(name) is tool


@pytest.mark.parametrize("name", sorted(STDLIB_TOOLS))
def test_input_models_match_the_compiler_signatures(name: str) -> None:
    spec, model = STDLIB_TOOLS[name], TOOLS[name].Input
    expected = {f.name: f.required for f in spec.input.fields}
    actual = {n: f.is_required() for n, f in model.model_fields.items()}
    assert actual == expected
    assert model.model_config.get("extra") == "forbid"


def test_unknown_tool() -> None:
    with pytest.raises(KeyError, match="unknown stdlib tool `nope`"):
        get_tool("nope")


def test_raw_mappings_are_validated() -> None:
    tool = get_tool("calculator")
    ctx = ToolContext(base_dir=Path.cwd())
    assert asyncio.run(tool.run({"expression": "1+1"}, ctx)) == 2.0  # type: ignore[arg-type]
    with pytest.raises(ToolError) as caught:
        asyncio.run(tool.run({"expr": "1"}, ctx))  # type: ignore[arg-type]
    assert caught.value.kind == "validation"
    assert "expression: field required" in caught.value.message


def test_parse_args_reports_every_problem() -> None:
    from agentflow.stdlib_tools.web_search import WebSearchInput

    with pytest.raises(ToolError) as caught:
        parse_args(WebSearchInput, {"query": "", "limit": 99})
    assert "query:" in caught.value.message and "limit:" in caught.value.message


def test_tool_error_kinds() -> None:
    assert ToolError("x").kind == "tool"
    with pytest.raises(ValueError):
        ToolError("x", "boom")


def test_importing_the_registry_imports_no_http_client() -> None:
    code = "import sys, agentflow.stdlib_tools; print(any('httpx' in m for m in sys.modules))"
    root = Path(__file__).resolve().parents[2]
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=root,
        env={"PYTHONPATH": str(root)},
    )
    assert out.stdout.strip() == "False"


def test_secrets_are_not_in_the_context_repr() -> None:
    ctx = ToolContext(base_dir=Path("."), settings={}, secrets={"api_key": "sk-very-secret"})
    assert "sk-very-secret" not in repr(ctx)
