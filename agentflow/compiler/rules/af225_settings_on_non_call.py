"""per-node settings or `try` applied to something that is not a call

## What it does
Per-node settings `{ retry = ..., timeout = ..., fallback = ... }` and `try` apply to a call
of an agent, tool or workflow (or a `map` of one). Reports them on a pure binding: a literal,
a template, an operator or a built-in function.

## Why
Pure expressions do not time out and are not retried, so such settings would do nothing while
looking like resilience. Usually they were meant for the call the expression depends on.

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
  title = writer(notes: notes)
  loud  = upper(title) { retry = 2 }
  return loud
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
  title = writer(notes: notes) { retry = 2 }
  loud  = upper(title)
  return loud
}
```
"""

from agentflow.compiler.rules import Rule
from agentflow.diagnostics import Severity

RULE = Rule(
    "AF225",
    "settings-on-non-call",
    Severity.ERROR,
    "per-node settings or `try` applied to something that is not a call",
)
