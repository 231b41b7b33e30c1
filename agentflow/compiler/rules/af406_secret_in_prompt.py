"""`env(...)` used where the secret could reach a model or the output

## What it does
Warns about `env("NAME")` in a workflow expression or template: an argument, a binding, a
condition, a `return`. Secrets belong in declaration settings (`api_key`, `token`, a tool's
`bind`), where the runtime keeps them out of prompts, results and logs.

## Why
A value computed in a workflow flows like any other value: into agent prompts, which a model
provider receives; into the run's output; into call arguments that traces and the audit log
record. A tool's `bind` fixes the argument at declaration, where neither a model nor a caller
can see or set it.

## Example
Here `acme.orders` is importable and defines
`def cancel_order(order_id: str, token: str) -> str`.

```agentflow
agentflow 1

tool cancel = python("acme.orders:cancel_order")

workflow cancel_order(order_id: string) -> string {
  result = cancel(order_id: order_id, token: env("ORDERS_TOKEN"))
  return result
}
```

## Use instead
```agentflow
agentflow 1

tool cancel = python("acme.orders:cancel_order") { bind = { token: env("ORDERS_TOKEN") } }

workflow cancel_order(order_id: string) -> string {
  result = cancel(order_id: order_id)
  return result
}
```
"""

from agentflow.compiler.rules import Rule
from agentflow.diagnostics import Severity

RULE = Rule(
    "AF406",
    "secret-in-prompt",
    Severity.WARNING,
    "`env(...)` used where the secret could reach a model or the output",
)
