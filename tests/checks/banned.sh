#!/usr/bin/env bash
# Fail when project C code calls a function that has no bound or no error
# check (as curl's checksrc does): use snprintf, bounded copies, strtol.
set -u
root=${1:-.}
cd "$root" || exit 2
hits=$(git ls-files -co --exclude-standard -- '*.c' '*.h' 2>/dev/null |
	grep -v '^tests/checks/' |
	xargs -r grep -nE '(^|[^_a-zA-Z0-9.>])(sprintf|vsprintf|strcpy|strcat|stpcpy|gets|atoi|atol|atoll|atof|alloca|strtok|tmpnam|mktemp)[[:space:]]*\(' 2>/dev/null)
if [ -n "$hits" ]; then
	echo "banned functions used (see tests/checks/banned.sh):"
	echo "$hits"
	exit 1
fi
echo "banned-functions: clean"
