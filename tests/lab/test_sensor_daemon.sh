#!/usr/bin/env bash
# muster-sensor run as a service in the lab (issue 6), active detection on,
# reporting to a real
# muster-server (in the sensor namespace, on its loopback): it drops to its own
# user with CAP_NET_RAW only (as /proc/PID/status shows), keeps the store
# current, refuses a bad configuration on SIGHUP (file:line, old one kept),
# takes a good one, picks an interface up again after it went down and came
# back, survives kill -9 with an intact store, and stops cleanly on SIGTERM.
#
# Env: MUSTER_BUILD, MUSTER_SRC. Exit 0 pass, 77 skipped, 1 fail.
set -u
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
src=${MUSTER_SRC:-$(cd "$here/../.." && pwd)}
build=${MUSTER_BUILD:-$src/build}
sensor=$build/sensor/muster-sensor
server=$build/server/muster-server

. "$src/tests/lab/lab.sh"
lab_require_root
lab_require_cmds arping sqlite3 timeout
if [[ ! -x $sensor ]]; then
	echo "SKIP: no muster-sensor at $sensor (build it first)" >&2
	exit 77
fi
if [[ ! -x $server ]]; then
	echo "SKIP: no muster-server at $server (build it first)" >&2
	exit 77
fi
if ! id nobody >/dev/null 2>&1; then
	echo "SKIP: no user 'nobody' to drop to" >&2
	exit 77
fi

finish() {
	lab_check_summary && exit 0
	exit 1
}

lab_init 4
state=$LAB_DIR/state
conf=$LAB_DIR/sensor.conf
log=$LAB_DIR/log/sensor-daemon.log
db=$state/sensor.db
mkdir -p "$state"
chmod 711 "$LAB_DIR"	# the sensor's user must reach its state directory
chown nobody "$state"
# The server: a sensor token readable by root alone (the sensor reads it
# before it drops to nobody).
sdb=$LAB_DIR/server.db
token=$LAB_DIR/sensor.token
"$server" --db "$sdb" sensor add lab-sensor >"$token"
chmod 600 "$token"
lab_sensor_exec "$server" --db "$sdb" serve --listen 127.0.0.1:0 \
	--port-file "$LAB_DIR/server.port" >"$LAB_DIR/log/server.log" 2>&1 &
for _ in $(seq 50); do [[ -s $LAB_DIR/server.port ]] && break; sleep 0.1; done
port=$(cat "$LAB_DIR/server.port" 2>/dev/null)
lab_check "muster-server listens on the sensor namespace's loopback" test -n "$port"

cat >"$conf" <<CONF
# the lab's sensor
[sensor]
interfaces = $LAB_SENSOR_IF
state_dir = $state
user = nobody
log_level = debug

[report]
server = http://127.0.0.1:$port
token_file = $token
retry_min = 200ms
retry_max = 1s
status_interval = 2s

[active]
enabled = yes
sweep = yes
ports = 22
rate = 200
CONF

pid=
start() {
	lab_sensor_exec "$sensor" run -f -c "$conf" >>"$log" 2>&1 &
	for _ in $(seq 100); do
		pid=$(pgrep -f -- "run -f -c $conf" | head -1)
		[[ -n $pid ]] && grep -q 'event=started' "$log" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}
stored() { [[ $(sqlite3 -cmd '.timeout 500' "$db" "select count(*) from hosts where mac='$1'" 2>/dev/null) == 1 ]]; }
wait_stored() { for _ in $(seq 40); do stored "$1" && return 0; sleep 0.1; done; return 1; }
hello() { lab_exec_net "$1" arping -q -U -c1 -I "$(lab_if "$1")" "$(lab_ip "$1")" >/dev/null 2>&1; }

lab_check "starts from its configuration" start
status() { awk -v k="$1:" '$1 == k { print $2 }' "/proc/$pid/status"; }
lab_check "runs as its own user (uid 65534), not root" test "$(status Uid)" = 65534
lab_check "holds CAP_NET_RAW and nothing else (CapEff 0000000000002000)" \
	test "$(status CapEff)" = 0000000000002000
lab_check "permitted set is CAP_NET_RAW only" test "$(status CapPrm)" = 0000000000002000
lab_check "bounding set is empty" test "$(status CapBnd)" = 0000000000000000
lab_check "no_new_privs is set" test "$(status NoNewPrivs)" = 1

# The active half: its ARP sweep finds host 4, which has not said a word.
lab_check "the service's ARP sweep finds a silent host" wait_stored "$(lab_mac 4)"
hello 1
lab_check "a host's gratuitous ARP reaches the store" wait_stored "$(lab_mac 1)"

# A bad configuration: refused with file:line, the old one kept.
cp "$conf" "$conf.good"
printf '[sensor]\ninterfaces = %s\nmax_hosts = lots\n' "$LAB_SENSOR_IF" >"$conf"
kill -HUP "$pid"
sleep 0.5
lab_check "a bad config on SIGHUP is refused with file:line" grep -q "$conf:3: " "$log"
lab_check "the sensor keeps running after a refused reload" kill -0 "$pid"
hello 2
lab_check "and keeps capturing with the old configuration" wait_stored "$(lab_mac 2)"

# A good one is taken.
sed 's/log_level = debug/log_level = info/' "$conf.good" >"$conf"
kill -HUP "$pid"
sleep 0.5
lab_check "a good config on SIGHUP is taken (2 reloads, 1 refused)" \
	test "$(grep -c 'event=reload ' "$log"):$(grep -c 'event=reload-refused' "$log")" = 2:1

# The interface goes down and comes back: picked up again.
lab_sensor_exec ip link set "$LAB_SENSOR_IF" down
sleep 1
lab_sensor_exec ip link set "$LAB_SENSOR_IF" up
sleep 2.5
hello 3
lab_check "the capture noticed the interface going away" grep -q "event=capture-stop iface=$LAB_SENSOR_IF" "$log"
lab_check "an interface that went down and came back is captured again" wait_stored "$(lab_mac 3)"

# kill -9, many times: the store stays intact and nothing confirmed is lost.
before=$(sqlite3 -cmd '.timeout 500' "$db" "select count(*) from hosts")
for i in $(seq 20); do
	kill -9 "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	start || break
	hello $((1 + i % 4)) &
	sleep 0.$((RANDOM % 5))
done
sleep 0.5
lab_check "restarts after 20 x kill -9" kill -0 "$pid"
lab_check "the store passes integrity_check" test "$(sqlite3 "$db" 'pragma integrity_check')" = ok
after=$(sqlite3 -cmd '.timeout 500' "$db" "select count(*) from hosts")
lab_check "no stored host lost ($before before, $after after)" test "$after" -ge "$before"
hello 4
lab_check "capturing resumed after the kills" wait_stored "$(lab_mac 4)"

# Reporting: every stored host reached the server, once.
on_server() { "$server" --db "$sdb" computers --status all --json 2>/dev/null; }
for _ in $(seq 50); do
	[[ $(on_server | grep -c '"mac"') -ge $after ]] && break
	sleep 0.2
done
n_srv=$(on_server | grep -o '"mac":"[^"]*"' | sort | uniq | wc -l)
n_dup=$(on_server | grep -o '"mac":"[^"]*"' | sort | uniq -d | wc -l)
lab_check "every stored host reached the server ($n_srv of $after)" test "$n_srv" -ge "$after"
lab_check "none twice" test "$n_dup" -eq 0
# Managed status back: host 1 is imported as managed elsewhere; the sensor
# fetches the status (status_interval 2s) and answers locally.
printf 'hostname,mac,group\nws-one,%s,All/Imported\n' "$(lab_mac 1)" >"$LAB_DIR/managed.csv"
"$server" --db "$sdb" import "$LAB_DIR/managed.csv" >/dev/null 2>&1
local_status() { "$sensor" hosts --db "$db" "$1" --json 2>/dev/null | grep -c "\"mac\":\"$2\""; }
for _ in $(seq 40); do
	[[ $(local_status --managed "$(lab_mac 1)") == 1 ]] && break
	sleep 0.25
done
lab_check "hosts --managed lists the host the server manages" \
	test "$(local_status --managed "$(lab_mac 1)")" = 1
lab_check "hosts --unmanaged leaves it out" test "$(local_status --unmanaged "$(lab_mac 1)")" = 0
lab_check "hosts --unmanaged lists the others" test "$(local_status --unmanaged "$(lab_mac 2)")" = 1

# grep -f: the token never appears in a command line of the test itself.
lab_check "the token is in no log" bash -c "! grep -qFf '$token' '$log' '$LAB_DIR/log/server.log'"
lab_check "the token is in no command line" \
	bash -c "! cat /proc/[0-9]*/cmdline 2>/dev/null | tr '\\0' '\\n' | grep -qFf '$token'"

kill -TERM "$pid"
rc=0
for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
lab_check "SIGTERM stops it" bash -c "! kill -0 $pid 2>/dev/null"
lab_check "and it said so (event=stopped)" grep -q 'event=stopped' "$log"
finish
