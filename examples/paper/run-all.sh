#!/usr/bin/env bash
# Reproduction of the paper's Fashion-MNIST / LeNet5 experiments (docs/reproduction.md).
#
#   examples/paper/run-all.sh [EPOCHS] [OUT]         EPOCHS default 100 (the paper), OUT default runs/paper
#
# Runs every config of this folder with `proxmesh sim` for EPOCHS epochs (iterations = EPOCHS × the
# config's evalEvery, which is one epoch: 1500 for b = 8, 46 for b = 256), evaluating once per epoch,
# into OUT/A/<name> (Experiment A, ℓ1) and OUT/B/<name> (Experiment B, compressed, r = 0). Each OUT/A and
# OUT/B gets an index.ndjson, so `proxmesh report OUT/A` overlays the runs of one experiment.
# Environment:
#   PARALLEL=2        sims at a time (each sim is one single-threaded process)
#   RUNS="…"          config names to run, in order (default: all nine); "name:13m" gives that run its
#                     own time limit; "name@3" runs it with seed 3 into <name>-s3 (several seeds of one
#                     method side by side)
#   TIME_LIMIT=12m    stop each sim after this long (coreutils `timeout`); the rows written so far stay
#                     valid (metrics.ndjson is appended per evaluation), summary.json is then missing
#   SHARED_INIT=1     one shared random x⁰ (init.perNode false) instead of the authors' per-node x_i⁰
#   NICE=19           niceness of the sims
#   PRECISION=f32     the model's arithmetic (problem.precision; the authors' PyTorch model is float32,
#                     their trackers float64, as ours are in f32 mode); default: the configs' (f64)
#   CHECKPOINT=1      checkpointEvery = one epoch; a run folder that has a checkpoint but no
#                     summary.json is continued with `proxmesh sim --resume` instead of started again,
#                     so the script can be stopped at any point and run again (docs/resume.md)
# The full reproduction is `examples/paper/run-all.sh 100` (≈ 1 core-minute per b = 8 epoch on our
# machine, see docs/reproduction.md).
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
EPOCHS="${1:-100}"
OUT="$(mkdir -p "${2:-runs/paper}" && cd "${2:-runs/paper}" && pwd)"
PARALLEL="${PARALLEL:-2}"
NICE="${NICE:-19}"
RUNS="${RUNS:-b-cdproxsgt b-dproxsgt b-choco b-allreduce b-beer a-dproxsgt a-allreduce a-deepstorm a-proxgtsa}"
mkdir -p "$OUT/configs" "$OUT/A" "$OUT/B" "$OUT/logs"
# The compiled CLI (package.json "bin"); node/cli/bin.js no longer exists since the build moved to dist/.
CLI="$ROOT/dist/node/cli/bin.js"
[ -f "$CLI" ] || { echo "no $CLI: run 'npm run build' first" >&2; exit 2; }

# run name of a RUNS entry: "b-choco@2:30m" → b-choco-s2
run_name() { local e="${1%%:*}"; case "$e" in *@*) echo "${e%%@*}-s${e##*@}" ;; *) echo "$e" ;; esac; }

for entry in $RUNS; do
  e="${entry%%:*}"
  base="${e%%@*}"
  name="$(run_name "$entry")"
  src="$HERE/$base.yaml"
  [ -f "$src" ] || { echo "no config $src" >&2; exit 2; }
  per="$(sed -n 's/^evalEvery: *\([0-9]*\).*/\1/p' "$src")"
  init='perNode: true'
  [ "${SHARED_INIT:-0}" = 1 ] && init='perNode: false'
  edits="s/^iterations: .*/iterations: $((EPOCHS * per))/; s/perNode: true/$init/; s/^output: .*/output: { dir: runs, name: $name }/"
  [ "$e" != "$base" ] && edits="$edits; s/^seed: .*/seed: ${e##*@}/"
  [ -n "${PRECISION:-}" ] && edits="$edits; s/^  model: \(.*\)$/  model: \1\\n  precision: $PRECISION/"
  [ "${CHECKPOINT:-0}" = 1 ] && edits="$edits; s/^evalEvery: .*/&\\ncheckpointEvery: $per/"
  sed "$edits" "$src" > "$OUT/configs/$name.yaml"
done

run_one() {
  local name limit="${TIME_LIMIT:-}" exp
  name="$(run_name "$1")"
  [ "$1" != "${1%%:*}" ] && limit="${1#*:}"
  exp="$(echo "${name:0:1}" | tr ab AB)"
  local cmd=(nice -n "$NICE" node "$CLI" sim --config "$OUT/configs/$name.yaml" --out "$OUT/$exp/$name" --quiet)
  if [ -f "$OUT/$exp/$name/summary.json" ]; then echo "$(date -u +%T) done already: $name"; return; fi
  if compgen -G "$OUT/$exp/$name/checkpoints/*.ckpt" > /dev/null; then
    cmd=(nice -n "$NICE" node "$CLI" sim --resume "$OUT/$exp/$name" --quiet)
  fi
  echo "$(date -u +%T) start $name (${cmd[6]})"
  if [ -n "$limit" ]; then timeout "$limit" "${cmd[@]}" > "$OUT/logs/$name.log" 2>&1 || true
  else "${cmd[@]}" > "$OUT/logs/$name.log" 2>&1 || echo "$name failed (see $OUT/logs/$name.log)"; fi
  echo "$(date -u +%T) end   $name ($(($(wc -l < "$OUT/$exp/$name/metrics.ndjson") - 1)) epochs evaluated)"
}
export -f run_one run_name
export OUT ROOT NICE TIME_LIMIT CLI
printf '%s\n' $RUNS | xargs -P "$PARALLEL" -I{} bash -c 'run_one {}'

for exp in A B; do
  node --import tsx "$HERE/make-index.ts" "$OUT/$exp"
done
echo "done: npx proxmesh report $OUT/A ; npx proxmesh report $OUT/B   (figure paper-panels.png: the paper's layout)"
