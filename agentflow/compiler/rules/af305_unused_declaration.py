"""a model, tool, agent, type, budget or role that nothing uses

## What it does
Warns about a model, tool, agent, type, budget or role that no other declaration or workflow
refers to. Workflows are entry points and are never reported.

## Why
Unused declarations make a file look more capable, or more privileged, than it is: a reviewer
has to ask whether that tool can be reached. Removing them keeps the reviewed surface equal
to what can actually run.

## Example
```agentflow
agentflow 1

tool calc  = stdlib.calculator
tool clock = stdlib.current_time

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
    "AF305",
    "unused-declaration",
    Severity.WARNING,
    "a model, tool, agent, type, budget or role that nothing uses",
)
