"""a file or http tool without its confinement setting

## What it does
Reports a file tool (`stdlib.file_read`, `stdlib.file_write`, `stdlib.csv_read`) without
`roots`, or a `stdlib.http_get` without `allow`. There is no default confinement: the
directories or hosts a tool may reach are always written down.

## Why
A model decides the path or URL at run time. Unconfined, a file tool could read credentials
or write anywhere the process can, and an http tool could reach internal services or exfiltrate
data. The allow-list is the control a platform team reviews.

## Example
```agentflow
agentflow 1

tool fetch = stdlib.http_get

workflow status(url: string) -> int {
  page = fetch(url: url)
  return page.status
}
```

## Use instead
```agentflow
agentflow 1

tool fetch = stdlib.http_get { allow = ["status.acme.test"] }

workflow status(url: string) -> int {
  page = fetch(url: url)
  return page.status
}
```
"""

from agentflow.compiler.rules import Rule
from agentflow.diagnostics import Severity

RULE = Rule(
    "AF407",
    "unconfined-tool",
    Severity.ERROR,
    "a file or http tool without its confinement setting",
)
