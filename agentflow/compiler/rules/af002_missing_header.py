"""the file does not start with `agentflow 1`

## What it does
Every file starts with the header `agentflow 1`, which names the version of the language the
file is written in. Reports a file whose first token is anything else, including an empty
file.

## Why
The header pins the language version, so a later compiler knows how to read the file instead
of guessing. It also tells a platform's tooling (CI globs, the editor, `agentflow fmt`) that
the file really is an agentflow program and not a stray text file passed by mistake.

## Example
```agentflow
tool calc = stdlib.calculator

workflow compute(expression: string) -> float {
  value = calc(expression: expression)
  return value
}
```

## Use instead
```agentflow
agentflow 1

tool calc = stdlib.calculator

workflow compute(expression: string) -> float {
  value = calc(expression: expression)
  return value
}
```
"""

from agentflow.compiler.rules import Rule
from agentflow.diagnostics import Severity

RULE = Rule("AF002", "missing-header", Severity.ERROR, "the file does not start with `agentflow 1`")
