"""a directory in `roots` or `corpus` does not exist

## What it does
The `roots` of file tools and the `corpus` of a local `web_search` name directories, resolved
relative to the program file. Warns about one that does not exist when the file is checked.

## Why
A tool confined to a missing directory fails every call at run time. The usual cause is a
typo, or a path written relative to the shell's working directory instead of the program
file.

## Example
Here there is no `handbook/` directory next to the program.

```agentflow
agentflow 1

tool docs = stdlib.file_read { roots = ["./handbook"] }

workflow read_page(path: string) -> string {
  page = docs(path: path)
  return page
}
```

## Use instead
Create the directory, or point `roots` at one that exists, here the program's own directory.

```agentflow
agentflow 1

tool docs = stdlib.file_read { roots = ["."] }

workflow read_page(path: string) -> string {
  page = docs(path: path)
  return page
}
```
"""

from agentflow.compiler.rules import Rule
from agentflow.diagnostics import Severity

RULE = Rule(
    "AF114",
    "missing-directory",
    Severity.WARNING,
    "a directory in `roots` or `corpus` does not exist",
)
