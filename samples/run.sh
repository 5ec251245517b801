#!/usr/bin/env bash
# Packs the libraries into a local feed (samples/.feed), empties the samples' package cache of our ids
# (samples/.packages/stabilitypipelines.*), builds the five samples against the packed packages and runs each one.
# Prints one line per sample and ends with "samples: N passed, N failed". Usage: samples/run.sh [Sample ...]
# SAMPLES_NO_PACK=1 reuses the packages already in samples/.feed (while editing a sample).
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
samples=("$@")
[ ${#samples[@]} -eq 0 ] && samples=(PissaInit TopologyFastTree GraphSpe AdapterFineTuning QuantizedExport)
log="$(mktemp -d)"

elapsed() { awk -v s="$1" -v e="$(date +%s.%N)" 'BEGIN { printf "%.1f", e - s }'; }

start=$(date +%s.%N)
if [ "${SAMPLES_NO_PACK:-}" = 1 ] && ls "$here/.feed"/*.nupkg >/dev/null 2>&1; then
  echo "pack: skipped (SAMPLES_NO_PACK=1), $(ls "$here/.feed"/*.nupkg | wc -l) packages in samples/.feed"
else
rm -rf "$here/.feed" && mkdir -p "$here/.feed"
if ! dotnet pack "$root/packaging/Packages.sln" -c Release -p:PipelinesPack=true -o "$here/.feed" >"$log/pack.log" 2>&1; then
  grep -E "error" "$log/pack.log" | sort -u | head -20
  echo "pack FAILED ($(elapsed "$start") s; log $log/pack.log)"
  echo "samples: 0 passed, ${#samples[@]} failed"
  exit 1
fi
echo "pack: $(ls "$here/.feed"/*.nupkg | wc -l) packages in samples/.feed ($(elapsed "$start") s)"
rm -rf "$here/.packages"/stabilitypipelines.*
fi

passed=0 failed=0
for s in "${samples[@]}"; do
  t=$(date +%s.%N)
  if ! dotnet build "$here/$s/$s.csproj" -c Release >"$log/$s.build.log" 2>&1; then
    grep -E "error" "$log/$s.build.log" | sort -u | head -10
    echo "FAIL $s: build failed ($(elapsed "$t") s; log $log/$s.build.log)"
    failed=$((failed + 1)); continue
  fi
  b=$(elapsed "$t"); t=$(date +%s.%N)
  if (cd "$here/$s" && timeout 600 "bin/Release/net10.0/$s") >"$log/$s.run.log" 2>&1; then
    echo "PASS $s (build $b s, run $(elapsed "$t") s): $(tail -n 1 "$log/$s.run.log")"
    passed=$((passed + 1))
  else
    tail -n 15 "$log/$s.run.log"
    echo "FAIL $s (build $b s, run $(elapsed "$t") s; log $log/$s.run.log)"
    failed=$((failed + 1))
  fi
done
echo "samples: $passed passed, $failed failed (total $(elapsed "$start") s)"
[ "$failed" -eq 0 ]
