"""a model whose price is neither in the bundled price table nor set with `price`

## What it does
Warns about a model whose provider and name are not in the bundled price table and that has
no `price = { input: ..., output: ... }` (US dollars per million tokens). Typical cases are
self-hosted, fine-tuned or newly released models.

## Why
Without a price, nothing the model does can be costed: budgets cannot be checked at compile
time, and the ledger cannot settle the real cost of each call. A platform team needs every
model's cost to be known, even when it is the cost of its own GPUs.

## Example
```agentflow
agentflow 1

model tuned {
  provider = openai
  name     = "acme-support-ft-v3"
  base_url = "http://127.0.0.1:8000/v1"
}

agent writer {
  model  = tuned
  input  { notes: string }
  output = string
  prompt = "Summarise: {{ notes }}"
}

workflow summarise(notes: string) -> string {
  text = writer(notes: notes)
  return text
}
```

## Use instead
```agentflow
agentflow 1

model tuned {
  provider = openai
  name     = "acme-support-ft-v3"
  base_url = "http://127.0.0.1:8000/v1"
  price    = { input: $0.20, output: $0.80 }
}

agent writer {
  model  = tuned
  input  { notes: string }
  output = string
  prompt = "Summarise: {{ notes }}"
}

workflow summarise(notes: string) -> string {
  text = writer(notes: notes)
  return text
}
```
"""

from agentflow.compiler.rules import Rule
from agentflow.diagnostics import Severity

RULE = Rule(
    "AF502",
    "unknown-price",
    Severity.WARNING,
    "a model whose price is neither in the bundled price table nor set with `price`",
)
