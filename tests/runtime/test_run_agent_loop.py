"""The agent loop through the offline provider's `script`: tool round trips through the
registry, the repair turn, `max_steps`, tools outside the agent's list, delegation to other
agents, and `history` sent as earlier turns.

The requests the loop sends are captured by wrapping `OfflineProvider.complete`.
"""

from __future__ import annotations

import json
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from run_support import (
    HEADER,
    audit,
    compile_program,
    nodes_by_id,
    run_plan,
    stored_nodes,
    write_module,
    write_script,
)

from agentflow.runtime.providers.base import ModelRequest
from agentflow.runtime.providers.offline import OfflineProvider
from agentflow.runtime.state.store import StateStore

TOOLS = """
LOG = []


async def lookup(query: str) -> dict:
    LOG.append(("lookup", {"query": query}))
    return {"answer": "forty-two", "query": query}


async def secret(key: str) -> str:
    LOG.append(("secret", {"key": key}))
    return "classified"
"""


def lookup_tool_decl(module: str) -> str:
    return f"""
tool lookup = python("{module}:lookup") {{
  description = "Look something up."
  input {{ query: string }}
  output = {{ answer: string, query: string }}
}}
tool secret = python("{module}:secret") {{
  input {{ key: string }}
  output = string
}}
"""


def model_decl(script: str | None) -> str:
    line = f'  script = "{script}"\n' if script else ""
    return f"model local {{\n  provider = offline\n  max_tokens = 256\n{line}}}\n"


class AgentProgram:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.module_name = write_module(directory, TOOLS)
        self.store = StateStore.in_directory(directory / "state")

    def run(
        self,
        body: str,
        script: dict[str, Any] | None,
        inputs: dict[str, Any] | None = None,
        workflow: str = "w",
    ) -> Any:
        name = write_script(self.directory, script) if script is not None else None
        source = HEADER + model_decl(name) + lookup_tool_decl(self.module_name) + body
        plan = compile_program(self.directory, source)
        return run_plan(plan, workflow, inputs, store=self.store)

    @property
    def log(self) -> list[tuple[str, dict[str, Any]]]:
        return sys.modules[self.module_name].LOG


@pytest.fixture
def program(tmp_path: Path) -> Any:
    prog = AgentProgram(tmp_path)
    yield prog
    prog.store.close()


@pytest.fixture
def requests(monkeypatch: pytest.MonkeyPatch) -> list[ModelRequest]:
    """Every request the offline provider receives, in order."""
    seen: list[ModelRequest] = []
    original = OfflineProvider.complete

    async def spy(self: OfflineProvider, request: ModelRequest) -> Any:
        seen.append(request)
        return await original(self, request)

    monkeypatch.setattr(OfflineProvider, "complete", spy)
    return seen


ASKER = """
agent asker {
  model = local
  tools = [lookup]
  max_steps = 4
  input { topic: string }
  output { answer: string }
  prompt = "Find out about {{ topic }}."
}

workflow w(topic: string) -> { answer: string } {
  a = asker(topic: topic)
  return a
}
"""


def test_tool_calls_run_through_the_registry_and_results_reach_the_model(
    program: AgentProgram, requests: list[ModelRequest]
) -> None:
    script = {
        "asker": [
            {"tool_calls": [{"tool": "lookup", "args": {"query": "life"}}]},
            {"output": {"answer": "it is forty-two"}},
        ]
    }
    result = program.run(ASKER, script, {"topic": "life"})
    assert result.status == "succeeded", result.error
    assert result.output == {"answer": "it is forty-two"}
    assert program.log == [("lookup", {"query": "life"})]

    assert len(requests) == 2
    first, second = requests
    assert [t.name for t in first.tools] == ["lookup"]
    assert first.tools[0].input_schema["properties"]["query"]["type"] == "string"
    assert first.messages[-1].role == "user"
    assert first.messages[-1].content == "Find out about life."
    assert first.output_schema is not None

    assistant, tool_result = second.messages[-2:]
    assert assistant.role == "assistant"
    assert [(c.name, c.arguments) for c in assistant.tool_calls] == [("lookup", {"query": "life"})]
    assert tool_result.role == "tool"
    assert tool_result.tool_call_id == assistant.tool_calls[0].id
    assert tool_result.is_error is False
    assert json.loads(tool_result.content) == {"answer": "forty-two", "query": "life"}

    allowed = [
        row
        for row in audit(program.store, result.run_id, "allow")
        if row["resource"] == "tool:lookup"
    ]
    assert allowed, "the tool call's permission check is audited"


def test_invalid_tool_arguments_go_back_to_the_model_as_an_error(
    program: AgentProgram, requests: list[ModelRequest]
) -> None:
    script = {
        "asker": [
            {"tool_calls": [{"tool": "lookup", "args": {"query": 7, "extra": True}}]},
            {"output": {"answer": "recovered"}},
        ]
    }
    result = program.run(ASKER, script, {"topic": "life"})
    assert result.status == "succeeded", result.error
    assert result.output == {"answer": "recovered"}
    assert program.log == []  # the tool never ran with bad arguments
    tool_result = requests[1].messages[-1]
    assert tool_result.role == "tool"
    assert tool_result.is_error is True
    assert "validation" in tool_result.content


def test_one_repair_turn_fixes_an_invalid_output(
    program: AgentProgram, requests: list[ModelRequest]
) -> None:
    script = {"asker": [{"output": {"wrong": 1}}, {"output": {"answer": "fixed"}}]}
    result = program.run(ASKER, script, {"topic": "x"})
    assert result.status == "succeeded", result.error
    assert result.output == {"answer": "fixed"}
    assert len(requests) == 2
    repair = requests[1].messages[-1]
    assert repair.role == "user"
    assert "schema" in repair.content
    assert requests[1].messages[-2].role == "assistant"
    assert json.loads(requests[1].messages[-2].content) == {"wrong": 1}


def test_two_invalid_outputs_fail_validation(
    program: AgentProgram, requests: list[ModelRequest]
) -> None:
    script = {"asker": [{"output": {"wrong": 1}}, {"output": {"still": "wrong"}}]}
    result = program.run(ASKER, script, {"topic": "x"})
    assert result.status == "failed"
    assert result.error["kind"] == "validation"
    assert result.error["node"] == "a"
    assert "asker" in result.error["message"]
    assert len(requests) == 2  # one repair turn, not more
    assert nodes_by_id(result)["a"].status == "failed"


def test_max_steps_exceeded_fails_the_node(
    program: AgentProgram, requests: list[ModelRequest]
) -> None:
    body = ASKER.replace("max_steps = 4", "max_steps = 2")
    call = {"tool_calls": [{"tool": "lookup", "args": {"query": "again"}}]}
    script = {"asker": [call, call, call, {"output": {"answer": "too late"}}]}
    result = program.run(body, script, {"topic": "x"})
    assert result.status == "failed"
    assert "max_steps" in result.error["message"]
    assert result.error["node"] == "a"
    assert len(requests) == 2
    assert len(program.log) == 2


def test_a_tool_outside_the_agents_list_is_refused_and_audited(
    program: AgentProgram, requests: list[ModelRequest]
) -> None:
    script = {
        "asker": [
            {"tool_calls": [{"tool": "secret", "args": {"key": "k"}}]},
            {"output": {"answer": "could not"}},
        ]
    }
    result = program.run(ASKER, script, {"topic": "x"})
    assert result.status == "succeeded", result.error
    assert result.output == {"answer": "could not"}
    assert program.log == []  # `secret` never ran

    tool_result = requests[1].messages[-1]
    assert tool_result.role == "tool"
    assert tool_result.is_error is True
    assert "denied" in tool_result.content

    denials = audit(program.store, result.run_id, "deny")
    assert [row["resource"] for row in denials] == ["tool:secret"]
    assert denials[0]["action"] == "authorize"


def test_an_undeclared_tool_name_is_refused_and_audited_as_a_denial(
    program: AgentProgram, requests: list[ModelRequest]
) -> None:
    script = {
        "asker": [
            {"tool_calls": [{"tool": "rm_rf", "args": {}}]},
            {"output": {"answer": "could not"}},
        ]
    }
    result = program.run(ASKER, script, {"topic": "x"})
    assert result.status == "succeeded", result.error
    tool_result = requests[1].messages[-1]
    assert tool_result.is_error is True
    assert "denied" in tool_result.content
    denials = audit(program.store, result.run_id, "deny")
    assert len(denials) == 1
    assert "rm_rf" in (denials[0]["resource"] or "")


DELEGATION = """
agent helper {
  model = local
  input { question: string }
  output { reply: string }
  prompt = "{{ question }}"
}

agent boss {
  model = local
  tools = [helper, lookup]
  max_steps = 4
  input { task: string }
  output { verdict: string }
  prompt = "{{ task }}"
}

workflow w(task: string) -> { verdict: string } {
  d = boss(task: task)
  return d
}
"""


def test_delegation_runs_the_callee_as_a_child_node(
    program: AgentProgram, requests: list[ModelRequest]
) -> None:
    script = {
        "boss": [
            {"tool_calls": [{"tool": "helper", "args": {"question": "what now?"}}]},
            {"tool_calls": [{"tool": "helper", "args": {"question": "and then?"}}]},
            {"output": {"verdict": "done"}},
        ],
        "helper": [{"output": {"reply": "do this"}}],
    }
    result = program.run(DELEGATION, script, {"task": "plan"})
    assert result.status == "succeeded", result.error
    assert result.output == {"verdict": "done"}

    nodes = nodes_by_id(result)
    assert nodes["d/helper#1"].status == "succeeded"
    assert nodes["d/helper#2"].status == "succeeded"
    assert nodes["d/helper#1"].callee == "helper"
    stored = stored_nodes(program.store, result.run_id)
    assert stored["d/helper#1"] == "succeeded"

    helper_requests = [r for r in requests if r.agent == "helper"]
    assert [r.messages[-1].content for r in helper_requests] == ["what now?", "and then?"]
    boss_second = [r for r in requests if r.agent == "boss"][1]
    assert json.loads(boss_second.messages[-1].content) == {"reply": "do this"}
    assert helper_requests[0].tools == ()


HISTORY = """
agent chat {
  model = local
  history = messages
  input { question: string, messages: list[Message] }
  output = string
  prompt = "Q: {{ question }}"
}

workflow w(question: string, messages: list[Message]) -> string {
  a = chat(question: question, messages: messages)
  return a
}
"""


def test_history_is_sent_as_earlier_turns(
    program: AgentProgram, requests: list[ModelRequest]
) -> None:
    messages = [
        {"role": "user", "content": "Hi, I am Ada."},
        {"role": "assistant", "content": "Hello Ada!"},
    ]
    result = program.run(HISTORY, None, {"question": "What is my name?", "messages": messages})
    assert result.status == "succeeded", result.error
    assert isinstance(result.output, str) and result.output
    (request,) = requests
    sent = [(m.role, m.content) for m in request.messages]
    assert sent == [
        ("user", "Hi, I am Ada."),
        ("assistant", "Hello Ada!"),
        ("user", "Q: What is my name?"),
    ]
    assert "Hello Ada!" not in (request.system or "")


def test_agent_without_prompt_sends_its_inputs_but_not_the_history(
    program: AgentProgram, requests: list[ModelRequest]
) -> None:
    body = HISTORY.replace('  prompt = "Q: {{ question }}"', '  system = "You chat."')
    messages = [{"role": "user", "content": "earlier"}]
    result = program.run(body, None, {"question": "now?", "messages": messages})
    assert result.status == "succeeded", result.error
    (request,) = requests
    assert [(m.role, m.content) for m in request.messages[:-1]] == [("user", "earlier")]
    assert json.loads(request.messages[-1].content) == {"question": "now?"}


def test_scripted_model_errors_are_retried_by_the_agent_retry(
    program: AgentProgram, requests: list[ModelRequest]
) -> None:
    body = ASKER.replace("max_steps = 4", "max_steps = 4\n  retry = { attempts: 2, backoff: 10ms }")
    script = {"asker": [{"error": "validation", "times": 1}, {"output": {"answer": "second try"}}]}
    result = program.run(body, script, {"topic": "x"})
    assert result.status == "succeeded", result.error
    assert result.output == {"answer": "second try"}
    assert nodes_by_id(result)["a"].attempts == 2


WORKER = """
tool broken = python("{m}:broken")
tool nap = python("{m}:nap")

agent fixer {{
  model = local
  tools = [broken, summarize]
  max_steps = 4
  input {{ task: string }}
  output = string
  prompt = "{{{{ task }}}}"
}}

agent sleeper {{
  model = local
  tools = [nap]
  max_steps = 3
  timeout = 200ms
  input {{ task: string }}
  output = string
  prompt = "{{{{ task }}}}"
}}

workflow summarize(text: string) -> string {{
  s = "summary of {{{{ text }}}}"
  return s
}}

workflow w(task: string) -> string {{
  d = fixer(task: task)
  return d
}}

workflow slow(task: string) -> string {{
  d = sleeper(task: task)
  return d
}}
"""

EXTRA_TOOLS = """
import asyncio

CANCELLED = []


async def broken(x: str) -> str:
    raise RuntimeError("tool exploded")


async def nap(seconds: float) -> str:
    try:
        await asyncio.sleep(seconds)
    except asyncio.CancelledError:
        CANCELLED.append(seconds)
        raise
    return "rested"
"""


def test_a_failing_tool_and_a_delegated_workflow(
    program: AgentProgram, requests: list[ModelRequest]
) -> None:
    extra = write_module(program.directory, EXTRA_TOOLS)
    script = {
        "fixer": [
            {"tool_calls": [{"tool": "broken", "args": {"x": "a"}}]},
            {"tool_calls": [{"tool": "summarize", "args": {"text": "the log"}}]},
            {"output": "all good"},
        ]
    }
    result = program.run(WORKER.format(m=extra), script, {"task": "go"})
    assert result.status == "succeeded", result.error
    assert result.output == "all good"

    failure = requests[1].messages[-1]
    assert failure.role == "tool" and failure.is_error is True
    assert "tool exploded" in failure.content
    delegated = requests[2].messages[-1]
    assert delegated.role == "tool" and delegated.is_error is False
    assert delegated.content == "summary of the log"

    nodes = nodes_by_id(result)
    assert nodes["d/summarize#1"].status == "succeeded"
    assert nodes["d/summarize#1/s"].status == "succeeded"


def test_the_agent_timeout_bounds_the_loop(
    program: AgentProgram, requests: list[ModelRequest]
) -> None:
    extra = write_module(program.directory, EXTRA_TOOLS)
    script = {
        "sleeper": [
            {"tool_calls": [{"tool": "nap", "args": {"seconds": 5}}]},
            {"output": "woke up"},
        ]
    }
    result = program.run(WORKER.format(m=extra), script, {"task": "go"}, workflow="slow")
    assert result.status == "failed"
    assert result.error["kind"] == "timeout"
    assert result.error["node"] == "d"
    assert sys.modules[extra].CANCELLED == [5]
    assert len(requests) == 1


BUDGETED = """
model pricey {
  provider = offline
  max_tokens = 64
  price = { input: $1000, output: $1000 }
}

budget tight { per_run = $0.01 }

agent expensive {
  model = pricey
  input { question: string }
  output = string
  prompt = "{{ question }}"
}

agent boss {
  model = local
  tools = [expensive]
  max_steps = 3
  input { task: string }
  output = string
  prompt = "{{ task }}"
}

workflow w(task: string) -> string {
  budget = tight
  d = boss(task: task)
  return d
}
"""


def test_a_delegated_call_is_under_the_workflows_budget(
    program: AgentProgram, requests: list[ModelRequest]
) -> None:
    script = {
        "boss": [
            {"tool_calls": [{"tool": "expensive", "args": {"question": "q"}}]},
            {"output": "did without"},
        ]
    }
    result = program.run(BUDGETED, script, {"task": "go"})
    assert result.status == "succeeded", result.error
    assert result.output == "did without"
    assert [r.agent for r in requests] == ["boss", "boss"]  # `expensive` never reached a model
    refusal = requests[1].messages[-1]
    assert refusal.is_error is True
    assert "budget" in refusal.content
    assert nodes_by_id(result)["d/expensive#1"].status == "failed"
    assert Decimal(result.cost_usd) == 0


def test_several_tool_calls_in_one_turn_are_answered_in_order(
    program: AgentProgram, requests: list[ModelRequest]
) -> None:
    script = {
        "asker": [
            {
                "tool_calls": [
                    {"tool": "lookup", "args": {"query": "one"}},
                    {"tool": "lookup", "args": {"query": "two"}},
                ]
            },
            {"output": {"answer": "both"}},
        ]
    }
    result = program.run(ASKER, script, {"topic": "x"})
    assert result.status == "succeeded", result.error
    assert program.log == [("lookup", {"query": "one"}), ("lookup", {"query": "two"})]
    assistant, first, second = requests[1].messages[-3:]
    ids = [call.id for call in assistant.tool_calls]
    assert len(set(ids)) == 2
    assert [first.tool_call_id, second.tool_call_id] == ids
    assert json.loads(first.content)["query"] == "one"
    assert json.loads(second.content)["query"] == "two"


def test_an_invalid_output_with_max_steps_one_is_repaired_or_reported_as_validation(
    program: AgentProgram, requests: list[ModelRequest]
) -> None:
    body = ASKER.replace("max_steps = 4", "max_steps = 1")
    script = {"asker": [{"output": {"wrong": 1}}, {"output": {"answer": "fixed"}}]}
    result = program.run(body, script, {"topic": "x"})
    if result.status == "succeeded":
        assert result.output == {"answer": "fixed"}
    else:
        assert result.error["kind"] == "validation"
        assert "max_steps" not in result.error["message"]
