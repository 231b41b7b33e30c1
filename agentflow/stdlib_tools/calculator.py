"""`stdlib.calculator`: evaluate an arithmetic expression (see `arith.py` for the grammar)."""

from __future__ import annotations

from pydantic import BaseModel

from agentflow.stdlib_tools.arith import evaluate
from agentflow.stdlib_tools.base import ToolContext, ToolInput, parse_args


class CalculatorInput(ToolInput):
    """Arguments of `calculator`."""

    expression: str


class Calculator:
    """Evaluate arithmetic: + - * / // % **, parentheses, pi/e/tau and math functions."""

    name = "calculator"
    Input = CalculatorInput
    Output = float

    async def run(self, args: BaseModel, ctx: ToolContext) -> float:
        """The expression's value as a float."""
        return evaluate(parse_args(CalculatorInput, args).expression)


TOOL = Calculator()
