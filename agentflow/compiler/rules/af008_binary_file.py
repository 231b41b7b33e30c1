"""the file looks binary (it contains NUL bytes)

## What it does
Reports a file that contains NUL bytes, which no agentflow program does: usually a compressed
or compiled artefact, an image, or a file saved as UTF-16, picked up by a glob. The file is
not parsed further, so no program text can show this diagnostic.

## Why
Parsing binary data would produce a flood of meaningless syntax errors that hide the real
mistake, which is that the wrong file was given. One clear diagnostic says so; a file saved
as UTF-16 should be saved again as UTF-8.

## Example
```text
$ ls flows/
report.agentflow  report.agentflow.gz
$ agentflow check flows/*                     # AF008 for report.agentflow.gz
```

## Use instead
```text
$ agentflow check flows/*.agentflow
```
"""

from agentflow.compiler.rules import Rule
from agentflow.diagnostics import Severity

RULE = Rule("AF008", "binary-file", Severity.ERROR, "the file looks binary (it contains NUL bytes)")
