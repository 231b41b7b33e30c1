"""Evaluating the plan's JSON expressions: pure, deterministic, and sandboxed for templates."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from decimal import Decimal
from functools import cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from jinja2.sandbox import SandboxedEnvironment


class EvalError(Exception):
    """An expression failed at run time (index out of range, empty `max_by`, ...)."""


class Scope:
    """What names mean while evaluating: node results, workflow parameters and local variables."""

    def __init__(
        self,
        nodes: Mapping[str, Any],
        params: Mapping[str, Any],
        variables: Mapping[str, Any] | None = None,
    ) -> None:
        self.nodes = nodes
        self.params = params
        self.variables = dict(variables or {})

    def child(self, variables: Mapping[str, Any]) -> Scope:
        return Scope(self.nodes, self.params, {**self.variables, **variables})


@cache
def template_environment() -> SandboxedEnvironment:
    """The Jinja2 sandbox every template renders in (undefined names are errors)."""
    from jinja2 import StrictUndefined
    from jinja2.sandbox import SandboxedEnvironment

    return SandboxedEnvironment(
        undefined=StrictUndefined, autoescape=False, keep_trailing_newline=True
    )


@cache
def _compiled(text: str) -> Any:
    return template_environment().from_string(text)


def render_template(text: str, context: Mapping[str, Any]) -> str:
    """Render a template in the sandbox; any failure is an EvalError."""
    from jinja2 import TemplateError

    try:
        return str(_compiled(text).render(**context))
    except TemplateError as error:
        raise EvalError(f"template failed: {error}") from error
    except Exception as error:  # a sandbox refusal or a bad filter argument
        raise EvalError(f"template failed: {type(error).__name__}: {error}") from error


def _list(items: list[Any], scope: Scope) -> list[Any]:
    nodes = scope.nodes  # a list of node references (a fan-in) is the common, hot case
    return [nodes.get(item["node"]) if "node" in item else evaluate(item, scope) for item in items]


def _template(expr: Mapping[str, Any], scope: Scope) -> str:
    context = {name: evaluate(ref, scope) for name, ref in expr.get("refs", {}).items()}
    return render_template(expr["template"], context)


def _attr(operand: list[Any], scope: Scope) -> Any:
    target = evaluate(operand[0], scope)
    if target is None:
        raise EvalError(f"cannot read `.{operand[1]}` of an absent value")
    if not isinstance(target, Mapping):
        raise EvalError(f"cannot read `.{operand[1]}` of a {type(target).__name__}")
    return target.get(operand[1])


def _index(operand: list[Any], scope: Scope) -> Any:
    target = evaluate(operand[0], scope)
    key = evaluate(operand[1], scope)
    if isinstance(target, Mapping):
        return target.get(key)
    if isinstance(target, list | str):
        if not isinstance(key, int) or not -len(target) <= key < len(target):
            raise EvalError(f"index {key} is out of range for a list of {len(target)}")
        return target[key]
    raise EvalError(f"cannot index a {type(target).__name__}")


def _comprehension(spec: Mapping[str, Any], scope: Scope) -> list[Any]:
    items = evaluate(spec["iterable"], scope)
    targets = spec["targets"]
    result = []
    for item in items or []:
        if len(targets) == 1:
            bound = {targets[0]: item}
        else:
            bound = {targets[0]: item["first"], targets[1]: item["second"]}
        inner = scope.child(bound)
        if spec.get("condition") is not None and not evaluate(spec["condition"], inner):
            continue
        result.append(evaluate(spec["element"], inner))
    return result


def _op(expr_op: str, args: list[Any], scope: Scope) -> Any:
    if expr_op == "and":
        return bool(evaluate(args[0], scope)) and bool(evaluate(args[1], scope))
    if expr_op == "or":
        return bool(evaluate(args[0], scope)) or bool(evaluate(args[1], scope))
    if expr_op == "??":
        left = evaluate(args[0], scope)
        return left if left is not None else evaluate(args[1], scope)
    values = [evaluate(a, scope) for a in args]
    if expr_op == "not":
        return not values[0]
    if expr_op == "neg":
        return -values[0]
    left, right = values
    if expr_op == "+":
        if isinstance(left, str) or isinstance(right, str):
            return f"{left}{right}"
        return left + right
    if expr_op == "-":
        return left - right
    if expr_op == "*":
        return left * right
    if expr_op == "/":
        if right == 0:
            raise EvalError("division by zero")
        return Decimal(left) / Decimal(right) if isinstance(left, Decimal) else left / right
    if expr_op == "in":
        return left in right
    if expr_op == "not in":
        return left not in right
    return _COMPARE[expr_op](left, right)


_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "==": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
}


def _call(name: str, expr: Mapping[str, Any], scope: Scope) -> Any:
    args = [evaluate(a, scope) for a in expr.get("args", [])]
    kwargs = {k: evaluate(v, scope) for k, v in expr.get("kwargs", {}).items()}
    function = BUILTINS.get(name)
    if function is None:
        raise EvalError(f"unknown function `{name}`")
    try:
        return function(*args, **kwargs)
    except EvalError:
        raise
    except (TypeError, ValueError, KeyError) as error:
        raise EvalError(f"`{name}` failed: {error}") from error


_HANDLERS: dict[str, Callable[[Any, Scope], Any]] = {
    "lit": lambda v, s: v,
    "money": lambda v, s: Decimal(v),
    "seconds": lambda v, s: float(Decimal(v)),
    "node": lambda v, s: s.nodes.get(v),
    "param": lambda v, s: s.params.get(v),
    "var": lambda v, s: s.variables.get(v),
    "attr": _attr,
    "index": _index,
    "list": lambda v, s: _list(v, s),
    "record": lambda v, s: {k: evaluate(item, s) for k, item in v.items()},
    "comprehension": _comprehension,
}


def _evaluate_compound(expr: Mapping[str, Any], scope: Scope) -> Any:
    if "op" in expr:
        return _op(expr["op"], expr["args"], scope)
    if "call" in expr:
        return _call(expr["call"], expr, scope)
    return _template(expr, scope)


def evaluate(expr: Any, scope: Scope) -> Any:
    """The value of a plan expression (None for an absent expression)."""
    if expr is None:
        return None
    if type(expr) is not dict and not isinstance(expr, Mapping):
        raise EvalError(f"malformed expression {expr!r}")
    if len(expr) == 1:
        for key, operand in expr.items():  # the one entry, without building an iterator
            handler = _HANDLERS.get(key)
            if handler is not None:
                return handler(operand, scope)
    return _evaluate_compound(expr, scope)


# ================================================================== built-in functions


def _sort_key(by: str | None) -> Callable[[Any], Any]:
    return (lambda item: item[by]) if by else (lambda item: item)


def _extreme(items: list[Any], by: str, largest: bool) -> Any:
    if not items:
        raise EvalError("`max_by`/`min_by` of an empty list")
    pick = max if largest else min
    return pick(items, key=_sort_key(by))


def _unique(items: list[Any]) -> list[Any]:
    seen: set[str] = set()
    result = []
    for item in items:
        key = json.dumps(item, sort_keys=True, default=str)
        if key not in seen:
            seen.add(key)
            result.append(item)
    return result


def _env(name: str) -> str:
    value = os.environ.get(name)
    if value is None:
        raise EvalError(f"environment variable `{name}` is not set")
    return value


def _min_max(pick: Callable[..., Any]) -> Callable[..., Any]:
    def function(*values: Any) -> Any:
        items = values[0] if len(values) == 1 and isinstance(values[0], list) else list(values)
        if not items:
            raise EvalError("`min`/`max` of an empty list")
        return pick(items)

    return function


BUILTINS: dict[str, Callable[..., Any]] = {
    "len": len,
    "count": len,
    "sum": lambda items: sum(items, 0),
    "min": _min_max(min),
    "max": _min_max(max),
    "sort": lambda items, by=None, desc=False: sorted(items, key=_sort_key(by), reverse=desc),
    "take": lambda items, n: items[: max(n, 0)],
    "unique": _unique,
    "flatten": lambda items: [x for inner in items for x in inner],
    "compact": lambda items: [x for x in items if x is not None],
    "max_by": lambda items, by: _extreme(items, by, True),
    "min_by": lambda items, by: _extreme(items, by, False),
    "zip": lambda a, b: [{"first": x, "second": y} for x, y in zip(a, b, strict=False)],
    "keys": lambda m: list(m),
    "values": lambda m: list(m.values()),
    "lower": str.lower,
    "upper": str.upper,
    "split": lambda s, sep: s.split(sep),
    "join": lambda items, sep: sep.join(items),
    "contains": lambda s, part: part in s,
    "tojson": lambda value: json.dumps(value, default=str),
    "env": _env,
}
