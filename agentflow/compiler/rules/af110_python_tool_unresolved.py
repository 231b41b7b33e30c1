"""a python tool without a declared signature whose function cannot be imported at check time

## What it does
A Python tool without `input` and `output` takes its signature from the function's type
hints, so the checker must import it. Reports such a tool whose module cannot be imported,
or whose module has no such function, with the import error.

## Why
Without a signature, no call to the tool can be checked: arguments, types and the result all
go unverified, and the failure would surface only on first use, in production. Fix the name
or the environment, or declare `input` and `output` in the file.

## Example
Here `acme.orders` is importable and defines `def lookup_order(order_id: str) -> str`.

```agentflow
agentflow 1

tool orders = python("acme.orders:lookup_ordr")

workflow status(order_id: string) -> string {
  order = orders(order_id: order_id)
  return order
}
```

## Use instead
```agentflow
agentflow 1

tool orders = python("acme.orders:lookup_order")

workflow status(order_id: string) -> string {
  order = orders(order_id: order_id)
  return order
}
```
"""

from agentflow.compiler.rules import Rule
from agentflow.diagnostics import Severity

RULE = Rule(
    "AF110",
    "python-tool-unresolved",
    Severity.ERROR,
    "a python tool without a declared signature whose function cannot be imported at check time",
)
