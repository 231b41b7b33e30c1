"""brackets or blocks nested deeper than the compiler's limit of 200 levels

## What it does
Reports the first bracket, brace or parenthesis that opens a 201st level of nesting; the
file is not parsed further. Hand-written programs never come close: the usual source is
generated text, such as a deeply nested data structure pasted in as a literal, or a generator
with a bug.

## Why
The limit bounds the compiler's recursion and memory, so that no input, however large or
hostile, makes `agentflow check`, the language server or a CI job crash with a Python
traceback or exhaust memory.

## Example
```text
$ python3 gen_rules.py > flows/rules.agentflow   # writes `rules = [[[[ ... ]]]]`, 250 levels deep
$ agentflow check flows/rules.agentflow          # AF009 at the bracket that opens level 201
```

## Use instead
Keep data that deep out of the program: generate a flat list of records, or store the data in
a file and read it at run time with a `stdlib.file_read` or `stdlib.csv_read` tool.

```text
$ python3 gen_rules.py --flat > flows/rules.agentflow
$ agentflow check flows/rules.agentflow
```
"""

from agentflow.compiler.rules import Rule
from agentflow.diagnostics import Severity

RULE = Rule(
    "AF009",
    "nesting-too-deep",
    Severity.ERROR,
    "brackets or blocks nested deeper than the compiler's limit of 200 levels",
)
