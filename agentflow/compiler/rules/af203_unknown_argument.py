"""an argument the callee does not take

## What it does
Reports a named argument that matches none of the callee's inputs. When an input is spelled
similarly, the hint suggests it.

## Why
An argument that was silently dropped would make the call look configured when it is not:
here the intended `depth` would quietly stay at its default, and the run would do (and pay
for) different work than the file says.

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
  notes = researcher(topic: topic, dept: 1)
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
  notes = researcher(topic: topic, depth: 1)
  return notes
}
```
"""

from agentflow.compiler.rules import Rule
from agentflow.diagnostics import Severity

RULE = Rule("AF203", "unknown-argument", Severity.ERROR, "an argument the callee does not take")
