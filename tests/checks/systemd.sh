#!/usr/bin/env bash
# The systemd units in packaging/ pass `systemd-analyze verify`, and each
# hardened unit keeps an exposure score of at most 2.5 ("OK") in
# `systemd-analyze security --offline`.
# Usage: systemd.sh SOURCE_DIR BUILD_DIR
set -u
src=$(cd "$1" && pwd) build=$(cd "$2" && pwd)
if ! command -v systemd-analyze >/dev/null; then
	echo "systemd-analyze not installed: skipped"
	exit 77
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0 n=0
for unit in "$src"/packaging/systemd/*.service; do
	[ -e "$unit" ] || continue
	name=$(basename "$unit")
	prog=$(sed -n 's|^ExecStart=/usr/s\?bin/\([a-z-]*\).*|\1|p' "$unit" | head -1)
	bin=$(find "$build" -maxdepth 3 -type f -name "$prog" -perm -u+x | head -1)
	if [ -z "$bin" ]; then
		echo "skip $name: $prog is not built"
		continue
	fi
	# Point the unit at the built program; the rest stays as shipped.
	sed "s|/usr/s\?bin/$prog|$bin|g" "$unit" >"$tmp/$name"
	n=$((n + 1))
	if out=$(systemd-analyze verify --man=no "$tmp/$name" 2>&1) && [ -z "$out" ]; then
		echo "ok $name: systemd-analyze verify"
	else
		echo "FAIL $name: systemd-analyze verify"
		echo "$out" | sed 's/^/    /'
		fail=1
	fi
	score=$(systemd-analyze security --offline=true "$tmp/$name" 2>/dev/null |
		sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p')
	if [ -n "$score" ] && awk -v s="$score" 'BEGIN { exit !(s <= 2.5) }'; then
		echo "ok $name: exposure $score"
	else
		echo "FAIL $name: exposure '${score:-?}' (want <= 2.5)"
		fail=1
	fi
done
[ $n -eq 0 ] && { echo "no unit with a built program: skipped"; exit 77; }
exit $fail
