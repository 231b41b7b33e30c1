"""the workflow's `run_as` role does not allow a callee it calls

## What it does
A role is an allow-list of tools, agents and workflows; anything it does not list is denied.
Reports a call in a workflow whose `run_as` role does not list the callee, and suggests adding
it to the role.

## Why
The runtime would deny the call anyway, but only when the run reached it, after earlier nodes
had spent budget. A denial the compiler can prove belongs in review, where the decision to
widen a role is made deliberately.

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

role support { workflows = [summarise] }

workflow summarise(notes: string) -> string {
  run_as = support
  text   = writer(notes: notes)
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

role support { agents = [writer], workflows = [summarise] }

workflow summarise(notes: string) -> string {
  run_as = support
  text   = writer(notes: notes)
  return text
}
```
"""

from agentflow.compiler.rules import Rule
from agentflow.diagnostics import Severity

RULE = Rule(
    "AF401",
    "role-denies-call",
    Severity.ERROR,
    "the workflow's `run_as` role does not allow a callee it calls",
)
