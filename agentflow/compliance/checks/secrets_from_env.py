"""`secrets`: credentials come only from `env("NAME")`, never from the program's text.

Reuses the compiler's detection: AF403 (a literal that looks like a credential) and AF404
(a secret setting given as a literal) fail the check; AF406 (`env(...)` where its value
could reach a model or the output) warns.
"""

from __future__ import annotations

from agentflow.compliance.model import CheckResult, Review

ID = "secrets"
TITLE = "secrets only from the environment"
FAILING = ("AF403", "AF404")
WARNING = ("AF406",)


def check(review: Review) -> CheckResult:
    plan = review.plan
    found = [d for d in review.diagnostics if d.code in FAILING + WARNING]
    evidence = [f"line {d.line}: {d.code} {d.message}" for d in found]
    from_env = sorted(
        {
            *(f"{m.api_key_env} (model `{n}`)" for n, m in plan.models.items() if m.api_key_env),
            *(
                f"{p.token_env} (principal `{n}`)"
                for n, p in plan.principals.items()
                if p.token_env
            ),
            *(f"{env} (tool `{n}`)" for n, t in plan.tools.items() for env in t.secrets.values()),
        }
    )
    if from_env:
        evidence.append(f"read from the environment: {', '.join(from_env)}")
    if any(d.code in FAILING for d in found):
        return CheckResult(
            ID,
            TITLE,
            "fail",
            tuple(evidence),
            'move every credential out of the file: read it with `env("NAME")` on the model,'
            " principal or tool setting, and rotate any key that was committed",
        )
    if found:
        return CheckResult(
            ID,
            TITLE,
            "warn",
            tuple(evidence),
            "read secrets in declaration settings (`api_key`, `token`, a tool's `bind`),"
            " not in workflow expressions",
        )
    if not from_env:
        evidence.append("the program uses no secrets")
    return CheckResult(ID, TITLE, "pass", tuple(evidence))
