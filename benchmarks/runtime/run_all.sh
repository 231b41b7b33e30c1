#!/usr/bin/env bash
# W1-W4 on LangGraph (the peer) and agentflow in one sitting, interleaved:
#   peer, agentflow, peer, agentflow   (each: 2 untimed warm-ups + 5 timed repeats)
# then the side-by-side table of ../shared/bench/compare.py, the calibration medians
# of every process (compare only runs whose medians agree within ~10 %), and one cProfile
# of the workload named by $PROFILE (default W3; PROFILE= to skip).
#
#   bash benchmarks/runtime/setup_peer.sh     # once: benchmarks/runtime/.peer-venv
#   bash benchmarks/runtime/run_all.sh        # about 4-6 minutes
#
# Environment: AF_PYTHON (a Python with agentflow's dependencies; default .venv/bin/python
# at the repo root, else python3), PEER_PYTHON (default benchmarks/runtime/.peer-venv/bin/python),
# AGENTFLOW_BENCH_SHARED (default ../shared/bench beside the repo), REPEATS, WARMUP, PROFILE.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
SHARED="${AGENTFLOW_BENCH_SHARED:-$ROOT/../shared/bench}"
PEER_PYTHON="${PEER_PYTHON:-$HERE/.peer-venv/bin/python}"
if [ -z "${AF_PYTHON:-}" ]; then
  if [ -x "$ROOT/.venv/bin/python" ]; then AF_PYTHON="$ROOT/.venv/bin/python"; else AF_PYTHON=python3; fi
fi
REPEATS="${REPEATS:-5}"
WARMUP="${WARMUP:-2}"
PROFILE="${PROFILE-W3}"

[ -f "$SHARED/langgraph_workloads.py" ] || { echo "no $SHARED/langgraph_workloads.py (../shared beside the repo?)" >&2; exit 2; }
[ -x "$PEER_PYTHON" ] || { echo "no peer venv: run bash benchmarks/runtime/setup_peer.sh" >&2; exit 2; }
export PYTHONPATH="$ROOT${PYTHONPATH:+:$PYTHONPATH}"

OUT="$HERE/results/$(date +%F)"
STAMP="$(date +%H%M%S)"
mkdir -p "$OUT"
cd "$ROOT"
LG=() AF=()
for i in 1 2; do
  f="$OUT/lg-$STAMP-$i.jsonl"
  echo "[$(date +%T)] peer run $i -> ${f#$ROOT/}" >&2
  "$PEER_PYTHON" "$SHARED/langgraph_workloads.py" --repeats "$REPEATS" --warmup "$WARMUP" > "$f"
  LG+=("$f")
  f="$OUT/af-$STAMP-$i.jsonl"
  echo "[$(date +%T)] agentflow run $i -> ${f#$ROOT/}" >&2
  "$AF_PYTHON" "$HERE/run_agentflow.py" --repeats "$REPEATS" --warmup "$WARMUP" > "$f"
  AF+=("$f")
done

echo >&2
echo "# calibration medians (ms): compare only runs that agree within ~10 %" >&2
python3 - "${LG[@]}" "${AF[@]}" <<'PY'
import json, sys
for path in sys.argv[1:]:
    cal = {}
    for line in open(path):
        if line.startswith("{"):
            rec = json.loads(line)
            if rec["workload"] in ("calibration", "calibration_end"):
                cal[rec["workload"]] = rec["median_s"] * 1e3
            if rec["workload"] == "calibration_end":
                cal["wall_s"] = rec.get("total_wall_s")
                cal["steal"] = rec.get("cpu_steal_ticks")
    print(f"{path.rsplit('/', 1)[-1]}: start {cal.get('calibration', 0):.1f}, "
          f"end {cal.get('calibration_end', 0):.1f}, wall {cal.get('wall_s') or 0:.0f} s, "
          f"steal {cal.get('steal')}")
PY
echo
echo "\$ python3 $SHARED/compare.py --a langgraph ${LG[*]} --b agentflow ${AF[*]}" >&2
python3 "$SHARED/compare.py" --a langgraph "${LG[@]}" --b agentflow "${AF[@]}" | tee "$OUT/compare-$STAMP.md"

if [ -n "$PROFILE" ]; then
  echo "[$(date +%T)] cProfile of $PROFILE -> ${OUT#$ROOT/}/profile-$STAMP-$PROFILE.txt" >&2
  rm -f "$OUT/profile-$STAMP-$PROFILE.txt"
  "$AF_PYTHON" "$HERE/run_agentflow.py" --only "$PROFILE" --primary-only --repeats 1 --warmup 1 \
    --profile "$PROFILE" --profile-out "$OUT/profile-$STAMP-$PROFILE.txt" > /dev/null 2>&1
fi
