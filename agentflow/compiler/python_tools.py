"""Signatures of `python("module:function")` tools: declared in the file, or read from hints."""

from __future__ import annotations

import importlib
import inspect
import re
import sys
import types as pytypes
import typing
from pathlib import Path
from typing import Any

from agentflow.compiler.context import Context, Signature
from agentflow.compiler.types import (
    BOOL,
    FLOAT,
    INT,
    STRING,
    UNKNOWN,
    EnumT,
    FieldT,
    ListT,
    MapT,
    OptionalT,
    RecordT,
    Type,
    is_assignable,
)
from agentflow.grammar import ast

TARGET = re.compile(r"^[A-Za-z_][A-Za-z0-9_.]*:[A-Za-z_][A-Za-z0-9_]*$")
_SCALARS: dict[Any, Type] = {str: STRING, int: INT, float: FLOAT, bool: BOOL}


def load_function(target: str, base_dir: str) -> Any:
    """Import `module:function` with the program's directory on the path; None on failure."""
    module_name, _, function_name = target.partition(":")
    base_dir = str(Path(base_dir).resolve())
    importlib.invalidate_caches()
    added = base_dir not in sys.path
    if added:
        sys.path.insert(0, base_dir)
    try:
        module = importlib.import_module(module_name)
        function = getattr(module, function_name, None)
        return function if callable(function) else None
    except Exception:  # any failure to import user code means "cannot import"
        return None
    finally:
        if added:
            sys.path.remove(base_dir)


def signature(
    ctx: Context, node: ast.ToolDecl, declared_input: RecordT | None, declared_output: Type | None
) -> Signature:
    """The tool's signature, reporting bad targets and disagreements with the Python hints."""
    source = node.source
    assert isinstance(source, ast.PythonSource)
    if source.kind != "python":
        ctx.sink.report(
            "AF109",
            source.span,
            f"unknown tool source `{source.kind}(...)`",
            hint='write `python("module:function")`',
        )
        return Signature(declared_input or RecordT(()), declared_output or UNKNOWN)
    target = source.target.value
    if not TARGET.match(target):
        ctx.sink.report(
            "AF109",
            source.target.span,
            f"`{target}` is not `module:function`",
            hint='e.g. `python("acme.orders:lookup_order")`',
        )
        return Signature(declared_input or RecordT(()), declared_output or UNKNOWN)
    function = load_function(target, str(ctx.base_dir))
    if declared_input is not None and declared_output is not None:
        if function is None:
            ctx.sink.report(
                "AF112",
                source.target.span,
                f"cannot import `{target}` to check its declared signature",
                hint="make the module importable from the program's directory",
            )
        else:
            _compare(ctx, source, function, declared_input, declared_output)
        return Signature(declared_input, declared_output)
    if function is None:
        ctx.sink.report(
            "AF110",
            source.target.span,
            f"cannot import `{target}`, and the tool declares no signature",
            hint="declare `input { ... }` and `output = ...` in the tool, "
            "or make the module importable",
        )
        return Signature(declared_input or RecordT(()), declared_output or UNKNOWN)
    hinted_input, hinted_output = hinted_signature(function)
    return Signature(declared_input or hinted_input, declared_output or hinted_output)


def hinted_signature(function: Any) -> tuple[RecordT, Type]:
    """Input record and output type from a function's type hints (no hint: `string`)."""
    try:
        hints = typing.get_type_hints(function)
    except Exception:
        hints = {}
    fields = []
    for parameter in inspect.signature(function).parameters.values():
        if parameter.kind in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD):
            continue
        has_default = parameter.default is not inspect.Parameter.empty
        field_type = python_type(hints.get(parameter.name, str))
        fields.append(FieldT(parameter.name, field_type, required=not has_default))
    return RecordT(tuple(fields)), python_type(hints.get("return", str))


def python_type(hint: Any) -> Type:
    """The agentflow type of a Python annotation."""
    if hint in _SCALARS:
        return _SCALARS[hint]
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin in (typing.Union, pytypes.UnionType):
        present = [a for a in args if a is not type(None)]
        inner = python_type(present[0]) if len(present) == 1 else UNKNOWN
        return OptionalT(inner) if len(present) < len(args) else inner
    if origin is typing.Literal and all(isinstance(a, str) for a in args):
        return EnumT(tuple(args))
    if origin in (list, tuple, set) and args:
        return ListT(python_type(args[0]))
    if origin is dict and len(args) == 2:
        return MapT(python_type(args[1]))
    fields = _record_fields(hint)
    if fields is not None:
        return RecordT(fields, getattr(hint, "__name__", None))
    return UNKNOWN


def _record_fields(hint: Any) -> tuple[FieldT, ...] | None:
    if not isinstance(hint, type):
        return None
    model_fields = getattr(hint, "model_fields", None)  # pydantic
    if isinstance(model_fields, dict):
        return tuple(
            FieldT(n, python_type(f.annotation), f.is_required()) for n, f in model_fields.items()
        )
    try:
        annotations = typing.get_type_hints(hint)
    except Exception:
        return None
    if not annotations or not (
        hasattr(hint, "__dataclass_fields__") or hasattr(hint, "__required_keys__")
    ):
        return None
    required = getattr(hint, "__required_keys__", set(annotations))
    return tuple(FieldT(n, python_type(t), n in required) for n, t in annotations.items())


def _compare(
    ctx: Context,
    source: ast.PythonSource,
    function: Any,
    declared_input: RecordT,
    declared_output: Type,
) -> None:
    hinted_input, hinted_output = hinted_signature(function)
    problems: list[str] = []
    declared_names = {f.name for f in declared_input.fields}
    hinted_names = {f.name for f in hinted_input.fields}
    problems += [
        f"input `{n}` is not a parameter of the function"
        for n in sorted(declared_names - hinted_names)
    ]
    problems += [
        f"parameter `{f.name}` is not declared"
        for f in hinted_input.fields
        if f.name not in declared_names and f.required
    ]
    for field in declared_input.fields:
        hinted = hinted_input.field(field.name)
        if hinted is not None and not _same(field.type, hinted.type):
            problems.append(
                f"input `{field.name}` is `{field.type}` here but `{hinted.type}` in the function"
            )
    if not _same(declared_output, hinted_output):
        problems.append(
            f"output is `{declared_output}` here but the function returns `{hinted_output}`"
        )
    for problem in problems:
        ctx.sink.report(
            "AF111",
            source.target.span,
            f"`{source.target.value}` disagrees with its declaration: {problem}",
        )


def _same(a: Type, b: Type) -> bool:
    if a == UNKNOWN or b == UNKNOWN:
        return True
    return is_assignable(a, b) and is_assignable(b, a)
