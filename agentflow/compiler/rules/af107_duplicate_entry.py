"""a setting, field, argument or record key given twice

## What it does
Within one block, each setting, each field of an `input`, `output` or `type`, each argument of
a call and each key of a record literal may appear once. Reports the repeat and blames both
occurrences.

## Why
With a "last one wins" rule, the value a reviewer sees and the value that applies can differ:
a reviewer approves `timeout = 5s` while a later line quietly sets `timeout = 10min`.

## Example
```agentflow
agentflow 1

tool calc = stdlib.calculator { timeout = 5s, timeout = 10min }

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
    "AF107",
    "duplicate-entry",
    Severity.ERROR,
    "a setting, field, argument or record key given twice",
)
