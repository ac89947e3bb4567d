#!/usr/bin/env bash
# Pretrain with data parallelism on every GPU of this machine (one process per GPU, NCCL).
#   scripts/pretrain_multigpu.sh CORPUS OUTPUT [CONFIG] [extra python -m pretrain flags...]
# GPUS=4 picks the number of processes (default: all GPUs nvidia-smi lists). train.batch_size is per
# process: the contrastive batch is batch_size x GPUS, its features gathered across processes.
set -euo pipefail
source "$(dirname "$0")/_common.sh"
shift "$launch_shift"
gpus=${GPUS:-$(nvidia-smi -L | wc -l)}
exec "$PYTHON" -m accelerate.commands.launch --multi_gpu --num_processes "$gpus" --num_machines 1 \
  --dynamo_backend no -m pretrain --corpus "$corpus" --output "$output" --config "$config" "$@"
