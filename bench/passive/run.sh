#!/usr/bin/env bash
# bench/passive/run.sh - packets per second and peak memory of the passive
# sensor against the tools people would run instead (issue 3, "Benchmark"):
#
#   muster-sensor -r FILE --no-store --max-hosts 65536
#   p0f -r FILE                       (its per-connection output to /dev/null)
#   tshark -n -r FILE                 (plain one-line decode to /dev/null)
#   tshark -n -r FILE -Y 'tcp.flags.syn==1'
#
# on one generated capture (SYN-heavy + broadcast-heavy + noise, 65,536 hosts,
# about 1.05M frames; made by tests/tools/gen_capture.py, cached in /tmp),
# each pinned to one core, median of RUNS runs, peak RSS from GNU time.
# Writes bench/passive/RESULTS.md. Not a test: it only measures.
#
#   bench/passive/run.sh [MUSTER_SENSOR]
#
# Without MUSTER_SENSOR, build-bench (Release, no tests) is configured if it
# is not yet, and its muster-sensor brought up to date, before measuring: a
# binary older than the tree is never measured by accident. Given a binary,
# that binary is measured as it is.
#   env: RUNS (5), CPU (1), SYN, BROADCAST, NOISE, HOSTS (65536), SEED (1),
#        TSHARK=0 to skip tshark, OUT (RESULTS.md path)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
bin=${1:-}
RUNS=${RUNS:-5}
CPU=${CPU:-1}
SYN=${SYN:-400000}
BROADCAST=${BROADCAST:-400000}
NOISE=${NOISE:-250000}
HOSTS=${HOSTS:-65536}
SEED=${SEED:-1}
TSHARK=${TSHARK:-1}
OUT=${OUT:-$here/RESULTS.md}
gen=$src/tests/tools/gen_capture.py
p0f=$(command -v p0f || echo /usr/sbin/p0f)

die() {
	echo "run.sh: $*" >&2
	exit 1
}
if [ -z "$bin" ]; then
	build=$src/build-bench
	command -v cmake >/dev/null || die "cmake is missing"
	if [ ! -f "$build/CMakeCache.txt" ]; then
		echo "configuring $build (Release, no tests) ..."
		cmake -S "$src" -B "$build" -DCMAKE_BUILD_TYPE=Release -DMUSTER_TESTS=OFF >"$build.log" 2>&1 ||
			die "configuring $build failed: $(tail -5 "$build.log")"
	fi
	echo "building $build/sensor/muster-sensor ..."
	cmake --build "$build" -j2 --target muster-sensor >"$build.log" 2>&1 ||
		die "building muster-sensor failed: $(tail -5 "$build.log")"
	rm -f "$build.log"
	bin=$build/sensor/muster-sensor
fi
[ -x "$bin" ] || die "no muster-sensor at $bin"
[ -x /usr/bin/time ] || die "GNU time is missing (apt-get install time)"
command -v taskset >/dev/null || die "taskset is missing (util-linux)"
[ -x "$p0f" ] || die "p0f is missing"
command -v tshark >/dev/null || TSHARK=0

# The capture, cached by generator version and parameters.
key=$(sha256sum <"$gen" | cut -c1-12)-$SYN-$BROADCAST-$NOISE-$HOSTS-$SEED
cap=/tmp/muster-bench-passive-$key.pcap
if [ ! -s "$cap" ]; then
	echo "generating $cap ..."
	python3 "$gen" --syn "$SYN" --broadcast "$BROADCAST" --noise "$NOISE" \
		--hosts "$HOSTS" --seed "$SEED" -o "$cap.tmp"
	mv "$cap.tmp" "$cap"
fi
# Count the frames (walk the pcap record headers).
packets=$(python3 - "$cap" <<'EOF'
import struct, sys
n = 0
with open(sys.argv[1], "rb") as f:
    f.seek(24)
    while True:
        h = f.read(16)
        if len(h) < 16:
            break
        f.seek(struct.unpack("<IIII", h)[2], 1)
        n += 1
print(n)
EOF
)
size_mb=$(($(stat -c %s "$cap") / 1048576))
echo "capture: $cap ($packets frames, $size_mb MiB, $HOSTS hosts)"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# measure NAME CMD...: RUNS runs on core CPU; sets med (seconds), rss (KiB, max).
measure() {
	local name=$1 t0 t1
	shift
	: >"$tmp/times"
	rss=0
	for _ in $(seq "$RUNS"); do
		t0=$(date +%s.%N)
		/usr/bin/time -f %M -o "$tmp/rss" taskset -c "$CPU" "$@" >/dev/null 2>"$tmp/$name.err" ||
			die "$name failed: $(tail -3 "$tmp/$name.err")"
		t1=$(date +%s.%N)
		echo "$t1 - $t0" | bc -l >>"$tmp/times"
		r=$(tail -1 "$tmp/rss")
		[ "$r" -gt "$rss" ] && rss=$r
	done
	med=$(sort -n "$tmp/times" | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}')
	printf '  %-14s median %.3f s of %s (%s), peak RSS %d KiB\n' "$name" "$med" "$RUNS" \
		"$(tr '\n' ' ' <"$tmp/times" | sed 's/ $//')" "$rss"
}

declare -A MED RSS
echo "running, each pinned to CPU $CPU, $RUNS runs:"
measure muster "$bin" -r "$cap" --no-store --max-hosts 65536 --stats
MED[muster]=$med RSS[muster]=$rss
hosts=$(grep -o 'hosts=[0-9]*' "$tmp/muster.err" | head -1 | cut -d= -f2)
evicted=$(grep -o 'evicted=[0-9]*' "$tmp/muster.err" | head -1 | cut -d= -f2)
measure p0f "$p0f" -r "$cap"
MED[p0f]=$med RSS[p0f]=$rss
if [ "$TSHARK" = 1 ]; then
	measure tshark tshark -n -r "$cap"
	MED[tshark]=$med RSS[tshark]=$rss
	measure tshark-syn tshark -n -r "$cap" -Y 'tcp.flags.syn==1'
	MED[tshark-syn]=$med RSS[tshark-syn]=$rss
fi

pps() { echo "$packets / $1" | bc -l; }
ratio() { echo "$(pps "${MED[muster]}") / $(pps "$1")" | bc -l; }

cpu_model=$(lscpu | sed -n 's/^Model name: *//p' | head -1)
ver_muster=$("$bin" -V 2>&1 | head -1)
ver_p0f=$("$p0f" -h 2>&1 | sed -n 's/^--- \(p0f [^ ]*\).*/\1/p' | head -1)
ver_tshark=$(tshark -v 2>/dev/null | head -1)
muster_pps=$(pps "${MED[muster]}")
p0f_x=$(ratio "${MED[p0f]}")
rss_mb=$(echo "${RSS[muster]} / 1024" | bc -l)

{
	echo "# Passive sensor benchmark"
	echo
	echo "Generated by \`bench/passive/run.sh\` on $(date -u '+%Y-%m-%d %H:%M UTC'). Not a test."
	echo
	echo "- machine: $(nproc) cores ($cpu_model), Linux $(uname -r), each tool pinned to core $CPU (\`taskset -c $CPU\`)"
	echo "- versions: $ver_muster; $ver_p0f (/etc/p0f/p0f.fp); ${ver_tshark:-tshark not run}"
	echo "- capture: $packets frames, $size_mb MiB, $HOSTS hosts (distinct source MACs):"
	echo "  \`gen_capture.py --syn $SYN --broadcast $BROADCAST --noise $NOISE --hosts $HOSTS --seed $SEED\`"
	echo "  (TCP SYN/SYN+ACK drawn from p0f.fp; ARP, DHCP, mDNS, SSDP, NBNS; TCP data, UDP, ICMP noise)"
	echo "- time: wall clock, median of $RUNS runs; peak RSS: GNU time %M, the largest of the runs"
	echo
	echo "| tool | command | median s | packets/s | muster ÷ this | peak RSS MiB |"
	echo "|---|---|---:|---:|---:|---:|"
	for t in muster p0f tshark tshark-syn; do
		[ -n "${MED[$t]:-}" ] || continue
		case $t in
		muster) c="muster-sensor -r FILE --no-store --max-hosts 65536" ;;
		p0f) c="p0f -r FILE >/dev/null" ;;
		tshark) c="tshark -n -r FILE >/dev/null" ;;
		tshark-syn) c="tshark -n -r FILE -Y 'tcp.flags.syn==1' >/dev/null" ;;
		esac
		# shellcheck disable=SC2016 # the backticks are Markdown
		printf '| %s | `%s` | %.2f | %.0f | %.2f× | %.1f |\n' "$t" "$c" "${MED[$t]}" \
			"$(pps "${MED[$t]}")" "$(ratio "${MED[$t]}")" "$(echo "${RSS[$t]} / 1024" | bc -l)"
	done
	echo
	echo "Hosts held by muster-sensor at the end: $hosts (cap 65536, $evicted evicted)."
	echo
	echo "Targets (issue 3):"
	printf -- '- at least 10× p0f'"'"'s packets/s: %.2f× — %s\n' "$p0f_x" \
		"$(echo "$p0f_x >= 10" | bc -l | sed 's/1/met/;s/0/**not met**/')"
	printf -- '- at most 32 MB RSS with 65,536 hosts: %.1f MiB with %s hosts — %s\n' "$rss_mb" "$hosts" \
		"$(echo "${RSS[muster]} <= 32768" | bc -l | sed 's/1/met/;s/0/**not met**/')"
	if [ -f "$here/NOTES.md" ]; then
		echo
		cat "$here/NOTES.md"
	fi
} >"$OUT"
echo "muster: $(printf '%.0f' "$muster_pps") packets/s, $(printf '%.2f' "$p0f_x")× p0f, RSS $(printf '%.1f' "$rss_mb") MiB, $hosts hosts"
echo "wrote $OUT"
