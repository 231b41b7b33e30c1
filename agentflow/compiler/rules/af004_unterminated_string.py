"""a string literal is not closed

## What it does
A `"..."` string must end on the line where it starts, and a triple-quoted string must be
closed before the end of the file. Reports the opening quote of a string that is never closed.

## Why
An unclosed quote swallows the rest of the line (or, for a triple-quoted string, the rest of
the file), so without this check the parser would complain about some later token far from
the real mistake. Pointing at the opening quote names the cause directly.

## Example
```agentflow
agentflow 1

tool calc = stdlib.calculator

workflow with_vat(amount: string) -> float {
  total = calc(expression: "{{ amount }} * 1.2)
  return total
}
```

## Use instead
```agentflow
agentflow 1

tool calc = stdlib.calculator

workflow with_vat(amount: string) -> float {
  total = calc(expression: "{{ amount }} * 1.2")
  return total
}
```
"""

from agentflow.compiler.rules import Rule
from agentflow.diagnostics import Severity

RULE = Rule("AF004", "unterminated-string", Severity.ERROR, "a string literal is not closed")
