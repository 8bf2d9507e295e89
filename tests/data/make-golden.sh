#!/usr/bin/env bash
# Make the golden captures: small labs (tests/lab/lab.sh) with real daemons,
# captured by tcpdump in the sensor namespace, and the sensor's JSON for each
# capture beside it.
#
#   tests/data/make-golden.sh [MUSTER_SENSOR] [SCENARIO...]
#   tests/data/make-golden.sh --update [MUSTER_SENSOR]
#
# --update keeps the captures and only writes the expected JSON again, from
# the given sensor (after a deliberate change of the sensor's output; review
# the diff before committing it).
#
# Scenarios (default: all):
#   dhcp-mdns     dnsmasq; two dhclient hosts sending host names (one with a
#                 vendor class); two avahi-daemons; one quiet host
#   netbios-ssh   smbd+nmbd; sshd with an OpenSSH client connecting; a client
#                 of the SMB share; one quiet host sending a gratuitous ARP
# The lab's bridge is made a hub (ageing time 0), so the sensor's port sees
# unicast too, as a mirror port would.
# Writes lab-SCENARIO.pcap and lab-SCENARIO.expected.json to $GOLDEN_DIR
# (default tests/data); the JSON is `muster-sensor -r FILE --no-store --json`
# with its lines sorted (one host per line, each starting with its MAC).
# Hosts get vendor MACs with lab_set_mac; the ground truth of each run is
# printed at the end, to check the JSON by eye.
# Needs root; packets stay inside the lab's namespaces; the lab is torn down
# on exit, also after a failure.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
src=$(cd "$here/../.." && pwd)
update=0
[[ ${1:-} == --update ]] && { update=1; shift; }
sensor=${1:-$src/build-golden/sensor/muster-sensor}
shift || true
scenarios=("$@")
((${#scenarios[@]})) || scenarios=(dhcp-mdns netbios-ssh)

# What the sensor decodes (sensor/capture.c), so the captures stay small.
FILTER='arp or (udp and (port 67 or port 68 or port 137 or port 138 or port 546 or port 547 or port 1900 or port 5353 or port 5355)) or icmp6 or (tcp and tcp[tcpflags] & tcp-syn != 0) or (ip6 and ip6[6] == 6 and ip6[53] & 2 != 0)'
MAX_BYTES=200000

# The sensor's output, normalised: one record per line, sorted (by MAC, which
# each line starts with). tests/corpus/test_golden.sh does the same.
normalise() { LC_ALL=C sort; }

# --- one scenario in a child process (one lab per process) ------------------
if [[ -n ${GOLDEN_SCENARIO:-} ]]; then
	name=$GOLDEN_SCENARIO
	. "$src/tests/lab/lab.sh"
	lab_require_root
	lab_require_cmds tcpdump /usr/sbin/dnsmasq /sbin/dhclient /usr/sbin/avahi-daemon \
		/usr/sbin/smbd /usr/sbin/nmbd /usr/sbin/sshd ssh smbclient arping

	capture_start() {
		lab_sensor_exec sh -c 'echo $$ >"$0"; exec tcpdump -Z root -U -n -s 0 \
			-i "$1" -w "$2" "$3"' "$LAB_DIR/tcpdump.pid" "$LAB_SENSOR_IF" \
			"$LAB_DIR/cap.pcap" "$FILTER" 2>"$LAB_DIR/log/tcpdump.log" &
		lab__wait 10 "tcpdump" grep -q 'listening on' "$LAB_DIR/log/tcpdump.log"
	}
	capture_stop() {
		local p k
		p=$(<"$LAB_DIR/tcpdump.pid")
		kill -INT "$p"
		for ((k = 0; k < 50; k++)); do
			kill -0 "$p" 2>/dev/null || break
			sleep 0.1
		done
		cat "$LAB_DIR/log/tcpdump.log" >&2
	}
	# The lab's bridge learns MACs, so the sensor's port would see broadcast
	# and multicast only. Ageing time 0 makes it a hub (every frame flooded,
	# like a mirror port): the sensor sees unicast SYNs, SYN+ACKs and DHCP
	# offers too. This changes only the lab's own bridge.
	hub() { ip -n "$LAB_BR_NS" link set dev "$LAB_BR_NS" type bridge ageing_time 0; }
	# hello I: the host says hello once (ARP for the sensor, one ping).
	hello() { lab_exec_net "$1" ping -c1 -W1 "$LAB_SENSOR_IP" >/dev/null 2>&1 || true; }

	case $name in
	dhcp-mdns)
		lab_init 6
		lab_set_mac 1 00:25:90:00:01:42	# Super Micro
		lab_set_mac 2 00:0c:29:00:02:42	# VMware
		lab_set_mac 3 b8:27:eb:00:03:42	# Raspberry Pi Foundation
		lab_set_mac 4 08:00:27:00:04:42	# PCS Systemtechnik (VirtualBox)
		lab_set_mac 5 3c:22:fb:00:05:42	# Apple
		# host 6 keeps its locally administered lab MAC
		hub
		capture_start
		lab_start_dnsmasq 1 "$(lab__int2ip $((LAB_NET + 200)))" "$(lab__int2ip $((LAB_NET + 250)))"
		lease2=$(lab_dhcp_client 2 ws-ada)
		lease3=$(lab_dhcp_client 3 laptop-ken --vendor-class "dhcpcd-9.4.1:Linux-6.1.0:x86_64:GenuineIntel")
		lab_start_avahi 4 nas-zero
		lab_start_avahi 5 printer-one
		hello 6
		sleep 4
		capture_stop
		echo "leases: host 2 ws-ada $lease2, host 3 laptop-ken $lease3" >"$LAB_DIR/notes"
		;;
	netbios-ssh)
		lab_init 5
		lab_set_mac 1 00:15:5d:00:01:42	# Microsoft (Hyper-V)
		lab_set_mac 2 00:50:56:00:02:42	# VMware
		lab_set_mac 3 f4:8e:38:00:03:42	# Dell
		lab_set_mac 4 d8:9e:f3:00:04:42	# Dell
		# host 5 keeps its locally administered lab MAC
		hub
		capture_start
		lab_start_smbd 1 FILESRV0 CORP
		lab_start_sshd 2 --version-addendum muster-golden
		lab_exec 3 timeout 10 ssh -o BatchMode=yes -o StrictHostKeyChecking=no \
			-o UserKnownHostsFile=/dev/null -o ConnectTimeout=3 \
			"root@$(lab_ip 2)" true >/dev/null 2>&1 || true
		lab_exec 4 timeout 10 smbclient -N -L "//$(lab_ip 1)" >/dev/null 2>&1 || true
		lab_exec_net 5 arping -q -U -c1 -i "$(lab_if 5)" "$(lab_ip 5)" >/dev/null 2>&1 || true
		sleep 3
		capture_stop
		: >"$LAB_DIR/notes"
		;;
	*)
		echo "make-golden: unknown scenario '$name'" >&2
		exit 2
		;;
	esac

	out=${GOLDEN_DIR:-$here}/lab-$name
	cp "$LAB_DIR/cap.pcap" "$out.pcap"
	bytes=$(stat -c %s "$out.pcap")
	if ((bytes > MAX_BYTES)); then
		echo "make-golden: $out.pcap is $bytes bytes (> $MAX_BYTES)" >&2
		exit 1
	fi
	"$sensor" -r "$out.pcap" --no-store --json | normalise >"$out.expected.json"
	{
		echo "== lab-$name: $(tcpdump -r "$out.pcap" 2>/dev/null | wc -l) packets, $bytes bytes"
		echo "-- ground truth (index namespace ipv4 mac ipv6 runs):"
		grep -v '^#' "$LAB_DIR/hosts.tsv"
		cat "$LAB_DIR/notes"
		echo "-- $out.expected.json:"
		cat "$out.expected.json"
	} >&2
	exit 0
fi

# --- parent: one child per scenario ------------------------------------------
[[ -x $sensor ]] || { echo "make-golden: no sensor at $sensor" >&2; exit 2; }
sensor=$(cd "$(dirname "$sensor")" && pwd)/$(basename "$sensor")
if ((update)); then
	for pcap in "${GOLDEN_DIR:-$here}"/lab-*.pcap; do
		[[ -e $pcap ]] || continue
		"$sensor" -r "$pcap" --no-store --json 2>/dev/null | normalise >"${pcap%.pcap}.expected.json"
		echo "wrote ${pcap%.pcap}.expected.json" >&2
	done
	exit 0
fi
for s in "${scenarios[@]}"; do
	GOLDEN_SCENARIO=$s bash "${BASH_SOURCE[0]}" "$sensor"
done
