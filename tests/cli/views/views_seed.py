"""A seeded state store for the view tests: fixed ids and times, written through StateStore.

Seven runs over five days (all times UTC, "now" is 2026-11-24 12:00):

| run | workflow | status | principal | what it exercises |
|---|---|---|---|---|
| E5 `run_mwvdeeee_e5e5e5e5` | hello | running | carol | no end yet |
| A1 `run_mwv8aaaa_a1a1a1a1` | triage | succeeded | ada | spans: parallel nodes, agent › step › model/tool nesting; a budget alert; long inputs |
| B2 `run_mwu2bbbb_b2b2b2b2` | triage | failed | bob | a timeout after 3 attempts, a role denial, a budget denial, error spans |
| C3 `run_mws9cccc_c3c3c3c3` | report | denied | — | refused before it started: no inputs, no nodes |
| G7 `run_mws7gggg_g7g7g7g7` | report | succeeded | ada | spend in a per-run-only budget |
| F6 `run_mwrfffff_f6f6f6f6` | hello | succeeded | carol | node results but no spans |
| D4 `run_mg4ddddd_d4d4d4d4` | report | succeeded | ada | purged by retention on 2026-11-05 |

Budgets: `support` (triage.agentflow: per run, daily, monthly, alert at 80%), `reports`
(report.agentflow: per run and tokens per run), `legacy` (spend only, in no program).
"""

from __future__ import annotations

import calendar
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

from agentflow.runtime.state.store import AuditEvent, SpanRow, StateStore, Window

# `cli(*args)` → (exit status, stdout, stderr): the fixture of conftest.py
Run = Callable[..., tuple[int, str, str]]

A1 = "run_mwv8aaaa_a1a1a1a1"
B2 = "run_mwu2bbbb_b2b2b2b2"
C3 = "run_mws9cccc_c3c3c3c3"
D4 = "run_mg4ddddd_d4d4d4d4"
E5 = "run_mwvdeeee_e5e5e5e5"
F6 = "run_mwrfffff_f6f6f6f6"
G7 = "run_mws7gggg_g7g7g7g7"
TRACE_A1 = "4bf92f3577b34da6a3ce929d0e0e4736"
TRACE_B2 = "0af7651916cd43dd8448eb211c80319c"


def at(month: int, day: int, hour: int, minute: int = 0, seconds: float = 0.0) -> float:
    """Epoch seconds of a UTC time in 2026."""
    return calendar.timegm((2026, month, day, hour, minute, 0)) + seconds


NOW = at(11, 24, 12)

TRIAGE_PROGRAM = """\
agentflow 1

budget support {
  per_run  = $0.10
  daily    = $0.12
  monthly  = $2
  alert_at = 80%
}
"""
REPORT_PROGRAM = """\
agentflow 1

budget reports {
  per_run        = $0.50
  tokens_per_run = 20k
  on_exceed      = warn
}
"""
HELLO_PROGRAM = "agentflow 1\n"

LONG_BODY = (
    "Hi, we upgraded from Starter to Team on the 3rd and were charged twice: once for the "
    "old plan and once for the new one. Our finance team needs a corrected invoice before "
    "the month closes, and we would like the duplicate charge refunded to the card on file. "
    "Invoice numbers are INV-20931 and INV-20977."
)


def write_programs(root: Path) -> None:
    """The programs the runs were recorded from, next to the state directory."""
    (root / "triage.agentflow").write_text(TRIAGE_PROGRAM)
    (root / "report.agentflow").write_text(REPORT_PROGRAM)
    (root / "hello.agentflow").write_text(HELLO_PROGRAM)


def seed(state_dir: Path) -> None:
    """Create and fill the store in `state_dir`."""
    store = StateStore.in_directory(state_dir)
    try:
        _run_a1(store)
        _run_b2(store)
        _run_c3(store)
        _run_d4(store)
        _run_e5(store)
        _run_f6(store)
        _run_g7(store)
        _legacy_spend(store)
        store.flush()
    finally:
        store.close()


# ---------------------------------------------------------------- helpers


def _run(
    store: StateStore,
    run_id: str,
    workflow: str,
    source: str,
    principal: str | None,
    role: str | None,
    inputs: object,
    started: float,
) -> None:
    store.start_run(run_id, workflow, source, principal, role, inputs)
    store.query("UPDATE runs SET started_at = ? WHERE id = ?", (started, run_id))


def _finish(
    store: StateStore,
    run_id: str,
    status: str,
    output: object,
    error: object,
    cost: str,
    tokens: tuple[int, int],
    finished: float,
) -> None:
    store.finish_run(run_id, status, output, error, Decimal(cost), tokens[0], tokens[1])
    store.query("UPDATE runs SET finished_at = ? WHERE id = ?", (finished, run_id))


def _node(
    store: StateStore,
    run_id: str,
    node: str,
    status: str,
    attempts: int,
    started: float,
    finished: float,
    *,
    output: object = None,
    error: object = None,
    cost: str = "0",
    tokens: tuple[int, int] = (0, 0),
) -> None:
    store.record_node(
        run_id,
        node,
        status,
        attempts,
        output,
        error,
        Decimal(cost),
        tokens[0],
        tokens[1],
        started,
        finished,
    )


def _ledger(
    store: StateStore,
    run_id: str,
    node: str,
    model: str,
    budgets: list[str],
    amount: str,
    tokens: tuple[int, int],
    when: float,
) -> None:
    store.record_spend(run_id, node, model, budgets, Decimal(amount), tokens[0], tokens[1])
    store.flush()
    store.query("UPDATE ledger SET at = ? WHERE id = (SELECT max(id) FROM ledger)", (when,))


def _audit(
    store: StateStore,
    run_id: str,
    principal: str | None,
    action: str,
    resource: str | None,
    decision: str,
    when: float,
    reason: str = "",
    **details: object,
) -> None:
    store.audit(
        AuditEvent(run_id, principal, action, resource, decision, reason, details or None, when)
    )


def _spend(store: StateStore, budget: str, windows: list[str], amount: str, tokens: int) -> None:
    keys = [Window(key, None) for key in windows]
    outcome = store.reserve(budget, keys, Decimal(amount), tokens, None, enforce=False)
    assert outcome.granted
    store.settle(budget, keys, Decimal(amount), tokens, Decimal(amount), tokens)


class _Spans:
    """Spans of one trace, with times in milliseconds from `origin`."""

    def __init__(self, run_id: str, trace_id: str, origin: float) -> None:
        self.run_id, self.trace_id = run_id, trace_id
        self.origin_ns = round(origin * 1e9)
        self.rows: list[SpanRow] = []
        self.count = 0

    def add(
        self,
        parent: str | None,
        name: str,
        kind: str,
        start_ms: float,
        end_ms: float,
        *,
        node: str | None = None,
        status: str = "ok",
        **attributes: object,
    ) -> str:
        self.count += 1
        span_id = f"{self.count:016x}"
        self.rows.append(
            SpanRow(
                self.run_id,
                span_id,
                self.trace_id,
                parent,
                name,
                kind,
                node,
                self.origin_ns + round(start_ms * 1e6),
                self.origin_ns + round(end_ms * 1e6),
                status,
                {
                    "agentflow.span.kind": kind,
                    **{k.replace("__", "."): v for k, v in attributes.items()},
                },
            )
        )
        return span_id


def _model_attributes(
    model: str, tokens_in: int, tokens_out: int, cost: float
) -> dict[str, object]:
    return {
        "gen_ai.operation.name": "chat",
        "gen_ai.provider.name": "anthropic",
        "gen_ai.request.model": model,
        "gen_ai.usage.input_tokens": tokens_in,
        "gen_ai.usage.output_tokens": tokens_out,
        "agentflow.cost_usd": cost,
    }


# ---------------------------------------------------------------- the runs


def _run_a1(store: StateStore) -> None:
    t = at(11, 24, 9)
    _run(
        store,
        A1,
        "triage",
        "triage.agentflow",
        "ada",
        "support",
        {"ticket_id": "SUP-20931", "body": LONG_BODY, "tags": [f"tag{i}" for i in range(25)]},
        t,
    )
    store.set_trace_id(A1, TRACE_A1)
    _node(
        store,
        A1,
        "classify",
        "succeeded",
        1,
        t + 0.010,
        t + 1.210,
        cost="0.0147",
        tokens=(2700, 450),
        output={"kind": "billing"},
    )
    _node(store, A1, "routes[0]", "succeeded", 1, t + 1.220, t + 1.700, output="finance")
    _node(store, A1, "routes[1]", "succeeded", 1, t + 1.220, t + 1.900, output="billing-ops")
    _node(store, A1, "escalate", "skipped", 0, t + 1.221, t + 1.221)
    _node(
        store,
        A1,
        "reply",
        "succeeded",
        1,
        t + 1.230,
        t + 2.480,
        cost="0.03",
        tokens=(3000, 800),
        output="Thanks for flagging the double charge. " * 8,
    )
    _ledger(store, A1, "classify", "sonnet", ["support"], "0.0057", (1200, 150), t + 0.65)
    _ledger(store, A1, "classify", "sonnet", ["support"], "0.009", (1500, 300), t + 1.19)
    _ledger(store, A1, "reply", "sonnet", ["support"], "0.03", (3000, 800), t + 2.0)
    _audit(store, A1, "ada", "run.start", "workflow:triage", "allow", t, role="support")
    _audit(store, A1, "ada", "authorize", "agent:classifier", "allow", t + 0.01, node="classify")
    _audit(
        store,
        A1,
        "ada",
        "budget.reserve",
        "support",
        "allow",
        t + 0.02,
        node="classify",
        amount_usd="0.02",
    )
    _audit(
        store,
        A1,
        "ada",
        "redact",
        None,
        "info",
        t + 0.03,
        "masked before a model saw it",
        node="classify",
        counts={"email": 1},
    )
    _audit(store, A1, "ada", "authorize", "tool:search", "allow", t + 0.66, node="classify")
    _audit(store, A1, "ada", "authorize", "agent:writer", "allow", t + 1.23, node="reply")
    _audit(
        store,
        A1,
        "ada",
        "budget.alert",
        "budget:support",
        "warn",
        t + 1.24,
        "budget `support` passed its alert threshold in day:2026-11-24",
        node="reply",
        amount_usd="0.04",
    )
    _audit(
        store,
        A1,
        "ada",
        "run.end",
        "workflow:triage",
        "info",
        t + 2.5,
        "succeeded",
        cost_usd="0.0447",
    )
    _spend(store, "support", [f"run:{A1}", "day:2026-11-24", "month:2026-11"], "0.0447", 6950)
    store.query(
        "UPDATE spend SET alerted = 1 WHERE budget = 'support' AND window = 'day:2026-11-24'"
    )
    s = _Spans(A1, TRACE_A1, t)
    root = s.add(None, "run triage", "run", 0, 2500, agentflow__workflow="triage")
    classify = s.add(root, "node classify", "node", 10, 1210, node="classify")
    agent = s.add(classify, "invoke_agent classifier", "agent", 20, 1200, node="classify")
    step1 = s.add(agent, "step 1", "step", 25, 700, node="classify")
    s.add(
        step1,
        "chat sonnet",
        "model",
        30,
        650,
        node="classify",
        **_flat(_model_attributes("claude-sonnet-4-5", 1200, 150, 0.0057)),
    )
    s.add(
        step1,
        "execute_tool search",
        "tool",
        660,
        690,
        node="classify",
        status="error",
        error__type="timeout",
    )
    step2 = s.add(agent, "step 2", "step", 700, 1195, node="classify")
    s.add(
        step2,
        "chat sonnet",
        "model",
        705,
        1190,
        node="classify",
        **_flat(_model_attributes("claude-sonnet-4-5", 1500, 300, 0.009)),
    )
    r0 = s.add(root, "node routes[0]", "node", 1220, 1700, node="routes[0]")
    s.add(r0, "execute_tool route_lookup", "tool", 1225, 1690, node="routes[0]")
    r1 = s.add(root, "node routes[1]", "node", 1220, 1900, node="routes[1]")
    s.add(r1, "execute_tool route_lookup", "tool", 1225, 1890, node="routes[1]")
    reply = s.add(root, "node reply", "node", 1230, 2480, node="reply")
    writer = s.add(reply, "invoke_agent writer", "agent", 1235, 2475, node="reply")
    step = s.add(writer, "step 1", "step", 1240, 2470, node="reply")
    s.add(
        step,
        "chat sonnet",
        "model",
        1245,
        2000,
        node="reply",
        **_flat(_model_attributes("claude-sonnet-4-5", 3000, 800, 0.03)),
    )
    s.add(step, "execute_tool kb_search", "tool", 2005, 2465, node="reply")
    store.record_spans(s.rows)
    _finish(
        store,
        A1,
        "succeeded",
        {"category": "billing", "reply": "Thanks for flagging the double charge."},
        None,
        "0.0447",
        (5700, 1250),
        t + 2.5,
    )


def _flat(attributes: dict[str, object]) -> dict[str, object]:
    """Attribute names as keyword arguments of `_Spans.add` (dots written as `__`)."""
    return {k.replace(".", "__"): v for k, v in attributes.items()}


def _run_b2(store: StateStore) -> None:
    t = at(11, 23, 15)
    _run(
        store,
        B2,
        "triage",
        "triage.agentflow",
        "bob",
        "support",
        {"ticket_id": "SUP-20940", "body": "Refund please"},
        t,
    )
    store.set_trace_id(B2, TRACE_B2)
    error = {
        "kind": "timeout",
        "message": "model `sonnet` took longer than 30s",
        "node": "classify",
    }
    _node(
        store,
        B2,
        "classify",
        "failed",
        3,
        t + 0.01,
        t + 3.9,
        error=error,
        cost="0.02",
        tokens=(2400, 0),
    )
    _ledger(store, B2, "classify", "sonnet", ["support"], "0.02", (2400, 0), t + 3.9)
    _audit(store, B2, "bob", "run.start", "workflow:triage", "allow", t, role="support")
    _audit(store, B2, "bob", "authorize", "agent:classifier", "allow", t + 0.01, node="classify")
    _audit(
        store,
        B2,
        "bob",
        "authorize",
        "tool:http_get",
        "deny",
        t + 0.5,
        "not allowed by the run's role",
        node="classify",
    )
    _audit(
        store,
        B2,
        "bob",
        "budget.alert",
        "budget:support",
        "warn",
        t + 1.0,
        "budget `support` passed its alert threshold in day:2026-11-23",
        node="classify",
        amount_usd="0.1",
    )
    _audit(
        store,
        B2,
        "bob",
        "budget.reserve",
        "budget:support",
        "deny",
        t + 3.0,
        "day:2026-11-23 has $0.12 committed of $0.12",
        node="classify",
        amount_usd="0.02",
    )
    _audit(
        store, B2, "bob", "run.end", "workflow:triage", "info", t + 4.0, "failed", cost_usd="0.02"
    )
    _spend(store, "support", [f"run:{B2}", "day:2026-11-23", "month:2026-11"], "0.02", 2400)
    s = _Spans(B2, TRACE_B2, t)
    root = s.add(None, "run triage", "run", 0, 4000, status="error")
    node = s.add(
        root,
        "node classify",
        "node",
        10,
        3900,
        node="classify",
        status="error",
        agentflow__attempts=3,
    )
    for attempt in range(3):
        s.add(
            node,
            "chat sonnet",
            "model",
            20 + attempt * 1300,
            1290 + attempt * 1300,
            node="classify",
            status="error",
            error__type="timeout",
            **_flat(_model_attributes("claude-sonnet-4-5", 800, 0, 0.0067)),
        )
    store.record_spans(s.rows)
    run_error = {
        "code": "timeout",
        "kind": "timeout",
        "message": "timeout in node `classify` calling `classifier` after 3 attempt(s): model `sonnet` took longer than 30s",
        "node": "classify",
    }
    _finish(store, B2, "failed", None, run_error, "0.02", (2400, 0), t + 4.0)


def _run_c3(store: StateStore) -> None:
    t = at(11, 22, 8)
    _audit(
        store,
        C3,
        None,
        "authenticate",
        "workflow:monthly_report",
        "deny",
        t,
        "authentication failed: missing token",
    )
    _run(store, C3, "monthly_report", "report.agentflow", None, "reporter", None, t)
    error = {
        "code": "denied",
        "kind": "denied",
        "message": "authentication failed: missing token",
        "node": None,
    }
    _finish(store, C3, "denied", None, error, "0", (0, 0), t + 0.01)


def _run_g7(store: StateStore) -> None:
    t = at(11, 22, 7)
    _run(
        store, G7, "monthly_report", "report.agentflow", "ada", "reporter", {"month": "2026-10"}, t
    )
    _node(
        store,
        G7,
        "draft",
        "succeeded",
        1,
        t + 0.1,
        t + 29.5,
        cost="0.31",
        tokens=(9000, 3000),
        output="October report",
    )
    _ledger(store, G7, "draft", "opus", ["reports"], "0.31", (9000, 3000), t + 29.5)
    _audit(store, G7, "ada", "run.start", "workflow:monthly_report", "allow", t)
    _audit(store, G7, "ada", "run.end", "workflow:monthly_report", "info", t + 30, "succeeded")
    _spend(store, "reports", [f"run:{G7}"], "0.31", 12000)
    _finish(store, G7, "succeeded", "October report", None, "0.31", (9000, 3000), t + 30)


def _run_d4(store: StateStore) -> None:
    t = at(10, 5, 14)
    _run(
        store, D4, "monthly_report", "report.agentflow", "ada", "reporter", {"month": "2026-09"}, t
    )
    _node(store, D4, "draft", "succeeded", 1, t + 0.1, t + 20, cost="0.25", tokens=(8000, 2000))
    _ledger(store, D4, "draft", "opus", ["reports"], "0.25", (8000, 2000), t + 20)
    _audit(store, D4, "ada", "run.start", "workflow:monthly_report", "allow", t)
    _audit(store, D4, "ada", "run.end", "workflow:monthly_report", "info", t + 21, "succeeded")
    _finish(store, D4, "succeeded", "September report", None, "0.25", (8000, 2000), t + 21)
    # What `agentflow gc` leaves of a run past its retention: the row, its ledger and audit.
    store.query(
        "UPDATE runs SET inputs = NULL, output = NULL, error = NULL, purged_at = ? WHERE id = ?",
        (at(11, 5, 3), D4),
    )
    store.query("DELETE FROM node_results WHERE run_id = ?", (D4,))


def _run_e5(store: StateStore) -> None:
    t = at(11, 24, 11, 59)
    _run(store, E5, "hello", "hello.agentflow", "carol", None, {"name": "Ada"}, t)


def _run_f6(store: StateStore) -> None:
    t = at(11, 21, 10)
    _run(store, F6, "hello", "hello.agentflow", "carol", None, {"name": "Grace"}, t)
    _node(
        store,
        F6,
        "greeting",
        "succeeded",
        1,
        t + 0.005,
        t + 0.805,
        tokens=(35, 8),
        output="Hello, Grace",
    )
    _node(
        store,
        F6,
        "message",
        "succeeded",
        1,
        t + 0.806,
        t + 0.807,
        output="Hello, Grace (sent by agentflow)",
    )
    _audit(store, F6, "carol", "run.start", "workflow:hello", "allow", t)
    _audit(store, F6, "carol", "authorize", "agent:greeter", "allow", t + 0.004, node="greeting")
    _audit(store, F6, "carol", "run.end", "workflow:hello", "info", t + 1, "succeeded")
    _finish(store, F6, "succeeded", "Hello, Grace (sent by agentflow)", None, "0", (35, 8), t + 1)


def _legacy_spend(store: StateStore) -> None:
    """A budget no program declares any more: two day windows this month, one last month."""
    _spend(store, "legacy", ["day:2026-11-02"], "1.25", 50000)
    _spend(store, "legacy", ["day:2026-11-20"], "0.75", 30000)
    _spend(store, "legacy", ["day:2026-10-30"], "4", 160000)
