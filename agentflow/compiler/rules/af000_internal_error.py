"""an internal compiler error

A bug in agentflow, not in your program.

## What it does
Reports that the compiler itself failed while checking a file. The check stops at the
failing pass; diagnostics reported before it are still shown. The message names the
Python exception so the failure can be reproduced.

## Why
The compiler must never crash with a traceback on any input: a platform team wires
`agentflow check` into CI and editors, where a crash would hide every real diagnostic.
This code turns such a bug into an ordinary, reportable diagnostic.

## Example
```text
$ agentflow check weird.agentflow
error[AF000]: internal compiler error: KeyError: 'x'
```

## Use instead
```text
Report the file to the agentflow maintainers; meanwhile simplify the construct the
message points at.
```
"""

from agentflow.compiler.rules import Rule
from agentflow.diagnostics import Severity

RULE = Rule("AF000", "internal-error", Severity.ERROR, "an internal compiler error")
