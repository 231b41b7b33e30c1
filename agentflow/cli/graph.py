"""`agentflow graph FILE [-w NAME] [--format mermaid|dot]`: a workflow's node graph.

Shapes follow the node kind; a node with a `when` guard is drawn dashed. Labels read
`id: callee` (or just `id`).
"""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING

from agentflow.cli import error, write

if TYPE_CHECKING:
    from agentflow.compiler.plan import Node, WorkflowPlan

FORMATS = ("mermaid", "dot")

# kind → (Mermaid opening, closing) and Graphviz shape/style
_MERMAID_SHAPES: dict[str, tuple[str, str]] = {
    "call_agent": ("([", "])"),
    "call_tool": ("[[", "]]"),
    "call_workflow": ("{{", "}}"),
    "pure": ("[", "]"),
    "map": ("[/", "/]"),
    "iterate": ("[\\", "\\]"),
    "branch": ("{", "}"),
    "join": ("((", "))"),
    "return": ("(((", ")))"),
    "fail": (">", "]"),
}
_DOT_SHAPES: dict[str, str] = {
    "call_agent": 'shape=box, style="rounded"',
    "call_tool": "shape=component",
    "call_workflow": "shape=box3d",
    "pure": "shape=box",
    "map": "shape=parallelogram",
    "iterate": "shape=trapezium",
    "branch": "shape=diamond",
    "join": "shape=circle",
    "return": "shape=doublecircle",
    "fail": "shape=octagon, color=red",
}


def configure(parser: argparse.ArgumentParser) -> None:
    """Add `graph`'s arguments."""
    parser.add_argument("file", metavar="FILE", help="the program")
    parser.add_argument(
        "-w", "--workflow", metavar="NAME", help="the workflow to draw (needed if several)"
    )
    parser.add_argument("--format", choices=FORMATS, default="mermaid", help="default: mermaid")
    parser.add_argument("--no-color", action="store_true", help="never colour diagnostics")


def run(args: argparse.Namespace) -> int:
    """Print the chosen workflow's graph."""
    from agentflow.cli.compile import build_plan

    plan = build_plan(args.file, no_color=args.no_color)
    if isinstance(plan, int):
        return plan
    workflows = plan.workflows
    names = ", ".join(f"`{name}`" for name in sorted(workflows)) or "none"
    name = args.workflow
    if name is None:
        if len(workflows) != 1:
            error(f"choose a workflow with -w NAME; the workflows are: {names}")
            return 2
        (name,) = workflows
    elif name not in workflows:
        error(f"no workflow named `{name}`; the workflows are: {names}")
        return 2
    draw = to_mermaid if args.format == "mermaid" else to_dot
    write(draw(name, workflows[name]))
    return 0


def _label(node: Node) -> str:
    return f"{node.id}: {node.callee}" if node.callee else node.id


def _edges(workflow: WorkflowPlan) -> tuple[list[str], list[tuple[str, str]]]:
    """Every node id (declared nodes first, then dependencies on anything else), and the edges."""
    ids = [node.id for node in workflow.nodes]
    known = set(ids)
    edges: list[tuple[str, str]] = []
    for node in workflow.nodes:
        for dependency in node.depends_on:
            if dependency not in known:
                known.add(dependency)
                ids.append(dependency)
            edges.append((dependency, node.id))
    return ids, edges


def to_mermaid(name: str, workflow: WorkflowPlan) -> str:
    """A Mermaid `flowchart TD`; node ids are `n0, n1, ...` so no name clashes with a keyword."""
    ids, edges = _edges(workflow)
    alias = {node_id: f"n{i}" for i, node_id in enumerate(ids)}
    nodes = {node.id: node for node in workflow.nodes}
    lines = ["flowchart TD", f"  %% workflow {name}"]
    for node_id in ids:
        node = nodes.get(node_id)
        opening, closing = _MERMAID_SHAPES.get(node.kind, ("[", "]")) if node else ("(", ")")
        label = _label(node) if node else node_id
        lines.append(f'  {alias[node_id]}{opening}"{_mermaid_text(label)}"{closing}')
    lines.extend(f"  {alias[a]} --> {alias[b]}" for a, b in edges)
    guarded = [alias[node.id] for node in workflow.nodes if node.guarded]
    if guarded:
        lines.append("  classDef guarded stroke-dasharray: 5 5")
        lines.append(f"  class {','.join(guarded)} guarded")
    return "\n".join(lines) + "\n"


def _mermaid_text(text: str) -> str:
    """Escape a label for a quoted Mermaid node text (entity codes)."""
    for char, entity in (("#", "#35;"), ('"', "#quot;"), ("<", "#lt;"), (">", "#gt;")):
        text = text.replace(char, entity)
    return text


def to_dot(name: str, workflow: WorkflowPlan) -> str:
    """A Graphviz `digraph` with one shape per node kind."""
    ids, edges = _edges(workflow)
    nodes = {node.id: node for node in workflow.nodes}
    lines = [
        f"digraph {_dot_id(name)} {{",
        "  rankdir=TB;",
        '  node [fontname="Helvetica"];',
    ]
    for node_id in ids:
        node = nodes.get(node_id)
        if node is None:
            lines.append(f"  {_dot_id(node_id)} [label={_dot_id(node_id)}, shape=ellipse];")
            continue
        attributes = _DOT_SHAPES.get(node.kind, "shape=box")
        if node.guarded:
            style = '"rounded,dashed"' if node.kind == "call_agent" else "dashed"
            attributes = attributes.replace('style="rounded"', "").rstrip(", ")
            attributes += f", style={style}"
        lines.append(f"  {_dot_id(node_id)} [label={_dot_id(_label(node))}, {attributes}];")
    lines.extend(f"  {_dot_id(a)} -> {_dot_id(b)};" for a, b in edges)
    lines.append("}")
    return "\n".join(lines) + "\n"


def _dot_id(text: str) -> str:
    """A double-quoted Graphviz ID (JSON's escaping of `\\` and `"` is what dot expects)."""
    return json.dumps(text, ensure_ascii=False)
