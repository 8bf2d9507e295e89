#!/usr/bin/env bash
# Every capture of tcpdump's test suite (many deliberately malformed) goes
# through `muster-sensor -r` under ASan/UBSan: the exit must be 0 (read) or
# 3 (a file libpcap cannot open), never a crash or a sanitizer report.
set -u
bin=${1:?usage: test_tcpdump_corpus.sh MUSTER_SENSOR [CORPUS_DIR]}
src=$(cd "$(dirname "$0")/../.." && pwd)
dir=${2:-$src/../shared/corpus/tcpdump-pcaps}
if [ ! -d "$dir" ]; then
	echo "corpus $dir not found: skipped"
	exit 77
fi
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
pass=0 fail=0 opened=0 unopened=0
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
for f in "$dir"/*; do
	[ -f "$f" ] || continue
	"$bin" -r "$f" --no-store --json --oui-dir /nonexistent >/dev/null 2>"$tmp"
	rc=$?
	if grep -qE 'Sanitizer|runtime error|LeakSanitizer' "$tmp" || { [ $rc -ne 0 ] && [ $rc -ne 3 ]; }; then
		echo "FAIL $(basename "$f") exit=$rc"
		grep -m5 -E 'ERROR|runtime error|#[0-3] ' "$tmp" | sed 's/^/    /'
		fail=$((fail + 1))
	else
		pass=$((pass + 1))
		[ $rc -eq 0 ] && opened=$((opened + 1)) || unopened=$((unopened + 1))
	fi
done
echo "captures read: $opened, refused by libpcap (exit 3): $unopened"
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
