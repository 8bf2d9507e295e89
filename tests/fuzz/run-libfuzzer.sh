#!/usr/bin/env bash
# Run one libFuzzer harness for a fixed time from a copy of its seed corpus
# (so the inputs it finds stay out of the source tree).
# Usage: run-libfuzzer.sh BINARY SEED_DIR SECONDS ARTIFACT_PREFIX
set -u
bin=$1 seeds=$2 secs=$3 art=$4
[ -x "$bin" ] || { echo "no fuzz binary $bin: skipped"; exit 77; }
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT
[ -d "$seeds" ] && cp -r "$seeds"/. "$d"/
"$bin" -max_total_time="$secs" -rss_limit_mb=2048 -timeout=10 -artifact_prefix="$art" "$d" 2>&1 | tail -5
exit "${PIPESTATUS[0]}"
