"""Security through the whole runtime: file confinement, tool and role permissions,
authentication, secrets kept out of every output and of the state store, and redaction of
what a model sees."""

from __future__ import annotations

import getpass
import json
import os
from pathlib import Path

import pytest
from fakes.servers import FakeServer, Reply, anthropic_error
from runtime_support import (
    SECRET_PROGRAM,
    anthropic_model,
    audit_rows,
    compile_program,
    node_rows,
    openai_model,
    query,
    run,
    run_cli,
    state_bytes,
    write_program,
)

import agentflow
from agentflow.compiler.plan import Plan, RolePlan
from agentflow.runtime.api import RunResult
from agentflow.runtime.state.store import StateStore

SECRET_TEXT = "TOP-SECRET-PAYLOAD-7731"

# ---------------------------------------------------------------------------------------------
# File confinement: traversal and symlink escapes, through an agent's tool calls
# ---------------------------------------------------------------------------------------------

READER_PROGRAM = """agentflow 1
{model}
tool docs = stdlib.file_read {{ roots = ["./docs"] }}

agent reader {{
  model = m
  tools = [docs]
  max_steps = 4
  input {{ topic: string }}
  output = string
  prompt = "Read about {{{{ topic }}}}."
}}

workflow read(topic: string) -> string {{
  text = reader(topic: topic)
  return text
}}
"""

ESCAPES = ["../secret.txt", "docs/../../secret.txt", "docs/../secret.txt", "docs/link.txt"]


def make_tree(tmp_path: Path) -> Path:
    """tmp/secret.txt and tmp/prog/secret.txt outside the root; tmp/prog/docs/ok.txt inside;
    tmp/prog/docs/link.txt a symlink to the secret outside the root."""
    program_dir = tmp_path / "prog"
    (program_dir / "docs").mkdir(parents=True)
    (tmp_path / "secret.txt").write_text(SECRET_TEXT)
    (program_dir / "secret.txt").write_text(SECRET_TEXT)
    (program_dir / "docs" / "ok.txt").write_text("tides follow the moon")
    os.symlink(tmp_path / "secret.txt", program_dir / "docs" / "link.txt")
    return program_dir


def assert_secret_absent(result_json: dict[str, object], state_dir: Path) -> None:
    assert SECRET_TEXT not in json.dumps(result_json)
    for name, data in state_bytes(state_dir).items():
        assert SECRET_TEXT.encode() not in data, f"the secret is in {name}"


def run_escapes_offline(tmp_path: Path) -> tuple[RunResult, Path]:
    """An offline agent scripted to try every escape, then read the legitimate file."""
    program_dir = make_tree(tmp_path)
    absolute = str(tmp_path / "secret.txt")
    calls = [{"tool": "docs", "args": {"path": p}} for p in [*ESCAPES, absolute]]
    script = {
        "reader": [
            {"tool_calls": calls},
            {"tool_calls": [{"tool": "docs", "args": {"path": "docs/ok.txt"}}]},
            {"output": "nothing secret here"},
        ]
    }
    (program_dir / "script.json").write_text(json.dumps(script))
    model = 'model m {\n  provider = offline\n  script = "script.json"\n}\n'
    plan = compile_program(program_dir, READER_PROGRAM.format(model=model))
    state = tmp_path / "state"
    return run(plan, "read", {"topic": "tides"}, state_dir=state), state


def test_path_traversal_and_symlink_escapes_are_refused_offline(tmp_path: Path) -> None:
    result, state = run_escapes_offline(tmp_path)

    assert result.status == "succeeded", result.error
    assert result.output == "nothing secret here"
    # the role check let all six calls through; the tool itself refused the five escapes
    allowed = [r for r in audit_rows(state, "authorize") if r["resource"] == "tool:docs"]
    assert [r["decision"] for r in allowed] == ["allow"] * 6
    assert_secret_absent(result.to_json(), state)


def test_refused_escapes_are_in_the_audit_log(tmp_path: Path) -> None:
    result, state = run_escapes_offline(tmp_path)

    assert result.status == "succeeded", result.error
    refused = [
        r
        for r in audit_rows(state)
        if r["resource"] == "tool:docs" and "outside the allowed roots" in (r["reason"] or "")
    ]
    assert len(refused) == 5
    assert all(r["run_id"] == result.run_id for r in refused)


def test_tool_results_the_model_sees_for_escapes_are_errors(
    anthropic_server: FakeServer, tmp_path: Path
) -> None:
    """The same escapes through the real Anthropic SDK: the model gets `is_error` results
    that do not contain the file, and the legitimate file's text."""
    program_dir = make_tree(tmp_path)
    model = anthropic_model("m", anthropic_server.base_url)
    plan = compile_program(program_dir, READER_PROGRAM.format(model=model))
    paths = [*ESCAPES, "docs/ok.txt"]
    anthropic_server.push_tool_calls([("docs", {"path": p}) for p in paths])
    anthropic_server.push_text("done")
    state = tmp_path / "state"

    result = run(plan, "read", {"topic": "tides"}, state_dir=state, env={"AF_TEST_KEY": "k"})

    assert result.status == "succeeded", result.error
    results = [
        block
        for message in anthropic_server.bodies[1]["messages"]
        if isinstance(message["content"], list)
        for block in message["content"]
        if block["type"] == "tool_result"
    ]
    assert [b["tool_use_id"] for b in results] == [f"toolu_{n:02d}" for n in range(1, 6)]
    for block in results[:4]:
        assert block["is_error"] is True
        assert block["content"].startswith("error (denied):")
    assert "is_error" not in results[4]
    assert results[4]["content"] == "tides follow the moon"
    assert SECRET_TEXT not in anthropic_server.requests[1].body.decode()
    assert_secret_absent(result.to_json(), state)


# ---------------------------------------------------------------------------------------------
# A tool outside the agent's list
# ---------------------------------------------------------------------------------------------


def test_tool_outside_the_agents_list_is_denied_and_audited(tmp_path: Path) -> None:
    script = {
        "reader": [
            {"tool_calls": [{"tool": "calc", "args": {"expression": "2+2"}}]},
            {"tool_calls": [{"tool": "shell", "args": {"cmd": "cat /etc/passwd"}}]},
            {"output": "recovered"},
        ]
    }
    (tmp_path / "script.json").write_text(json.dumps(script))
    source = """agentflow 1
model m {
  provider = offline
  script = "script.json"
}
tool calc = stdlib.calculator
tool docs = stdlib.file_read { roots = ["./docs"] }

agent reader {
  model = m
  tools = [docs]
  max_steps = 4
  input { topic: string }
  output = string
  prompt = "Read about {{ topic }}."
}

workflow read(topic: string) -> { text: string, total: float } {
  text = reader(topic: topic)
  total = calc(expression: "1+1")
  return { text: text, total: total }
}
"""
    (tmp_path / "docs").mkdir()
    plan = compile_program(tmp_path, source)
    state = tmp_path / "state"

    result = run(plan, "read", {"topic": "tides"}, state_dir=state)

    # the agent recovered from its denied calls; the workflow itself may use calc
    assert result.status == "succeeded", result.error
    assert result.output == {"text": "recovered", "total": 2.0}
    denials = [r for r in audit_rows(state, "authorize") if r["decision"] == "deny"]
    assert [(r["resource"], r["details"]) for r in denials] == [
        ("tool:calc", {"node": "text", "agent": "reader"}),
        ("tool:shell", {"node": "text", "agent": "reader"}),
    ]
    assert denials[0]["reason"] == "not in the tools of agent `reader`"
    # the workflow's own calc node was allowed
    allowed = [r for r in audit_rows(state, "authorize") if r["resource"] == "tool:calc"]
    assert [(r["decision"], r["details"]["node"]) for r in allowed] == [
        ("deny", "text"),
        ("allow", "total"),
    ]


# ---------------------------------------------------------------------------------------------
# Calls outside the run's role
# ---------------------------------------------------------------------------------------------

ROLE_PROGRAM = """agentflow 1
model m { provider = offline }
tool calc = stdlib.calculator

agent helper {
  model = m
  tools = [calc]
  input { q: string }
  output = string
  prompt = "{{ q }}"
}

role analyst { tools = [calc], agents = [helper], workflows = [work] }

workflow work(q: string) -> { answer: string, total: float } {
  run_as = analyst
  answer = helper(q: q)
  total = calc(expression: "6 * 7")
  return { answer: answer, total: total }
}
"""


def test_compiler_rejects_a_call_the_run_as_role_does_not_allow(tmp_path: Path) -> None:
    source = ROLE_PROGRAM.replace("role analyst { tools = [calc],", "role analyst {")
    path = write_program(tmp_path, source)
    with pytest.raises(agentflow.CompileError) as caught:
        agentflow.compile(source, str(path))
    codes = {d.code for d in caught.value.diagnostics if d.is_error}
    assert "AF401" in codes


def test_runtime_denies_a_workflow_call_outside_the_role(tmp_path: Path) -> None:
    plan = compile_program(tmp_path, ROLE_PROGRAM)
    state = tmp_path / "state"
    ok = run(plan, "work", {"q": "hi"}, state_dir=state)
    assert ok.status == "succeeded", ok.error
    assert ok.output["total"] == 42.0

    narrowed = plan.model_copy(
        update={"roles": {"analyst": RolePlan(agents=["helper"], workflows=["work"])}}
    )
    result = run(narrowed, "work", {"q": "hi"}, state_dir=state)

    assert result.status == "denied"
    assert result.error is not None
    assert (result.error["code"], result.error["kind"], result.error["node"]) == (
        "denied",
        "denied",
        "total",
    )
    assert result.output is None
    denials = [
        r
        for r in audit_rows(state, "authorize")
        if r["decision"] == "deny" and r["run_id"] == result.run_id
    ]
    assert [(r["resource"], r["reason"]) for r in denials] == [
        ("tool:calc", "not allowed by the run's role")
    ]
    [row] = query(state, "SELECT status, error FROM runs WHERE id = ?", (result.run_id,))
    assert row["status"] == "denied"
    assert json.loads(row["error"])["node"] == "total"
    assert node_rows(state, result.run_id)["total"]["status"] == "failed"


def test_runtime_denies_an_agents_tool_call_outside_the_role(tmp_path: Path) -> None:
    """The role is the boundary an agent's own `tools` cannot widen (AF402 statically)."""
    script = {"helper": [{"tool_calls": [{"tool": "calc", "args": {"expression": "1+1"}}]}]}
    (tmp_path / "script.json").write_text(json.dumps(script))
    source = ROLE_PROGRAM.replace(
        "model m { provider = offline }",
        'model m {\n  provider = offline\n  script = "script.json"\n}',
    )
    plan = compile_program(tmp_path, source)
    narrowed = plan.model_copy(
        update={"roles": {"analyst": RolePlan(agents=["helper"], workflows=["work"])}}
    )
    state = tmp_path / "state"

    result = run(narrowed, "work", {"q": "hi"}, state_dir=state)

    # the agent's call is denied and returned to it as an error; the direct call then fails
    denials = [r for r in audit_rows(state, "authorize") if r["decision"] == "deny"]
    assert [(r["resource"], r["details"]["node"]) for r in denials] == [
        ("tool:calc", "answer"),
        ("tool:calc", "total"),
    ]
    assert result.status == "denied"


def test_a_workflow_called_outside_the_role_is_denied(tmp_path: Path) -> None:
    source = """agentflow 1
tool calc = stdlib.calculator
role analyst { tools = [calc], workflows = [outer, inner] }

workflow inner(x: string) -> float {
  run_as = analyst
  v = calc(expression: x)
  return v
}

workflow outer(x: string) -> float {
  run_as = analyst
  r = inner(x: x)
  return r
}
"""
    plan = compile_program(tmp_path, source)
    state = tmp_path / "state"
    assert run(plan, "outer", {"x": "3*3"}, state_dir=state).output == 9.0
    narrowed = plan.model_copy(
        update={"roles": {"analyst": RolePlan(tools=["calc"], workflows=["outer"])}}
    )

    result = run(narrowed, "outer", {"x": "3*3"}, state_dir=state)

    assert result.status == "denied"
    assert result.error is not None and result.error["node"] == "r"
    [deny] = [
        r
        for r in audit_rows(state, "authorize")
        if r["decision"] == "deny" and r["run_id"] == result.run_id
    ]
    assert deny["resource"] == "workflow:inner"


# ---------------------------------------------------------------------------------------------
# Authentication
# ---------------------------------------------------------------------------------------------

AUTH_PROGRAM = """agentflow 1
tool calc = stdlib.calculator
role analyst { tools = [calc], workflows = [work] }
role viewer { }
principal bot { roles = [analyst], token = env("AF_BOT_TOKEN") }
principal guest { roles = [viewer], token = env("AF_GUEST_TOKEN") }

workflow work(x: string) -> float {
  run_as = analyst
  v = calc(expression: x)
  return v
}
"""
AUTH_ENV = {"AF_BOT_TOKEN": "tok-bot-right-1", "AF_GUEST_TOKEN": "tok-guest-2"}


@pytest.mark.parametrize(
    ("token", "reason"),
    [
        ("tok-bot-wrong-1", "authentication failed: invalid token"),
        (None, "authentication failed: missing token"),
        ("", "authentication failed: missing token"),
    ],
)
def test_wrong_or_missing_token_is_denied_and_audited(
    token: str | None, reason: str, tmp_path: Path
) -> None:
    plan = compile_program(tmp_path, AUTH_PROGRAM)
    state = tmp_path / "state"

    result = run(plan, "work", {"x": "1+1"}, state_dir=state, token=token, env=AUTH_ENV)

    assert result.status == "denied"
    assert result.output is None
    assert result.error is not None and result.error["message"] == reason
    assert result.nodes == []
    [deny] = audit_rows(state, "authenticate")
    assert (deny["decision"], deny["principal"], deny["reason"]) == ("deny", None, reason)
    assert deny["resource"] == "workflow:work"
    assert audit_rows(state, "run.start") == []
    assert query(state, "SELECT COUNT(*) AS n FROM node_results")[0]["n"] == 0
    [row] = query(state, "SELECT status, principal FROM runs")
    assert row == {"status": "denied", "principal": None}


def test_the_right_token_runs_as_its_principal(tmp_path: Path) -> None:
    plan = compile_program(tmp_path, AUTH_PROGRAM)
    state = tmp_path / "state"

    result = run(plan, "work", {"x": "1+1"}, state_dir=state, token="tok-bot-right-1", env=AUTH_ENV)

    assert result.status == "succeeded", result.error
    assert result.output == 2.0
    [start] = audit_rows(state, "run.start")
    assert (start["principal"], start["decision"]) == ("bot", "allow")
    assert start["details"] == {"role": "analyst"}
    [row] = query(state, "SELECT principal, role FROM runs")
    assert row == {"principal": "bot", "role": "analyst"}


def test_a_token_whose_variable_is_unset_matches_nothing(tmp_path: Path) -> None:
    plan = compile_program(tmp_path, AUTH_PROGRAM)
    state = tmp_path / "state"
    result = run(plan, "work", {"x": "1"}, state_dir=state, token="anything", env={})
    assert result.status == "denied"
    assert audit_rows(state, "authenticate")[0]["reason"] == "authentication failed: invalid token"


def test_principal_lacking_the_run_as_role_is_denied(tmp_path: Path) -> None:
    plan = compile_program(tmp_path, AUTH_PROGRAM)
    state = tmp_path / "state"

    result = run(plan, "work", {"x": "1+1"}, state_dir=state, token="tok-guest-2", env=AUTH_ENV)

    assert result.status == "denied"
    assert result.error is not None
    assert result.error["message"] == "principal `guest` does not hold role `analyst`"
    [deny] = audit_rows(state, "authorize")
    assert (deny["decision"], deny["principal"], deny["resource"]) == (
        "deny",
        "guest",
        "workflow:work",
    )
    assert audit_rows(state, "run.start") == []


def test_principal_whose_roles_do_not_list_a_workflow_without_run_as_is_denied(
    tmp_path: Path,
) -> None:
    source = AUTH_PROGRAM.replace("  run_as = analyst\n", "")
    plan = compile_program(tmp_path, source)
    state = tmp_path / "state"

    denied = run(plan, "work", {"x": "1+1"}, state_dir=state, token="tok-guest-2", env=AUTH_ENV)
    allowed = run(
        plan, "work", {"x": "1+1"}, state_dir=state, token="tok-bot-right-1", env=AUTH_ENV
    )

    assert denied.status == "denied"
    assert denied.error is not None
    assert denied.error["message"] == "no role of `guest` allows workflow `work`"
    assert allowed.status == "succeeded" and allowed.output == 2.0


def test_no_principals_runs_as_the_local_user(tmp_path: Path) -> None:
    source = """agentflow 1
tool calc = stdlib.calculator
workflow work(x: string) -> float {
  v = calc(expression: x)
  return v
}
"""
    plan = compile_program(tmp_path, source)
    state = tmp_path / "state"

    result = run(plan, "work", {"x": "2*3"}, state_dir=state, token="ignored", env={})

    assert result.status == "succeeded", result.error
    assert result.output == 6.0
    user = getpass.getuser()
    [row] = query(state, "SELECT principal, role FROM runs")
    assert row == {"principal": user, "role": None}
    assert {r["principal"] for r in audit_rows(state)} == {user}


# ---------------------------------------------------------------------------------------------
# Secrets: never in outputs, never in the state store
# ---------------------------------------------------------------------------------------------

API_KEY = "sk-test-SECRETVALUE123"
TOKEN = "tok-SECRET-456"

SECRET_ENV = {"AF_SECRET_KEY": API_KEY, "AF_SECRET_TOKEN": TOKEN}


def assert_no_secrets(text: str | bytes, where: str) -> None:
    data = text.encode() if isinstance(text, str) else text
    for secret in (API_KEY, TOKEN):
        assert secret.encode() not in data, f"`{secret}` appears in {where}"
    assert API_KEY[-6:].encode() not in data, f"the key's tail appears in {where}"


def secret_plan(server: FakeServer, tmp_path: Path) -> Plan:
    model = anthropic_model("claude", server.base_url, key_env="AF_SECRET_KEY")
    return compile_program(tmp_path / "prog", SECRET_PROGRAM.format(model=model))


def test_secrets_absent_from_the_result_and_every_state_file(
    anthropic_server: FakeServer, tmp_path: Path
) -> None:
    plan = secret_plan(anthropic_server, tmp_path)
    state = tmp_path / "state"
    state.mkdir()
    anthropic_server.push_tool_calls([("calc", {"expression": "2+2"})])
    anthropic_server.push_text("four")
    # the run uses a store the test holds open, so the WAL is read before any checkpoint
    store = StateStore.in_directory(state)
    try:
        result = run(
            plan, "ask", {"q": "2+2?"}, state_dir=state, store=store, token=TOKEN, env=SECRET_ENV
        )
        files = state_bytes(state)
    finally:
        store.close()
    files_after = state_bytes(state)

    assert result.status == "succeeded", result.error
    assert result.output == "four"
    # the key did reach the (fake) provider, so the run really used it
    assert anthropic_server.requests[0].headers["authorization"] == f"Bearer {API_KEY}"
    assert_no_secrets(json.dumps(result.to_json()), "the run result")
    assert {"state.db", "state.db-wal", "state.db-shm"} <= set(files)
    for name, data in [*files.items(), *files_after.items()]:
        assert_no_secrets(data, name)
    assert_no_secrets(json.dumps(audit_rows(state)), "the audit log")


def test_secrets_absent_when_the_provider_echoes_the_key_in_an_error(
    anthropic_server: FakeServer, tmp_path: Path
) -> None:
    plan = secret_plan(anthropic_server, tmp_path)
    state = tmp_path / "state"
    body = anthropic_error(401, f"invalid x-api-key: {API_KEY} (ends in {API_KEY[-6:]})")
    anthropic_server.push(Reply(401, body))

    result = run(plan, "ask", {"q": "hi"}, state_dir=state, token=TOKEN, env=SECRET_ENV)

    assert result.status == "failed"
    assert result.error is not None and "HTTP 401" in result.error["message"]
    assert len(anthropic_server.requests) == 1  # auth errors are not retried
    assert_no_secrets(json.dumps(result.to_json()), "the run result")
    for name, data in state_bytes(state).items():
        assert_no_secrets(data, name)


def test_secrets_absent_from_cli_output_and_state(
    anthropic_server: FakeServer, tmp_path: Path
) -> None:
    plan = secret_plan(anthropic_server, tmp_path)
    program = Path(plan.source)
    state = tmp_path / "state"
    anthropic_server.push_text("hello there")

    done = run_cli(
        "run",
        str(program),
        "-i",
        "q=hi",
        "--json",
        "--state",
        str(state),
        env={**SECRET_ENV, "AGENTFLOW_TOKEN": TOKEN},
        cwd=tmp_path,
    )

    assert done.returncode == 0, done.stderr
    printed = json.loads(done.stdout)
    assert (printed["status"], printed["output"]) == ("succeeded", "hello there")
    assert anthropic_server.requests[0].headers["authorization"] == f"Bearer {API_KEY}"
    assert_no_secrets(done.stdout, "stdout")
    assert_no_secrets(done.stderr, "stderr")
    for name, data in state_bytes(state).items():
        assert_no_secrets(data, name)

    # a failing run (the provider echoes the key) and a denied one (wrong token)
    anthropic_server.push(Reply(401, anthropic_error(401, f"bad key {API_KEY}")))
    failed = run_cli(
        "run",
        str(program),
        "-i",
        "q=hi",
        "--json",
        "--state",
        str(state),
        env={**SECRET_ENV, "AGENTFLOW_TOKEN": TOKEN},
        cwd=tmp_path,
    )
    denied = run_cli(
        "run",
        str(program),
        "-i",
        "q=hi",
        "--state",
        str(state),
        "--token",
        "tok-wrong",
        env=SECRET_ENV,
        cwd=tmp_path,
    )
    assert (failed.returncode, denied.returncode) == (1, 3)
    for done in (failed, denied):
        assert_no_secrets(done.stdout + done.stderr, "the CLI's output")
    for name, data in state_bytes(state).items():
        assert_no_secrets(data, name)


# ---------------------------------------------------------------------------------------------
# Redaction
# ---------------------------------------------------------------------------------------------

REDACT_PROGRAM = """agentflow 1
{model}
tool contact = python("contacts:contact") {{
  input {{ name: string }}
  output = string
}}
policy {{ redact = [email, credit_card] }}

agent summarizer {{
  model = m
  tools = [contact]
  input {{ note: string }}
  output = string
  system = "Summarise customer notes."
  prompt = "Note: {{{{ note }}}}"
}}

workflow summarize(note: string) -> string {{
  s = summarizer(note: note)
  return s
}}
"""
NOTE = "Customer alice@example.com paid with 4111 1111 1111 1111 yesterday."


@pytest.mark.parametrize("flavor", ["openai", "anthropic"])
def test_redaction_masks_text_before_the_model_sees_it(
    flavor: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    server: FakeServer = request.getfixturevalue(f"{flavor}_server")
    (tmp_path / "contacts.py").write_text(
        "def contact(name: str) -> str:\n    return f'{name} <bob.smith@corp.example.org>'\n"
    )
    builder = openai_model if flavor == "openai" else anthropic_model
    plan = compile_program(tmp_path, REDACT_PROGRAM.format(model=builder("m", server.base_url)))
    server.push_tool_calls([("contact", {"name": "Bob"})])
    server.push_text("A customer paid.")
    state = tmp_path / "state"

    result = run(plan, "summarize", {"note": NOTE}, state_dir=state, env={"AF_TEST_KEY": "k"})

    assert result.status == "succeeded", result.error
    first, second = (r.body.decode() for r in server.requests)
    for body in (first, second):
        assert "alice@example.com" not in body
        assert "4111 1111 1111 1111" not in body
        assert "4111111111111111" not in body
    assert "[REDACTED:email]" in first and "[REDACTED:credit_card]" in first
    assert "yesterday" in first  # the rest of the text is intact
    # a tool's result is masked too before it goes back to the model
    assert "bob.smith@corp.example.org" not in second
    assert "Bob <[REDACTED:email]>" in second
    rows = audit_rows(state, "redact")
    assert rows, "no redact audit row"
    assert rows[0]["decision"] == "info"
    assert rows[0]["details"]["counts"] == {"email": 1, "credit_card": 1}
    assert rows[0]["details"]["node"] == "s"
    assert any(r["details"]["counts"] == {"email": 1} for r in rows[1:])


# ---------------------------------------------------------------------------------------------
# Calculator injection and huge exponents, as a model would send them
# ---------------------------------------------------------------------------------------------


def test_calculator_injection_and_huge_exponents_are_tool_errors(tmp_path: Path) -> None:
    hostile = [
        "__import__('os').system('touch pwned')",
        "open('secret.txt').read()",
        "(lambda: 1)()",
        "9 ** 9 ** 9",
        "10 ** 100000",
        "1" * 5000,
    ]
    calls = [{"tool": "calc", "args": {"expression": e}} for e in hostile]
    script = {
        "solver": [
            {"tool_calls": calls},
            {"tool_calls": [{"tool": "calc", "args": {"expression": "sqrt(16) + 2 ** 3"}}]},
            {"output": "done"},
        ]
    }
    (tmp_path / "script.json").write_text(json.dumps(script))
    (tmp_path / "secret.txt").write_text(SECRET_TEXT)
    source = """agentflow 1
model m {
  provider = offline
  script = "script.json"
}
tool calc = stdlib.calculator

agent solver {
  model = m
  tools = [calc]
  max_steps = 4
  input { q: string }
  output = string
  prompt = "{{ q }}"
}

workflow solve(q: string) -> string {
  a = solver(q: q)
  return a
}
"""
    plan = compile_program(tmp_path, source)
    state = tmp_path / "state"

    result = run(plan, "solve", {"q": "compute"}, state_dir=state)

    assert result.status == "succeeded", result.error
    assert result.output == "done"
    errors = audit_rows(state, "tool.error")
    assert len(errors) == len(hostile)
    assert {r["details"]["kind"] for r in errors} <= {"validation", "tool"}
    assert not (tmp_path / "pwned").exists()
    assert_secret_absent(result.to_json(), state)
