"""an unknown class in `redact`

## What it does
`policy { redact = [...] }` lists the classes of data masked before any model sees it. Reports
a class other than `email`, `phone`, `credit_card`, `api_key`, `ip_address` and `ssn`, with
the closest as a hint.

## Why
An unknown class would redact nothing while the policy reads as if it did: the personal data
it was meant to mask would reach the model provider, and the audit log would show a policy
that was never applied.

## Example
```agentflow
agentflow 1

model m { provider = offline }
policy { redact = [email, phone_number] }

agent writer {
  model  = m
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

model m { provider = offline }
policy { redact = [email, phone] }

agent writer {
  model  = m
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

RULE = Rule("AF408", "unknown-redaction", Severity.ERROR, "an unknown class in `redact`")
