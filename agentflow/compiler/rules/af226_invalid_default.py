"""an input default that does not match the field's type

## What it does
Checks the default value of each `input` field, workflow parameter and `type` field against
the declared type. Reports a default that is not assignable to it.

## Why
A default is used exactly when a caller leaves the input out, so a wrong one fails on the
path that is least likely to have been tested, at run time and mid-run.

## Example
```agentflow
agentflow 1

model m { provider = offline }

agent researcher {
  model  = m
  input  { topic: string, depth: int = "2" }
  output = string
  prompt = "Research {{ topic }}, {{ depth }} levels deep."
}

workflow research(topic: string) -> string {
  notes = researcher(topic: topic)
  return notes
}
```

## Use instead
```agentflow
agentflow 1

model m { provider = offline }

agent researcher {
  model  = m
  input  { topic: string, depth: int = 2 }
  output = string
  prompt = "Research {{ topic }}, {{ depth }} levels deep."
}

workflow research(topic: string) -> string {
  notes = researcher(topic: topic)
  return notes
}
```
"""

from agentflow.compiler.rules import Rule
from agentflow.diagnostics import Severity

RULE = Rule(
    "AF226",
    "invalid-default",
    Severity.ERROR,
    "an input default that does not match the field's type",
)
