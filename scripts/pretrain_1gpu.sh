#!/usr/bin/env bash
# Pretrain on one GPU (bf16 autocast where supported; see train.mixed_precision in the config).
#   scripts/pretrain_1gpu.sh CORPUS OUTPUT [CONFIG] [extra python -m pretrain flags...]
# Example: scripts/pretrain_1gpu.sh data/corpus/humanml3d runs/unimts unimts-ours --resume
set -euo pipefail
source "$(dirname "$0")/_common.sh"
shift "$launch_shift"
exec "$PYTHON" -m accelerate.commands.launch --num_processes 1 --num_machines 1 --dynamo_backend no \
  -m pretrain --corpus "$corpus" --output "$output" --config "$config" "$@"
