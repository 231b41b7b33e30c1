"""The executable plan: a versioned, JSON-serializable graph that the runtime executes.

Expressions are JSON trees (see `lower_expr` in `lower.py`):
`{"lit": v}`, `{"money": "0.50"}`, `{"seconds": "30"}`, `{"template": text, "refs": {name: ref}}`,
`{"node": id}`, `{"param": name}`, `{"var": name}`, `{"attr": [e, "f"]}`, `{"index": [e, i]}`,
`{"list": [...]}`, `{"record": {k: e}}`, `{"op": "+", "args": [l, r]}`,
`{"call": "len", "args": [...], "kwargs": {...}}`,
`{"comprehension": {"element": e, "targets": [...], "iterable": e, "condition": e | null}}`.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

PLAN_VERSION = 1
JSON = Any
NodeKind = Literal[
    "call_agent", "call_tool", "call_workflow", "pure", "map", "branch", "join", "return", "fail"
]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Retry(_Model):
    attempts: int = 1
    on: list[str] = Field(default_factory=list)  # empty: every error kind
    backoff_s: Decimal = Decimal("0.5")
    max_delay_s: Decimal = Decimal(30)
    jitter: bool = True


class Price(_Model):
    input: Decimal
    output: Decimal
    source: str


class ModelPlan(_Model):
    name: str
    provider: str
    model_name: str | None = None
    api_key_env: str | None = None
    base_url: str | None = None
    max_tokens: int
    temperature: float | None = None
    fallback: str | None = None
    price: Price | None = None
    script: str | None = None
    timeout_s: Decimal | None = None
    retry: Retry = Retry()
    rate_limit: RateLimit | None = None


class RateLimit(_Model):
    count: Decimal
    per_seconds: int


class ToolPlan(_Model):
    name: str
    kind: Literal["stdlib", "python"]
    stdlib: str | None = None
    target: str | None = None
    settings: dict[str, JSON] = Field(default_factory=dict)
    secrets: dict[str, str] = Field(default_factory=dict)  # setting -> env var name
    bound: dict[str, JSON] = Field(default_factory=dict)
    input_schema: JSON
    output_schema: JSON
    description: str = ""
    timeout_s: Decimal | None = None
    retry: Retry = Retry()
    rate_limit: RateLimit | None = None


class AgentPlan(_Model):
    name: str
    model: str
    tools: list[str] = Field(default_factory=list)
    budget: str | None = None
    max_steps: int
    max_tokens: int | None = None
    temperature: float | None = None
    timeout_s: Decimal | None = None
    retry: Retry = Retry()
    system: str | None = None
    prompt: str | None = None
    history: str | None = None
    description: str = ""
    input_schema: JSON
    input_defaults: dict[str, JSON] = Field(default_factory=dict)
    output_schema: JSON
    worst_case_usd: Decimal


class RolePlan(_Model):
    tools: list[str] = Field(default_factory=list)
    agents: list[str] = Field(default_factory=list)
    workflows: list[str] = Field(default_factory=list)


class PrincipalPlan(_Model):
    roles: list[str]
    token_env: str


class BudgetPlan(_Model):
    per_run: Decimal | None = None
    daily: Decimal | None = None
    monthly: Decimal | None = None
    tokens_per_run: int | None = None
    alert_at_percent: Decimal | None = None
    on_exceed: Literal["stop", "warn"] = "stop"


class PolicyPlan(_Model):
    audit: bool = True
    retention_s: Decimal | None = None
    redact: list[str] = Field(default_factory=list)
    max_concurrency: int = 16


class NodePolicy(_Model):
    """What the runtime checks before the node runs, in this order."""

    authenticate: bool
    role: str | None
    budgets: list[str]
    checks: list[str] = Field(
        default_factory=lambda: [
            "authenticate",
            "authorize",
            "validate_input",
            "redact",
            "rate_limit",
            "budget",
        ]
    )


class BranchRef(_Model):
    node: str
    arm: str


class MapSpec(_Model):
    item: str
    iterable: JSON
    concurrency: int | None = None


class Node(_Model):
    id: str
    kind: NodeKind
    binding: str | None = None
    callee: str | None = None
    arguments: dict[str, JSON] = Field(default_factory=dict)
    value: JSON = None
    guard: JSON = None
    guarded: bool = False
    branch: BranchRef | None = None
    arms: list[str] = Field(default_factory=list)
    sources: list[str] = Field(default_factory=list)
    requires: list[str] = Field(default_factory=list)
    depends_on: list[str] = Field(default_factory=list)
    map: MapSpec | None = None
    locals: dict[str, JSON] = Field(default_factory=dict)
    is_try: bool = False
    retry: Retry | None = None
    timeout_s: Decimal | None = None
    fallback: JSON = None
    has_fallback: bool = False
    output_schema: JSON = None
    policy: NodePolicy | None = None
    worst_case_usd: Decimal = Decimal(0)
    span: tuple[int, int, int, int]  # line, column, end line, end column (1-based)


class WorkflowPlan(_Model):
    name: str
    params: JSON
    param_defaults: dict[str, JSON] = Field(default_factory=dict)
    result_schema: JSON
    run_as: str | None = None
    budget: str | None = None
    timeout_s: Decimal | None = None
    max_nodes: int | None = None
    nodes: list[Node]
    output: str
    worst_case_usd: Decimal
    cost_bounded: bool


class Plan(_Model):
    version: Literal[1] = 1
    language_version: int = 1
    source: str
    base_dir: str
    models: dict[str, ModelPlan] = Field(default_factory=dict)
    tools: dict[str, ToolPlan] = Field(default_factory=dict)
    agents: dict[str, AgentPlan] = Field(default_factory=dict)
    types: dict[str, JSON] = Field(default_factory=dict)
    roles: dict[str, RolePlan] = Field(default_factory=dict)
    principals: dict[str, PrincipalPlan] = Field(default_factory=dict)
    budgets: dict[str, BudgetPlan] = Field(default_factory=dict)
    policy: PolicyPlan = PolicyPlan()
    workflows: dict[str, WorkflowPlan] = Field(default_factory=dict)


ModelPlan.model_rebuild()
