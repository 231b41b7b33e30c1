"""`history` names something that is not an input of type `list[Message]`

## What it does
`history = NAME` in an agent sends the messages in its input `NAME` as earlier turns of the
conversation instead of rendering them into the prompt. Reports a `history` that names no
input of the agent, or an input whose type is not `list[Message]`.

## Why
Only a `list[Message]` has the roles (`user`, `assistant`) needed to build earlier turns.
Anything else would have to be guessed into turns, changing what the model sees and what the
audit log records as the conversation.

## Example
```agentflow
agentflow 1

model m { provider = offline }

agent assistant {
  model   = m
  input   { past: list[string], question: string }
  output  = string
  history = past
  prompt  = "{{ question }}"
}

workflow ask(past: list[string], question: string) -> string {
  answer = assistant(past: past, question: question)
  return answer
}
```

## Use instead
```agentflow
agentflow 1

model m { provider = offline }

agent assistant {
  model   = m
  input   { past: list[Message], question: string }
  output  = string
  history = past
  prompt  = "{{ question }}"
}

workflow ask(past: list[Message], question: string) -> string {
  answer = assistant(past: past, question: question)
  return answer
}
```
"""

from agentflow.compiler.rules import Rule
from agentflow.diagnostics import Severity

RULE = Rule(
    "AF218",
    "invalid-history",
    Severity.ERROR,
    "`history` names something that is not an input of type `list[Message]`",
)
