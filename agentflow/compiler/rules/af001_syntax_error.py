"""unexpected token or malformed construct

## What it does
Reports source text the grammar cannot parse: a missing `=`, `}` or `)`, a keyword out of
place, a stray token. The message says what was expected at that point (for example
"expected `=` after the setting name"), chosen from a catalogue of known mistakes, and the
caret points at the first token that does not fit.

## Why
Nothing else in the file can be checked until it parses, so this comes first. A message that
names the expected token at the right column saves a round of guessing, which matters most in
CI, where the log is the only feedback.

## Example
```agentflow
agentflow 1

tool calc = stdlib.calculator { timeout 5s }

workflow compute(expression: string) -> float {
  value = calc(expression: expression)
  return value
}
```

## Use instead
```agentflow
agentflow 1

tool calc = stdlib.calculator { timeout = 5s }

workflow compute(expression: string) -> float {
  value = calc(expression: expression)
  return value
}
```
"""

from agentflow.compiler.rules import Rule
from agentflow.diagnostics import Severity

RULE = Rule("AF001", "syntax-error", Severity.ERROR, "unexpected token or malformed construct")
