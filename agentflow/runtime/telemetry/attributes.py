"""The names of span attributes agentflow writes: the contract between the spans the runtime
emits and what reads them (the store's trace view, the span-derived metrics, log records).

GenAI names follow the OpenTelemetry GenAI semantic conventions; the constants in
`opentelemetry-semantic-conventions` are deprecated there, so agentflow keeps its own.
"""

from __future__ import annotations

from typing import Final

# ---------------------------------------------------------------- OpenTelemetry GenAI
GEN_AI_OPERATION_NAME: Final = "gen_ai.operation.name"  # chat | invoke_agent | execute_tool
GEN_AI_PROVIDER_NAME: Final = "gen_ai.provider.name"  # anthropic | openai | agentflow.offline
GEN_AI_REQUEST_MODEL: Final = "gen_ai.request.model"
GEN_AI_RESPONSE_MODEL: Final = "gen_ai.response.model"
GEN_AI_RESPONSE_FINISH_REASONS: Final = "gen_ai.response.finish_reasons"
GEN_AI_REQUEST_MAX_TOKENS: Final = "gen_ai.request.max_tokens"
GEN_AI_REQUEST_TEMPERATURE: Final = "gen_ai.request.temperature"
GEN_AI_USAGE_INPUT_TOKENS: Final = "gen_ai.usage.input_tokens"
GEN_AI_USAGE_OUTPUT_TOKENS: Final = "gen_ai.usage.output_tokens"
GEN_AI_AGENT_NAME: Final = "gen_ai.agent.name"
GEN_AI_TOOL_NAME: Final = "gen_ai.tool.name"
GEN_AI_TOOL_CALL_ID: Final = "gen_ai.tool.call.id"
GEN_AI_TOOL_CALL_ARGUMENTS: Final = "gen_ai.tool.call.arguments"  # opt-in content, redacted
GEN_AI_TOOL_CALL_RESULT: Final = "gen_ai.tool.call.result"  # opt-in content, redacted
GEN_AI_INPUT_MESSAGES: Final = "gen_ai.input.messages"  # opt-in content, redacted
GEN_AI_OUTPUT_MESSAGES: Final = "gen_ai.output.messages"  # opt-in content, redacted
GEN_AI_SYSTEM_INSTRUCTIONS: Final = "gen_ai.system_instructions"  # opt-in content, redacted
ERROR_TYPE: Final = "error.type"

OPERATION_CHAT: Final = "chat"
OPERATION_INVOKE_AGENT: Final = "invoke_agent"
OPERATION_EXECUTE_TOOL: Final = "execute_tool"

# ---------------------------------------------------------------- agentflow
SPAN_KIND: Final = "agentflow.span.kind"  # one of SPAN_KINDS
RUN_ID: Final = "agentflow.run.id"
WORKFLOW: Final = "agentflow.workflow"
NODE_ID: Final = "agentflow.node.id"
NODE_KIND: Final = "agentflow.node.kind"  # the plan's node kind: call_agent, map, pure, ...
CALLEE: Final = "agentflow.callee"
PRINCIPAL: Final = "agentflow.principal"
ROLE: Final = "agentflow.role"
STATUS: Final = "agentflow.status"  # succeeded | failed | denied | skipped
ATTEMPTS: Final = "agentflow.attempts"
COST_USD: Final = "agentflow.cost_usd"  # float, for metrics; the ledger keeps exact decimals
BUDGETS: Final = "agentflow.budgets"  # the budgets a call was charged to (list of names)
STEP: Final = "agentflow.step"  # an agent step's number, from 1
POLICY_DECISION: Final = "agentflow.policy.decision"  # allow | deny, on span events
POLICY_ACTION: Final = "agentflow.policy.action"
POLICY_RESOURCE: Final = "agentflow.policy.resource"
POLICY_REASON: Final = "agentflow.policy.reason"
MESSAGE: Final = "agentflow.message"  # on events: what happened, redacted
RETRY_DELAY_S: Final = "agentflow.retry.delay_s"  # on retry events: the wait before the next try
MODEL_FROM: Final = "agentflow.model.from"  # on failover events: the model that failed
MODEL_TO: Final = "agentflow.model.to"  # on failover events: the model tried next
BUDGET: Final = "agentflow.budget"  # on budget alert events: the budget's name
BUDGET_WINDOW: Final = "agentflow.budget.window"  # on budget alert events: run:<id>, day:..., ...

# Values of SPAN_KIND, and the span names they go with.
SPAN_KINDS: Final = ("run", "node", "agent", "step", "model", "tool")
#   run    "run {workflow}"            one per run (and per sub-workflow call: "run {workflow}")
#   node   "node {node id}"            one per plan node that executes (map items included)
#   agent  "invoke_agent {agent}"      an agent's whole loop
#   step   "step {n}"                  one turn of an agent's loop
#   model  "chat {model}"              one model request (each retry or failover attempt)
#   tool   "execute_tool {tool}"       one tool call

# Span event names.
EVENT_POLICY: Final = "agentflow.policy"  # a policy decision, with the POLICY_* attributes
EVENT_FAILOVER: Final = "agentflow.model.failover"
EVENT_RETRY: Final = "agentflow.retry"
EVENT_BUDGET_ALERT: Final = "agentflow.budget.alert"
