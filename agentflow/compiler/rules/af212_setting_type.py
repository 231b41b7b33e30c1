"""a setting value of the wrong type or unit

## What it does
Each setting takes a value of one type or unit: a duration for `timeout`, money for budget
windows, a rate for `rate_limit`, a count or a retry record for `retry`, a percent for
`alert_at`. Reports a value of another type or unit, such as a bare number where a duration
is needed or `retry = "3"`.

## Why
A bare `30` could mean seconds or milliseconds; money where a token count is needed is a
different limit altogether. Units are written out so that limits on time and spend mean
exactly what they say.

## Example
```agentflow
agentflow 1

tool calc = stdlib.calculator { timeout = 30 }

workflow compute(expression: string) -> float {
  value = calc(expression: expression)
  return value
}
```

## Use instead
```agentflow
agentflow 1

tool calc = stdlib.calculator { timeout = 30s }

workflow compute(expression: string) -> float {
  value = calc(expression: expression)
  return value
}
```
"""

from agentflow.compiler.rules import Rule
from agentflow.diagnostics import Severity

RULE = Rule("AF212", "setting-type", Severity.ERROR, "a setting value of the wrong type or unit")
