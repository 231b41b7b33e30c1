"""a `when` or `if` condition that is a literal `true` or `false`

## What it does
Warns about a `when` guard or an `if` whose condition is the literal `true` or `false`.

## Why
A constant condition is usually a debugging switch left behind: `when false` silently disables
a node, `when true` makes its value optional for no reason. Either way, the file no longer says
plainly which calls run and cost money.

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
  text = writer(notes: notes) when true
  return text ?? "(no summary)"
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
    "AF903",
    "constant-condition",
    Severity.WARNING,
    "a `when` or `if` condition that is a literal `true` or `false`",
)
