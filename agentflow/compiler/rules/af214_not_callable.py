"""calling something that is not an agent, tool, workflow or built-in function

## What it does
Reports a call whose target is a model, a type, a role, a budget, a principal, a parameter
or a binding. Only agents, tools, workflows and built-in functions can be called. A record is
written as a literal `{ field: value }`; there are no constructors.

## Why
Calling a model directly would bypass the agent that gives it a prompt, tools, a budget and a
policy. Calling a type is a habit from other languages. Either way, the call cannot mean
what its author expected.

## Example
```agentflow
agentflow 1

type Ticket { id: string, body: string }

workflow open_ticket(body: string) -> Ticket {
  ticket = Ticket(id: "new", body: body)
  return ticket
}
```

## Use instead
```agentflow
agentflow 1

type Ticket { id: string, body: string }

workflow open_ticket(body: string) -> Ticket {
  ticket = { id: "new", body: body }
  return ticket
}
```
"""

from agentflow.compiler.rules import Rule
from agentflow.diagnostics import Severity

RULE = Rule(
    "AF214",
    "not-callable",
    Severity.ERROR,
    "calling something that is not an agent, tool, workflow or built-in function",
)
