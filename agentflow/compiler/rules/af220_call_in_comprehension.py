"""an agent, tool or workflow call inside a comprehension

## What it does
Comprehensions (`[EXPR for X in LIST if COND]`) are pure: they may use built-in functions but
not call agents, tools or workflows. Reports such a call and suggests `map`, which makes one
node per item.

## Why
A `map` node has a concurrency limit, per-item retries and fallbacks, a cost bound the budget
check can see, and an entry per item in the audit log. A call hidden in a comprehension
would have none of these.

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

workflow summarise_all(chapters: list[string]) -> list[string] {
  parts = [writer(notes: chapter) for chapter in chapters]
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
  parts = map chapter in chapters concurrency 4 => writer(notes: chapter)
  return parts
}
```
"""

from agentflow.compiler.rules import Rule
from agentflow.diagnostics import Severity

RULE = Rule(
    "AF220",
    "call-in-comprehension",
    Severity.ERROR,
    "an agent, tool or workflow call inside a comprehension",
)
