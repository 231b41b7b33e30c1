"""a name bound in branches with incompatible types

## What it does
A name bound in every arm of an `if` or `switch` has, after the block, the join of its
types in the arms (`int` and `float` join to `float`, enums to the union of their members,
`T` and `T?` to `T?`). When the types have no common type, such as `string` in one arm
and `int` in another, the name cannot be used safely and this error is reported.

## Why
Every later node that reads the name is type-checked against one type. A value whose
type depends on which arm ran would pass the compiler and fail at run time, after money
was spent.

## Example
```agentflow
agentflow 1
model m { provider = offline }
agent scorer { model = m, input { text: string }, output = int, prompt = "Score {{ text }}" }
workflow w(text: string, quick: bool) -> string {
  if quick {
    result = "skipped"
  } else {
    result = scorer(text: text)
  }
  return "{{ result }}"
}
```

## Use instead
```agentflow
agentflow 1
model m { provider = offline }
agent scorer { model = m, input { text: string }, output = int, prompt = "Score {{ text }}" }
workflow w(text: string, quick: bool) -> string {
  if quick {
    result = -1
  } else {
    result = scorer(text: text)
  }
  return "{{ result }}"
}
```
"""

from agentflow.compiler.rules import Rule
from agentflow.diagnostics import Severity

RULE = Rule(
    "AF228", "branch-type", Severity.ERROR, "a name bound in branches with incompatible types"
)
