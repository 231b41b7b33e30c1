"""a template field access on a record type that has no such field

## What it does
Reports `{{ x.y }}` in a template where `x` has a record type with no field `y`, with the
closest field as a hint. It is the template counterpart of AF204.

## Why
Jinja2 renders a missing attribute as an empty string, so without this check the prompt would
silently lose the value it was written to include, and the model would be paid to answer
without it.

## Example
```agentflow
agentflow 1

model m { provider = offline }
type Ticket { id: string, body: string }

agent triager {
  model  = m
  input  { ticket: Ticket }
  output = string
  prompt = "Classify ticket {{ ticket.id }}: {{ ticket.text }}"
}

workflow triage(ticket: Ticket) -> string {
  kind = triager(ticket: ticket)
  return kind
}
```

## Use instead
```agentflow
agentflow 1

model m { provider = offline }
type Ticket { id: string, body: string }

agent triager {
  model  = m
  input  { ticket: Ticket }
  output = string
  prompt = "Classify ticket {{ ticket.id }}: {{ ticket.body }}"
}

workflow triage(ticket: Ticket) -> string {
  kind = triager(ticket: ticket)
  return kind
}
```
"""

from agentflow.compiler.rules import Rule
from agentflow.diagnostics import Severity

RULE = Rule(
    "AF232",
    "template-unknown-field",
    Severity.ERROR,
    "a template field access on a record type that has no such field",
)
