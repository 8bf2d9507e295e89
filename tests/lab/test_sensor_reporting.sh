#!/usr/bin/env bash
# test_sensor_reporting.sh - the sensor's reporter (sensor/report.c, outbox.c)
# against the real muster-server on 127.0.0.1:
#  (a) server down for the whole capture, then up: every host arrives exactly
#      once, and the managed status comes back into the sensor's store;
#  (b) a flaky proxy in front of the server (500s, hangs past the client
#      timeout, answers dropped after the server applied the report): no host
#      lost, none applied twice;
#  (c) the sensor (driver) killed with SIGKILL 20 times while reporting: the
#      store passes PRAGMA integrity_check, no acknowledged host is lost,
#      reporting resumes and completes.
#
# Environment: MUSTER_BUILD (build dir), MUSTER_SRC (source dir).
# Exit 0 pass, 77 skip, 1 fail. Only 127.0.0.1 is contacted.
set -u

src=${MUSTER_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
build=${MUSTER_BUILD:-$src/build}
# shellcheck source=tests/lab/lab.sh
. "$src/tests/lab/lab.sh" # lab_check only: no lab here
srv=$build/server/muster-server
for tool in python3 curl sqlite3 jq cc pkg-config; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "SKIP: $tool is not installed"
		exit 77
	fi
done
if [ ! -x "$srv" ]; then
	echo "SKIP: $srv is not built"
	exit 77
fi

tmp=$(mktemp -d /tmp/muster-report-test.XXXXXX)
pids=()
cleanup() {
	for p in "${pids[@]}"; do
		kill "$p" 2>/dev/null
	done
	for p in "${pids[@]}"; do
		wait "$p" 2>/dev/null
	done
	if [ -n "${KEEP_TMP:-}" ]; then
		echo "kept $tmp"
	else
		rm -rf "$tmp"
	fi
}
trap cleanup EXIT INT TERM
cd "$tmp" || exit 1


# --- the driver: the CMake target if there is one, else built here against the libraries
driver=$build/tests/report_driver
if [ ! -x "$driver" ]; then
	driver=$tmp/report_driver
	san=
	if grep -q '^MUSTER_SANITIZE:BOOL=ON' "$build/CMakeCache.txt" 2>/dev/null; then
		san="-fsanitize=address,undefined"
	fi
	# shellcheck disable=SC2046,SC2086
	if ! cc -std=gnu17 -D_GNU_SOURCE -I"$src" $san "$src/tests/tools/report_driver.c" \
		"$build/sensor/libmuster_sensor_core.a" "$build/common/libmuster.a" \
		$(pkg-config --libs libcurl json-c sqlite3 zlib libcrypto inih libpcap libcap-ng) \
		-lnet -lm -o "$driver" 2>driver-build.log; then
		echo "FAIL - build report_driver"
		cat driver-build.log
		echo "0 passed, 1 failed"
		exit 1
	fi
fi
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
start_server() { # start_server DB PORT LOG: returns once /healthz answers
	"$srv" --db "$1" serve --listen "127.0.0.1:$2" >"$3" 2>&1 &
	pids+=($!)
	for _ in $(seq 100); do
		curl -sf "http://127.0.0.1:$2/healthz" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	return 1
}
metric() { # metric PORT NAME
	curl -s "http://127.0.0.1:$1/metrics" | awk -v n="$2" '$1 == n { print $2 }'
}
count_computers() { "$srv" --db "$1" computers --json | wc -l; }
dup_macs() { "$srv" --db "$1" computers --json | jq -r .mac | sort | uniq -d | wc -l; }
field() { # field KEY LINE
	printf '%s\n' "$2" | tr ' ' '\n' | awk -F= -v k="$1" '$1 == k { print $2 }'
}
eq() { [ "$1" = "$2" ]; }
ge() { [ "$1" -ge "$2" ]; }

# ===== (a) server down for the whole capture, then up
N=3000
db=$tmp/a-server.db
"$srv" --db "$db" sensor add sensor-a >a.token 2>/dev/null
chmod 600 a.token
# Ten of the hosts are managed elsewhere (imported before they are reported).
{
	echo "hostname,mac,group"
	for i in $(seq 0 9); do printf 'managed-%d,02:4d:00:00:%02x:%02x,All\n' "$i" $((i >> 8)) $((i & 255)); done
} >managed.csv
"$srv" --db "$db" import managed.csv >/dev/null 2>&1
port=$(free_port)
"$driver" --store a-sensor.db --server "http://127.0.0.1:$port" --token-file a.token \
	--hosts $N --feed-ms 3000 --batch-size 500 --timeout-ms 2000 --retry-max-ms 1000 \
	--status-ms 1000 --wait-status --until-idle --max-seconds 120 >a.out 2>a.log &
dpid=$!
pids+=($dpid)
sleep 5 # the whole capture happens with the server down
lab_check_quiet "(a) outbox holds every host while the server is down" \
	eq "$(sqlite3 a-sensor.db 'SELECT count(*) FROM outbox' 2>/dev/null)" "$N"
lab_check_quiet "(a) nothing acknowledged while the server is down" \
	eq "$(sqlite3 a-sensor.db 'SELECT count(*) FROM reported' 2>/dev/null)" 0
lab_check_quiet "(a) server starts" start_server "$db" "$port" a-server.log
wait $dpid
rc=$?
line=$(tail -n 1 a.out)
lab_check_quiet "(a) driver finishes (rc=$rc)" eq "$rc" 0
lab_check_quiet "(a) retried while the server was down" ge "$(grep -c 'event=report-retry' a.log)" 1
lab_check_quiet "(a) server has every host ($(count_computers "$db")/$N)" eq "$(count_computers "$db")" "$N"
lab_check_quiet "(a) no duplicate MACs" eq "$(dup_macs "$db")" 0
lab_check_quiet "(a) each host applied exactly once (hosts_upserted=$(metric "$port" muster_hosts_upserted_total))" \
	eq "$(metric "$port" muster_hosts_upserted_total)" "$N"
lab_check_quiet "(a) sensor store: all acknowledged, nothing pending" \
	eq "$(field acked "$line"):$(field pending "$line"):$(field inflight "$line")" "$N:0:0"
lab_check_quiet "(a) status back: 10 managed, $((N - 10)) unmanaged ($line)" \
	eq "$(field managed "$line"):$(field unmanaged "$line"):$(field unknown "$line")" "10:$((N - 10)):0"
lab_check_quiet "(a) token never logged" eq "$(grep -c -F "$(cat a.token)" a.log a-server.log | awk -F: '{s+=$2} END {print s}')" 0
lab_check_quiet "(a) bodies were gzip" ge "$(metric "$port" muster_gzip_bodies_total)" 1

# ===== (b) flaky proxy: 500s, hangs, dropped answers
N=2000
K=200
db=$tmp/b-server.db
"$srv" --db "$db" sensor add sensor-b >b.token 2>/dev/null
chmod 600 b.token
port=$(free_port)
lab_check_quiet "(b) server starts" start_server "$db" "$port" b-server.log
python3 "$src/tests/tools/flaky_proxy.py" "$port" b-proxy.port --seed 7 --p500 0.25 \
	--phang 0.15 --pdrop 0.15 --hang 2.5 --log b-proxy.log &
pids+=($!)
for _ in $(seq 50); do [ -s b-proxy.port ] && break; sleep 0.1; done
pport=$(cat b-proxy.port 2>/dev/null)
"$driver" --store b-sensor.db --server "http://127.0.0.1:$pport" --token-file b.token \
	--hosts $N --changes $K --feed-ms 2000 --batch-size 100 --timeout-ms 1000 \
	--retry-max-ms 800 --status-ms 2000 --until-idle --max-seconds 300 >b.out 2>b.log
rc=$?
line=$(tail -n 1 b.out)
lab_check_quiet "(b) driver finishes through the proxy (rc=$rc)" eq "$rc" 0
lab_check_quiet "(b) the proxy answered 500" ge "$(grep -c ' 500$' b-proxy.log)" 1
lab_check_quiet "(b) the proxy hung past the timeout" ge "$(grep -c ' hang$' b-proxy.log)" 1
lab_check_quiet "(b) the proxy dropped applied answers" ge "$(grep -c '^POST .* drop$' b-proxy.log)" 1
lab_check_quiet "(b) server has every host ($(count_computers "$db")/$N)" eq "$(count_computers "$db")" "$N"
lab_check_quiet "(b) no duplicate MACs" eq "$(dup_macs "$db")" 0
lab_check_quiet "(b) every change arrived ($K hosts with their second name)" \
	eq "$("$srv" --db "$db" computers --json | grep -c -- '-v1"')" "$K"
dups=$(metric "$port" 'muster_reports_total{result="duplicate"}')
ups=$(metric "$port" muster_hosts_upserted_total)
lab_check_quiet "(b) replays after dropped answers were duplicates ($dups), not applied again" ge "$dups" 1
lab_check_quiet "(b) no host applied twice: $N <= hosts_upserted=$ups <= $((N + K))" \
	test "$ups" -ge $N -a "$ups" -le $((N + K))
lab_check_quiet "(b) sensor store: all acknowledged, nothing pending ($line)" \
	eq "$(field acked "$line"):$(field pending "$line"):$(field inflight "$line"):$(field failed "$line")" "$N:0:0:0"

# ===== (c) kill -9 of the driver 20 times while reporting
N=20000
db=$tmp/c-server.db
"$srv" --db "$db" sensor add sensor-c >c.token 2>/dev/null
chmod 600 c.token
port=$(free_port)
lab_check_quiet "(c) server starts" start_server "$db" "$port" c-server.log
: >c-acked.txt
integrity_ok=0
resumed_ok=0
prev=0
for k in $(seq 20); do
	"$driver" --store c-sensor.db --server "http://127.0.0.1:$port" --token-file c.token \
		--hosts $N --feed-ms 4000 --batch-size 250 --timeout-ms 5000 --retry-max-ms 500 \
		--until-idle --max-seconds 120 >>c.out 2>>c.log &
	dpid=$!
	sleep "$(python3 -c "import random; print(round(random.uniform(0.3, 1.5), 2))")"
	kill -9 $dpid 2>/dev/null
	wait $dpid 2>/dev/null
	if [ "$(sqlite3 c-sensor.db 'PRAGMA integrity_check' 2>&1)" = ok ]; then
		integrity_ok=$((integrity_ok + 1))
	fi
	sqlite3 c-sensor.db 'SELECT mac FROM reported' >>c-acked.txt 2>/dev/null
	now=$(sqlite3 c-sensor.db 'SELECT count(*) FROM reported' 2>/dev/null || echo 0)
	[ "$now" -ge "$prev" ] && resumed_ok=$((resumed_ok + 1))
	prev=$now
done
lab_check_quiet "(c) store passes integrity_check after each of 20 kills ($integrity_ok/20)" eq "$integrity_ok" 20
lab_check_quiet "(c) acknowledged hosts never go backwards across kills ($resumed_ok/20)" eq "$resumed_ok" 20
lab_check_quiet "(c) some hosts were acknowledged between kills ($prev)" ge "$prev" 1
"$driver" --store c-sensor.db --server "http://127.0.0.1:$port" --token-file c.token \
	--hosts $N --batch-size 250 --timeout-ms 5000 --retry-max-ms 500 --until-idle \
	--max-seconds 300 >>c.out 2>>c.log
rc=$?
line=$(tail -n 1 c.out)
lab_check_quiet "(c) reporting resumes and completes (rc=$rc)" eq "$rc" 0
lab_check_quiet "(c) integrity_check after the last run" eq "$(sqlite3 c-sensor.db 'PRAGMA integrity_check')" ok
"$srv" --db "$db" computers --json | jq -r .mac | sort -u >c-server-macs.txt
sort -u c-acked.txt >c-acked-u.txt
lab_check_quiet "(c) every host acknowledged before a kill is on the server" \
	eq "$(comm -23 c-acked-u.txt c-server-macs.txt | wc -l)" 0
lab_check_quiet "(c) server has every host ($(count_computers "$db")/$N)" eq "$(count_computers "$db")" "$N"
lab_check_quiet "(c) no duplicate MACs" eq "$(dup_macs "$db")" 0
lab_check_quiet "(c) each host applied exactly once (hosts_upserted=$(metric "$port" muster_hosts_upserted_total))" \
	eq "$(metric "$port" muster_hosts_upserted_total)" "$N"
lab_check_quiet "(c) sensor store: all acknowledged, nothing pending ($line)" \
	eq "$(field acked "$line"):$(field pending "$line"):$(field inflight "$line")" "$N:0:0"
lab_check_quiet "(c) no sanitizer report in the driver's log" eq "$(grep -c 'Sanitizer' c.log)" 0

lab_check_summary
