"""an agent, tool or workflow called with a positional argument

## What it does
Calls to agents, tools and workflows take named arguments only (`calc(expression: e)`).
Reports an argument written without its input name. Built-in functions such as `len` and
`join` take positional arguments as usual.

## Why
Named arguments keep a call correct when the callee's inputs are reordered or grow, and make
every value an agent receives obvious in review. An argument bound by position could silently
shift to a different input.

## Example
```agentflow
agentflow 1

tool calc = stdlib.calculator

workflow compute(expression: string) -> float {
  value = calc(expression)
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
    "AF213",
    "positional-argument",
    Severity.ERROR,
    "an agent, tool or workflow called with a positional argument",
)
