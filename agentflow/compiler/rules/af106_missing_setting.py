"""a required setting is absent

## What it does
Some settings have no safe default and must be written: `provider` on a model, `model` on an
agent, `token` on a principal. Reports the declaration and names the missing setting.

## Why
Guessing a provider would send prompts, and whatever data they contain, to a vendor nobody
chose; a principal without a credential could never authenticate. These are decisions a
platform team must see written down in the file.

## Example
```agentflow
agentflow 1

model m { max_tokens = 512 }

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

## Use instead
```agentflow
agentflow 1

model m { provider = offline, max_tokens = 512 }

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

RULE = Rule("AF106", "missing-setting", Severity.ERROR, "a required setting is absent")
