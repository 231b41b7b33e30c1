"""an empty `[]` or `{}` where nothing gives it a type

## What it does
An empty list or record takes its type from where it stands: an argument, a return value, a
default, a fallback, a `??` default. Reports `[]` or `{}` with no such context, most often as
the whole right-hand side of a binding, whose type comes from that right-hand side alone.

## Why
Nothing is `any` in agentflow. An untyped empty value would let the first use decide its type,
so the same program could be read two ways; writing the value where it is used keeps types
local and explicit.

## Example
```agentflow
agentflow 1

model m { provider = offline }

agent tagger {
  model  = m
  input  { text: string, known: list[string] }
  output = string
  prompt = "Tag this text, reusing these tags where they fit ({{ known }}): {{ text }}"
}

workflow tag(text: string) -> string {
  known = []
  tags  = tagger(text: text, known: known)
  return tags
}
```

## Use instead
```agentflow
agentflow 1

model m { provider = offline }

agent tagger {
  model  = m
  input  { text: string, known: list[string] }
  output = string
  prompt = "Tag this text, reusing these tags where they fit ({{ known }}): {{ text }}"
}

workflow tag(text: string) -> string {
  tags = tagger(text: text, known: [])
  return tags
}
```
"""

from agentflow.compiler.rules import Rule
from agentflow.diagnostics import Severity

RULE = Rule(
    "AF216",
    "untyped-empty",
    Severity.ERROR,
    "an empty `[]` or `{}` where nothing gives it a type",
)
