"""an agent called under a role that does not allow one of the agent's tools

## What it does
An agent's tool call must be allowed both by the agent's `tools` and by the role the run holds.
Reports an agent called in a workflow whose `run_as` role allows the agent but not one of the
tools (or agents and workflows) in its `tools`.

## Why
At run time every such tool call would be denied, so the agent would run, pay for its model
steps and then fail or answer without the tool. The role is the platform's boundary; the
agent's own `tools` list cannot widen it.

## Example
```agentflow
agentflow 1

model m { provider = offline }
tool calc = stdlib.calculator

agent analyst {
  model  = m
  tools  = [calc]
  input  { question: string }
  output = string
  prompt = "Answer, calculating where needed: {{ question }}"
}

role support { agents = [analyst], workflows = [ask] }

workflow ask(question: string) -> string {
  run_as = support
  answer = analyst(question: question)
  return answer
}
```

## Use instead
```agentflow
agentflow 1

model m { provider = offline }
tool calc = stdlib.calculator

agent analyst {
  model  = m
  tools  = [calc]
  input  { question: string }
  output = string
  prompt = "Answer, calculating where needed: {{ question }}"
}

role support { tools = [calc], agents = [analyst], workflows = [ask] }

workflow ask(question: string) -> string {
  run_as = support
  answer = analyst(question: question)
  return answer
}
```
"""

from agentflow.compiler.rules import Rule
from agentflow.diagnostics import Severity

RULE = Rule(
    "AF402",
    "role-denies-agent-tool",
    Severity.ERROR,
    "an agent called under a role that does not allow one of the agent's tools",
)
