"""an operator applied to operand types it does not support

## What it does
Reports an operator whose operands have types it is not defined for: arithmetic on strings or
lists, `not` or `and` on a non-`bool`, an ordering comparison between a string and a number,
`in` on something that is not a list, map or string. Nothing is converted implicitly; build
text with a template.

## Why
Implicit conversions differ between languages and hide mistakes. A template such as
`"{{ value }} units"` says exactly what text is meant, and is rendered in the sandbox like
every other template.

## Example
```agentflow
agentflow 1

tool calc = stdlib.calculator

workflow compute(expression: string) -> string {
  value = calc(expression: expression)
  label = value + " units"
  return label
}
```

## Use instead
```agentflow
agentflow 1

tool calc = stdlib.calculator

workflow compute(expression: string) -> string {
  value = calc(expression: expression)
  label = "{{ value }} units"
  return label
}
```
"""

from agentflow.compiler.rules import Rule
from agentflow.diagnostics import Severity

RULE = Rule(
    "AF215",
    "operator-type",
    Severity.ERROR,
    "an operator applied to operand types it does not support",
)
