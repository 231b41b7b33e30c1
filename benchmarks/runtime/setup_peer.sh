#!/usr/bin/env bash
# Create benchmarks/runtime/.peer-venv with the peer (LangGraph) pinned in
# ../shared/bench/requirements.txt. LangGraph lives only in this venv; it is never a
# dependency of agentflow. The venv is git-ignored.
#
#   bash benchmarks/runtime/setup_peer.sh            # from the repo root (or anywhere)
#   PYTHON=python3.11 bash benchmarks/runtime/setup_peer.sh
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
SHARED="${AGENTFLOW_BENCH_SHARED:-$ROOT/../shared/bench}"
PY="${PYTHON:-python3.11}"
VENV="$HERE/.peer-venv"
REQ="$SHARED/requirements.txt"
[ -f "$REQ" ] || { echo "no $REQ (expected ../shared/bench beside the repo)" >&2; exit 2; }
if [ ! -x "$VENV/bin/python" ]; then
  "$PY" -m venv "$VENV"
fi
"$VENV/bin/pip" install -q --upgrade pip
"$VENV/bin/pip" install -q -r "$REQ"
"$VENV/bin/python" -c "import langgraph.version, langchain_core; print('peer venv ready: langgraph', langgraph.version.__version__, 'langchain-core', langchain_core.__version__)"
