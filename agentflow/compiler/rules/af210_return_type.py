"""the `return` value does not match the workflow's declared result type

## What it does
Checks the expression after `return` against the result type after `->` in the workflow's
header. Reports a value that is not assignable to it; `int` widens to `float`, but a `float`
never narrows to `int`.

## Why
The declared result type is the workflow's contract with its callers: other workflows, agents
that use it as a tool, and whatever reads its output. A mismatch breaks every caller at run
time instead of at the definition.

## Example
```agentflow
agentflow 1

tool calc = stdlib.calculator

workflow compute(expression: string) -> int {
  value = calc(expression: expression)
  return value
}
```

## Use instead
```agentflow
agentflow 1

tool calc = stdlib.calculator

workflow compute(expression: string) -> float {
  value = calc(expression: expression)
  return value
}
```
"""

from agentflow.compiler.rules import Rule
from agentflow.diagnostics import Severity

RULE = Rule(
    "AF210",
    "return-type",
    Severity.ERROR,
    "the `return` value does not match the workflow's declared result type",
)
