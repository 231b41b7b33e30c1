"""a declaration or binding uses a built-in name

## What it does
Reports a declaration, workflow parameter or binding that takes a built-in name: a type
(`string`, `int`, `Message`, `Error`, `Result`), a built-in function (`len`, `sum`, `env`,
`join`, ...) or `stdlib`.

## Why
Shadowing a built-in changes what every later use of it means, which makes a program read one
way and run another. Keeping the built-ins reserved means `len` or `env("...")` means the
same thing in every file a platform team reviews.

## Example
```agentflow
agentflow 1

tool calc = stdlib.calculator

workflow add(a: string, b: string) -> float {
  sum = calc(expression: "{{ a }} + {{ b }}")
  return sum
}
```

## Use instead
```agentflow
agentflow 1

tool calc = stdlib.calculator

workflow add(a: string, b: string) -> float {
  total = calc(expression: "{{ a }} + {{ b }}")
  return total
}
```
"""

from agentflow.compiler.rules import Rule
from agentflow.diagnostics import Severity

RULE = Rule(
    "AF115",
    "reserved-name",
    Severity.ERROR,
    "a declaration or binding uses a built-in name",
)
