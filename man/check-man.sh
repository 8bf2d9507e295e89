#!/bin/sh
# man/check-man.sh: the manual pages the build made are those of the
# programs as they are now. For each program: the page exists (the build
# made it), making it again from the current --help gives the same page, and
# every option the --help text lists (subcommands' too) is in the page.
# Usage: check-man.sh HELP2MAN SRCDIR MANDIR BINARY SECTION SUBCOMMANDS ...
#   (BINARY SECTION SUBCOMMANDS repeated; SUBCOMMANDS "-" for none)
set -u
[ $# -ge 6 ] || {
	echo "usage: check-man.sh HELP2MAN SRCDIR MANDIR {BINARY SECTION SUBCOMMANDS}..." >&2
	exit 2
}
help2man=$1 srcdir=$2 mandir=$3
shift 3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0

# The page as text to search: roff's \- as -, font changes and italic
# corrections removed.
page_text() {
	sed -e 's/\\-/-/g' -e 's/\\f([A-Z][A-Z]//g' -e 's/\\f[A-Z]//g' \
		-e 's/\\[,\/]//g' "$1"
}

# The options a --help text lists: every --long option, and every -x short
# option at the start of an option line ("  -i, --interface").
help_options() {
	grep -oE -- '--[a-z0-9][a-z0-9-]*' "$1"
	grep -oE -- '^ +-[A-Za-z0-9]([, ]|$)' "$1" | tr -d ' ,'
}

# Options of help file $1 missing from page text $2, one a line.
missing_options() {
	help_options "$1" | sort -u | while read -r opt; do
		grep -qE -- "(^|[^A-Za-z0-9-])$opt([^A-Za-z0-9-]|$)" "$2" || echo "$opt"
	done
}

while [ $# -ge 3 ]; do
	bin=$1 section=$2 subs=$3
	shift 3
	name=$(basename "$bin")
	page=$mandir/$name.$section
	[ "$subs" = - ] && subs=
	if [ ! -s "$page" ]; then
		echo "FAIL $name: $page was not generated"
		fail=1
		continue
	fi
	# 1. The page is what help2man makes from the program as built now.
	if ! "$srcdir/build-page.sh" "$help2man" "$srcdir" "$bin" "$section" "${subs:--}" \
		"$tmp/$name.$section" >"$tmp/h2m.log" 2>&1; then
		echo "FAIL $name: help2man failed"
		sed 's/^/    /' "$tmp/h2m.log"
		fail=1
		continue
	fi
	# .TH carries the month it was made; nothing else may differ.
	sed '/^\.TH /s/"[^"]*" "\([^"]*\)" "\([^"]*\)"$/"-" "\1" "\2"/' "$page" >"$tmp/built"
	sed '/^\.TH /s/"[^"]*" "\([^"]*\)" "\([^"]*\)"$/"-" "\1" "\2"/' \
		"$tmp/$name.$section" >"$tmp/fresh"
	if cmp -s "$tmp/built" "$tmp/fresh"; then
		echo "ok $name: $name.$section is current"
	else
		echo "FAIL $name: $name.$section differs from the current --help (rebuild target man)"
		diff -u "$tmp/built" "$tmp/fresh" | head -40 | sed 's/^/    /'
		fail=1
	fi
	# 2. Every option of --help is in the page.
	MUSTER_MAN_PROG=$bin MUSTER_MAN_SUBCOMMANDS=$subs "$srcdir/help-text.sh" --help \
		>"$tmp/help" 2>&1
	page_text "$page" >"$tmp/text"
	n=$(help_options "$tmp/help" | sort -u | wc -l)
	missing=$(missing_options "$tmp/help" "$tmp/text" | tr '\n' ' ')
	if [ "$n" -eq 0 ]; then
		echo "FAIL $name: no option found in --help"
		fail=1
	elif [ -n "$missing" ]; then
		echo "FAIL $name: options in --help but not in the page: $missing"
		fail=1
	else
		echo "ok $name: all $n options of --help are in the page"
	fi
	# The comparison itself notices an option taken out of the page.
	first=$(help_options "$tmp/help" | grep -- '^--' | sort -u | head -1)
	grep -vE -- "(^|[^A-Za-z0-9-])$first([^A-Za-z0-9-]|$)" "$tmp/text" >"$tmp/cut"
	if ! missing_options "$tmp/help" "$tmp/cut" | grep -qx -- "$first"; then
		echo "FAIL $name: the option comparison did not notice $first removed"
		fail=1
	fi
done
exit $fail
