#!/bin/sh
# man/build-page.sh: write one manual page with help2man, from the program's
# own --help (and its subcommands', help-text.sh) and the extra sections of
# man/PROGRAM.h2m. The build (man/CMakeLists.txt) and the check
# (check-man.sh) both make pages through here, so they cannot disagree.
# Usage: build-page.sh HELP2MAN SRCDIR BINARY SECTION SUBCOMMANDS OUT
# SUBCOMMANDS: space-separated, or "-" for none.
set -eu
[ $# -eq 6 ] || {
	echo "usage: build-page.sh HELP2MAN SRCDIR BINARY SECTION SUBCOMMANDS OUT" >&2
	exit 2
}
help2man=$1 srcdir=$2 bin=$3 section=$4 subs=$5 out=$6
[ "$subs" = - ] && subs=
name=$(basename "$bin")
case $section in
8) manual="System Administration Commands" ;;
*) manual="User Commands" ;;
esac
# The footer names the project and the version --version prints.
version=$("$bin" --version | sed -n '1s/^[^ ]* \([^ ]*\).*/\1/p')
MUSTER_MAN_PROG=$bin MUSTER_MAN_SUBCOMMANDS=$subs "$help2man" --no-info \
	--section="$section" --manual="$manual" --source="Muster $version" \
	--include="$srcdir/$name.h2m" --output="$out.tmp" "$srcdir/help-text.sh"
mv "$out.tmp" "$out"
