"""a condition that is not `bool`

## What it does
Reports the condition of a `when` guard, an `if`, an `iterate ... until`, a `fail ... when` or
a comprehension's `if` whose type is not `bool`. There is no truthiness: strings, numbers,
lists and optionals must be compared explicitly.

## Why
Truthiness rules differ between languages, and a guard decides whether an agent runs and
spends money. Writing `len(notes) > 0` says exactly which case is meant, so a reviewer can
tell when a paid call will happen.

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
  text = writer(notes: notes) when notes
  return text ?? "(nothing to summarise)"
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

RULE = Rule("AF206", "condition-not-bool", Severity.ERROR, "a condition that is not `bool`")
