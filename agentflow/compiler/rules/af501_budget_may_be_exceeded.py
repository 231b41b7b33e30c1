"""the worst-case cost exceeds a budget window

## What it does
Estimates the worst-case cost of each agent and workflow under a budget, from each model's
price and `max_tokens`, each agent's `max_steps`, and the fan-out of `map` and `iterate`.
Warns when it exceeds a budget window (`per_run`, `daily`, `monthly`, `tokens_per_run`), and
shows the figures.

## Why
The runtime stops or warns when a budget runs out, but by then the run has spent money and
may be half done. Seeing at review time that the limits cannot hold lets the team lower
`max_steps` or `max_tokens`, or raise the budget deliberately.

## Example
```agentflow
agentflow 1

model m { provider = offline, max_tokens = 1024, price = { input: $3, output: $15 } }
budget team { per_run = $0.25 }

agent writer {
  model     = m
  budget    = team
  max_steps = 50
  input     { notes: string }
  output    = string
  prompt    = "Summarise: {{ notes }}"
}

workflow summarise(notes: string) -> string {
  text = writer(notes: notes)
  return text
}
```

## Use instead
```agentflow
agentflow 1

model m { provider = offline, max_tokens = 1024, price = { input: $3, output: $15 } }
budget team { per_run = $0.25 }

agent writer {
  model     = m
  budget    = team
  max_steps = 3
  input     { notes: string }
  output    = string
  prompt    = "Summarise: {{ notes }}"
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
    "AF501",
    "budget-may-be-exceeded",
    Severity.WARNING,
    "the worst-case cost exceeds a budget window",
)
