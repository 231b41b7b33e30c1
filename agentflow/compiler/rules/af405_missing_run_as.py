"""roles are declared but no principal can start a workflow that has no `run_as`

## What it does
Once a file declares roles, access is deny-by-default: a run holds only what a role allows.
Reports a workflow that has no `run_as` and that no declared principal can start, because no
role they hold lists it in `workflows`.

## Why
Such a workflow can never run, or runs with whatever roles its caller happens to hold. Naming
the role with `run_as` states, in review, exactly which permissions the run has.

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

role support { agents = [writer] }
principal ci_bot { roles = [support], token = env("CI_BOT_TOKEN") }

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
    "AF405",
    "missing-run-as",
    Severity.ERROR,
    "roles are declared but no principal can start a workflow that has no `run_as`",
)
