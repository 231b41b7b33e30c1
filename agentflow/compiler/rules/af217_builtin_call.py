"""a built-in function called with the wrong number or kinds of arguments

## What it does
Checks calls to built-in functions (`len`, `join`, `sort`, `take`, `max_by`, ...) against
their signatures: the number of positional arguments, the names of named ones (`by`,
`desc`) and their types. Reports `len(1, 2)`, `sort(xs, by: 3)`, `take(xs)` and the like.

## Why
Built-ins run inside the workflow as pure nodes; a wrong call would fail the run at that
node, after the paid work before it. The signature is known, so the mistake can be proven
at check time.

## Example
```agentflow
agentflow 1

workflow first_chapters(chapters: list[string]) -> list[string] {
  first = take(chapters)
  return first
}
```

## Use instead
```agentflow
agentflow 1

workflow first_chapters(chapters: list[string]) -> list[string] {
  first = take(chapters, 3)
  return first
}
```
"""

from agentflow.compiler.rules import Rule
from agentflow.diagnostics import Severity

RULE = Rule(
    "AF217",
    "builtin-call",
    Severity.ERROR,
    "a built-in function called with the wrong number or kinds of arguments",
)
