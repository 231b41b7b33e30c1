"""a python tool's declared input or output disagrees with the function's type hints

## What it does
When a Python tool declares `input`/`output` and its module can be imported, the declaration
is compared with the function's type hints. Reports each field whose name, type or presence
differs, and a result type that differs.

## Why
The declared signature is what the compiler checks every call against and what the runtime
validates. If it disagrees with the code, calls that pass the check fail (or, worse, are
coerced) at run time.

## Example
Here `acme.orders` is importable and defines `def lookup_order(order_id: str) -> str`.

```agentflow
agentflow 1

tool orders = python("acme.orders:lookup_order") {
  input  { order_id: int }
  output = string
}

workflow status(order_id: int) -> string {
  order = orders(order_id: order_id)
  return order
}
```

## Use instead
```agentflow
agentflow 1

tool orders = python("acme.orders:lookup_order") {
  input  { order_id: string }
  output = string
}

workflow status(order_id: string) -> string {
  order = orders(order_id: order_id)
  return order
}
```
"""

from agentflow.compiler.rules import Rule
from agentflow.diagnostics import Severity

RULE = Rule(
    "AF111",
    "python-signature-mismatch",
    Severity.ERROR,
    "a python tool's declared input or output disagrees with the function's type hints",
)
