"""a name not in the house style

## What it does
Notes a name that does not follow the house style: `snake_case` for models, tools, agents,
workflows, roles, principals, budgets, parameters, inputs and bindings, and `PascalCase` for
types.

## Why
Consistent names make files from different teams read alike, and keep the names in traces,
audit logs and the plan (which are built from them) predictable to search and filter.

## Example
```agentflow
agentflow 1

model m { provider = offline }

agent summaryWriter {
  model  = m
  input  { notes: string }
  output = string
  prompt = "Summarise: {{ notes }}"
}

workflow summarise(notes: string) -> string {
  text = summaryWriter(notes: notes)
  return text
}
```

## Use instead
```agentflow
agentflow 1

model m { provider = offline }

agent summary_writer {
  model  = m
  input  { notes: string }
  output = string
  prompt = "Summarise: {{ notes }}"
}

workflow summarise(notes: string) -> string {
  text = summary_writer(notes: notes)
  return text
}
```
"""

import re

from agentflow.compiler.context import Context
from agentflow.compiler.rules import Rule
from agentflow.diagnostics import Severity
from agentflow.grammar import ast

RULE = Rule("AF901", "naming-style", Severity.INFO, "a name not in the house style")


SNAKE = re.compile(r"^_?[a-z][a-z0-9_]*$")
PASCAL = re.compile(r"^[A-Z][A-Za-z0-9]*$")


NAMED = (
    ast.ModelDecl,
    ast.ToolDecl,
    ast.RoleDecl,
    ast.PrincipalDecl,
    ast.BudgetDecl,
    ast.AgentDecl,
    ast.WorkflowDecl,
    ast.Param,
    ast.Binding,
)


def check_node(ctx: Context, node: object) -> None:
    """Declarations, parameters and bindings in snake_case; types in PascalCase."""
    if isinstance(node, ast.TypeDecl) and not PASCAL.match(node.name):
        ctx.sink.report(
            RULE.code,
            node.name_span,
            f"type `{node.name}` is not PascalCase",
            hint=f"rename it to `{_pascal(node.name)}`",
        )
    elif isinstance(node, NAMED) and not SNAKE.match(node.name):
        ctx.sink.report(
            RULE.code,
            node.name_span,
            f"`{node.name}` is not snake_case",
            hint=f"rename it to `{_snake(node.name)}`",
        )


def _snake(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name).lower()


def _pascal(name: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in name.split("_"))
