#!/usr/bin/env bash
# Interleaved peer benchmark: project (`gptjt bench engine`, Java loop) vs transformers.js (bench.mjs),
# same model, same prompts (32 tokens), 8 greedy new tokens, batch 1 and 16, PAIRS times in sequence:
#   project, transformers.js, project, transformers.js, ...   (never two 6B processes at once)
# Each step's output goes to its own log with UTC start/end stamps and /usr/bin/time -v figures.
# The host is shared (another engineer's Maven builds use the same 2 cores), so before each step the
# script waits (up to QUIET_WAIT_S) for the CPUs to be idle, and after it logs how much CPU *other*
# processes took while it ran: /proc/stat busy time minus the step's own user+sys.
set -euo pipefail

MODEL_DIR=${MODEL_DIR:-/tmp/big/gptjt6b-int4}   # the project's Optimum export (read only)
PEER_DIR=${PEER_DIR:-/tmp/tjs/model}            # transformers.js layout: symlinks into MODEL_DIR (make-peer-dir.sh)
CLONE=${CLONE:-/tmp/peer-clone}                 # a clone of the project (bin/gptjt builds itself on first use)
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
LOGS=${LOGS:-$HERE/logs}
PAIRS=${PAIRS:-2}
FIRST=${FIRST:-1}                                # number of the first pair (to add pairs to an earlier run's logs)
BATCHES=${BATCHES:-1,16}
PROMPT=${PROMPT:-32}
NEW=${NEW:-8}
THREADS=${THREADS:-2}                           # ORT intra-op threads for both (this host: 2 cores)
QUIET_WAIT_S=${QUIET_WAIT_S:-600}
HZ=$(getconf CLK_TCK)

mkdir -p "$LOGS"
stamp() { date -u +%Y-%m-%dT%H:%M:%SZ; }
busy_jiffies() { awk '/^cpu /{print $2+$3+$4+$7+$8}' /proc/stat; }   # user nice system irq softirq

wait_quiet() { # until the CPUs are < 10% busy over 3 s (or QUIET_WAIT_S passed)
  local start=$SECONDS b0 b1 pct
  while :; do
    b0=$(busy_jiffies); sleep 3; b1=$(busy_jiffies)
    pct=$(( (b1 - b0) * 100 / (3 * HZ * $(nproc)) ))
    if (( pct < 10 )); then echo "## quiet after $((SECONDS - start)) s (${pct}% busy)"; return; fi
    if (( SECONDS - start > QUIET_WAIT_S )); then echo "## NOT quiet after ${QUIET_WAIT_S} s (${pct}% busy): running anyway"; return; fi
  done
}

step() { # step NAME CMD...
  local name="$1"; shift
  local log="$LOGS/$name.log" b0 b1 t0 t1
  { echo "## $name"; echo "## cmd: $(echo "$*" | cut -c1-400)"; wait_quiet; echo "## start $(stamp)"; } > "$log"
  b0=$(busy_jiffies); t0=$(date +%s.%N)
  /usr/bin/time -v "$@" >> "$log" 2>&1 || echo "## FAILED rc=$?" >> "$log"
  b1=$(busy_jiffies); t1=$(date +%s.%N)
  echo "## end $(stamp)" >> "$log"
  awk -v b="$(( b1 - b0 ))" -v hz="$HZ" -v w="$(echo "$t1 - $t0" | bc)" '
      /User time \(seconds\)/ {u=$NF} /System time \(seconds\)/ {s=$NF}
      END {o=b/hz-u-s; if (o<0) o=0; printf "## other processes CPU during step: %.1f s over %.1f s wall (%.2f cores on average)\n", o, w, o/w}' \
      "$log" >> "$log"
  echo "$(stamp) done $name -> $log ($(tail -1 "$log" | cut -c4-))"
}

CP="$CLONE/cli/target/classes:$(cat "$CLONE/cli/target/classpath.txt")"
for i in $(seq "$FIRST" $((FIRST + PAIRS - 1))); do
  step "run${i}-1-project-loadtime" java -cp "$CP" "$HERE/ProjectLoadTime.java" "$MODEL_DIR" 16 "$PROMPT" "$NEW" "$THREADS"
  step "run${i}-2-project-bench" "$CLONE/bin/gptjt" bench engine --model "$MODEL_DIR" --backends java-loop \
       --batch-sizes "$BATCHES" --prompt-tokens "$PROMPT" --max-new-tokens "$NEW" --repeat 1 --threads "$THREADS"
  step "run${i}-3-transformersjs" node "$HERE/bench.mjs" --model "$PEER_DIR" --batch-sizes "$BATCHES" \
       --prompt-tokens "$PROMPT" --new-tokens "$NEW" --threads "$THREADS" --repeat 1
done
