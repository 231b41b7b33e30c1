"""a malformed number, money, duration, rate or count literal

## What it does
Reports a literal that starts with a digit (or `$`) but is malformed: a doubled or trailing
`_` separator (`1__000`, `$1_000_`), a separator beside the decimal point (`1_.5s`), or a count
that is not a whole number (`1.0005k`).

## Why
These literals set limits that govern cost and safety: timeouts, rate limits, token caps and
budgets. Reading a malformed one by guesswork (is `1__0s` ten seconds?) could loosen a limit
nobody meant to loosen, so the compiler asks instead.

## Example
```agentflow
agentflow 1

tool calc = stdlib.calculator { timeout = 1__0s }

workflow compute(expression: string) -> float {
  value = calc(expression: expression)
  return value
}
```

## Use instead
```agentflow
agentflow 1

tool calc = stdlib.calculator { timeout = 10s }

workflow compute(expression: string) -> float {
  value = calc(expression: expression)
  return value
}
```
"""

from agentflow.compiler.context import Context
from agentflow.compiler.rules import Rule
from agentflow.diagnostics import Severity
from agentflow.grammar import ast

RULE = Rule(
    "AF010",
    "invalid-literal",
    Severity.ERROR,
    "a malformed number, money, duration, rate or count literal",
)


_LITERALS = {
    ast.NumberLit: "value",
    ast.CountLit: "value",
    ast.MoneyLit: "value",
    ast.DurationLit: "seconds",
    ast.PercentLit: "value",
    ast.RateLit: "count",
}


def check_node(ctx: Context, node: object) -> None:
    """Report a numeric or unit literal whose digits are malformed."""
    attribute = _LITERALS.get(type(node))
    if attribute is not None and getattr(node, attribute) is None:
        raw = getattr(node, "raw", "")
        ctx.sink.report(
            RULE.code,
            node.span,  # type: ignore[attr-defined]
            f"malformed literal `{raw}`",  # type: ignore[attr-defined]
            hint="group digits with single underscores, e.g. `1_000` or `$1_000.50`",
        )
