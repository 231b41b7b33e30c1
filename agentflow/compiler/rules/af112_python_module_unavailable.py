"""a python tool's module is not importable at check time, so its signature is not cross-checked

## What it does
A Python tool that declares `input` and `output` can be checked without importing anything,
but when its module is importable the declaration is also compared with the function's type
hints (AF111). Warns when the module cannot be imported in the environment running the
check, so that comparison was skipped.

## Why
The file is still checked against its declared signature, but nothing proves the declaration
matches the code that will run. Checking in an environment where the tool's package is
installed closes that gap.

## Example
Here the package providing `acme.orders` is not installed where `agentflow check` runs.

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

## Use instead
The program is fine as written; make its module importable where the check runs.

```text
$ pip install -e ./acme-orders        # or: PYTHONPATH=src agentflow check ...
$ agentflow check flows/status.agentflow
```
"""

from agentflow.compiler.rules import Rule
from agentflow.diagnostics import Severity

RULE = Rule(
    "AF112",
    "python-module-unavailable",
    Severity.WARNING,
    "a python tool's module is not importable at check time, so its signature is not cross-checked",
)
