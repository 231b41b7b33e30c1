"""a required input of the callee is not given

## What it does
Reports a call that leaves out an input the callee requires, that is, one without a default
in the callee's `input` block or workflow parameters, and names every missing input.

## Why
A missing input would fail validation at run time, mid-run and after upstream spend. Each
input is also part of the reviewed contract of an agent: leaving one out usually means the
prompt renders without information it was written to have.

## Example
```agentflow
agentflow 1

model m { provider = offline }

agent writer {
  model  = m
  input  { notes: string, audience: string }
  output = string
  prompt = "Summarise for {{ audience }}: {{ notes }}"
}

workflow summarise(notes: string) -> string {
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
  input  { notes: string, audience: string }
  output = string
  prompt = "Summarise for {{ audience }}: {{ notes }}"
}

workflow summarise(notes: string) -> string {
  text = writer(notes: notes, audience: "engineering")
  return text
}
```
"""

from agentflow.compiler.rules import Rule
from agentflow.diagnostics import Severity

RULE = Rule(
    "AF202",
    "missing-argument",
    Severity.ERROR,
    "a required input of the callee is not given",
)
