"""a string literal that looks like a credential

## What it does
Reports a string literal anywhere in the file that looks like a credential: an API key prefix
such as `sk-`, `sk-ant-` or `AKIA`, or a long run of hex or base64. Secrets enter a program
only through `env("NAME")`, on a model, principal or tool setting.

## Why
A literal secret is leaked the moment the file is committed, and from there reaches every
log, trace and review. In a prompt it is also sent to a model provider on every call, where
redaction cannot be relied on to catch it.

## Example
```agentflow
agentflow 1

model m { provider = offline }

agent helper {
  model  = m
  input  { question: string }
  output = string
  system = "You are the Acme helpdesk. Staging key: sk-proj-4fQz9LwX2mTb7RcV1nKy8HdE3sJp6UaG"
  prompt = "{{ question }}"
}

workflow ask(question: string) -> string {
  answer = helper(question: question)
  return answer
}
```

## Use instead
```agentflow
agentflow 1

model m { provider = offline }

agent helper {
  model  = m
  input  { question: string }
  output = string
  system = "You are the Acme helpdesk."
  prompt = "{{ question }}"
}

workflow ask(question: string) -> string {
  answer = helper(question: question)
  return answer
}
```
"""

from agentflow.compiler.rules import Rule
from agentflow.diagnostics import Severity

RULE = Rule(
    "AF403",
    "credential-literal",
    Severity.ERROR,
    "a string literal that looks like a credential",
)
