"""a template string where templates are not rendered

## What it does
Templates are rendered in an agent's `system` and `prompt` and in workflow expressions. Reports
a string containing `{{` or `{%` anywhere else: a model's `name`, a tool's settings (such as
`description`, `roots` or `allow`), a budget or policy setting, a type.

## Why
These values are fixed when the file is compiled; nothing fills in a template there, so the
braces would reach a provider, a file system or a model as literal text. Letting data shape
a model name or a tool's confinement would also defeat review.

## Example
```agentflow
agentflow 1

tool calc = stdlib.calculator { description = "Evaluates {{ expression }}" }

workflow compute(expression: string) -> float {
  value = calc(expression: expression)
  return value
}
```

## Use instead
```agentflow
agentflow 1

tool calc = stdlib.calculator { description = "Evaluates an arithmetic expression" }

workflow compute(expression: string) -> float {
  value = calc(expression: expression)
  return value
}
```
"""

from agentflow.compiler.rules import Rule
from agentflow.diagnostics import Severity

RULE = Rule(
    "AF233",
    "template-not-allowed",
    Severity.ERROR,
    "a template string where templates are not rendered",
)
