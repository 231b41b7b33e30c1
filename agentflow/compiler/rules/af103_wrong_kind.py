"""a name of the wrong kind for its place

## What it does
Each place that names a declaration expects a kind: an agent's `model` a model, its `tools`
tools, agents or workflows, its `budget` a budget, a workflow's `run_as` a role, a role's
`tools` tools. Reports a name that exists but is of another kind, and says what it is.

## Why
Mixing kinds is usually a copy-paste slip or a name collision. Left unchecked it would crash
at run time or, worse, make a policy list mean something other than what a reviewer reads.

## Example
```agentflow
agentflow 1

model m { provider = offline }

agent analyst {
  model  = m
  tools  = [m]
  input  { question: string }
  output = string
  prompt = "Answer, calculating where needed: {{ question }}"
}

workflow ask(question: string) -> string {
  answer = analyst(question: question)
  return answer
}
```

## Use instead
```agentflow
agentflow 1

model m { provider = offline }
tool calc = stdlib.calculator

agent analyst {
  model  = m
  tools  = [calc]
  input  { question: string }
  output = string
  prompt = "Answer, calculating where needed: {{ question }}"
}

workflow ask(question: string) -> string {
  answer = analyst(question: question)
  return answer
}
```
"""

from agentflow.compiler.rules import Rule
from agentflow.diagnostics import Severity

RULE = Rule("AF103", "wrong-kind", Severity.ERROR, "a name of the wrong kind for its place")
