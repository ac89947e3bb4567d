#!/usr/bin/env bash
# Pretrain across several machines with torchrun's rendezvous (run the same command on every node).
#   NNODES=4 NODE_RANK=0 MASTER_ADDR=node0 scripts/pretrain_multinode.sh CORPUS OUTPUT [CONFIG] [flags...]
# Under SLURM the variables default to the job's: SLURM_NNODES, SLURM_NODEID and the first host of
# SLURM_JOB_NODELIST, e.g. `srun --ntasks-per-node 1 scripts/pretrain_multinode.sh ...`.
# GPUS_PER_NODE defaults to what nvidia-smi lists. CORPUS and OUTPUT must be on a shared filesystem:
# every process reads the corpus (memory-mapped) and rank 0 writes checkpoints that all ranks resume from.
set -euo pipefail
source "$(dirname "$0")/_common.sh"
shift "$launch_shift"
nnodes=${NNODES:-${SLURM_NNODES:-1}}
node_rank=${NODE_RANK:-${SLURM_NODEID:-0}}
if [ -z "${MASTER_ADDR:-}" ] && [ -n "${SLURM_JOB_NODELIST:-}" ]; then
  MASTER_ADDR=$(scontrol show hostnames "$SLURM_JOB_NODELIST" | head -n 1)
fi
master_addr=${MASTER_ADDR:-localhost}
master_port=${MASTER_PORT:-29500}
gpus_per_node=${GPUS_PER_NODE:-$(nvidia-smi -L | wc -l)}
exec "$PYTHON" -m torch.distributed.run --nnodes "$nnodes" --node_rank "$node_rank" \
  --nproc_per_node "$gpus_per_node" --rdzv_backend c10d --rdzv_endpoint "$master_addr:$master_port" \
  --rdzv_id "${RDZV_ID:-motion-pretrain}" \
  -m pretrain --corpus "$corpus" --output "$output" --config "$config" "$@"
