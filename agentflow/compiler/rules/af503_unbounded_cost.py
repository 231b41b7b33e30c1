"""a workflow under a budget whose worst-case cost cannot be bounded

## What it does
Notes a workflow under a budget whose worst case the compiler cannot bound, typically a `map`
over a list whose length is only known at run time. A `max_nodes` setting on the workflow
bounds it, since map items count as nodes.

## Why
The budget is still enforced at run time, node by node, but nothing proves in advance that a
run fits in it: a long input list could exhaust the budget halfway through, leaving partial
work that was paid for. `max_nodes` turns that into a bound the compiler can check.

## Example
```agentflow
agentflow 1

model m { provider = offline, max_tokens = 1000, price = { input: $3, output: $15 } }
budget team { per_run = $1 }

agent writer {
  model     = m
  max_steps = 1
  input     { notes: string }
  output    = string
  prompt    = "Summarise: {{ notes }}"
}

workflow summarise_all(chapters: list[string]) -> list[string] {
  budget = team
  parts  = map chapter in chapters concurrency 4 => writer(notes: chapter)
  return parts
}
```

## Use instead
```agentflow
agentflow 1

model m { provider = offline, max_tokens = 1000, price = { input: $3, output: $15 } }
budget team { per_run = $1 }

agent writer {
  model     = m
  max_steps = 1
  input     { notes: string }
  output    = string
  prompt    = "Summarise: {{ notes }}"
}

workflow summarise_all(chapters: list[string]) -> list[string] {
  budget    = team
  max_nodes = 20
  parts     = map chapter in chapters concurrency 4 => writer(notes: chapter)
  return parts
}
```
"""

from agentflow.compiler.rules import Rule
from agentflow.diagnostics import Severity

RULE = Rule(
    "AF503",
    "unbounded-cost",
    Severity.INFO,
    "a workflow under a budget whose worst-case cost cannot be bounded",
)
