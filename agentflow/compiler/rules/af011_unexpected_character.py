"""a character that cannot start any token

## What it does
Reports a character outside strings and comments that cannot begin any token of the
language, such as `@`, `` ` ``, `;` or the typographic quotes `“ ”` that word processors and
chat tools substitute for `"`.

## Why
Such a character is almost always a paste from a document or another language. Naming the
exact character (which may look identical to the right one) is faster than a generic syntax
error a few tokens later.

## Example
```agentflow
agentflow 1

tool calc = stdlib.calculator

workflow with_vat(amount: string) -> float {
  total = calc(expression: “{{ amount }} * 1.2”)
  return total
}
```

## Use instead
```agentflow
agentflow 1

tool calc = stdlib.calculator

workflow with_vat(amount: string) -> float {
  total = calc(expression: "{{ amount }} * 1.2")
  return total
}
```
"""

from agentflow.compiler.rules import Rule
from agentflow.diagnostics import Severity

RULE = Rule(
    "AF011",
    "unexpected-character",
    Severity.ERROR,
    "a character that cannot start any token",
)
