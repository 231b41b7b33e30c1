"""a call argument's type does not match the callee's input type

## What it does
Checks each named argument of a call to an agent, tool or workflow against the type the callee
declares for that input. Reports an argument whose type is not assignable to it; `int`
widens to `float` and a string enum to `string`, nothing else converts.

## Why
The runtime validates inputs before every node, so a mistyped argument would fail the run
after upstream nodes have already spent money. The compiler can prove the mismatch for free,
before anything runs.

## Example
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
  notes = researcher(topic: topic, depth: "3")
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
  notes = researcher(topic: topic, depth: 3)
  return notes
}
```
"""

from agentflow.compiler.rules import Rule
from agentflow.diagnostics import Severity

RULE = Rule(
    "AF201",
    "argument-type",
    Severity.ERROR,
    "a call argument's type does not match the callee's input type",
)
