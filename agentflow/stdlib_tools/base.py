"""What every stdlib tool shares: the error it raises, the context it runs in, its protocol."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

ERROR_KINDS = ("tool", "validation", "denied")
M = TypeVar("M", bound=BaseModel)


class ToolError(Exception):
    """A tool failure returned to the model as an error result.

    kind: "tool" | "validation" | "denied".
    """

    def __init__(self, message: str, kind: str = "tool") -> None:
        if kind not in ERROR_KINDS:
            raise ValueError(f"unknown tool error kind {kind!r}")
        super().__init__(message)
        self.message = message
        self.kind = kind

    def __repr__(self) -> str:
        return f"ToolError({self.message!r}, kind={self.kind!r})"


@dataclass(frozen=True)
class ToolContext:
    """Where a tool runs: the program's directory, its settings and resolved secrets."""

    base_dir: Path
    settings: Mapping[str, Any] = field(default_factory=dict)
    secrets: Mapping[str, str] = field(default_factory=dict, repr=False)

    def int_setting(self, name: str, default: int) -> int:
        """A positive whole-number setting, or `default` when absent."""
        value = self.settings.get(name, default)
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ToolError(f"the `{name}` setting must be a positive whole number")
        return value

    def bool_setting(self, name: str, default: bool) -> bool:
        """A `true`/`false` setting, or `default` when absent."""
        value = self.settings.get(name, default)
        if not isinstance(value, bool):
            raise ToolError(f"the `{name}` setting must be `true` or `false`")
        return value

    def str_setting(self, name: str, default: str | None = None) -> str | None:
        """A string setting, taken from the secrets when it was given as `env(...)`."""
        value = self.settings.get(name, self.secrets.get(name, default))
        if value is not None and not isinstance(value, str):
            raise ToolError(f"the `{name}` setting must be a string")
        return value

    def list_setting(self, name: str) -> list[str] | None:
        """A list-of-strings setting, or None when absent."""
        value = self.settings.get(name)
        if value is None:
            return None
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ToolError(f"the `{name}` setting must be a list of strings")
        return value


class ToolInput(BaseModel):
    """Base of every tool's arguments: unknown arguments are refused."""

    model_config = ConfigDict(extra="forbid")


class ToolOutput(BaseModel):
    """Base of every structured tool result."""

    model_config = ConfigDict(extra="forbid")


class StdlibTool(Protocol):
    """A standard tool: its name, its argument model and an async `run`."""

    name: str
    Input: type[BaseModel]

    async def run(self, args: BaseModel, ctx: ToolContext) -> Any:
        """Run with validated arguments; return a JSON-serializable result."""
        ...


def parse_args(model: type[M], args: BaseModel | Mapping[str, Any]) -> M:
    """`args` as an instance of `model`; a mapping is validated (failures: kind "validation")."""
    if isinstance(args, model):
        return args
    raw = args.model_dump() if isinstance(args, BaseModel) else args
    try:
        return model.model_validate(raw)
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'arguments'}: {e['msg'].lower()}"
            for e in error.errors()
        )
        raise ToolError(f"invalid arguments: {problems}", "validation") from None
