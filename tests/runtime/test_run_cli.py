"""`agentflow run`: exit statuses, the `--json` shape, how inputs are read, `-w`, and the
token and state-store settings from the environment.

Most tests call the CLI's `main` in-process (fast); one runs `python -m agentflow.cli.main`
to check that the process really exits with the status. Every run keeps its state store in
`tmp_path` (and the working directory is `tmp_path`, so a default store would land there too).
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from run_support import HEADER, OFFLINE_MODEL, write_module, write_program

from agentflow.cli.main import main
from agentflow.runtime.state.store import StateStore

ROOT = Path(__file__).resolve().parents[2]

TOOLS = """
def echo(value: str) -> str:
    return value


def describe(n: int, s: str, flag: bool, items: list[int]) -> str:
    return f"n={n!r} s={s!r} flag={flag!r} items={items!r}"


def explode(value: str) -> str:
    raise RuntimeError("kaput")
"""

PROGRAM = """
tool echo = python("{m}:echo")
tool describe = python("{m}:describe")
tool explode = python("{m}:explode")

agent greeter {{
  model = local
  input {{ name: string }}
  output = string
  prompt = "Greet {{{{ name }}}}."
}}

workflow greet(name: string) -> {{ greeting: string, echoed: string }} {{
  g = greeter(name: name)
  e = echo(value: name)
  return {{ greeting: g, echoed: e }}
}}
"""

SECOND = """
workflow typed(n: int, s: string, flag: bool = false, items: list[int] = []) -> string {{
  d = describe(n: n, s: s, flag: flag, items: items)
  return d
}}

workflow broken(value: string) -> string {{
  x = explode(value: value)
  return x
}}

workflow refuse(n: int) -> int {{
  fail "n must be small, got {{{{ n }}}}" when n > 10
  return n
}}
"""

PRINCIPALS = """
role writer {{ tools = [echo], agents = [greeter], workflows = [greet] }}
principal bot {{ roles = [writer], token = env("AF_RUN_BOT_TOKEN") }}
"""


@pytest.fixture(autouse=True)
def _clean_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in [n for n in os.environ if n.startswith("AGENTFLOW_")]:
        monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


class Cli:
    def __init__(self, directory: Path, capsys: pytest.CaptureFixture[str]) -> None:
        self.directory = directory
        self.capsys = capsys
        self.module = write_module(directory, TOOLS)
        self.state = directory / "state"

    def program(self, *parts: str, name: str = "prog.agentflow") -> str:
        body = HEADER + OFFLINE_MODEL + "".join(p.format(m=self.module) for p in parts)
        return str(write_program(self.directory, body, name))

    def __call__(self, *args: str, state: bool = True) -> tuple[int, str, str]:
        argv = ["run", *args, "--no-color"]
        if state:
            argv += ["--state", str(self.state)]
        status = main(argv)
        captured = self.capsys.readouterr()
        return status, captured.out, captured.err

    def json(self, *args: str, state: bool = True) -> tuple[int, dict[str, Any], str]:
        status, out, err = self(*args, "--json", state=state)
        return status, json.loads(out), err


@pytest.fixture
def cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Cli:
    return Cli(tmp_path, capsys)


# ---------------------------------------------------------------- success and --json


def test_success_exits_0_and_json_has_exactly_the_documented_keys(cli: Cli) -> None:
    path = cli.program(PROGRAM)
    status, result, _ = cli.json(path, "-i", "name=Ada")
    assert status == 0
    assert set(result) == {
        "run_id",
        "trace_id",
        "workflow",
        "status",
        "output",
        "error",
        "cost_usd",
        "tokens",
        "nodes",
    }
    assert result["workflow"] == "greet"
    assert result["status"] == "succeeded"
    assert result["error"] is None
    assert result["output"]["echoed"] == "Ada"
    assert "Ada" in result["output"]["greeting"]
    assert result["run_id"].startswith("run_")
    assert isinstance(result["cost_usd"], str)
    assert Decimal(result["cost_usd"]) == 0
    assert set(result["tokens"]) == {"input", "output"}
    assert result["tokens"]["input"] > 0 and result["tokens"]["output"] > 0
    assert {n["id"] for n in result["nodes"]} == {"g", "e"}
    for node in result["nodes"]:
        assert set(node) == {"id", "status", "attempts", "duration_ms", "cost_usd"}
        assert node["status"] == "succeeded"
        assert node["attempts"] == 1
        assert isinstance(node["duration_ms"], int | float) and node["duration_ms"] >= 0
        assert isinstance(node["cost_usd"], str)
        Decimal(node["cost_usd"])

    store = StateStore.in_directory(cli.state)
    try:
        rows = store.query("select status, workflow from runs where id=?", (result["run_id"],))
    finally:
        store.close()
    assert rows == [{"status": "succeeded", "workflow": "greet"}]


def test_cost_usd_is_a_decimal_string_for_a_priced_model(cli: Cli) -> None:
    priced = (
        "model priced {{\n  provider = offline\n  max_tokens = 64\n"
        "  price = {{ input: $1, output: $2 }}\n}}\n"
    )
    path = cli.program(priced, PROGRAM.replace("model = local", "model = priced"))
    status, result, _ = cli.json(path, "-i", "name=Ada")
    assert status == 0
    tokens = result["tokens"]
    expected = (Decimal(tokens["input"]) * 1 + Decimal(tokens["output"]) * 2) / Decimal(1_000_000)
    assert Decimal(result["cost_usd"]) == expected > 0
    assert "e" not in result["cost_usd"].lower()  # plain decimal, not scientific notation
    greeter = next(n for n in result["nodes"] if n["id"] == "g")
    assert Decimal(greeter["cost_usd"]) == expected


def test_text_output_without_json(cli: Cli) -> None:
    path = cli.program(PROGRAM)
    status, out, _ = cli(path, "-i", "name=Ada")
    assert status == 0
    assert "run_" in out


# ---------------------------------------------------------------- failed runs


def test_a_failed_run_exits_1(cli: Cli) -> None:
    path = cli.program(PROGRAM, SECOND)
    status, result, _ = cli.json(path, "-w", "broken", "-i", "value=x")
    assert status == 1
    assert result["status"] == "failed"
    assert result["output"] is None
    assert set(result["error"]) >= {"code", "message", "node"}
    assert result["error"]["node"] == "x"
    assert "kaput" in result["error"]["message"]
    assert [(n["id"], n["status"]) for n in result["nodes"]] == [("x", "failed")]


def test_fail_when_exits_1_with_the_message(cli: Cli) -> None:
    path = cli.program(PROGRAM, SECOND)
    status, result, _ = cli.json(path, "-w", "refuse", "-i", "n=11")
    assert status == 1
    assert result["status"] == "failed"
    assert "n must be small, got 11" in result["error"]["message"]
    status, result, _ = cli.json(path, "-w", "refuse", "-i", "n=3")
    assert (status, result["output"]) == (0, 3)


# ---------------------------------------------------------------- usage errors (exit 2)


def test_compile_error_exits_2_with_diagnostics(cli: Cli) -> None:
    path = cli.program(PROGRAM.replace("g = greeter(name: name)", "g = greeter(nam: name)"))
    status, out, err = cli(path, "-i", "name=Ada")
    assert status == 2
    assert "AF" in err
    assert out == ""
    assert not cli.state.joinpath("state.db").exists()


def test_missing_file_exits_2(cli: Cli, tmp_path: Path) -> None:
    status, _, err = cli(str(tmp_path / "nope.agentflow"))
    assert status == 2
    assert "nope.agentflow" in err


def test_unknown_workflow_exits_2(cli: Cli) -> None:
    path = cli.program(PROGRAM)
    status, _, err = cli(path, "-w", "nosuch", "-i", "name=Ada")
    assert status == 2
    assert "nosuch" in err and "greet" in err


def test_w_may_be_omitted_with_one_workflow_and_is_required_with_several(cli: Cli) -> None:
    single = cli.program(PROGRAM, name="single.agentflow")
    status, result, _ = cli.json(single, "-i", "name=Ada")
    assert (status, result["workflow"]) == (0, "greet")

    several = cli.program(PROGRAM, SECOND, name="several.agentflow")
    status, out, err = cli(several, "-i", "name=Ada")
    assert status == 2
    assert out == ""
    assert "-w" in err
    for name in ("greet", "typed", "broken", "refuse"):
        assert name in err
    status, result, _ = cli.json(several, "--workflow", "greet", "-i", "name=Ada")
    assert (status, result["workflow"]) == (0, "greet")


def test_missing_input_exits_2(cli: Cli) -> None:
    path = cli.program(PROGRAM)
    status, _, err = cli(path)
    assert status == 2
    assert "name" in err


def test_unknown_input_exits_2(cli: Cli) -> None:
    path = cli.program(PROGRAM)
    status, _, err = cli(path, "-i", "name=Ada", "-i", "colour=blue")
    assert status == 2
    assert "colour" in err


def test_mistyped_input_exits_2(cli: Cli) -> None:
    path = cli.program(PROGRAM, SECOND)
    status, _, err = cli(path, "-w", "typed", "-i", "n=notanumber", "-i", "s=x")
    assert status == 2
    assert "n" in err


@pytest.mark.parametrize("item", ["name", "=Ada"])
def test_bad_i_syntax_exits_2(cli: Cli, item: str) -> None:
    path = cli.program(PROGRAM)
    status, _, err = cli(path, "-i", item)
    assert status == 2
    assert "NAME=VALUE" in err


@pytest.mark.parametrize(
    ("content", "problem"),
    [("{not json", "not valid JSON"), ('["a list"]', "object"), (None, "cannot read")],
)
def test_bad_input_json_exits_2(
    cli: Cli, tmp_path: Path, content: str | None, problem: str
) -> None:
    path = cli.program(PROGRAM)
    inputs = tmp_path / "inputs.json"
    if content is not None:
        inputs.write_text(content, encoding="utf-8")
    status, _, err = cli(path, "--input-json", str(inputs))
    assert status == 2
    assert problem in err


# ---------------------------------------------------------------- how inputs are read


def test_i_values_parse_as_json_when_they_can(cli: Cli) -> None:
    path = cli.program(PROGRAM, SECOND)
    status, result, _ = cli.json(
        path, "-w", "typed", "-i", "n=3", "-i", "s=hello", "-i", "flag=true", "-i", "items=[1,2]"
    )
    assert status == 0, result
    assert result["output"] == "n=3 s='hello' flag=True items=[1, 2]"


def test_an_i_value_that_is_not_json_is_text(cli: Cli) -> None:
    path = cli.program(PROGRAM)
    status, result, _ = cli.json(path, "-i", "name=Ada Lovelace")
    assert status == 0
    assert result["output"]["echoed"] == "Ada Lovelace"
    status, result, _ = cli.json(path, "-i", "name=a=b")  # split at the first `=`
    assert status == 0
    assert result["output"]["echoed"] == "a=b"


def test_input_json_from_a_file_with_i_overriding(cli: Cli, tmp_path: Path) -> None:
    path = cli.program(PROGRAM, SECOND)
    inputs = tmp_path / "in.json"
    inputs.write_text(json.dumps({"n": 1, "s": "from file", "items": [4]}), encoding="utf-8")
    status, result, _ = cli.json(path, "-w", "typed", "--input-json", str(inputs), "-i", "n=2")
    assert status == 0
    assert result["output"] == "n=2 s='from file' flag=False items=[4]"


def test_input_json_dash_reads_stdin(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    path = cli.program(PROGRAM)
    monkeypatch.setattr(sys, "stdin", io.StringIO(json.dumps({"name": "Grace"})))
    status, result, _ = cli.json(path, "--input-json", "-")
    assert status == 0
    assert result["output"]["echoed"] == "Grace"


# ---------------------------------------------------------------- tokens and principals


def test_wrong_token_is_denied_with_exit_3(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AF_RUN_BOT_TOKEN", "right-token-123")
    path = cli.program(PROGRAM, PRINCIPALS)
    status, result, _ = cli.json(path, "-i", "name=Ada", "--token", "wrong-token")
    assert status == 3
    assert result["status"] == "denied"
    assert result["output"] is None
    assert result["nodes"] == []
    assert result["error"]["code"] == "denied"
    assert "right-token-123" not in json.dumps(result)

    status, result, _ = cli.json(path, "-i", "name=Ada")  # no token at all
    assert (status, result["status"]) == (3, "denied")


def test_right_token_runs(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AF_RUN_BOT_TOKEN", "right-token-123")
    path = cli.program(PROGRAM, PRINCIPALS)
    status, result, _ = cli.json(path, "-i", "name=Ada", "--token", "right-token-123")
    assert (status, result["status"]) == (0, "succeeded")
    store = StateStore.in_directory(cli.state)
    try:
        rows = store.query("select principal from runs where id=?", (result["run_id"],))
    finally:
        store.close()
    assert rows == [{"principal": "bot"}]


def test_agentflow_token_env_works_like_token(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AF_RUN_BOT_TOKEN", "right-token-123")
    path = cli.program(PROGRAM, PRINCIPALS)
    monkeypatch.setenv("AGENTFLOW_TOKEN", "right-token-123")
    status, result, _ = cli.json(path, "-i", "name=Ada")
    assert (status, result["status"]) == (0, "succeeded")
    monkeypatch.setenv("AGENTFLOW_TOKEN", "not-it")
    status, result, _ = cli.json(path, "-i", "name=Ada")
    assert (status, result["status"]) == (3, "denied")


ADMIN_ONLY = """
role admin {{ tools = [echo], workflows = [shout] }}
principal root {{ roles = [admin], token = env("AF_RUN_ROOT_TOKEN") }}

workflow shout(value: string) -> string {{
  e = echo(value: value)
  return e
}}
"""


def test_a_workflow_outside_the_principals_roles_is_denied(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AF_RUN_BOT_TOKEN", "bot-token-123")
    monkeypatch.setenv("AF_RUN_ROOT_TOKEN", "root-token-456")
    path = cli.program(PROGRAM, PRINCIPALS, ADMIN_ONLY)
    status, result, _ = cli.json(path, "-w", "shout", "-i", "value=hi", "--token", "bot-token-123")
    assert status == 3
    assert result["status"] == "denied"
    assert "shout" in result["error"]["message"]
    assert result["nodes"] == []
    status, result, _ = cli.json(path, "-w", "shout", "-i", "value=hi", "--token", "root-token-456")
    assert (status, result["output"]) == (0, "hi")


# ---------------------------------------------------------------- where the state goes


def test_agentflow_state_env_moves_the_store(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = cli.program(PROGRAM)
    elsewhere = tmp_path / "elsewhere"
    monkeypatch.setenv("AGENTFLOW_STATE", str(elsewhere))
    status, result, _ = cli.json(path, "-i", "name=Ada", state=False)
    assert status == 0
    assert elsewhere.joinpath("state.db").is_file()
    assert not (tmp_path / ".agentflow").exists()
    store = StateStore.in_directory(elsewhere)
    try:
        rows = store.query("select id from runs")
    finally:
        store.close()
    assert [r["id"] for r in rows] == [result["run_id"]]


def test_state_flag_wins_over_agentflow_state(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = cli.program(PROGRAM)
    monkeypatch.setenv("AGENTFLOW_STATE", str(tmp_path / "from_env"))
    status, _, _ = cli.json(path, "-i", "name=Ada")
    assert status == 0
    assert cli.state.joinpath("state.db").is_file()
    assert not (tmp_path / "from_env").exists()


def test_default_store_is_dot_agentflow_in_the_working_directory(cli: Cli, tmp_path: Path) -> None:
    path = cli.program(PROGRAM)
    status, _, _ = cli.json(path, "-i", "name=Ada", state=False)
    assert status == 0
    assert (tmp_path / ".agentflow" / "state.db").is_file()


# ---------------------------------------------------------------- the real process


def test_the_process_exit_status(cli: Cli, tmp_path: Path) -> None:
    path = cli.program(PROGRAM, SECOND)
    env = {k: v for k, v in os.environ.items() if not k.startswith("AGENTFLOW_")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    command = [sys.executable, "-m", "agentflow.cli.main", "run", path, "--state", str(cli.state)]
    done = subprocess.run(
        [*command, "-w", "refuse", "-i", "n=99", "--json"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1, done.stderr
    assert json.loads(done.stdout)["status"] == "failed"
