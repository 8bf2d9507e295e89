#!/bin/sh
# man/help-text.sh: the text help2man turns into a manual page - a program's
# --help, then the --help of each subcommand that has one of its own, each
# under a heading help2man makes a section of ("*The run command*").
# help2man runs it as "help-text.sh --help" and "help-text.sh --version"; the
# program and its subcommands come from the environment:
#   MUSTER_MAN_PROG=build/sensor/muster-sensor MUSTER_MAN_SUBCOMMANDS=run \
#       help2man ... man/help-text.sh
# man/check-man.sh reads the same text, so page and check cannot disagree on
# what --help says.
set -eu
prog=${MUSTER_MAN_PROG:?MUSTER_MAN_PROG names the program}

# The words stay as the program prints them; only a blank line goes before
# each entry of a list (a line indented 1..10 columns that is not the
# continuation of the entry above), so that help2man gives every entry a
# paragraph of its own instead of running a list like the server's commands
# together.
separate() {
	printf '%s\n' "$1" | awk '{
		ind = ($0 == "") ? -1 : match($0, /[^ ]/) - 1
		starts = ind >= 1 && ind <= 10 && (prev < 1 || ind <= entry || prev >= 20)
		if (starts && prev >= 1)
			print ""
		if (starts)
			entry = ind
		print
		prev = ind
	}'
}

case ${1:-} in
--version)
	exec "$prog" --version
	;;
--help)
	text=$("$prog" --help)
	separate "$text"
	for sub in ${MUSTER_MAN_SUBCOMMANDS:-}; do
		printf '\n*The %s command*\n\n' "$sub"
		text=$("$prog" "$sub" --help)
		separate "$text"
	done
	;;
*)
	echo "usage: MUSTER_MAN_PROG=PROG help-text.sh --help|--version" >&2
	exit 2
	;;
esac
