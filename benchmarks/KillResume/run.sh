#!/usr/bin/env bash
# Issue 19: kill -9 at a random second of a ~3-minute `lora train` (1,200 steps of 8 SST-2 sentences); the rerun resumes
# from the checkpoint and must end with the same model.onnx bytes as an uninterrupted run. Prints how old the last
# checkpoint was at the kill (at most --checkpoint-seconds). With SIGNAL=TERM the run is stopped gracefully (as by Ctrl+C)
# instead: it must exit 130 with its checkpoint saved at the step reached (nothing lost) and resume to the same bytes.
# Needs ../shared/data. Usage: [SIGNAL=KILL|TERM] benchmarks/KillResume/run.sh [seconds]
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
dotnet build "$root/src/Cli" -c Release -v q -nologo > /dev/null
P=$root/src/Cli/bin/Release/net10.0/linux-x64/pipelines
w=$(mktemp -d)
head -200 "$root/../shared/data/text/sst2/stsa.binary.train" > "$w/train.txt"
args=(lora train --train "$w/train.txt" --max-steps 1200 --batch-size 8 --seed 2 --checkpoint-seconds 20 --json)
s=$(date +%s.%N); "$P" "${args[@]}" --out "$w/a" > /dev/null 2>&1; e=$(date +%s.%N)
echo "uninterrupted: $(echo "$e - $s" | bc) s, model $(sha256sum < "$w/a/model.onnx" | cut -c1-16)"
r=${1:-$(( (RANDOM % 140) + 20 ))}
"$P" "${args[@]}" --out "$w/b" > /dev/null 2>&1 & pid=$!
sig=${SIGNAL:-KILL}
sleep "$r"; kill -s "$sig" "$pid" 2>/dev/null; k=$(date +%s.%N); wait "$pid" 2>/dev/null; rc=$?
echo "SIG$sig at second $r: exit $rc; the checkpoint was $(echo "$k - $(stat -c %Y "$w/b/checkpoint/state.bin")" | bc) s old (interval 20 s)"
"$P" "${args[@]}" --out "$w/b" > /dev/null 2>&1
echo "resumed: model $(sha256sum < "$w/b/model.onnx" | cut -c1-16); bit-identical: $(cmp -s "$w/a/model.onnx" "$w/b/model.onnx" && echo yes || echo NO)"
rm -rf "$w"
