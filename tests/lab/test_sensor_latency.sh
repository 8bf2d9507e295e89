#!/usr/bin/env bash
# In the lab, a new host that sends one gratuitous ARP or one DHCP DISCOVER is
# in muster-sensor's store within 1 s (issue 3, "Show").
#
# muster-sensor listens live in the sensor namespace with a SQLite store; the
# store is polled every 50 ms with the sqlite3 CLI. The new hosts have IPv6
# disabled (no router solicitations) and get a fresh random vendor MAC right
# before their single packet, so nothing earlier can have revealed them —
# which the test checks in the store before sending.
#
# Env: MUSTER_BUILD (binary at $MUSTER_BUILD/sensor/muster-sensor), MUSTER_SRC.
# Exit 0 pass, 77 skipped (not root, no netns, a tool missing), 1 fail.
set -u
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
src=${MUSTER_SRC:-$(cd "$here/../.." && pwd)}
build=${MUSTER_BUILD:-$src/build}
sensor=$build/sensor/muster-sensor
LIMIT=1.0	# seconds from the packet to the store

. "$src/tests/lab/lab.sh"
lab_require_root
lab_require_cmds arping sqlite3 python3 timeout
if [[ ! -x $sensor ]]; then
	echo "SKIP: no muster-sensor at $sensor (build it first)" >&2
	exit 77
fi

passed=0 failed=0
ok() { echo "ok - $*"; passed=$((passed + 1)); }
bad() { echo "FAIL - $*"; failed=$((failed + 1)); }
finish() {
	echo "$passed passed, $failed failed"
	((failed == 0)) && exit 0
	exit 1
}

# now: seconds since the epoch, microseconds (bash's $EPOCHREALTIME).
now() { echo "${EPOCHREALTIME/,/.}"; }
# elapsed T0 [T1]: T1 - T0 in seconds, 3 decimals.
elapsed() { awk -v a="$1" -v b="${2:-$(now)}" 'BEGIN { printf "%.3f", b - a }'; }
le() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a <= b) }'; }
rand_mac() { printf '%s:%s\n' "$1" "$(od -An -N3 -tx1 /dev/urandom | tr -s ' ' ':' | sed 's/^://')"; }

in_store() {	# in_store MAC: the store has a row for MAC
	[[ $(sqlite3 -cmd '.timeout 200' "$db" \
		"select count(*) from hosts where mac='$1'" 2>/dev/null) == 1 ]]
}
# wait_store MAC T0 SECONDS: poll every 50 ms; print the latency from T0 when
# MAC appears, fail after SECONDS.
wait_store() {
	local mac=$1 t0=$2 max=$3 t
	while :; do
		if in_store "$mac"; then
			elapsed "$t0"
			return 0
		fi
		t=$(elapsed "$t0")
		le "$t" "$max" || { echo "$t"; return 1; }
		sleep 0.05
	done
}
record() { sqlite3 -cmd '.timeout 200' "$db" "select record from hosts where mac='$1'" 2>/dev/null; }

# fresh_host I OUI: give host I a new random MAC in OUI and check that the
# sensor has not seen it (the test would be invalid otherwise). Prints the MAC.
fresh_host() {
	local i=$1 mac
	mac=$(rand_mac "$2")
	lab_set_mac "$i" "$mac" || return 1
	sleep 0.5	# would the host say anything by itself? (it must not)
	if in_store "$mac"; then
		echo "host $i ($mac) is in the store before its first packet: test invalid" >&2
		return 1
	fi
	echo "$mac"
}

# One DHCPDISCOVER from MAC on IFACE (raw socket); prints the time it was sent.
dhcp_discover() {	# dhcp_discover I MAC HOSTNAME
	lab_exec_net "$1" python3 - "$(lab_if "$1")" "$2" "$3" <<'PY'
import os, socket, struct, sys, time
ifname, mac, hostname = sys.argv[1], bytes.fromhex(sys.argv[2].replace(":", "")), sys.argv[3].encode()
opts = bytes([53, 1, 1]) + bytes([61, 7, 1]) + mac \
    + bytes([12, len(hostname)]) + hostname \
    + bytes([55, 7, 1, 28, 2, 3, 15, 6, 12]) + bytes([255])
bootp = struct.pack("!BBBBIHH4s4s4s4s16s64s128sI", 1, 1, 6, 0,
                    struct.unpack("!I", os.urandom(4))[0], 0, 0x8000,
                    bytes(4), bytes(4), bytes(4), bytes(4), mac + bytes(10),
                    bytes(64), bytes(128), 0x63825363) + opts
udp = struct.pack("!HHHH", 68, 67, 8 + len(bootp), 0) + bootp
def csum(b):
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    s = (s >> 16) + (s & 0xffff)
    return ~(s + (s >> 16)) & 0xffff
ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0, 64, 17, 0,
                 bytes(4), b"\xff" * 4)
ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
frame = b"\xff" * 6 + mac + b"\x08\x00" + ip + udp
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind((ifname, 0))
s.send(frame)
print("%.6f" % time.time())
PY
}

lab_init 4 || exit 1
db=$LAB_DIR/sensor.db
slog=$LAB_DIR/log/sensor.log

# No IPv6 on the hosts: no router solicitations, nothing but what we send.
for i in 1 2 3 4; do
	lab_exec_net "$i" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
		net.ipv6.conf.default.disable_ipv6=1 "net.ipv6.conf.$(lab_if "$i").disable_ipv6=1" ||
		{ bad "disable IPv6 on host $i"; finish; }
done

t_start=$(now)
lab_sensor_exec sh -c 'echo $$ >"$0"; exec "$@"' "$LAB_DIR/sensor.pid" \
	"$sensor" -i "$LAB_SENSOR_IF" --db "$db" --duration 30 --log-level debug \
	>"$LAB_DIR/sensor.out" 2>"$slog" &
job=$!
for ((k = 0; k < 50; k++)); do
	[[ -s $LAB_DIR/sensor.pid ]] && break
	sleep 0.02
done
sensor_pid=$(cat "$LAB_DIR/sensor.pid" 2>/dev/null)

# Capturing? Wait for the store and the capture, then for host 4's gratuitous
# ARPs (one every 0.5 s) to reach the store: the whole path works.
ready=0
for ((k = 0; k < 100; k++)); do
	[[ -s $db ]] && grep -q 'event=capture-start' "$slog" && { ready=1; break; }
	kill -0 "$job" 2>/dev/null || break
	sleep 0.1
done
if ((ready)); then
	ok "muster-sensor is capturing on $LAB_SENSOR_IF, store $db ($(elapsed "$t_start") s)"
else
	bad "muster-sensor did not start capturing"
	sed 's/^/  | /' "$slog" | tail -n 10
	finish
fi
m4=$(lab_mac 4)
for ((k = 0; k < 20; k++)); do
	lab_exec_net 4 arping -q -U -c1 -w1 -i "$(lab_if 4)" "$(lab_ip 4)" >/dev/null 2>&1 &
	in_store "$m4" && break
	sleep 0.5
done
if in_store "$m4"; then
	ok "warm-up host 4 ($m4) reaches the store"
else
	bad "warm-up host 4 ($m4) never reached the store"
	finish
fi
sleep 0.5

# (a) one gratuitous ARP from a host never seen.
if mac=$(fresh_host 1 00:0c:29); then
	ok "host 1 has a fresh MAC $mac, not in the store"
	t0=$(now)
	lab_exec_net 1 arping -q -U -c1 -w1 -i "$(lab_if 1)" "$(lab_ip 1)" >/dev/null 2>&1 &
	if lat=$(wait_store "$mac" "$t0" 3) && le "$lat" "$LIMIT"; then
		ok "gratuitous ARP: host 1 in the store after $lat s (limit $LIMIT s)"
	else
		bad "gratuitous ARP: host 1 not in the store within $LIMIT s (waited $lat s)"
	fi
	rec=$(record "$mac")
	if [[ $rec == *'"arp"'* && $rec == *"\"$(lab_ip 1)\""* ]]; then
		ok "host 1's record has its address from ARP"
	else
		bad "host 1's record: ${rec:-none}"
	fi
else
	bad "host 1 could not be given a fresh, unseen MAC"
fi

# (b) one DHCP DISCOVER from another host never seen.
if mac=$(fresh_host 2 b8:27:eb); then
	ok "host 2 has a fresh MAC $mac, not in the store"
	if t0=$(dhcp_discover 2 "$mac" muster-latency) && [[ -n $t0 ]]; then
		if lat=$(wait_store "$mac" "$t0" 3) && le "$lat" "$LIMIT"; then
			ok "DHCP DISCOVER: host 2 in the store after $lat s (limit $LIMIT s)"
		else
			bad "DHCP DISCOVER: host 2 not in the store within $LIMIT s (waited $lat s)"
		fi
		rec=$(record "$mac")
		if [[ $rec == *'"dhcp"'* && $rec == *'muster-latency'* ]]; then
			ok "host 2's record has its DHCP host name"
		else
			bad "host 2's record: ${rec:-none}"
		fi
	else
		bad "sending the DHCP DISCOVER from host 2 failed"
	fi
else
	bad "host 2 could not be given a fresh, unseen MAC"
fi

# The sensor stops cleanly on SIGINT.
kill -INT "$sensor_pid" 2>/dev/null
wait "$job"
rc=$?
if ((rc == 0)); then
	ok "muster-sensor exited 0"
else
	bad "muster-sensor exited $rc"
	sed 's/^/  | /' "$slog" | grep -v 'level=debug' | tail -n 10
fi
finish
