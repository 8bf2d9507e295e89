#!/usr/bin/env bash
# Fail when a C file differs from what .clang-format asks for.
set -u
root=${1:-.}
cd "$root" || exit 2
if ! command -v clang-format >/dev/null; then
	echo "clang-format not installed: skipped"
	exit 77
fi
files=$(git ls-files -co --exclude-standard -- '*.c' '*.h' 2>/dev/null)
[ -z "$files" ] && exit 0
bad=0
for f in $files; do
	if ! clang-format --dry-run --Werror "$f" >/dev/null 2>&1; then
		echo "not formatted: $f (run: clang-format -i $f)"
		bad=1
	fi
done
[ $bad -eq 0 ] && echo "format: clean"
exit $bad
