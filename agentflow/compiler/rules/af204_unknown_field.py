"""a field access on a record type that has no such field

## What it does
Reports `a.b` where `a` has a record type (a declared `type`, an inline record, an agent's
`output { ... }`, a tool's result) with no field `b`. When a field is spelled similarly, the
hint suggests it.

## Why
Agent outputs are validated against their declared fields, so a field that is not declared
can never be present. Without this check the run would fail at the access, after the agent
had already been paid for.

## Example
```agentflow
agentflow 1

model m { provider = offline }

agent researcher {
  model  = m
  input  { topic: string }
  output { summary: string, confidence: float }
  prompt = "Research {{ topic }} and rate your confidence from 0 to 1."
}

workflow research(topic: string) -> string {
  facts = researcher(topic: topic)
  return facts.sumary
}
```

## Use instead
```agentflow
agentflow 1

model m { provider = offline }

agent researcher {
  model  = m
  input  { topic: string }
  output { summary: string, confidence: float }
  prompt = "Research {{ topic }} and rate your confidence from 0 to 1."
}

workflow research(topic: string) -> string {
  facts = researcher(topic: topic)
  return facts.summary
}
```
"""

from agentflow.compiler.rules import Rule
from agentflow.diagnostics import Severity

RULE = Rule(
    "AF204",
    "unknown-field",
    Severity.ERROR,
    "a field access on a record type that has no such field",
)
