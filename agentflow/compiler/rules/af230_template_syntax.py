"""a Jinja2 template syntax error

## What it does
A string containing `{{` or `{%` is a Jinja2 template. Reports a template that Jinja2 cannot
parse (an unclosed `{{`, an `{% if %}` without `{% endif %}`, a stray `}`), at the line and
column inside the `.agentflow` file.

## Why
A broken template would fail every time the agent or binding runs, after upstream work had
been paid for. Reporting it at the exact position in the source, not in a rendered prompt,
makes it quick to fix.

## Example
```agentflow
agentflow 1

model m { provider = offline }

agent writer {
  model  = m
  input  { notes: string }
  output = string
  prompt = "Summarise: {{ notes }"
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
  prompt = "Summarise: {{ notes }}"
}

workflow summarise(notes: string) -> string {
  text = writer(notes: notes)
  return text
}
```
"""

from agentflow.compiler.rules import Rule
from agentflow.diagnostics import Severity

RULE = Rule("AF230", "template-syntax", Severity.ERROR, "a Jinja2 template syntax error")
