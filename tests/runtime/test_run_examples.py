"""Every example in `examples/` runs offline with the command `examples/README.md` gives for it,
succeeds, and returns a value of its workflow's result type.

The commands are read from the README's table (so the README cannot drift from what runs),
executed in-process through the CLI's `main` with `--json` and the state store in `tmp_path`.
Name resolution is limited to loopback, so `incident_summary`'s unreachable status page is
refused locally instead of being looked up on the network.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import socket
from pathlib import Path
from typing import Any

import pytest

import agentflow
from agentflow.cli.main import main
from agentflow.runtime.validation import validate

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
_ROW = re.compile(r"^\|\s*\[`(?P<name>[a-z_]+)`\]\([^)]*\)\s*\|.*\|\s*`(?P<command>[^`]+)`")


def readme_commands() -> dict[str, str]:
    """example name -> its `run it offline` command, from examples/README.md's table."""
    commands = {}
    for line in EXAMPLES.joinpath("README.md").read_text(encoding="utf-8").splitlines():
        match = _ROW.match(line)
        if match:
            commands[match["name"]] = match["command"]
    return commands


COMMANDS = readme_commands()
EXAMPLE_NAMES = sorted(p.stem for p in EXAMPLES.glob("*.agentflow"))


def split_command(command: str) -> tuple[dict[str, str], list[str]]:
    """`VAR=x agentflow run ARGS...` as ({VAR: x}, [run, ARGS...])."""
    words = shlex.split(command)
    env = {}
    while words and re.fullmatch(r"[A-Z_][A-Z0-9_]*=.*", words[0]):
        name, _, value = words.pop(0).partition("=")
        env[name] = value
    assert words[:2] == ["agentflow", "run"], command
    return env, words[1:]


def option(args: list[str], *names: str) -> str | None:
    for index, word in enumerate(args):
        if word in names and index + 1 < len(args):
            return args[index + 1]
    return None


@pytest.fixture
def loopback_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Refuse to resolve any host that is not loopback (no test touches the real network)."""
    real = socket.getaddrinfo

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        name = host.decode() if isinstance(host, bytes) else str(host)
        if name not in ("localhost", "127.0.0.1", "::1"):
            raise socket.gaierror(socket.EAI_NONAME, f"{name}: blocked in tests (loopback only)")
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


def test_the_readme_gives_a_command_for_every_example() -> None:
    assert EXAMPLE_NAMES, "no examples found"
    assert sorted(COMMANDS) == EXAMPLE_NAMES


@pytest.mark.usefixtures("loopback_only")
@pytest.mark.parametrize("name", EXAMPLE_NAMES)
def test_example_runs_offline_and_matches_its_result_type(
    name: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    env, args = split_command(COMMANDS[name])
    for variable in [v for v in os.environ if v.startswith("AGENTFLOW_")]:
        monkeypatch.delenv(variable)
    for variable, value in env.items():
        monkeypatch.setenv(variable, value)
    monkeypatch.chdir(ROOT)  # the README's commands run from the repository root
    state = tmp_path / "state"

    status = main([*args, "--json", "--state", str(state), "--no-color"])
    captured = capsys.readouterr()

    assert status == 0, captured.err + captured.out
    result = json.loads(captured.out)
    assert result["status"] == "succeeded", result["error"]
    assert result["error"] is None

    program = ROOT / args[1]
    assert program.stem == name
    plan = agentflow.compile(program.read_text(encoding="utf-8"), str(program))
    workflow = option(args, "-w", "--workflow") or next(iter(plan.workflows))
    assert result["workflow"] == workflow
    schema = plan.workflows[workflow].result_schema
    assert validate(result["output"], schema) == []

    # Every node ran or was skipped by the program's own logic; `try` is the only way a
    # failed node may stay in a succeeded run.
    assert result["nodes"], "no node was reported"
    statuses = {n["id"]: n["status"] for n in result["nodes"]}
    assert set(statuses.values()) <= {"succeeded", "skipped", "failed"}
    assert "succeeded" in statuses.values()
    failed = [n for n, s in statuses.items() if s == "failed"]
    if name == "incident_summary":
        assert failed == ["page"]  # `try status(...)`: unreachable offline, the run degrades
        assert result["output"]["status_page_reachable"] is False
    else:
        assert failed == []
    assert state.joinpath("state.db").is_file()


def test_governed_multi_role_without_its_token_is_denied(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    env, args = split_command(COMMANDS["governed_multi_role"])
    assert env, "the README sets the principal's token variable"
    for variable, value in env.items():
        monkeypatch.setenv(variable, value)
    monkeypatch.delenv("AGENTFLOW_TOKEN", raising=False)
    monkeypatch.chdir(ROOT)
    token_at = args.index("--token")
    without = args[:token_at] + args[token_at + 2 :]

    status = main([*without, "--json", "--state", str(tmp_path), "--no-color"])
    result = json.loads(capsys.readouterr().out)

    assert status == 3
    assert result["status"] == "denied"
    assert result["nodes"] == []
    assert result["output"] is None
