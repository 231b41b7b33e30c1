"""a name that is not declared or bound

## What it does
Reports a reference to a name that is neither declared at the top level nor bound where it is
used: a callee, the `model` or `tools` of an agent, the role in `run_as`, a variable in an
expression. When a declared name is spelled similarly (`writter` for `writer`), the hint
suggests it.

## Why
An undefined callee would otherwise fail in the middle of a run, after earlier nodes have
already spent budget and perhaps called tools with side effects. Caught at check time, it
costs nothing.

## Example
```agentflow
agentflow 1

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

RULE = Rule("AF101", "undefined-name", Severity.ERROR, "a name that is not declared or bound")
