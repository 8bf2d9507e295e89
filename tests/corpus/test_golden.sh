#!/usr/bin/env bash
# Golden tests (issue 3, "Show"): every capture tests/data/*.pcap with a
# .expected.json beside it (made in the lab by tests/data/make-golden.sh) goes
# through `muster-sensor -r FILE --no-store --json`; the output, normalised
# (lines sorted, i.e. hosts by MAC), must equal the expected JSON. A mismatch
# prints a unified diff.
#
#   test_golden.sh MUSTER_SENSOR [DATA_DIR]
#
# Vendors come from /usr/share/ieee-data and OS labels from /etc/p0f/p0f.fp
# and sensor/fingerprint/: a change there shows up here as a diff.
# Exit 0 all passed, 1 a failure, 77 no golden captures.
set -u
bin=${1:?usage: test_golden.sh MUSTER_SENSOR [DATA_DIR]}
data=${2:-$(cd "$(dirname "$0")/../data" && pwd)}

normalise() { LC_ALL=C sort; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

passed=0 failed=0
shopt -s nullglob
for pcap in "$data"/*.pcap; do
	base=${pcap%.pcap}
	name=${base##*/}
	expected=$base.expected.json
	[[ -f $expected ]] || continue
	if ! "$bin" -r "$pcap" --no-store --json >"$tmp/out.json" 2>"$tmp/err"; then
		echo "FAIL $name: muster-sensor exited $?"
		tail -n 5 "$tmp/err" | sed 's/^/  | /'
		failed=$((failed + 1))
		continue
	fi
	normalise <"$tmp/out.json" >"$tmp/got.json"
	if diff -u --label "$name.expected.json" --label "$name (muster-sensor)" \
		"$expected" "$tmp/got.json" >"$tmp/diff"; then
		echo "ok $name ($(wc -l <"$expected") hosts)"
		passed=$((passed + 1))
	else
		echo "FAIL $name: output differs from $name.expected.json"
		cat "$tmp/diff"
		failed=$((failed + 1))
	fi
done

if ((passed + failed == 0)); then
	echo "no golden captures (*.pcap with .expected.json) in $data: skipped"
	exit 77
fi
echo "$passed passed, $failed failed"
((failed == 0))
