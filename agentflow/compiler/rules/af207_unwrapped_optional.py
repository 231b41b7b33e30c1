"""an optional value used where a value is required, without a `??` default

## What it does
A value of type `T?` may be absent: a guarded node (`when`), a name bound in only some
branches, an optional field, a `map` lookup. Reports such a value used where a `T` is needed,
as an argument, a return value or an operand; the hint suggests a default with `??`.

## Why
There is no null in agentflow, so absence must be handled where it can occur. Otherwise a
skipped node would surface as a failed run (or an empty answer) far from the guard that
caused it.

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
  text = writer(notes: notes) when len(notes) > 0
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
  text = writer(notes: notes) when len(notes) > 0
  return text ?? "(nothing to summarise)"
}
```
"""

from agentflow.compiler.rules import Rule
from agentflow.diagnostics import Severity

RULE = Rule(
    "AF207",
    "unwrapped-optional",
    Severity.ERROR,
    "an optional value used where a value is required, without a `??` default",
)
