"""a setting the declaration does not accept

## What it does
Each kind of declaration (model, tool, agent, role, principal, budget, policy, and the
settings of a workflow or a call) accepts a fixed set of settings. Reports any other setting
name, with the closest accepted one as a hint.

## Why
A misspelt setting that was silently ignored would be a missing control: a `timout` that
never applies lets a hung tool call hold a run, and its budget reservation, far longer than
anyone intended.

## Example
```agentflow
agentflow 1

tool calc = stdlib.calculator { timout = 5s }

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

RULE = Rule("AF104", "unknown-setting", Severity.ERROR, "a setting the declaration does not accept")
