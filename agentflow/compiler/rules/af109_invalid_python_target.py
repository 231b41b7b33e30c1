"""a `python("...")` target that is not `"module:function"`

## What it does
A Python tool names its function as `"module:function"`: a dotted module path, one colon and
a function name. Reports any other shape, such as a dotted path without the colon, a file
path, or an empty module or function.

## Why
The target is imported at check time and at run time. An ambiguous target could resolve to a
different object than the one that was reviewed, and a tool is code that runs with the
platform's credentials.

## Example
Here `acme.orders` is importable and defines `def lookup_order(order_id: str) -> str`.

```agentflow
agentflow 1

tool orders = python("acme.orders.lookup_order")

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
    "AF109",
    "invalid-python-target",
    Severity.ERROR,
    'a `python("...")` target that is not `"module:function"`',
)
