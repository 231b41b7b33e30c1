"""`stdlib.calculator`: a real parser, correct arithmetic, and no way to run code."""

from __future__ import annotations

import math
import time

import pytest
from tool_support import call

from agentflow.stdlib_tools.arith import MAX_DEPTH, evaluate
from agentflow.stdlib_tools.base import ToolError


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("1 + 2 * 3", 7.0),
        ("(1 + 2) * 3", 9.0),
        ("10 - 4 - 3", 3.0),
        ("2 ** 3 ** 2", 512.0),
        ("-2 ** 2", -4.0),
        ("2 ** -1", 0.5),
        ("(-2) ** 3", -8.0),
        ("--3", 3.0),
        ("+4", 4.0),
        ("7 / 2", 3.5),
        ("7 // 2", 3.0),
        ("-7 // 2", -4.0),
        ("7 % 3", 1.0),
        ("-7 % 3", 2.0),
        ("1e3 + 1_000", 2000.0),
        ("2.5e-1", 0.25),
        (".5 * 4", 2.0),
        ("3.", 3.0),
        ("pi", math.pi),
        ("2 * e", 2 * math.e),
        ("tau / 2", math.pi),
        ("sqrt(16)", 4.0),
        ("abs(-3.5)", 3.5),
        ("round(2.567, 2)", 2.57),
        ("round(2.5)", 2.0),
        ("round(1234, -2)", 1200.0),
        ("floor(-1.5)", -2.0),
        ("ceil(1.2)", 2.0),
        ("min(3, 1, 2)", 1.0),
        ("max(3, 1 + 9, 2)", 10.0),
        ("max(4)", 4.0),
        ("log(e ** 2)", 2.0),
        ("log(8, 2)", 3.0),
        ("log10(1000)", 3.0),
        ("exp(0)", 1.0),
        ("sin(pi / 2)", 1.0),
        ("cos(0)", 1.0),
        ("tan(0)", 0.0),
        ("  1\t+\n2  ", 3.0),
        ("10 ** 308", 1e308),
        ("0.5 ** 5000", 0.0),
        ("1 ** 100000", 1.0),
        ("((((((1))))))", 1.0),
    ],
)
def test_arithmetic(expression: str, expected: float) -> None:
    assert evaluate(expression) == pytest.approx(expected)


def test_the_tool_returns_a_float() -> None:
    result = call("calculator", {"expression": "2 * 21"})
    assert result == 42.0
    assert isinstance(result, float)


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("(1 + 2))", "unexpected ')' at 7"),
        ("1 +", "unexpected end of expression at 3"),
        ("(1 + 2", "expected ')' but found end of expression at 6"),
        ("1 2", "unexpected '2' at 2"),
        ("2 ^ 3", "unexpected '^' at 2 (use ** for powers)"),
        ("x + 1", "unknown name 'x' at 0"),
        ("foo(1)", "unknown function 'foo' at 0"),
        ("min()", "min() takes 1 or more argument(s) but got 0 at 0"),
        ("round(1, 2, 3)", "round() takes 1 to 2 argument(s) but got 3 at 0"),
        ("sqrt(1, 2)", "sqrt() takes 1 argument(s) but got 2 at 0"),
        ("1__0", "unexpected '_' after number '1' at 1"),
        ("1.2.3", "unexpected '.' after number '1.2' at 3"),
        ("", "the expression is empty"),
        ("   ", "the expression is empty"),
    ],
)
def test_syntax_errors_name_the_position(expression: str, message: str) -> None:
    with pytest.raises(ToolError) as caught:
        evaluate(expression)
    assert caught.value.message == message
    assert caught.value.kind == "validation"


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("1 / 0", "division by zero at 2"),
        ("1 // (2 - 2)", "division by zero at 2"),
        ("5 % 0", "division by zero at 2"),
        ("0 ** -1", "division by zero at 2"),
        ("sqrt(-1)", "sqrt() is not defined for -1 at 0"),
        ("log(0)", "log() of a number that is not positive, or to an invalid base at 0"),
        ("log(8, 1)", "log() of a number that is not positive, or to an invalid base at 0"),
        ("log10(-5)", "log10() is not defined for -5 at 0"),
        ("(-8) ** (1 / 3)", "a negative number to a fractional power is not a real number at 5"),
        ("round(1.5, 0.5)", "the digits of round() must be a whole number at 0"),
    ],
)
def test_math_errors(expression: str, message: str) -> None:
    with pytest.raises(ToolError) as caught:
        evaluate(expression)
    assert caught.value.message == message
    assert caught.value.kind == "tool"


@pytest.mark.parametrize(
    "expression",
    [
        "9**9**9",
        "10**400",
        "2**10000",
        "2 ** 1001",
        "(-3) ** 5000",
        "1e308 * 10",
        "1e400",
        "exp(1000)",
        "9" * 400,
        "1e308 + 1e308",
        "-1e308 - 1e308",
    ],
)
def test_huge_results_are_errors_not_hangs(expression: str) -> None:
    started = time.perf_counter()
    with pytest.raises(ToolError, match="too large"):
        evaluate(expression)
    assert time.perf_counter() - started < 0.5


@pytest.mark.parametrize(
    "expression",
    [
        "__import__('os')",
        "__import__('os').system('echo hacked')",
        "().__class__",
        "().__class__.__bases__[0].__subclasses__()",
        "pi.real",
        "abs.__globals__",
        "open('/etc/passwd')",
        "eval('1')",
        "exec('x = 1')",
        "lambda: 1",
        "[1, 2]",
        "{1: 2}",
        "'a' * 3",
        '"1" + "1"',
        "x = 1",
        "1 if 1 else 2",
        "1 < 2",
        "not 1",
        "1; 2",
        "sqrt",
        "math.sqrt(4)",
        "min.__call__(1)",
        "\\x41",
        "1 + 2 # comment",
        "0x10",
        "1j",
        "inf",
        "nan",
    ],
)
def test_injection_attempts_are_refused(expression: str) -> None:
    with pytest.raises(ToolError) as caught:
        evaluate(expression)
    assert caught.value.kind == "validation"


def test_names_are_not_python_names() -> None:
    for name in ("os", "sys", "True", "None", "print", "globals", "math", "__builtins__"):
        with pytest.raises(ToolError, match=f"unknown name '{name}' at 0"):
            evaluate(name)


def test_very_long_input_is_refused() -> None:
    with pytest.raises(ToolError, match=r"1001 characters long \(the limit is 1000\)"):
        evaluate("1+" * 500 + "1")
    assert evaluate("+".join(["1"] * 500)) == 500.0  # 999 characters is fine


@pytest.mark.parametrize(
    "expression",
    [
        "(" * 60 + "1" + ")" * 60,
        "-" * 60 + "1",
        "sqrt(" * 60 + "1" + ")" * 60,
        "2**" * 60 + "1",
    ],
)
def test_deep_nesting_is_refused(expression: str) -> None:
    with pytest.raises(ToolError, match=f"nested too deeply \\(the limit is {MAX_DEPTH}\\)"):
        evaluate(expression)


def test_nesting_up_to_the_limit_is_fine() -> None:
    assert evaluate("(" * 40 + "2" + ")" * 40) == 2.0


def test_unknown_arguments_are_refused() -> None:
    from agentflow.stdlib_tools.calculator import CalculatorInput

    with pytest.raises(ValueError):
        CalculatorInput.model_validate({"expression": "1", "extra": 2})
