"""a workflow runs as a role that no declared principal holds

## What it does
Once any principal is declared, every run must authenticate as one, and a principal must hold
a workflow's `run_as` role to start it. Warns about a workflow whose `run_as` role no declared
principal holds.

## Why
Such a workflow can never be started. It is usually a role that was renamed or split without
updating the principals, and it would surface as a denied run in production instead of in
review.

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

role support { agents = [writer], workflows = [summarise] }
role viewer  { }
principal ci_bot { roles = [viewer], token = env("CI_BOT_TOKEN") }

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
principal ci_bot { roles = [support], token = env("CI_BOT_TOKEN") }

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
    "AF409",
    "role-without-principal",
    Severity.WARNING,
    "a workflow runs as a role that no declared principal holds",
)
