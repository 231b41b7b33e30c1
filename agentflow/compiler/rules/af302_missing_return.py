"""a workflow without `return`

## What it does
Every workflow must have exactly one `return EXPR`, which gives its result. Reports a
workflow body with none.

## Why
The result is what callers, agents using the workflow as a tool, and the run's output
receive. A workflow without one would spend its budget and produce nothing anyone can use.

## Example
```agentflow
agentflow 1

tool calc = stdlib.calculator

workflow compute(expression: string) -> float {
  value = calc(expression: expression)
  fail "the result is negative" when value < 0
}
```

## Use instead
```agentflow
agentflow 1

tool calc = stdlib.calculator

workflow compute(expression: string) -> float {
  value = calc(expression: expression)
  fail "the result is negative" when value < 0
  return value
}
```
"""

from agentflow.compiler.rules import Rule
from agentflow.diagnostics import Severity

RULE = Rule("AF302", "missing-return", Severity.ERROR, "a workflow without `return`")
