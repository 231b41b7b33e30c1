"""A small, safe arithmetic evaluator: a tokenizer and a recursive-descent parser over floats.

No `eval`: the text is tokenized and parsed by hand, every value is a finite float, and the
input length, nesting depth and exponents are bounded, so no expression can hang or escape.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from agentflow.stdlib_tools.base import ToolError

MAX_LENGTH = 1000
MAX_DEPTH = 50
MAX_EXPONENT = 1000

CONSTANTS = {"pi": math.pi, "e": math.e, "tau": math.tau}

_NUMBER = re.compile(
    r"(?:\d(?:_?\d)*(?:\.(?:\d(?:_?\d)*)?)?|\.\d(?:_?\d)*)(?:[eE][+-]?\d(?:_?\d)*)?"
)
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_OPERATORS = ("**", "//", "+", "-", "*", "/", "%", "(", ")", ",")


@dataclass(frozen=True, slots=True)
class Token:
    """A number, name or operator, with its 0-based offset; kind "end" closes the input."""

    kind: str  # "number" | "name" | "op" | "end"
    text: str
    pos: int
    value: float = 0.0

    def describe(self) -> str:
        return "end of expression" if self.kind == "end" else f"'{self.text}'"


def _fail(message: str, pos: int) -> ToolError:
    """A math error (kind "tool") at a 0-based offset."""
    return ToolError(f"{message} at {pos}")


def _syntax(message: str, pos: int, hint: str = "") -> ToolError:
    """A malformed or over-limit expression (kind "validation") at a 0-based offset."""
    return ToolError(f"{message} at {pos}{hint}", "validation")


def tokenize(text: str) -> list[Token]:
    """The tokens of `text`; an unknown character is an error naming its position."""
    tokens: list[Token] = []
    pos = 0
    while pos < len(text):
        char = text[pos]
        if char.isspace():
            pos += 1
            continue
        if number := _NUMBER.match(text, pos):
            raw = number.group()
            tokens.append(Token("number", raw, pos, float(raw.replace("_", ""))))
            pos = number.end()
            if pos < len(text) and (text[pos].isalnum() or text[pos] in "_."):
                raise _syntax(f"unexpected '{text[pos]}' after number '{raw}'", pos)
            continue
        if name := _NAME.match(text, pos):
            tokens.append(Token("name", name.group(), pos))
            pos = name.end()
            continue
        op = next((o for o in _OPERATORS if text.startswith(o, pos)), None)
        if op is None:
            hint = " (use ** for powers)" if char == "^" else ""
            raise _syntax(f"unexpected {char!r}", pos, hint)
        tokens.append(Token("op", op, pos))
        pos += len(op)
    tokens.append(Token("end", "", len(text)))
    return tokens


def _finite(value: float, pos: int) -> float:
    if not math.isfinite(value):
        raise _fail("the result is too large", pos)
    return value


def _power(base: float, exponent: float, pos: int) -> float:
    if abs(base) > 1 and exponent > MAX_EXPONENT:
        raise _fail(f"exponent {exponent:g} is too large (the limit is {MAX_EXPONENT})", pos)
    if base == 0 and exponent < 0:
        raise _fail("division by zero", pos)
    if base < 0 and not exponent.is_integer():
        raise _fail("a negative number to a fractional power is not a real number", pos)
    try:
        return _finite(math.pow(base, exponent), pos)
    except OverflowError:
        raise _fail("the result is too large", pos) from None


def _divide(op: str, left: float, right: float, pos: int) -> float:
    if right == 0:
        raise _fail("division by zero", pos)
    if op == "/":
        return _finite(left / right, pos)
    if op == "//":
        return _finite(float(left // right), pos)
    return _finite(left % right, pos)


def _integer(value: float, what: str, pos: int) -> int:
    if not value.is_integer():
        raise _fail(f"{what} must be a whole number", pos)
    return int(value)


def _round(pos: int, x: float, digits: float | None = None) -> float:
    if digits is None:
        return float(round(x))
    return float(round(x, _integer(digits, "the digits of round()", pos)))


def _log(pos: int, x: float, base: float | None = None) -> float:
    if x <= 0 or (base is not None and (base <= 0 or base == 1)):
        raise _fail("log() of a number that is not positive, or to an invalid base", pos)
    return math.log(x) if base is None else math.log(x, base)


def _domain(
    name: str, func: Callable[[float], float], ok: Callable[[float], bool]
) -> Callable[..., float]:
    def call(pos: int, x: float) -> float:
        if not ok(x):
            raise _fail(f"{name}() is not defined for {x:g}", pos)
        try:
            return func(x)
        except OverflowError:
            raise _fail("the result is too large", pos) from None

    return call


def _variadic(func: Callable[[list[float]], float]) -> Callable[..., float]:
    return lambda pos, *xs: func(list(xs))


# name -> (min args, max args or None for variadic, implementation taking (pos, *args))
FUNCTIONS: dict[str, tuple[int, int | None, Callable[..., float]]] = {
    "sqrt": (1, 1, _domain("sqrt", math.sqrt, lambda x: x >= 0)),
    "abs": (1, 1, lambda pos, x: abs(x)),
    "round": (1, 2, _round),
    "floor": (1, 1, lambda pos, x: float(math.floor(x))),
    "ceil": (1, 1, lambda pos, x: float(math.ceil(x))),
    "min": (1, None, _variadic(min)),
    "max": (1, None, _variadic(max)),
    "log": (1, 2, _log),
    "log10": (1, 1, _domain("log10", math.log10, lambda x: x > 0)),
    "exp": (1, 1, _domain("exp", math.exp, lambda x: True)),
    "sin": (1, 1, lambda pos, x: math.sin(x)),
    "cos": (1, 1, lambda pos, x: math.cos(x)),
    "tan": (1, 1, lambda pos, x: math.tan(x)),
}


class Parser:
    """Recursive descent, evaluating as it goes:

    expr  := term (("+" | "-") term)*
    term  := unary (("*" | "/" | "//" | "%") unary)*
    unary := ("+" | "-") unary | power
    power := atom ("**" unary)?             # right-associative; -2**2 == -4
    atom  := NUMBER | NAME | NAME "(" expr ("," expr)* ")" | "(" expr ")"
    """

    def __init__(self, text: str) -> None:
        self.tokens = tokenize(text)
        self.index = 0
        self.depth = 0

    @property
    def token(self) -> Token:
        return self.tokens[self.index]

    def advance(self) -> Token:
        token = self.tokens[self.index]
        self.index += 1
        return token

    def accept(self, *ops: str) -> Token | None:
        if self.token.kind == "op" and self.token.text in ops:
            return self.advance()
        return None

    def expect(self, op: str) -> Token:
        if (token := self.accept(op)) is None:
            raise _syntax(f"expected '{op}' but found {self.token.describe()}", self.token.pos)
        return token

    @contextmanager
    def nested(self, pos: int) -> Iterator[None]:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise _syntax(f"the expression is nested too deeply (the limit is {MAX_DEPTH})", pos)
        try:
            yield
        finally:
            self.depth -= 1

    def parse(self) -> float:
        if self.token.kind == "end":
            raise ToolError("the expression is empty", "validation")
        value = self.expr()
        if self.token.kind != "end":
            raise _syntax(f"unexpected {self.token.describe()}", self.token.pos)
        return value

    def expr(self) -> float:
        value = self.term()
        while op := self.accept("+", "-"):
            right = self.term()
            value = _finite(value + right if op.text == "+" else value - right, op.pos)
        return value

    def term(self) -> float:
        value = self.unary()
        while op := self.accept("*", "/", "//", "%"):
            right = self.unary()
            value = (
                _finite(value * right, op.pos)
                if op.text == "*"
                else _divide(op.text, value, right, op.pos)
            )
        return value

    def unary(self) -> float:
        if op := self.accept("+", "-"):
            with self.nested(op.pos):
                value = self.unary()
            return -value if op.text == "-" else value
        return self.power()

    def power(self) -> float:
        base = self.atom()
        if op := self.accept("**"):
            with self.nested(op.pos):
                exponent = self.unary()
            return _power(base, exponent, op.pos)
        return base

    def atom(self) -> float:
        token = self.advance()
        if token.kind == "number":
            if not math.isfinite(token.value):
                raise _fail(f"the number '{token.text}' is too large", token.pos)
            return token.value
        if token.kind == "name":
            if self.token.kind == "op" and self.token.text == "(":
                return self.call(token)
            if token.text in CONSTANTS:
                return CONSTANTS[token.text]
            raise _syntax(f"unknown name '{token.text}'", token.pos)
        if token.kind == "op" and token.text == "(":
            with self.nested(token.pos):
                value = self.expr()
            self.expect(")")
            return value
        raise _syntax(f"unexpected {token.describe()}", token.pos)

    def call(self, name: Token) -> float:
        if name.text not in FUNCTIONS:
            raise _syntax(f"unknown function '{name.text}'", name.pos)
        low, high, func = FUNCTIONS[name.text]
        open_paren = self.expect("(")
        args: list[float] = []
        with self.nested(open_paren.pos):
            if not self.accept(")"):
                args.append(self.expr())
                while self.accept(","):
                    args.append(self.expr())
                self.expect(")")
        if len(args) < low or (high is not None and len(args) > high):
            wanted = (
                f"{low}"
                if low == high
                else f"{low} or more"
                if high is None
                else f"{low} to {high}"
            )
            raise _syntax(f"{name.text}() takes {wanted} argument(s) but got {len(args)}", name.pos)
        return _finite(func(name.pos, *args), name.pos)


def evaluate(expression: str) -> float:
    """The value of an arithmetic expression; any problem is a ToolError naming its position."""
    if len(expression) > MAX_LENGTH:
        raise ToolError(
            f"the expression is {len(expression)} characters long (the limit is {MAX_LENGTH})",
            "validation",
        )
    return Parser(expression).parse()
