"""the header names a language version other than 1

## What it does
The number in the header is the language version. This compiler implements version 1 only and
reports any other number (`agentflow 2`, `agentflow 1.5`) instead of reading the file as
version 1.

## Why
A file written for another version may use forms that mean something different there.
Checking it under the wrong rules could pass a workflow whose behaviour, policy or cost bounds
differ from what its author intended, so the compiler refuses rather than guesses.

## Example
```agentflow
agentflow 2

tool calc = stdlib.calculator

workflow compute(expression: string) -> float {
  value = calc(expression: expression)
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
    "AF003",
    "unknown-version",
    Severity.ERROR,
    "the header names a language version other than 1",
)
