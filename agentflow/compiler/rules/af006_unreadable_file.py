"""the file cannot be read

## What it does
Reports a file the compiler could not read at all: the path is a directory, the process lacks
read permission, or the operating system reported an I/O error. The message carries the
operating system's reason; there is no line or column to point at, so no program can show
this diagnostic.

## Why
A file that is silently skipped is a workflow that was never checked. Reporting it as an error
means a permission mistake or a wrong path in a CI job cannot make `agentflow check` pass
vacuously.

## Example
```text
$ chmod 000 flows/report.agentflow
$ agentflow check flows/report.agentflow      # AF006: permission denied
```

## Use instead
```text
$ chmod 644 flows/report.agentflow
$ agentflow check flows/report.agentflow
```
"""

from agentflow.compiler.rules import Rule
from agentflow.diagnostics import Severity

RULE = Rule("AF006", "unreadable-file", Severity.ERROR, "the file cannot be read")
