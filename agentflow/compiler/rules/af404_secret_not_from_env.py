"""a secret setting given as a literal instead of `env("NAME")`

## What it does
Reports a secret setting (`api_key` on a model or tool, `token` on a principal) whose value is
a literal rather than `env("NAME")`, whatever the literal looks like.

## Why
`env("NAME")` is the only way a secret enters a program, so that its value never appears in
the file, output, logs, traces, the audit log or the state store. A literal, even a
placeholder, trains people to paste the real thing next time.

## Example
```agentflow
agentflow 1

model mini { provider = openai, name = "gpt-4o-mini", api_key = "local-dev-key" }

agent writer {
  model  = mini
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

model mini { provider = openai, name = "gpt-4o-mini", api_key = env("OPENAI_API_KEY") }

agent writer {
  model  = mini
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
    "AF404",
    "secret-not-from-env",
    Severity.ERROR,
    'a secret setting given as a literal instead of `env("NAME")`',
)
