"""a `switch` case that is not a member of the enum, not a string literal, or a repeat

## What it does
Each case of a `switch` is a string literal. Over an enum it must be one of the enum's
members (the hint suggests the closest), and no case may repeat an earlier one.

## Why
A case that can never match is dead code that looks like routing: here every ticket in the
`bug` category would silently fall through to `else` and reach the wrong team.

## Example
```agentflow
agentflow 1

workflow route(category: "billing" | "bug" | "other") -> string {
  switch category {
    "billing" => { team = "finance" }
    "bugs"    => { team = "engineering" }
    else      => { team = "support" }
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
    else      => { team = "support" }
  }
  return team
}
```
"""

from agentflow.compiler.rules import Rule
from agentflow.diagnostics import Severity

RULE = Rule(
    "AF223",
    "invalid-switch-case",
    Severity.ERROR,
    "a `switch` case that is not a member of the enum, not a string literal, or a repeat",
)
