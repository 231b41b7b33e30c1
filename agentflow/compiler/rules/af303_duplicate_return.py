"""more than one `return` in a workflow

## What it does
Reports a second `return` in a workflow, and blames both. A body is a dataflow graph, not a
sequence of statements, so there is no "first" return that ends the run early; choose the
result with an expression, such as `??` or an `if` that binds a name in each branch.

## Why
With two returns the result of the workflow would be ambiguous, and a reviewer could not tell
which value leaves the run.

## Example
```agentflow
agentflow 1

tool calc = stdlib.calculator

workflow compute(expression: string) -> float {
  value = calc(expression: expression)
  return value
  return 0.0
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

RULE = Rule("AF303", "duplicate-return", Severity.ERROR, "more than one `return` in a workflow")
