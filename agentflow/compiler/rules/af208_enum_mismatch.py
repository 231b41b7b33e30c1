"""a string literal that is not a member of the expected enum

## What it does
Where a string enum is expected (an argument, a return value, a default, a fallback, a `??`
default, or a literal nested in one of these), a string literal must be one of its members.
Reports any other literal, with the closest member as a hint. Matching is exact, including
case.

## Why
Enums are how a platform constrains what flows between agents (a priority, a category, a
tone). A literal outside the enum would fail validation at run time, or send a downstream
branch down a path nobody wrote.

## Example
```agentflow
agentflow 1

model m { provider = offline }

agent writer {
  model  = m
  input  { notes: string, tone: "formal" | "casual" }
  output = string
  prompt = "Summarise in a {{ tone }} tone: {{ notes }}"
}

workflow summarise(notes: string) -> string {
  text = writer(notes: notes, tone: "Casual")
  return text
}
```

## Use instead
```agentflow
agentflow 1

model m { provider = offline }

agent writer {
  model  = m
  input  { notes: string, tone: "formal" | "casual" }
  output = string
  prompt = "Summarise in a {{ tone }} tone: {{ notes }}"
}

workflow summarise(notes: string) -> string {
  text = writer(notes: notes, tone: "casual")
  return text
}
```
"""

from agentflow.compiler.rules import Rule
from agentflow.diagnostics import Severity

RULE = Rule(
    "AF208",
    "enum-mismatch",
    Severity.ERROR,
    "a string literal that is not a member of the expected enum",
)
