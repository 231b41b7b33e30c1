"""What each declaration accepts: settings, their value kinds, and the stdlib tool table."""

from __future__ import annotations

from dataclasses import dataclass, field

from agentflow.compiler.types import (
    FLOAT,
    INT,
    STRING,
    FieldT,
    ListT,
    MapT,
    RecordT,
    Type,
)


@dataclass(frozen=True, slots=True)
class SettingSpec:
    """A setting's value kind (see `passes/settings.py`) and whether it is required."""

    kind: str
    required: bool = False


PROVIDERS = ("anthropic", "openai", "offline")
ON_EXCEED = ("stop", "warn")
REDACTION_CLASSES = ("email", "phone", "credit_card", "api_key", "ip_address", "ssn")
SECRET_SETTINGS = ("api_key", "token")

COMMON_TOOL_SETTINGS = {
    "rate_limit": SettingSpec("rate"),
    "timeout": SettingSpec("duration"),
    "retry": SettingSpec("retry"),
    "description": SettingSpec("string"),
    "bind": SettingSpec("bind"),
}

SETTINGS: dict[str, dict[str, SettingSpec]] = {
    "model": {
        "provider": SettingSpec("choice:" + ",".join(PROVIDERS), required=True),
        "name": SettingSpec("string"),
        "api_key": SettingSpec("secret"),
        "base_url": SettingSpec("string"),
        "max_tokens": SettingSpec("count"),
        "temperature": SettingSpec("float"),
        "fallback": SettingSpec("ref:model"),
        "price": SettingSpec("price"),
        "script": SettingSpec("string"),
        "timeout": SettingSpec("duration"),
        "retry": SettingSpec("retry"),
        "rate_limit": SettingSpec("rate"),
    },
    "agent": {
        "model": SettingSpec("ref:model", required=True),
        "tools": SettingSpec("refs:tool,agent,workflow"),
        "budget": SettingSpec("ref:budget"),
        "max_steps": SettingSpec("count"),
        "max_tokens": SettingSpec("count"),
        "temperature": SettingSpec("float"),
        "timeout": SettingSpec("duration"),
        "retry": SettingSpec("retry"),
        "system": SettingSpec("template"),
        "prompt": SettingSpec("template"),
        "history": SettingSpec("input_name"),
        "description": SettingSpec("string"),
    },
    "role": {
        "tools": SettingSpec("refs:tool"),
        "agents": SettingSpec("refs:agent"),
        "workflows": SettingSpec("refs:workflow"),
        "description": SettingSpec("string"),
    },
    "principal": {
        "roles": SettingSpec("refs:role", required=True),
        "token": SettingSpec("secret", required=True),
        "description": SettingSpec("string"),
    },
    "budget": {
        "per_run": SettingSpec("money"),
        "daily": SettingSpec("money"),
        "monthly": SettingSpec("money"),
        "tokens_per_run": SettingSpec("count"),
        "alert_at": SettingSpec("percent"),
        "on_exceed": SettingSpec("choice:" + ",".join(ON_EXCEED)),
    },
    "policy": {
        "audit": SettingSpec("bool"),
        "retention": SettingSpec("duration"),
        "redact": SettingSpec("redact"),
        "max_concurrency": SettingSpec("count"),
    },
    "workflow": {
        "run_as": SettingSpec("ref:role"),
        "budget": SettingSpec("ref:budget"),
        "timeout": SettingSpec("duration"),
        "max_nodes": SettingSpec("count"),
    },
    "node": {
        "retry": SettingSpec("retry"),
        "timeout": SettingSpec("duration"),
        "fallback": SettingSpec("fallback"),
    },
}

DEFAULT_MAX_TOKENS = 1024
DEFAULT_MAX_STEPS = 10
DEFAULT_MAX_CONCURRENCY = 16


@dataclass(frozen=True, slots=True)
class StdlibTool:
    """A standard tool: its settings, input record and output type."""

    settings: dict[str, SettingSpec]
    input: RecordT
    output: Type
    confinement: str | None = None
    description: str = ""
    defaults: dict[str, object] = field(default_factory=dict)


def _inputs(*fields: FieldT) -> RecordT:
    return RecordT(tuple(fields))


_FILE_SETTINGS = {"roots": SettingSpec("paths"), "max_bytes": SettingSpec("count")}
SEARCH_RESULT = RecordT((FieldT("title", STRING), FieldT("url", STRING), FieldT("snippet", STRING)))

STDLIB_TOOLS: dict[str, StdlibTool] = {
    "calculator": StdlibTool(
        {},
        _inputs(FieldT("expression", STRING)),
        FLOAT,
        description="Evaluate an arithmetic expression",
    ),
    "file_read": StdlibTool(
        _FILE_SETTINGS,
        _inputs(FieldT("path", STRING)),
        STRING,
        confinement="roots",
        description="Read a text file under the allowed roots",
    ),
    "file_write": StdlibTool(
        {**_FILE_SETTINGS, "overwrite": SettingSpec("bool")},
        _inputs(FieldT("path", STRING), FieldT("content", STRING)),
        STRING,
        confinement="roots",
        description="Write a text file under the allowed roots",
    ),
    "csv_read": StdlibTool(
        {"roots": SettingSpec("paths"), "max_rows": SettingSpec("count")},
        _inputs(FieldT("path", STRING)),
        ListT(MapT(STRING)),
        confinement="roots",
        description="Read a CSV file under the allowed roots as rows",
    ),
    "web_search": StdlibTool(
        {
            "backend": SettingSpec("choice:local,http"),
            "corpus": SettingSpec("path"),
            "url": SettingSpec("string"),
            "api_key": SettingSpec("secret"),
        },
        _inputs(FieldT("query", STRING), FieldT("limit", INT, required=False)),
        ListT(SEARCH_RESULT),
        description="Search a local corpus or a configured search API",
    ),
    "http_get": StdlibTool(
        {"allow": SettingSpec("hosts"), "max_bytes": SettingSpec("count")},
        _inputs(FieldT("url", STRING)),
        RecordT((FieldT("status", INT), FieldT("body", STRING))),
        confinement="allow",
        description="Fetch a URL from an allow-listed host",
    ),
    "current_time": StdlibTool(
        {"timezone": SettingSpec("string")},
        _inputs(),
        STRING,
        description="The current time in ISO 8601",
    ),
}

BUILTIN_TYPE_NAMES = frozenset(
    {*("string", "int", "float", "bool"), "list", "map", "Result", "Message", "Error"}
)
