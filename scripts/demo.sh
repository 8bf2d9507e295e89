#!/usr/bin/env bash
# The main job on the built-in lab: a network of real daemons in network
# namespaces (DHCP clients with host names, avahi, Samba's nmbd/smbd, sshd
# with clients connecting, quiet hosts), and muster-sensor listening
# passively in the sensor namespace. Prints the hosts it found, with names,
# vendors and OS guesses, and compares them with the lab's ground truth.
# Leaves nothing behind: the lab is torn down on exit, also after a failure.
#
# Usage (as root): scripts/demo.sh [--hosts N] [--listen SECONDS]
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
hosts=24
listen=12
while (($#)); do
	case $1 in
	--hosts) hosts=$2; shift 2 ;;
	--listen) listen=$2; shift 2 ;;
	-h | --help) sed -n '2,9p' "$0"; exit 0 ;;
	*) echo "demo: unknown argument '$1'" >&2; exit 2 ;;
	esac
done
((hosts >= 16)) || { echo "demo: --hosts must be at least 16" >&2; exit 2; }

if [ "$(id -u)" -ne 0 ]; then
	echo "demo: run as root (it builds network namespaces)" >&2
	exit 2
fi
MUSTER_BUILD_TYPE=RelWithDebInfo bash "$here/scripts/setup.sh" "$here/build" >/dev/null
sensor=$here/build/sensor/muster-sensor

say() { printf '\n== %s\n' "$*"; }

# shellcheck source=../tests/lab/lab.sh
. "$here/tests/lab/lab.sh"
lab_require_root
say "Building a lab of $hosts hosts (network namespaces on one bridge)"
lab_init "$hosts"
# The sensor sits on a mirror port: a bridge that learns no MACs floods every
# frame to every port, so unicast between hosts reaches the sensor too.
ip -n "$LAB_BR_NS" link set "$LAB_BR_NS" type bridge ageing_time 0

# Vendor MACs, as a real segment would show them (the lab's default MACs are
# locally administered, which the sensor reports as such).
ouis=(00:0c:29 00:50:56 08:00:27 00:15:5d b8:27:eb 3c:22:fb 00:1b:21 f4:8e:38 00:25:90 d8:9e:f3)
for ((i = 1; i <= hosts; i++)); do
	o=${ouis[$(((i - 1) % ${#ouis[@]}))]}
	lab_set_mac "$i" "$(printf '%s:%02x:%02x:%02x' "$o" $((i >> 8)) $((i & 255)) 0x42)"
done

db=$LAB_DIR/sensor.db
out=$LAB_DIR/sensor.json
say "Starting muster-sensor in the sensor namespace (passive, on $LAB_SENSOR_IF)"
lab_sensor_exec "$sensor" -i "$LAB_SENSOR_IF" --duration $((listen + 40)) --db "$db" \
	--json >"$out" 2>"$LAB_DIR/log/sensor.log" &
sensor_pid=$!
sleep 1

say "Hosts join the network"
# Host 1 is the DHCP server; the next ones ask it for leases with their names.
lab_start_dnsmasq 1 "$(lab__int2ip $((LAB_NET + 200)))" "$(lab__int2ip $((LAB_NET + 250)))"
echo "  $(lab_ip 1)  dnsmasq (DHCP server)"
names=(ws-ada ws-grace ws-linus laptop-ken)
for k in 0 1 2 3; do
	i=$((2 + k))
	lease=$(lab_dhcp_client "$i" "${names[$k]}")
	echo "  $(lab_ip "$i")  dhclient as ${names[$k]} (lease $lease)"
done
# Avahi publishes host names over mDNS.
for k in 0 1 2 3; do
	i=$((6 + k))
	lab_start_avahi "$i" "nas-$k"
	echo "  $(lab_ip "$i")  avahi-daemon as nas-$k.local"
done
# Samba: NetBIOS names and workgroups.
for k in 0 1 2; do
	i=$((10 + k))
	lab_start_smbd "$i" "FILESRV$k" "CORP"
	echo "  $(lab_ip "$i")  smbd+nmbd as FILESRV$k in CORP"
done
# sshd, with clients connecting to it (their SYNs carry OS fingerprints).
for k in 0 1 2; do
	i=$((13 + k))
	lab_start_sshd "$i" --version-addendum "muster-lab-$k"
	echo "  $(lab_ip "$i")  sshd ($(lab_banner "$(lab_ip "$i")" 22))"
done
for ((i = 16; i <= hosts; i++)); do
	lab_exec "$i" timeout 3 bash -c "exec 3<>/dev/tcp/$(lab_ip 13)/22; head -n1 <&3 >/dev/null" || true
done
echo "  hosts 16..$hosts: quiet machines that only open an SSH connection"
# Everyone says hello once (ARP), as any host does when it first talks.
for ((i = 1; i <= hosts; i++)); do
	lab_exec "$i" ping -c1 -W1 "$LAB_SENSOR_IP" >/dev/null 2>&1 &
done
for p in $(jobs -p); do
	[ "$p" = "$sensor_pid" ] || wait "$p" 2>/dev/null || true
done

say "Listening for $listen more seconds"
sleep "$listen"
pkill -INT -f -- "--db $db" 2>/dev/null || true
wait "$sensor_pid" || true

say "What muster-sensor found (from its store, $db)"
"$sensor" hosts --db "$db"

# Ground truth: every lab host must be in the store.
found=0
missing=()
"$sensor" hosts --db "$db" --json >"$LAB_DIR/stored.json"
for ((i = 1; i <= hosts; i++)); do
	mac=$(lab_mac "$i")
	if grep -q "\"mac\":\"$mac\"" "$LAB_DIR/stored.json"; then
		found=$((found + 1))
	else
		missing+=("$(lab_ip "$i")")
	fi
done
say "Found $found of $hosts lab hosts${missing:+; missing: ${missing[*]}}"
