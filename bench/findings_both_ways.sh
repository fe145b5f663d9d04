#!/bin/bash
# One findings claim both ways, timed: the serial DVC queue and `nerlab grid run` (a local Ray), each in a clone of
# HEAD sharing this project's DVC cache; then `nerlab findings collect` in each and a byte comparison of
# metrics/findings.json and the per-run statistics.
#     bash bench/findings_both_ways.sh p002-joint-vs-token [CPUS_PER_TRIAL]
# Needs NERLAB_DATA_DIR and the venv (. .venv/bin/activate). Leaves the two clones in a temp folder it prints.
set -u
CLAIM=${1:?a claim id of configs/findings.yaml}
CPUS=${2:-2}
ROOT=$(git rev-parse --show-toplevel)
WORK=$(mktemp -d -t nerlab-both-ways-XXXX)
echo "clones in $WORK"
for d in serial grid; do
  git clone -q "$ROOT" "$WORK/$d" && (cd "$WORK/$d" && dvc cache dir --local "$ROOT/.dvc/cache" && dvc config --local core.analytics false)
done
cd "$WORK/serial"
s=$(date +%s)
nerlab findings queue --only "$CLAIM" > "$WORK/serial.log" 2>&1 && dvc exp run --run-all -j 1 >> "$WORK/serial.log" 2>&1
echo "serial DVC queue: $(( $(date +%s) - s )) s (exit $?)"
nerlab findings collect --only "$CLAIM" > /dev/null 2>&1
cd "$WORK/grid"
s=$(date +%s)
nerlab grid run --findings --only "$CLAIM" --cpus-per-trial "$CPUS" > "$WORK/grid.log" 2>&1
echo "nerlab grid run (local Ray, $CPUS CPUs per trial): $(( $(date +%s) - s )) s (exit $?)"
nerlab findings collect --only "$CLAIM" > /dev/null 2>&1
cmp "$WORK/serial/metrics/findings.json" "$WORK/grid/metrics/findings.json" && echo "metrics/findings.json: identical"
for f in "$WORK"/serial/metrics/findings/runs/*; do
  cmp -s "$f" "$WORK/grid/metrics/findings/runs/$(basename "$f")" && echo "$(basename "$f"): identical" || echo "$(basename "$f"): DIFFERS"
done
