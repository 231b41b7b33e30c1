"""`redaction`: personal data and keys are masked before any model sees them."""

from __future__ import annotations

from agentflow.compliance.model import CheckResult, Review
from agentflow.runtime.policy.redaction import REDACTION_CLASSES

ID = "redaction"
TITLE = "redaction configured"


def check(review: Review) -> CheckResult:
    classes = review.plan.policy.redact
    if not classes:
        return CheckResult(
            ID,
            TITLE,
            "fail",
            ("the policy sets no `redact` classes: inputs reach models unmasked",),
            "add `redact = [email, phone, credit_card, api_key]` to the `policy` block",
        )
    evidence = [f"masked before a model sees them: {', '.join(classes)}"]
    missing = [c for c in REDACTION_CLASSES if c not in classes]
    if missing:
        evidence.append(f"not masked: {', '.join(missing)}")
    return CheckResult(ID, TITLE, "pass", tuple(evidence))
