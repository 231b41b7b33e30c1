"""The standard tools (`stdlib.X`): one module each; the runtime calls them through `TOOLS`.

Importing this package is cheap: the network tools import their HTTP client inside `run`.
"""

from __future__ import annotations

from agentflow.stdlib_tools import (
    calculator,
    csv_read,
    current_time,
    file_read,
    file_write,
    http_get,
    web_search,
)
from agentflow.stdlib_tools.base import StdlibTool, ToolContext, ToolError, parse_args

__all__ = ["TOOLS", "StdlibTool", "ToolContext", "ToolError", "get_tool", "parse_args"]

TOOLS: dict[str, StdlibTool] = {
    module.TOOL.name: module.TOOL
    for module in (calculator, file_read, file_write, csv_read, web_search, http_get, current_time)
}


def get_tool(name: str) -> StdlibTool:
    """The stdlib tool called `name` (as in `stdlib.NAME`); KeyError names the known tools."""
    try:
        return TOOLS[name]
    except KeyError:
        known = ", ".join(sorted(TOOLS))
        raise KeyError(f"unknown stdlib tool `{name}` (known: {known})") from None
