"""The compliance checks, one module each, in the order the report lists them."""

from __future__ import annotations

from agentflow.compliance.checks import (
    agent_budgets,
    audit_enabled,
    budget_overruns,
    failed_runs,
    redaction,
    retention_set,
    secrets_from_env,
    tool_roles,
)
from agentflow.compliance.model import ComplianceReport, Review

CHECKS = (
    agent_budgets,
    audit_enabled,
    retention_set,
    redaction,
    tool_roles,
    secrets_from_env,
    failed_runs,
    budget_overruns,
)


def evaluate(review: Review) -> ComplianceReport:
    """Run every check over the review, in their fixed order."""
    return ComplianceReport(review, [module.check(review) for module in CHECKS])
