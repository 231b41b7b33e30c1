"""a `retry` record with an unknown key or an unknown error kind

## What it does
`retry` takes a count or a record `{ attempts, on, backoff, max_delay }`. Reports any other
key, and any error kind in `on` other than `timeout`, `rate_limited`, `validation`, `tool`,
`model`, `denied`, `budget` and `failed`, with the closest as a hint.

## Why
Retry settings decide how often a failing call is paid for again. A misspelt kind would
silently never match, so the failures it was meant to absorb would end the run, or an
unknown key would leave the retry policy other than the one reviewed.

## Example
```agentflow
agentflow 1

tool calc = stdlib.calculator

workflow compute(expression: string) -> float {
  value = calc(expression: expression) { retry = { attempts: 3, on: [rate_limit, timeout] } }
  return value
}
```

## Use instead
```agentflow
agentflow 1

tool calc = stdlib.calculator

workflow compute(expression: string) -> float {
  value = calc(expression: expression) { retry = { attempts: 3, on: [rate_limited, timeout] } }
  return value
}
```
"""

from agentflow.compiler.rules import Rule
from agentflow.diagnostics import Severity

RULE = Rule(
    "AF219",
    "invalid-retry",
    Severity.ERROR,
    "a `retry` record with an unknown key or an unknown error kind",
)
