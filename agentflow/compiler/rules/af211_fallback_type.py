"""a `fallback` value whose type is not the node's type

## What it does
`{ fallback = F }` after a call gives the node's value when the call still fails after its
retries. Reports a fallback whose type is not assignable to the type of the call's result.

## Why
Every consumer of the node is typed against the call's result. A fallback of another type
would turn a handled failure into a type error downstream, on exactly the degraded path that
is hardest to test.

## Example
```agentflow
agentflow 1

tool calc = stdlib.calculator

workflow compute(expression: string) -> float {
  value = calc(expression: expression) { retry = 2, fallback = "n/a" }
  return value
}
```

## Use instead
```agentflow
agentflow 1

tool calc = stdlib.calculator

workflow compute(expression: string) -> float {
  value = calc(expression: expression) { retry = 2, fallback = 0.0 }
  return value
}
```
"""

from agentflow.compiler.rules import Rule
from agentflow.diagnostics import Severity

RULE = Rule(
    "AF211",
    "fallback-type",
    Severity.ERROR,
    "a `fallback` value whose type is not the node's type",
)
