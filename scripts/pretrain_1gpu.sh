#!/usr/bin/env bash
# Pretrain on one GPU (bf16 autocast where supported; see train.mixed_precision in the config).
#   scripts/pretrain_1gpu.sh CORPUS OUTPUT [CONFIG] [extra python -m pretrain flags...]
# Example: scripts/pretrain_1gpu.sh data/corpus/humanml3d runs/unimts unimts --resume
set -euo pipefail
if [ $# -lt 2 ]; then
  echo "usage: $0 CORPUS OUTPUT [CONFIG] [python -m pretrain flags...]" >&2
  exit 2
fi
corpus=$1 output=$2 config=${3:-unimts}
shift $(( $# < 3 ? $# : 3 ))
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-.venv/bin/python}
exec "$PYTHON" -m accelerate.commands.launch --num_processes 1 --num_machines 1 --dynamo_backend no \
  -m pretrain --corpus "$corpus" --output "$output" --config "$config" "$@"
