"""The checker passes, in order. Each takes the shared Context, reports, and keeps going."""

from __future__ import annotations

from agentflow.compiler.passes import cost, graph, lint, policy, resolve, typecheck

PASSES = (resolve.run, typecheck.run, graph.run, policy.run, cost.run, lint.run)
