#!/usr/bin/env bash
# The quantized-base comparison (README "Quantized base"): one process per run, WORKERS at a time, 1 intra-op thread
# each; finished runs (qbase.jsonl) are skipped, so a rerun continues. Usage: qbase.sh [WORKERS] [RANKS] [SEEDS] [METHODS] [LRS]
# (LRS: adapter learning rates, default the library's 5e-4; the report picks per method the lr with the best mean dev accuracy)
set -euo pipefail
cd "$(dirname "$0")/../.."
WORKERS=${1:-2}
RANKS=${2:-"8 16"}
SEEDS=${3:-"0 1 2"}
METHODS=${4:-"QPiSSA QLoRA PiSSA LoRA LoftQ"}
LRS=${5:-"5e-4"}
EXE=${EXE:-benchmarks/FineTuneComparison/bin/Release/net10.0/linux-x64/FineTuneComparison}
OUT=${OUT:-benchmarks/results/finetune}
EXTRA=${EXTRA:-"--train-limit 1600 --batch 16 --max-length 64 --threads 1"}
jobs_list=()
for rank in $RANKS; do for seed in $SEEDS; do for lr in $LRS; do for m in $METHODS; do jobs_list+=("$m $rank $seed --lr $lr"); done; done; done; done
printf '%s\n' "${jobs_list[@]}" | xargs -P "$WORKERS" -I{} sh -c "$EXE qbase --out $OUT $EXTRA --run {} >> $OUT/qbase-\$(echo {} | tr -d -- '-' | tr ' ' _).log 2>&1 || echo 'FAILED {}'"
$EXE qbase --out "$OUT" --report
