#!/usr/bin/env bash
# Numbers-unchanged check of issue 13 (the spine): reruns 30 fine-tuning steps, 3 graph-training epochs and a PiSSA-fast
# initialisation with the CLI built from this checkout and prints SHA-256 prefixes of the outputs beside the values
# recorded on c9d694a (before the spine). Needs ../shared/data (SST-2, MUTAG). Usage: benchmarks/SpineHashes/run.sh
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
data=$root/../shared/data
dotnet build "$root/src/Cli" -c Release -v q -nologo > /dev/null
P=$root/src/Cli/bin/Release/net10.0/linux-x64/pipelines
w=$(mktemp -d)
head -200 "$data/text/sst2/stsa.binary.train" > "$w/train200.txt"
head -64 "$data/text/sst2/stsa.binary.dev" > "$w/dev64.txt"
"$P" lora train --train "$w/train200.txt" --valid "$w/dev64.txt" --method pissa --rank 8 --max-steps 30 --batch-size 8 --seed 1 --out "$w/ft" --json > "$w/ft.json"
# lora train (embedded model) has extracted MiniLM beside the CLI by now (PretrainedModels.MiniLm): copy it for lora init
mkdir -p "$w/mini" && cp "$root/src/Cli/bin/Release/net10.0/linux-x64/pretrained/all-MiniLM-L6-v2/"* "$w/mini/"
"$P" graph train --data "$data/graphs/tu/MUTAG" --pe spe --epochs 3 --hidden 32 --layers 3 --out "$w/gt" --json > "$w/gt.json"
"$P" lora init --model "$w/mini/model.onnx" --method pissa-fast --rank 16 --seed 3 --out "$w/li" --json > "$w/li.json" 2>/dev/null
echo "lora train, 30 steps     $(sha256sum < "$w/ft/model.onnx" | cut -c1-16)  (c9d694a: f25d42cbda8562c9)"
echo "graph train, 3 epochs    $(sha256sum < "$w/gt/model.onnx" | cut -c1-16)  (c9d694a: 75cc730780da2033)"
echo "lora init model          $(sha256sum < "$w/li/model.onnx" | cut -c1-16)  (c9d694a: a62071a71313dd84)"
echo "lora init --json layers  $(python3 -c "
import json,hashlib;d=json.load(open('$w/li.json'))
print(hashlib.sha256(json.dumps([{k:v for k,v in l.items() if k!='seconds'} for l in d['layers']]).encode()).hexdigest()[:16])")  (c9d694a: ce3b7feed474cda4)"
rm -rf "$w"
