r"""an unknown escape sequence in a string literal

## What it does
Inside a string the only escapes are `\n`, `\t`, `\"` and `\\`. Reports any other backslash
sequence, such as `\'`, `\q`, or the `\d` in a Windows path like `"C:\data"`, at the
backslash.

## Why
Guessing what an unknown escape means would silently change the text a model is prompted
with, a path a tool is confined to, or a pattern. Regular expressions, Windows paths and
shell-style `\'` are the usual sources; write `\\` for a literal backslash.

## Example
```agentflow
agentflow 1

model m { provider = offline }

agent writer {
  model  = m
  input  { notes: string }
  output = string
  prompt = "Summarise; don\'t guess: {{ notes }}"
}

workflow summarise(notes: string) -> string {
  text = writer(notes: notes)
  return text
}
```

## Use instead
```agentflow
agentflow 1

model m { provider = offline }

agent writer {
  model  = m
  input  { notes: string }
  output = string
  prompt = "Summarise; don't guess: {{ notes }}"
}

workflow summarise(notes: string) -> string {
  text = writer(notes: notes)
  return text
}
```
"""

from agentflow.compiler.context import Context
from agentflow.compiler.rules import Rule
from agentflow.diagnostics import Severity
from agentflow.grammar import ast
from agentflow.source import Span

RULE = Rule(
    "AF005",
    "invalid-escape",
    Severity.ERROR,
    "an unknown escape sequence in a string literal",
)


def check_node(ctx: Context, node: object) -> None:
    """Report every unknown escape in a string literal."""
    if isinstance(node, ast.StringLit):
        for offset in node.bad_escapes:
            escape = ctx.source.text[offset : offset + 2]
            ctx.sink.report(
                RULE.code,
                Span(offset, offset + 2),
                f"unknown escape `{escape}`",
                hint='use `\\n`, `\\t`, `\\"` or `\\\\`',
            )
