"""indexing something that is not a list or map, or with the wrong key type

## What it does
`a[i]` is defined for a `list[T]` with an `int` index and for a `map[T]` with a `string` key.
Reports indexing anything else (a record, a string, a number) and indexing with a key of the
wrong type. Record fields are read with `.`, not `["..."]`.

## Why
A structurally wrong index can never succeed, so it would fail the node at run time after its
inputs had been paid for. It is usually a habit carried over from Python dictionaries.

## Example
```agentflow
agentflow 1

model m { provider = offline }

agent researcher {
  model  = m
  input  { topic: string }
  output { summary: string, confidence: float }
  prompt = "Research {{ topic }} and rate your confidence from 0 to 1."
}

workflow research(topic: string) -> string {
  facts = researcher(topic: topic)
  return facts["summary"]
}
```

## Use instead
```agentflow
agentflow 1

model m { provider = offline }

agent researcher {
  model  = m
  input  { topic: string }
  output { summary: string, confidence: float }
  prompt = "Research {{ topic }} and rate your confidence from 0 to 1."
}

workflow research(topic: string) -> string {
  facts = researcher(topic: topic)
  return facts.summary
}
```
"""

from agentflow.compiler.rules import Rule
from agentflow.diagnostics import Severity

RULE = Rule(
    "AF205",
    "invalid-index",
    Severity.ERROR,
    "indexing something that is not a list or map, or with the wrong key type",
)
