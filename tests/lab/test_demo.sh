#!/usr/bin/env bash
# test_demo.sh - the README's main job (scripts/demo.sh), run twice in a row
# with the programs of MUSTER_BUILD (setup.sh skipped): each run exits 0, tells
# its eight steps with their figures (hosts found, unmanaged, pushed ok and
# failed, enrolled, managed after), ends with a table whose rows agree with
# those figures, and leaves no namespace, process, registry entry or run
# directory behind.
#
# Environment: MUSTER_BUILD, MUSTER_SRC. Exit 0 pass, 77 skip, 1 fail.
# Packets only inside the lab's namespaces (the demo uses tests/lab/lab.sh).
set -u
src=${MUSTER_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
build=${MUSTER_BUILD:-$src/build}
# shellcheck source=tests/lab/lab.sh
. "$src/tests/lab/lab.sh" # lab_check only: the demo builds its own lab

if ((EUID != 0)); then
	echo "SKIP: the demo needs root (network namespaces)"
	exit 77
fi
if ! ip netns list >/dev/null 2>&1; then
	echo "SKIP: 'ip netns' is not available"
	exit 77
fi
for p in sensor/muster-sensor server/muster-server installer-builder/muster-installer \
	deployer/muster-deploy; do
	if [[ ! -x $build/$p ]]; then
		echo "SKIP: $build/$p is not built"
		exit 77
	fi
done
for c in openssl curl python3 dpkg-deb ssh-keygen /usr/sbin/sshd /usr/sbin/smbd \
	/usr/sbin/avahi-daemon /usr/sbin/dnsmasq /sbin/dhclient unshare nsenter; do
	if ! command -v "$c" >/dev/null; then
		echo "SKIP: '$c' is not installed (see scripts/deps.txt)"
		exit 77
	fi
done

out=$(mktemp -d /tmp/muster-demo-test.XXXXXX)
trap 'rm -rf -- "$out"' EXIT
sanitized=no
grep -q '^MUSTER_SANITIZE:BOOL=ON' "$build/CMakeCache.txt" 2>/dev/null && sanitized=yes

# figure NAME FILE: a number from the demo's closing line of figures.
figure() {
	sed -n 's/^ *hosts found \([0-9]*\), unmanaged \([0-9]*\), pushed ok \([0-9]*\) failed \([0-9]*\), enrolled \([0-9]*\), managed after \([0-9]*\)$/found=\1 unmanaged=\2 ok=\3 failed=\4 enrolled=\5 managed=\6/p' "$2" |
		tr ' ' '\n' | awk -F= -v k="$1" '$1 == k { print $2 }'
}
# The table: from its header to the blank line after it.
table() { awk '/^  host  /{ t = 1 } t && /^$/ { exit } t' "$1"; }
rows() { table "$1" | tail -n +3; }
count_rows() { rows "$1" | grep -c -- "$2"; }

# leftovers PREFIX DIR: what a run left behind (empty when nothing). Processes
# are found by the run directory in their command line: the sensor, the
# server, and the init of the lab's pid namespace, whose end takes every
# daemon of every lab host with it.
leftovers() {
	local prefix=$1 dir=$2 p cl
	ls -d /run/netns/"$prefix"-* 2>/dev/null
	ls -d /run/muster-lab/"$prefix" 2>/dev/null
	[[ -n $dir && -e $dir ]] && echo "$dir"
	[[ -n $dir ]] || return 0
	for p in /proc/[0-9]*; do
		cl=$(tr '\0' ' ' 2>/dev/null <"$p/cmdline") || continue
		[[ $cl == *"$dir"* ]] && echo "process ${p#/proc/}: ${cl:0:120}"
	done
	return 0
}

myname=$(cat /proc/sys/kernel/hostname)
for run in 1 2; do
	log=$out/run$run.out
	t0=$SECONDS
	MUSTER_DEMO_SKIP_SETUP=1 MUSTER_BUILD=$build bash "$src/scripts/demo.sh" >"$log" 2>&1
	rc=$?
	secs=$((SECONDS - t0))
	echo "# run $run: exit $rc in $secs s"
	lab_check "run $run: exit 0 (the loop closed)" test "$rc" = 0
	if ((rc != 0)); then
		sed 's/^/#   /' "$log" | tail -n 40
	fi
	prefix=$(grep -o 'lab mlab-[0-9a-f]\{4\}:' "$log" | head -n1 | cut -c5-13)
	dir=$(sed -n 's/^ *run directory: \(\/[^ ]*\) .*/\1/p' "$log" | head -n1)
	lab_check "run $run: names its lab ($prefix) and run directory" \
		test -n "$prefix" -a -n "$dir"
	steps=0
	for s in "1. The network" "2. muster-server" "3. The machines" "4. The unmanaged list" \
		"5. An installer" "6. The push" "7. Enrollment" "8. The sensor's next report"; do
		grep -q "^$s" "$log" && steps=$((steps + 1))
	done
	lab_check "run $run: tells all 8 steps ($steps)" test "$steps" = 8

	found=$(figure found "$log") unmanaged=$(figure unmanaged "$log")
	ok=$(figure ok "$log") nfail=$(figure failed "$log")
	enrolled=$(figure enrolled "$log") managed=$(figure managed "$log")
	echo "# run $run: found $found, unmanaged $unmanaged, pushed ok $ok failed $nfail, enrolled $enrolled, managed after $managed"
	lab_check "run $run: the figures are there" test -n "$found" -a -n "$managed"
	lab_check "run $run: at least 20 machines found" test "${found:-0}" -ge 20
	lab_check "run $run: some pushed, none failed" test "${ok:-0}" -ge 1 -a "${nfail:-1}" = 0
	lab_check "run $run: every pushed machine enrolled and is managed" \
		test "${enrolled:--1}" = "${ok:--2}" -a "${managed:--1}" = "${ok:--2}"
	lab_check "run $run: unmanaged list larger than the push (not every machine runs SSH)" \
		test "${unmanaged:-0}" -gt "${ok:-0}"
	lab_check "run $run: the push reported one ok line per pushed machine" \
		test "$(grep -c '^ *[0-9.]* *ok *installed-and-enrolled$' "$log")" = "${ok:--1}"

	table "$log" >"$out/table$run"
	lab_check "run $run: the table has its columns" \
		grep -q '^  host  *names  *OS  *before  *after  *sensor after$' "$out/table$run"
	nrows=$(rows "$log" | wc -l)
	lab_check "run $run: a table row for each machine found and the sensor ($nrows)" \
		test "$nrows" -ge $((${found:-0} + 1))
	flipped=$(rows "$log" | grep -c ' unmanaged  *managed (enrolled, [^)]*)  *managed$')
	lab_check "run $run: $flipped rows went unmanaged -> managed (enrolled), on the server and in the sensor" \
		test "$flipped" = "${ok:--1}"
	lab_check "run $run: the machine managed elsewhere stays managed (imported)" \
		test "$(count_rows "$log" 'managed (imported, [^)]*)  *managed (imported, [^)]*)  *managed$')" -ge 1
	lab_check "run $run: the others stay unmanaged on both sides" \
		test "$(count_rows "$log" ' unmanaged  *unmanaged  *unmanaged$')" -ge 1
	lab_check "run $run: enrolled rows are the Linux servers with SSH (OS column Debian)" \
		test "$(rows "$log" | grep 'managed (enrolled' | grep -vc ' Debian ')" = 0
	lab_check "run $run: no machine the sensor lost by the end" \
		test "$(count_rows "$log" 'not seen')" = 0
	lab_check "run $run: the loop's verdict is printed" grep -q 'the loop is closed' "$log"
	if [[ $sanitized == no ]]; then
		lab_check "run $run: under 2 minutes ($secs s)" test "$secs" -lt 120
	fi
	left=$(leftovers "$prefix" "$dir")
	lab_check "run $run: nothing left behind (namespaces, registry, run directory, processes)" \
		test -z "$left"
	[[ -z $left ]] || printf '#   %s\n' "$left"
	# The demo names its servers inside UTS namespaces of their own.
	lab_check "run $run: this machine's host name is untouched ($myname)" \
		test "$(cat /proc/sys/kernel/hostname)" = "$myname"
done

lab_check_summary
