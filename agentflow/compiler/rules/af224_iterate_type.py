"""an `iterate` whose initial value and step differ in type, or whose `max` is not ≥ 1

## What it does
In `NAME = iterate VAR = INIT until COND max N => CALL`, INIT and CALL must have the same type
(VAR holds either), and `N` must be an integer literal of at least 1. Reports a type mismatch
between INIT and CALL, or a `max` that is not such a literal.

## Why
`max N` is what makes a loop's cost bounded: at most N calls, so N times the body's worst
case. It must be a literal the compiler can read, and the unrolled graph is only well typed
if every iteration produces the same type.

## Example
```agentflow
agentflow 1

model m { provider = offline }
type Draft { text: string, score: int }

agent improve {
  model  = m
  input  { text: string }
  output = Draft
  prompt = "Improve this text and score it from 1 to 10: {{ text }}"
}

workflow polish(text: string) -> string {
  best = iterate d = improve(text: text) until d.score >= 8 max 0 => improve(text: d.text)
  return best.text
}
```

## Use instead
```agentflow
agentflow 1

model m { provider = offline }
type Draft { text: string, score: int }

agent improve {
  model  = m
  input  { text: string }
  output = Draft
  prompt = "Improve this text and score it from 1 to 10: {{ text }}"
}

workflow polish(text: string) -> string {
  best = iterate d = improve(text: text) until d.score >= 8 max 3 => improve(text: d.text)
  return best.text
}
```
"""

from agentflow.compiler.rules import Rule
from agentflow.diagnostics import Severity

RULE = Rule(
    "AF224",
    "iterate-type",
    Severity.ERROR,
    "an `iterate` whose initial value and step differ in type, or whose `max` is not ≥ 1",
)
