"""a setting the chosen provider cannot honour

## What it does
Warns when a model sets something its provider ignores. Anthropic's current Messages API
rejects sampling parameters, so agentflow does not send `temperature` to an `anthropic`
model; the offline provider is deterministic and ignores `temperature` too (no warning
there: it is documented as ignored so files can switch providers freely).

## Why
A platform team that writes `temperature = 0.2` expects calmer output. Silently dropping
it would make the file say something the run does not do; the warning keeps the program
honest about what reaches the provider.

## Example
```agentflow
agentflow 1
model sonnet {
  provider = anthropic
  name = "claude-sonnet-4-6"
  api_key = env("ANTHROPIC_API_KEY")
  temperature = 0.2
}
agent a { model = sonnet, prompt = "hi" }
workflow w() -> string {
  x = a()
  return x
}
```

## Use instead
```agentflow
agentflow 1
model sonnet {
  provider = anthropic
  name = "claude-sonnet-4-6"
  api_key = env("ANTHROPIC_API_KEY")
}
agent a { model = sonnet, prompt = "hi" }
workflow w() -> string {
  x = a()
  return x
}
```
"""

from agentflow.compiler.rules import Rule
from agentflow.diagnostics import Severity

RULE = Rule(
    "AF116", "ignored-setting", Severity.WARNING, "a setting the chosen provider cannot honour"
)
