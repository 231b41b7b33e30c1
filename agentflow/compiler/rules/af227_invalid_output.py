"""an agent or tool output that cannot be requested, or an agent with no `prompt` or `system`

## What it does
An agent's `output` is requested from the model as JSON Schema and validated; a tool's is
validated after each call. Reports an output type that cannot be requested that way, such as
an optional at the top level (`output = string?`), and an agent with neither `prompt` nor
`system`, which gives the model nothing to act on.

## Why
The output type is the contract every consumer relies on, and "maybe nothing" is not
something a model can be asked for reliably: absence is written in the workflow with `when`
or `try`, where it is typed and handled. An agent with no instruction at all would be paid to
guess what its inputs are for.

## Example
```agentflow
agentflow 1

model m { provider = offline }

agent writer {
  model  = m
  input  { notes: string }
  output = string
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
    "AF227",
    "invalid-output",
    Severity.ERROR,
    "an agent or tool output that cannot be requested, or an agent with no `prompt` or `system`",
)
