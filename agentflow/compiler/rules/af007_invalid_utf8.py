"""the file is not valid UTF-8

## What it does
agentflow source is UTF-8. Reports the first byte sequence that is not valid UTF-8, at its
byte offset: typically a file that an editor saved as Latin-1 or Windows-1252. No program text
can show it, since the problem is in the bytes of the file.

## Why
Decoding with a guessed encoding would change the text of prompts and literals that models
see and that the audit log records, and would put every later line and column in the wrong
place. Rejecting the file keeps what is checked identical to what runs.

## Example
```text
$ iconv -f UTF-8 -t LATIN1 report.agentflow > report-latin1.agentflow
$ agentflow check report-latin1.agentflow     # AF007: `é` is now the single byte 0xE9
```

## Use instead
```text
$ iconv -f LATIN1 -t UTF-8 report-latin1.agentflow > report.agentflow
$ agentflow check report.agentflow
```
"""

from agentflow.compiler.rules import Rule
from agentflow.diagnostics import Severity

RULE = Rule("AF007", "invalid-utf8", Severity.ERROR, "the file is not valid UTF-8")
