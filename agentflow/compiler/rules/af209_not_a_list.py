"""a `map`, comprehension or list built-in over something that is not a list

## What it does
Reports a `map ITEM in X`, a comprehension `[... for ITEM in X]` or a list built-in (`len`,
`sort`, `take`, `unique`, `flatten`, `compact`, `max_by`, ...) where `X` is not a
`list[T]`. A string is not a list of characters; use `split` to make one.

## Why
`map` fans out one paid call per item, and its cost bound depends on knowing that a list is
being iterated. Iterating something that is not a list is a type confusion that would fail
at run time or fan out in a way nobody budgeted for.

## Example
```agentflow
agentflow 1

model m { provider = offline }

agent writer {
  model  = m
  input  { notes: string }
  output = string
  prompt = "Summarise: {{ notes }}"
}

workflow summarise_all(chapters: string) -> list[string] {
  parts = map chapter in chapters => writer(notes: chapter)
  return parts
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

workflow summarise_all(chapters: list[string]) -> list[string] {
  parts = map chapter in chapters => writer(notes: chapter)
  return parts
}
```
"""

from agentflow.compiler.rules import Rule
from agentflow.diagnostics import Severity

RULE = Rule(
    "AF209",
    "not-a-list",
    Severity.ERROR,
    "a `map`, comprehension or list built-in over something that is not a list",
)
