#!/usr/bin/env bash
# bench/sweep/run.sh - ARP sweeps: muster-sensor against arp-scan and nmap -sn
# (issue 4, "Benchmark"), all inside the lab's network namespaces.
#
# Every tool gets the same packet budget: the same rate (packets/s), the same
# number of tries per address and the same reply timeout; neighbour caches
# are flushed before each run (ip -n NS neigh flush all). Measured from the
# wire (tcpdump of ARP in the sensor namespace) and from the tool's output:
# recall, time from the first request to the answer that completes recall,
# frames sent; CPU (user+sys) and wall time from GNU time. Median of RUNS.
#
#   /24   253 live lab hosts (198.18.0.0/24), RATE24 pps, 2 tries
#   /20   one namespace answering for 501 addresses (198.18.16.0/20), RATE20
#         pps, 2 tries
#   /16   8 responders in 198.18.0.0/16 at RATE16 (20,000) pps, 1 try: the
#         "a /16 in at most 5 s" target
#
# Writes bench/sweep/RESULTS.md. Not a test: it only measures.
#
#   bench/sweep/run.sh [MUSTER_SENSOR]
#   env: RUNS (3), RATE24 (2000), RATE20 (2000), RATE16 (20000),
#        TIMEOUT_MS (500), SCENARIOS ("24 20 16"), TOOLS ("muster arp-scan nmap"),
#        OUT (RESULTS.md path)
set -u
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
bin=${1:-$src/build-sweep/sensor/muster-sensor}
RUNS=${RUNS:-3}
RATE24=${RATE24:-2000}
RATE20=${RATE20:-2000}
RATE16=${RATE16:-20000}
TIMEOUT_MS=${TIMEOUT_MS:-500}
SCENARIOS=${SCENARIOS:-"24 20 16"}
TOOLS=${TOOLS:-"muster arp-scan nmap"}
OUT=${OUT:-$here/RESULTS.md}

. "$src/tests/lab/lab.sh"
lab_require_root
lab_require_cmds arp-scan nmap tcpdump /usr/bin/time python3
[[ -x $bin ]] || {
	echo "run.sh: no muster-sensor at $bin (cmake -S . -B build-sweep -DCMAKE_BUILD_TYPE=Release" \
		"-DMUSTER_TESTS=OFF && cmake --build build-sweep --target muster-sensor)" >&2
	exit 1
}
work=$(mktemp -d /tmp/bench-sweep.XXXXXX)
lab_user_cleanup() { rm -rf -- "$work"; }
# Sweep only: no UDP or IPv6 probes, no TCP ports (--ports none).
printf '[active]\nudp = no\nipv6 = no\n' >"$work/sweep.conf"
results=$work/results.tsv
: >"$results"

flush_neigh() {
	local ns
	for ns in "$LAB_SENSOR_NS" $(cut -f2 "$LAB_DIR/hosts.tsv" | grep -v '^namespace$'); do
		ip -n "$ns" neigh flush all 2>/dev/null
	done
}

# tool_cmd TOOL TARGET RATE TRIES: the command line with that budget.
tool_cmd() {
	local tool=$1 target=$2 rate=$3 tries=$4 us
	us=$((1000000 / rate))
	case $tool in
	muster)
		echo "$bin -i $LAB_SENSOR_IF -c $work/sweep.conf --active --sweep --ports none" \
			"--rate $rate --arp-retries $((tries - 1)) --arp-timeout ${TIMEOUT_MS}ms" \
			"--until-idle --duration 300 --no-store --json --log-level debug"
		;;
	arp-scan)
		echo "arp-scan -I $LAB_SENSOR_IF --retry=$tries --timeout=$TIMEOUT_MS --backoff=1" \
			"--interval=${us}u -x -q $target"
		;;
	nmap)
		echo "nmap -sn -n -PR --send-eth -e $LAB_SENSOR_IF --min-rate $rate --max-rate $rate" \
			"--max-retries $((tries - 1)) --initial-rtt-timeout ${TIMEOUT_MS}ms" \
			"--max-rtt-timeout ${TIMEOUT_MS}ms -oG - $target"
		;;
	esac
}

# run_one SCENARIO TOOL TARGET RATE TRIES TRUTH N
run_one() {
	local sc=$1 tool=$2 target=$3 rate=$4 tries=$5 truth=$6 n=$7 tag tcpd line
	tag=$work/$sc-$tool-$n
	flush_neigh
	lab_sensor_exec tcpdump -i "$LAB_SENSOR_IF" -nn -B 65536 -s 64 -U -w "$tag.pcap" arp \
		>/dev/null 2>&1 &
	tcpd=$!
	sleep 1
	# shellcheck disable=SC2046 # the command line is split on purpose
	timeout 600 ip netns exec "$LAB_SENSOR_NS" /usr/bin/time -f "%e %U %S" -o "$tag.time" \
		$(tool_cmd "$tool" "$target" "$rate" "$tries") >"$tag.out" 2>&1
	sleep 1
	kill "$tcpd" 2>/dev/null
	wait "$tcpd" 2>/dev/null
	read -r wall usr sys <"$tag.time"
	line=$(python3 "$here/analyze.py" "$tag.pcap" "$truth" "$LAB_SENSOR_MAC" "$tool" "$tag.out")
	printf '%s\t%s\t%s\twall=%s cpu=%s %s\n' "$sc" "$tool" "$n" "$wall" \
		"$(echo "$usr + $sys" | bc)" "$line" | tee -a "$results"
}

# scenario NAME TARGET RATE TRIES TRUTH
scenario() {
	local sc=$1 target=$2 rate=$3 tries=$4 truth=$5 tool n
	echo "# /$sc: $target, $(wc -l <"$truth") live addresses, $rate pps, $tries tries," \
		"timeout ${TIMEOUT_MS} ms"
	for ((n = 1; n <= RUNS; n++)); do
		for tool in $TOOLS; do
			run_one "$sc" "$tool" "$target" "$rate" "$tries" "$truth" "$n"
		done
	done
}

t0=$SECONDS
for sc in $SCENARIOS; do
	case $sc in
	24)
		lab_init 253 >/dev/null || exit 1
		cut -f3 "$LAB_DIR/hosts.tsv" | grep -v ipv4 >"$work/truth24"
		scenario 24 198.18.0.0/24 "$RATE24" 2 "$work/truth24"
		;;
	20)
		# One host answers for 500 more addresses spread over the /20.
		lab_init 1 --subnet 198.18.16.0/20 >/dev/null || exit 1
		ns=$(lab_ns 1)
		lab_ip 1 >"$work/truth20"
		for ((k = 0; k < 500; k++)); do
			ip=198.18.$((16 + (8 * k + 5) / 256)).$(((8 * k + 5) % 256))
			echo "addr add $ip/20 dev $ns"
			echo "$ip" >>"$work/truth20"
		done | ip -n "$ns" -batch - || exit 1
		scenario 20 198.18.16.0/20 "$RATE20" 2 "$work/truth20"
		;;
	16)
		lab_init 3 --subnet 198.18.0.0/16 >/dev/null || exit 1
		cut -f3 "$LAB_DIR/hosts.tsv" | grep -v ipv4 >"$work/truth16"
		for extra in 2:198.18.77.7 2:198.18.128.1 3:198.18.200.200 3:198.18.255.253 \
			1:198.18.255.254; do
			ip -n "$(lab_ns "${extra%%:*}")" addr add "${extra#*:}/16" dev "$(lab_if "${extra%%:*}")"
			echo "${extra#*:}" >>"$work/truth16"
		done
		scenario 16 198.18.0.0/16 "$RATE16" 1 "$work/truth16"
		;;
	esac
	lab_teardown >/dev/null 2>&1
done
echo "# total $((SECONDS - t0)) s"

# --- RESULTS.md ---------------------------------------------------------------
python3 - "$results" "$OUT" "$RATE24" "$RATE20" "$RATE16" "$TIMEOUT_MS" "$RUNS" \
	"$(nmap --version | head -1)" "$(arp-scan --version 2>&1 | head -1)" <<'EOF'
import statistics, sys, re
res, out, r24, r20, r16, tmo, runs, nmapv, arpv = sys.argv[1:10]
rows = {}
for line in open(res):
    sc, tool, n, kv = line.rstrip("\n").split("\t")
    d = dict(x.split("=", 1) for x in kv.split())
    rows.setdefault((sc, tool), []).append(d)
def med(vals):
    v = [float(x) for x in vals if x not in ("-", "")]
    return statistics.median(v) if len(v) == len(vals) and v else None
def fmt(x, p=3):
    return "-" if x is None else f"{x:.{p}f}"
desc = {
    "24": f"/24, 253 live hosts (one per namespace), {r24} pps, 2 tries, {tmo} ms timeout",
    "20": f"/20, one namespace answering for 501 addresses, {r20} pps, 2 tries, {tmo} ms timeout",
    "16": f"/16 (65,534 addresses), 8 responders, {r16} pps, 1 try, {tmo} ms timeout",
}
L = ["# ARP sweep benchmark (bench/sweep/run.sh)", "",
     "Same packet budget for every tool (rate, tries per address, reply timeout);",
     "neighbour caches flushed before each run; everything inside the lab's",
     f"network namespaces (tests/lab). Median of {runs} runs on a 2-core VM.",
     f"Tools: muster-sensor (Release build, `--active --sweep --ports none`, UDP and",
     f"IPv6 probes off, `--until-idle`), {arpv.strip()} (`--interval`, `--backoff=1`),",
     f"{nmapv.strip()} (`-sn -PR --send-eth --min-rate/--max-rate`).", "",
     "- **recall (tool)**: share of the live addresses the tool reported (muster: its",
     "  `sweep-answer` log lines; its JSON holds at most 8 addresses per MAC);",
     "  **recall (wire)**: share that answered on the wire.",
     "- **to full recall**: from the tool's first ARP request to the reply that",
     "  completed recall, from a tcpdump in the sensor namespace.",
     "- **wall**: the whole process (muster: `--until-idle` waits a quarter second",
     "  after the last timeout). **sent**: frames from the sensor's MAC.",
     "- **CPU**: user + system seconds of the tool's process.", ""]
for sc in ("24", "20", "16"):
    tools = [t for t in ("muster", "arp-scan", "nmap") if (sc, t) in rows]
    if not tools:
        continue
    L += [f"## {desc[sc]}", "",
          "| tool | recall (tool) | recall (wire) | to full recall (s) | last request (s) | wall (s) | sent | CPU (s) |",
          "|---|---|---|---|---|---|---|---|"]
    m = {}
    for t in tools:
        d = rows[(sc, t)]
        m[t] = {k: med([x[k] for x in d]) for k in ("recall_tool", "recall_wire", "t_recall", "t_last_sent", "wall", "sent", "cpu")}
        v = m[t]
        L.append(f"| {t} | {fmt(v['recall_tool'] and v['recall_tool']*100, 1)}% | {fmt(v['recall_wire'] and v['recall_wire']*100, 1)}% | "
                 f"{fmt(v['t_recall'])} | {fmt(v['t_last_sent'])} | {fmt(v['wall'], 2)} | {fmt(v['sent'], 0)} | {fmt(v['cpu'], 2)} |")
    if "muster" in m:
        L.append("")
        for t in tools:
            if t == "muster":
                continue
            parts = []
            for k, name in (("t_recall", "time to full recall"), ("wall", "wall"), ("cpu", "CPU")):
                a, b = m[t][k], m["muster"][k]
                if a is not None and b:
                    parts.append(f"{name} {a / b:.2f}x")
            L.append(f"- {t} / muster: " + ", ".join(parts))
    L.append("")
open(out, "w").write("\n".join(L))
print(f"wrote {out}")
EOF
