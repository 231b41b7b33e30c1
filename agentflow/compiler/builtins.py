"""Typing rules of the built-in functions (`len`, `sort`, `zip`, ...)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from agentflow.compiler.types import (
    BOOL,
    DURATION,
    EMPTY,
    FLOAT,
    INT,
    MONEY,
    STRING,
    UNKNOWN,
    EmptyT,
    EnumT,
    FieldT,
    ListT,
    MapT,
    OptionalT,
    RecordT,
    Type,
    UnknownT,
    is_assignable,
    join,
)


class BuiltinError(Exception):
    """A misuse of a built-in; the message is reported as AF217."""


@dataclass(frozen=True, slots=True)
class BuiltinArgs:
    """The typed arguments of a built-in call; `literals` holds string-literal values."""

    name: str
    positional: list[Type]
    named: dict[str, Type]
    literals: dict[str, str]

    def expect(self, count: int, allowed_named: tuple[str, ...] = ()) -> None:
        if len(self.positional) != count:
            plural = "argument" if count == 1 else "arguments"
            raise BuiltinError(
                f"`{self.name}` takes {count} positional {plural}, found {len(self.positional)}"
            )
        unknown = sorted(set(self.named) - set(allowed_named))
        if unknown:
            raise BuiltinError(f"`{self.name}` has no argument `{unknown[0]}`")


def _list_element(args: BuiltinArgs, index: int = 0) -> Type:
    t = args.positional[index]
    if isinstance(t, UnknownT):
        return UNKNOWN
    if isinstance(t, ListT):
        return t.element
    raise BuiltinError(f"`{args.name}` needs a list, found `{t}`")


NUMERIC = (INT, FLOAT, MONEY, DURATION)
ORDERED = (*NUMERIC, STRING)


def _ordered(t: Type) -> bool:
    return isinstance(t, UnknownT | EmptyT | EnumT) or t in ORDERED


def _by_field(args: BuiltinArgs, element: Type) -> None:
    by = args.named.get("by")
    if by is None:
        return
    if not is_assignable(by, STRING):
        raise BuiltinError(f"`by` of `{args.name}` must be a field name string, found `{by}`")
    field_name = args.literals.get("by")
    if field_name is None or not isinstance(element, RecordT):
        return
    found = element.field(field_name)
    if found is None:
        names = ", ".join(f"`{f.name}`" for f in element.fields)
        raise BuiltinError(f"`{element}` has no field `{field_name}` (fields: {names})")
    if not _ordered(found.type):
        raise BuiltinError(f"field `{field_name}` of type `{found.type}` cannot be ordered")


def _len(args: BuiltinArgs) -> Type:
    args.expect(1)
    t = args.positional[0]
    if not isinstance(t, ListT | MapT | UnknownT | EmptyT) and not is_assignable(t, STRING):
        raise BuiltinError(f"`len` needs a list, map or string, found `{t}`")
    return INT


def _count(args: BuiltinArgs) -> Type:
    args.expect(1)
    _list_element(args)
    return INT


def _sum(args: BuiltinArgs) -> Type:
    args.expect(1)
    element = _list_element(args)
    if isinstance(element, UnknownT | EmptyT):
        return INT if isinstance(element, EmptyT) else UNKNOWN
    if element not in NUMERIC:
        raise BuiltinError(f"`sum` needs a list of numbers, found `list[{element}]`")
    return element


def _min_max(args: BuiltinArgs) -> Type:
    if len(args.positional) >= 2:
        args.expect(len(args.positional))
        result: Type | None = args.positional[0]
        for t in args.positional[1:]:
            result = join(result, t) if result is not None else None
        if result is None or not _ordered(result):
            raise BuiltinError(f"`{args.name}` needs values of one ordered type")
        return result
    args.expect(1)
    element = _list_element(args)
    if not _ordered(element):
        raise BuiltinError(f"`{args.name}` needs a list of numbers or strings, found `{element}`")
    return element


def _sort(args: BuiltinArgs) -> Type:
    args.expect(1, ("by", "desc"))
    element = _list_element(args)
    desc = args.named.get("desc")
    if desc is not None and not is_assignable(desc, BOOL):
        raise BuiltinError(f"`desc` of `sort` must be `bool`, found `{desc}`")
    if "by" in args.named:
        _by_field(args, element)
    elif not _ordered(element):
        raise BuiltinError(f'`sort` of `list[{element}]` needs `by: "field"`')
    return args.positional[0]


def _take(args: BuiltinArgs) -> Type:
    args.expect(2)
    _list_element(args)
    if not is_assignable(args.positional[1], INT):
        raise BuiltinError(f"the count of `take` must be `int`, found `{args.positional[1]}`")
    return args.positional[0]


def _same_list(args: BuiltinArgs) -> Type:
    args.expect(1)
    _list_element(args)
    return args.positional[0]


def _flatten(args: BuiltinArgs) -> Type:
    args.expect(1)
    element = _list_element(args)
    if isinstance(element, UnknownT | EmptyT):
        return ListT(UNKNOWN if isinstance(element, UnknownT) else EMPTY)
    if not isinstance(element, ListT):
        raise BuiltinError(f"`flatten` needs a list of lists, found `list[{element}]`")
    return element


def _compact(args: BuiltinArgs) -> Type:
    args.expect(1)
    element = _list_element(args)
    return ListT(element.inner if isinstance(element, OptionalT) else element)


def _extreme_by(args: BuiltinArgs) -> Type:
    args.expect(1, ("by",))
    element = _list_element(args)
    if "by" not in args.named:
        raise BuiltinError(f'`{args.name}` needs `by: "field"`')
    _by_field(args, element)
    return element


def pair_type(first: Type, second: Type) -> RecordT:
    """The element type of `zip(a, b)`: a pair, destructured by `for x, y in zip(a, b)`."""
    return RecordT((FieldT("first", first), FieldT("second", second)), f"pair[{first}, {second}]")


def _zip(args: BuiltinArgs) -> Type:
    args.expect(2)
    return ListT(pair_type(_list_element(args, 0), _list_element(args, 1)))


def _map_of(args: BuiltinArgs) -> Type:
    args.expect(1)
    t = args.positional[0]
    if isinstance(t, UnknownT):
        return UNKNOWN
    if not isinstance(t, MapT):
        raise BuiltinError(f"`{args.name}` needs a map, found `{t}`")
    return ListT(STRING) if args.name == "keys" else ListT(t.value)


def _string_args(args: BuiltinArgs, count: int, result: Type) -> Type:
    args.expect(count)
    for t in args.positional:
        if not is_assignable(t, STRING):
            raise BuiltinError(f"`{args.name}` needs strings, found `{t}`")
    return result


def _join(args: BuiltinArgs) -> Type:
    args.expect(2)
    element = _list_element(args)
    if not is_assignable(element, STRING):
        raise BuiltinError(f"`join` needs a list of strings, found `list[{element}]`")
    if not is_assignable(args.positional[1], STRING):
        raise BuiltinError("the separator of `join` must be a string")
    return STRING


def _tojson(args: BuiltinArgs) -> Type:
    args.expect(1)
    return STRING


def _env(args: BuiltinArgs) -> Type:
    args.expect(1)
    if "0" not in args.literals:
        raise BuiltinError('`env` takes the variable name as a string literal: `env("NAME")`')
    return STRING


BUILTINS: dict[str, Callable[[BuiltinArgs], Type]] = {
    "len": _len,
    "count": _count,
    "sum": _sum,
    "min": _min_max,
    "max": _min_max,
    "sort": _sort,
    "take": _take,
    "unique": _same_list,
    "flatten": _flatten,
    "compact": _compact,
    "max_by": _extreme_by,
    "min_by": _extreme_by,
    "zip": _zip,
    "keys": _map_of,
    "values": _map_of,
    "lower": lambda a: _string_args(a, 1, STRING),
    "upper": lambda a: _string_args(a, 1, STRING),
    "split": lambda a: _string_args(a, 2, ListT(STRING)),
    "contains": lambda a: _string_args(a, 2, BOOL),
    "join": _join,
    "tojson": _tojson,
    "env": _env,
}


def type_builtin(args: BuiltinArgs) -> Type:
    """The result type of a built-in call; raises BuiltinError on misuse."""
    return BUILTINS[args.name](args)
