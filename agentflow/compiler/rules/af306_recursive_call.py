"""a workflow or agent that calls itself, directly or through others

## What it does
Reports a workflow that calls itself, or an agent that lists itself among its `tools`,
directly or through a chain of other workflows and agents, and names the whole chain.

## Why
Recursion has no bound the compiler can read, so neither the run's cost nor its number of
nodes could be bounded, and a budget check could never prove anything. Bounded repetition is
written with `iterate ... max N` instead.

## Example
```agentflow
agentflow 1

model m { provider = offline }

agent writer {
  model  = m
  input  { notes: string }
  output = string
  prompt = "Tighten this text: {{ notes }}"
}

workflow refine(notes: string, rounds: int) -> string {
  text = writer(notes: notes)
  more = refine(notes: text, rounds: rounds - 1) when rounds > 1
  return more ?? text
}
```

## Use instead
```agentflow
agentflow 1

model m { provider = offline }

agent writer {
  model  = m
  input  { notes: string }
  output = string
  prompt = "Tighten this text: {{ notes }}"
}

workflow refine(notes: string) -> string {
  best = iterate t = writer(notes: notes) until len(t) < 500 max 3 => writer(notes: t)
  return best
}
```
"""

from agentflow.compiler.rules import Rule
from agentflow.diagnostics import Severity

RULE = Rule(
    "AF306",
    "recursive-call",
    Severity.ERROR,
    "a workflow or agent that calls itself, directly or through others",
)
