"""a setting value outside its allowed set

## What it does
Reports a setting whose value has the right type but is outside the values the setting
allows: `provider` other than `anthropic`, `openai` or `offline`; `on_exceed` other than
`stop` or `warn`; a count such as `max_steps`, `max_tokens` or `max_concurrency` below 1.

## Why
An out-of-range value either cannot run at all (an agent with zero steps never calls its
model) or would silently disable a control (an unknown `on_exceed` that does not stop
spending).

## Example
```agentflow
agentflow 1

model m { provider = offline }

agent writer {
  model     = m
  max_steps = 0
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

model m { provider = offline }

agent writer {
  model     = m
  max_steps = 4
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
    "AF108",
    "invalid-setting-value",
    Severity.ERROR,
    "a setting value outside its allowed set",
)
