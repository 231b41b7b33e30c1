"""a template variable that is not in scope

## What it does
Reports a template variable that is not in scope where the template stands. In an agent's
`system` or `prompt` the scope is the agent's inputs only; in a workflow it is the
workflow's parameters and bindings (and a `map` item or `iterate` variable). The hint
suggests a similar name.

## Why
Rendering an undefined variable as an empty string would send the model a prompt with a hole
in it, and nothing would fail: the run would simply pay for a worse answer. Every value an
agent sees must arrive through its declared inputs.

## Example
```agentflow
agentflow 1

model m { provider = offline }

agent writer {
  model  = m
  input  { notes: string }
  output = string
  prompt = "Summarise: {{ note }}"
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

RULE = Rule(
    "AF231",
    "template-undefined",
    Severity.ERROR,
    "a template variable that is not in scope",
)
