"""a call that is not the whole right-hand side of a binding

## What it does
Reports a call to an agent, tool or workflow that appears inside a larger expression, as an
argument of another call, in a `return`, or in a condition, rather than as the whole
right-hand side of a binding. Bind the call to a name first.

## Why
Each call is a node of the graph: it is scheduled, checked against policy and budget,
retried, audited and traced under its binding's name. A call buried in an expression would
have no name to attribute its cost, retries and audit entries to.

## Example
```agentflow
agentflow 1

model m { provider = offline }

agent writer {
  model  = m
  input  { notes: string }
  output = string
  prompt = "Write a headline for: {{ notes }}"
}

workflow headline(notes: string) -> string {
  return upper(writer(notes: notes))
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
  prompt = "Write a headline for: {{ notes }}"
}

workflow headline(notes: string) -> string {
  title = writer(notes: notes)
  return upper(title)
}
```
"""

from agentflow.compiler.rules import Rule
from agentflow.diagnostics import Severity

RULE = Rule(
    "AF221",
    "nested-call",
    Severity.ERROR,
    "a call that is not the whole right-hand side of a binding",
)
