#!/usr/bin/env bash
# The 8-bit AdamW update before → after the search-free requantization, side by side in one run: builds this
# benchmark at BEFORE (with this checkout's UpdateCost.cs/Program.cs copied in) and at the working tree, then runs
# `update` REPS times, interleaved. Usage: benchmarks/OptimizerState/before-after.sh [BEFORE=ed904b4] [ELEMENTS=22700000] [STEPS=4] [REPS=3]
set -euo pipefail
root=$(git -C "$(dirname "$0")" rev-parse --show-toplevel)
before=${1:-ed904b4}; elements=${2:-22700000}; steps=${3:-4}; reps=${4:-3}
tmp=$(mktemp -d)
trap 'git -C "$root" worktree remove --force "$tmp/before" >/dev/null 2>&1 || true; rm -rf "$tmp"' EXIT
git -C "$root" worktree add -q --detach "$tmp/before" "$before"
cp "$root/benchmarks/OptimizerState/UpdateCost.cs" "$root/benchmarks/OptimizerState/Program.cs" "$tmp/before/benchmarks/OptimizerState/"
dotnet build -c Release "$tmp/before/benchmarks/OptimizerState/OptimizerState.csproj" -o "$tmp/before-bin" >/dev/null
dotnet build -c Release "$root/benchmarks/OptimizerState/OptimizerState.csproj" -o "$tmp/after-bin" >/dev/null
for ((i = 1; i <= reps; i++)); do
  echo "== before ($before), rep $i"; "$tmp/before-bin/Pipelines.OptimizerState" update "$elements" "$steps"
  echo "== after ($(git -C "$root" rev-parse --short HEAD)$(git -C "$root" diff --quiet || echo +)), rep $i"; "$tmp/after-bin/Pipelines.OptimizerState" update "$elements" "$steps"
done
