"""a workflow binding whose value nothing uses

## What it does
Warns about a binding in a workflow body that no other binding, condition, template, `fail`
or `return` refers to.

## Why
Every binding is a node of the graph. An unused call still runs, costs tokens and counts
toward `max_nodes` and the budget, yet its result is thrown away; more often, it is a sign
that a result was meant to be used and is not.

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

workflow summarise(notes: string) -> string {
  text  = writer(notes: notes)
  draft = writer(notes: "Draft: {{ notes }}")
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

RULE = Rule(
    "AF304",
    "unused-binding",
    Severity.WARNING,
    "a workflow binding whose value nothing uses",
)
