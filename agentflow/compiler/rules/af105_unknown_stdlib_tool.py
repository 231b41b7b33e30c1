"""`stdlib.X` where X is not a standard tool

## What it does
`tool NAME = stdlib.X` must name one of the standard tools: `calculator`, `file_read`,
`file_write`, `csv_read`, `web_search`, `http_get` or `current_time`. Reports any other name,
with the closest standard tool as a hint.

## Why
Without a known tool there is no signature to check calls against and no confinement settings
(`roots`, `allow`) to enforce, and the first call would fail mid-run. A typo here must never
turn into an unchecked tool.

## Example
```agentflow
agentflow 1

tool calc = stdlib.calculater

workflow compute(expression: string) -> float {
  value = calc(expression: expression)
  return value
}
```

## Use instead
```agentflow
agentflow 1

tool calc = stdlib.calculator

workflow compute(expression: string) -> float {
  value = calc(expression: expression)
  return value
}
```
"""

from agentflow.compiler.rules import Rule
from agentflow.diagnostics import Severity

RULE = Rule(
    "AF105",
    "unknown-stdlib-tool",
    Severity.ERROR,
    "`stdlib.X` where X is not a standard tool",
)
