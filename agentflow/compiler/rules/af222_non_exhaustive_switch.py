"""a `switch` over an enum that neither covers every member nor has `else`

## What it does
A `switch` over a string enum must have a case for every member or an `else` case. Reports
one that does not, and names every missing member.

## Why
An enum often comes from a model's structured output (a category, a priority), and the model
may produce any member of it. A member with no branch would reach a path nobody wrote, and
the names bound in the switch would be missing on it. Listing the missing members keeps
routing complete when an enum grows.

## Example
```agentflow
agentflow 1

workflow route(category: "billing" | "bug" | "other") -> string {
  switch category {
    "billing" => { team = "finance" }
    "bug"     => { team = "engineering" }
  }
  return team
}
```

## Use instead
```agentflow
agentflow 1

workflow route(category: "billing" | "bug" | "other") -> string {
  switch category {
    "billing" => { team = "finance" }
    "bug"     => { team = "engineering" }
    "other"   => { team = "support" }
  }
  return team
}
```
"""

from agentflow.compiler.rules import Rule
from agentflow.diagnostics import Severity

RULE = Rule(
    "AF222",
    "non-exhaustive-switch",
    Severity.ERROR,
    "a `switch` over an enum that neither covers every member nor has `else`",
)
