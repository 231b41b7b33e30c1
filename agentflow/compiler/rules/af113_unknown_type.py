"""a type name that is not declared

## What it does
Reports a type that is neither built in (`string`, `int`, `float`, `bool`, `list[T]`,
`map[T]`, `Message`, `Error`, `Result[T]`) nor declared with `type` in the file. When a
known type is spelled similarly (`str`, `integer`, `Tiket`), the hint suggests it.

## Why
Types are what the compiler checks calls against and what structured outputs are validated
with at run time. An unknown type leaves every use of that field unchecked.

## Example
```agentflow
agentflow 1

model m { provider = offline }

agent writer {
  model  = m
  input  { notes: str }
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

RULE = Rule("AF113", "unknown-type", Severity.ERROR, "a type name that is not declared")
