"""The static types of agentflow values: structure, subtyping, joins and display."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Prim:
    """string, int, float, bool, and the unit types money, duration, rate, percent."""

    name: str

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True, slots=True)
class ListT:
    element: Type

    def __str__(self) -> str:
        return f"list[{self.element}]"


@dataclass(frozen=True, slots=True)
class MapT:
    value: Type

    def __str__(self) -> str:
        return f"map[{self.value}]"


@dataclass(frozen=True, slots=True)
class FieldT:
    name: str
    type: Type
    required: bool = True


@dataclass(frozen=True, slots=True)
class RecordT:
    """A record; `name` only labels it for messages (records are structural)."""

    fields: tuple[FieldT, ...]
    name: str | None = None

    def field(self, name: str) -> FieldT | None:
        for f in self.fields:
            if f.name == name:
                return f
        return None

    def __str__(self) -> str:
        if self.name:
            return self.name
        inner = ", ".join(f"{f.name}: {f.type}" for f in self.fields)
        return "{ " + inner + " }" if inner else "{}"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, RecordT) and self.fields == other.fields

    def __hash__(self) -> int:
        return hash(self.fields)


@dataclass(frozen=True, slots=True)
class EnumT:
    members: tuple[str, ...]

    def __str__(self) -> str:
        return " | ".join(f'"{m}"' for m in self.members)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, EnumT) and set(self.members) == set(other.members)

    def __hash__(self) -> int:
        return hash(frozenset(self.members))


@dataclass(frozen=True, slots=True)
class OptionalT:
    inner: Type

    def __str__(self) -> str:
        inner = f"({self.inner})" if isinstance(self.inner, EnumT) else str(self.inner)
        return f"{inner}?"


@dataclass(frozen=True, slots=True)
class UnknownT:
    """The type of something already reported as an error; compatible with everything."""

    def __str__(self) -> str:
        return "unknown"


@dataclass(frozen=True, slots=True)
class EmptyT:
    """The element type of `[]` and `{}` before context gives them one."""

    def __str__(self) -> str:
        return "nothing"


Type = Prim | ListT | MapT | RecordT | EnumT | OptionalT | UnknownT | EmptyT

STRING = Prim("string")
INT = Prim("int")
FLOAT = Prim("float")
BOOL = Prim("bool")
MONEY = Prim("money")
DURATION = Prim("duration")
RATE = Prim("rate")
PERCENT = Prim("percent")
UNKNOWN = UnknownT()
EMPTY = EmptyT()

PRIMITIVES = {"string": STRING, "int": INT, "float": FLOAT, "bool": BOOL}
ERROR_KINDS = (
    "timeout",
    "rate_limited",
    "validation",
    "tool",
    "model",
    "denied",
    "budget",
    "failed",
)

MESSAGE = RecordT(
    (FieldT("role", EnumT(("user", "assistant"))), FieldT("content", STRING)), "Message"
)
ERROR = RecordT(
    (FieldT("kind", EnumT(ERROR_KINDS)), FieldT("message", STRING), FieldT("node", STRING)),
    "Error",
)


def result_of(inner: Type) -> RecordT:
    """`Result[T] = { ok: bool, value: T?, error: Error? }`."""
    return RecordT(
        (
            FieldT("ok", BOOL),
            FieldT("value", optional(inner)),
            FieldT("error", OptionalT(ERROR)),
        ),
        f"Result[{inner}]",
    )


def optional(t: Type) -> Type:
    return t if isinstance(t, OptionalT | UnknownT) else OptionalT(t)


def strip_optional(t: Type) -> Type:
    return t.inner if isinstance(t, OptionalT) else t


def is_unknown(t: Type) -> bool:
    return isinstance(t, UnknownT)


def is_assignable(source: Type, target: Type) -> bool:
    """Whether a value of type `source` may be used where `target` is expected."""
    if source == target or isinstance(source, UnknownT) or isinstance(target, UnknownT):
        return True
    if isinstance(target, OptionalT):
        inner = source.inner if isinstance(source, OptionalT) else source
        return is_assignable(inner, target.inner)
    if isinstance(source, OptionalT):
        return False
    if isinstance(source, EmptyT):
        return True
    if isinstance(source, Prim) and isinstance(target, Prim):
        return source == INT and target == FLOAT
    if isinstance(source, EnumT):
        if target == STRING:
            return True
        return isinstance(target, EnumT) and set(source.members) <= set(target.members)
    if isinstance(source, ListT) and isinstance(target, ListT):
        return is_assignable(source.element, target.element)
    if isinstance(source, MapT) and isinstance(target, MapT):
        return is_assignable(source.value, target.value)
    if isinstance(source, RecordT) and isinstance(target, RecordT):
        return _record_assignable(source, target)
    return False


def _record_assignable(source: RecordT, target: RecordT) -> bool:
    """Structural: every field the target needs is present with a compatible type."""
    for wanted in target.fields:
        found = source.field(wanted.name)
        if found is None:
            if wanted.required and not isinstance(wanted.type, OptionalT):
                return False
            continue
        if not is_assignable(found.type, wanted.type):
            return False
    return True


def join(a: Type, b: Type) -> Type | None:
    """The least type both values fit, or None when they have nothing in common."""
    if is_assignable(a, b):
        return b
    if is_assignable(b, a):
        return a
    if isinstance(a, OptionalT) or isinstance(b, OptionalT):
        inner = join(strip_optional(a), strip_optional(b))
        return None if inner is None else optional(inner)
    if isinstance(a, EnumT) and isinstance(b, EnumT):
        return EnumT(tuple(dict.fromkeys(a.members + b.members)))
    if isinstance(a, ListT) and isinstance(b, ListT):
        element = join(a.element, b.element)
        return None if element is None else ListT(element)
    return None


def describe(t: Type) -> str:
    """How a type is named in messages: `list[string]`, `Ticket`, `\"a\" | \"b\"`."""
    return str(t)
