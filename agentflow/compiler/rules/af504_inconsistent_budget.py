"""budget windows that contradict each other

## What it does
Warns about a budget whose windows cannot all be meaningful: `per_run` above `daily`, `daily`
above `monthly`, `per_run` above `monthly`, or `alert_at` above 100%.

## Why
When one window exceeds the wider one, the smaller window can never be the one that stops
spending, so the budget does not say what it appears to. It is usually a typo in a figure
that governs real money.

## Example
```agentflow
agentflow 1

model m { provider = offline }
budget team { per_run = $5, daily = $2 }

agent writer {
  model  = m
  budget = team
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

model m { provider = offline }
budget team { per_run = $0.50, daily = $2 }

agent writer {
  model  = m
  budget = team
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
    "AF504",
    "inconsistent-budget",
    Severity.WARNING,
    "budget windows that contradict each other",
)
