"""a workflow parameter that nothing uses

## What it does
Warns about a workflow parameter that no binding, condition, template, `fail` or `return` in
the workflow refers to.

## Why
Callers must supply every parameter without a default, so an unused one is dead weight in the
workflow's contract. Often it is a value that was meant to reach an agent, such as an
audience or a limit, and silently does not.

## Example
```agentflow
agentflow 1

model m { provider = offline }

agent writer {
  model  = m
  input  { notes: string }
  output = string
  prompt = "Summarise: {{ notes }}"
}

workflow summarise(notes: string, audience: string) -> string {
  text = writer(notes: notes)
  return text
}
```

## Use instead
```agentflow
agentflow 1

model m { provider = offline }

agent writer {
  model  = m
  input  { notes: string }
  output = string
  prompt = "Summarise: {{ notes }}"
}

workflow summarise(notes: string) -> string {
  text = writer(notes: notes)
  return text
}
```
"""

from agentflow.compiler.rules import Rule
from agentflow.diagnostics import Severity

RULE = Rule("AF307", "unused-parameter", Severity.WARNING, "a workflow parameter that nothing uses")
