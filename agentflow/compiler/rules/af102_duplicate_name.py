"""a name declared twice at top level, or bound twice in a workflow

## What it does
Top-level declarations (models, tools, types, roles, principals, budgets, agents, workflows)
share one namespace, and each name may be declared once per file. Within a workflow, a name
may be bound once on any path (the branches of an `if` or `switch` may each bind it). Both
places are blamed.

## Why
With two declarations, which one a reference means is a guess: a different model, timeout or
allow-list than the reviewer read. A workflow body is a dataflow graph without statement
order, so a second binding cannot "overwrite" the first either.

## Example
```agentflow
agentflow 1

tool calc = stdlib.calculator
tool calc = stdlib.calculator { timeout = 5s }

workflow compute(expression: string) -> float {
  value = calc(expression: expression)
  return value
}
```

## Use instead
```agentflow
agentflow 1

tool calc = stdlib.calculator { timeout = 5s }

workflow compute(expression: string) -> float {
  value = calc(expression: expression)
  return value
}
```
"""

from agentflow.compiler.rules import Rule
from agentflow.diagnostics import Severity

RULE = Rule(
    "AF102",
    "duplicate-name",
    Severity.ERROR,
    "a name declared twice at top level, or bound twice in a workflow",
)
