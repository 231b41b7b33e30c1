"""bindings that depend on each other in a cycle

## What it does
A workflow body is a dataflow graph: every reference to another binding, in an expression or
a template, is an edge. Reports a cycle of bindings that depend on each other, names every
binding in it, and blames each of them.

## Why
A cycle can never be scheduled: every node in it would wait forever for the others. Bounded
repetition is written with `iterate ... max N`, which the compiler unrolls so the graph stays
acyclic and its cost stays bounded.

## Example
```agentflow
agentflow 1

model m { provider = offline }

agent editor {
  model  = m
  input  { task: string }
  output = string
  prompt = "{{ task }}"
}

workflow report(notes: string) -> string {
  draft  = editor(task: "Write up {{ notes }}, addressing: {{ review }}")
  review = editor(task: "Review this draft: {{ draft }}")
  return review
}
```

## Use instead
```agentflow
agentflow 1

model m { provider = offline }

agent editor {
  model  = m
  input  { task: string }
  output = string
  prompt = "{{ task }}"
}

workflow report(notes: string) -> string {
  draft  = editor(task: "Write up {{ notes }}")
  review = editor(task: "Review this draft: {{ draft }}")
  return review
}
```
"""

from agentflow.compiler.rules import Rule
from agentflow.diagnostics import Severity

RULE = Rule("AF301", "cycle", Severity.ERROR, "bindings that depend on each other in a cycle")
