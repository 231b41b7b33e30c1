"""`a ?? b` where `a` is never absent

## What it does
Warns about `a ?? b` where `a` does not have an optional type, so the default `b` can never
be used.

## Why
A dead default suggests a fallback path that does not exist: a reviewer may believe a
failure or skipped node is handled when it is not. Usually the guard or `try` it was written
for has been removed.

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
  text = writer(notes: notes)
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

RULE = Rule("AF902", "needless-default", Severity.WARNING, "`a ?? b` where `a` is never absent")
