#!/usr/bin/env bash
# The main job: Muster's whole loop in the built-in lab (network namespaces
# with real daemons as machines). muster-server starts with TLS under its own
# CA; muster-sensor runs as a service (passive and active) and finds the
# machines; the server lists the unmanaged ones; muster-installer builds an
# installer (agent .deb, enrollment token, static group, policy); muster-deploy
# pushes it over SSH to the unmanaged Linux machines; they enroll; the
# sensor's next report and status fetch show them managed. Ends with a table
# and exits 0 only when every pushed machine shows managed.
# Leaves nothing behind: the lab and every file of the run live in one
# temporary directory, removed on exit, also after a failure or Ctrl-C.
#
# Usage (as root): scripts/demo.sh
# Environment: MUSTER_BUILD=DIR uses the programs built there (no build);
# MUSTER_DEMO_SKIP_SETUP=1 skips scripts/setup.sh (the Debian packages);
# LAB_KEEP_LOGS=DIR keeps the daemons' logs.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
case ${1:-} in
-h | --help) sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
'') ;;
*) echo "demo: unknown argument '$1' (see --help)" >&2; exit 2 ;;
esac
if [ "$(id -u)" -ne 0 ]; then
	echo "demo: run as root (it builds network namespaces)" >&2
	exit 2
fi
t_start=$SECONDS
now() { echo "$((SECONDS - t_start)) s"; }
say() { printf '\n%s\n' "$*"; }
line() { printf '   %s\n' "$*"; }
die() { printf '\ndemo: %s\n' "$*" >&2; exit 1; }
# wait_jobs: wait for the helpers started in the background (pids in jobs_),
# not for the daemons; count those that failed in $jobs_failed.
wait_jobs() {
	local p
	jobs_failed=0
	for p in "${jobs_[@]}"; do wait "$p" || jobs_failed=$((jobs_failed + 1)); done
	jobs_=()
}

# --- 0. packages and programs ---------------------------------------------------
if [ -z "${MUSTER_DEMO_SKIP_SETUP:-}" ]; then
	bash "$here/scripts/setup.sh" --no-build
fi
progs="muster-sensor muster-server muster-installer muster-deploy"
if [ -n "${MUSTER_BUILD:-}" ]; then
	build=$MUSTER_BUILD
else
	# A Release build in build/, made when missing and brought up to date by
	# make when stale (only the four programs).
	build=$here/build
	cache=$build/CMakeCache.txt
	if [ ! -f "$cache" ] || ! grep -qx 'CMAKE_BUILD_TYPE:STRING=Release' "$cache" ||
		grep -qx 'MUSTER_SANITIZE:BOOL=ON' "$cache" || grep -qx 'MUSTER_FUZZ:BOOL=ON' "$cache"; then
		echo "demo: configuring a Release build in $build" >&2
		cmake -S "$here" -B "$build" -DCMAKE_BUILD_TYPE=Release -DMUSTER_SANITIZE=OFF \
			-DMUSTER_FUZZ=OFF >/dev/null
	fi
	# shellcheck disable=SC2086
	cmake --build "$build" -j"$(nproc)" --target $progs >"$build/demo-build.log" 2>&1 ||
		{ tail -n 30 "$build/demo-build.log" >&2; die "the build failed (log: $build/demo-build.log)"; }
fi
sensor=$build/sensor/muster-sensor
server=$build/server/muster-server
installer=$build/installer-builder/muster-installer
deploy=$build/deployer/muster-deploy
for p in "$sensor" "$server" "$installer" "$deploy"; do
	[ -x "$p" ] || die "$p is not built"
done
view() { python3 "$here/scripts/demo-view.py" "$@"; }
# The lab keeps these trees visible inside its hosts when they live under /tmp.
export MUSTER_SRC=$here MUSTER_BUILD=$build
t_built=$SECONDS

# --- 1. the network ---------------------------------------------------------------
# Who is who: host index -> role. 24 machines of mixed kinds.
N=24
DHCPD=1                 # dnsmasq: the segment's DHCP server
DHCP=(2 3 4 5)          # DHCP clients sending a host name (desktops)
DHCP_NAMES=(ws-ada ws-grace ws-linus laptop-ken)
AVAHI=(6 7 8)           # mDNS: avahi-daemon publishing NAME.local
AVAHI_NAMES=(nas-0 printer-1 media-2)
SAMBA=(9 10 11)         # Samba file servers (NetBIOS, SMB)
SAMBA_NAMES=(FILESRV0 FILESRV1 FILESRV2)
SSH=(12 13 14 15 16 17 18 19) # Linux servers, sshd and avahi: the push targets
SSH_NAMES=(web-1 web-2 db-1 db-2 app-1 app-2 ci-1 ci-2)
MANAGED=20              # a Linux server another console already manages
QUIET=(21 22 23)        # machines that only open an SSH connection
SILENT=24               # says nothing at all: only the ARP sweep finds it

# shellcheck source=tests/lab/lab.sh
. "$here/tests/lab/lab.sh"
lab_require_root
lab_require_cmds openssl curl python3 dpkg-deb ssh-keygen /usr/sbin/sshd /usr/sbin/smbd \
	/usr/sbin/nmbd /usr/sbin/avahi-daemon /usr/sbin/dnsmasq /sbin/dhclient

# shellcheck disable=SC2317 # called from the lab's traps
lab_user_cleanup() {
	# The sensor and the server run in the sensor namespace: lab_teardown ends
	# them with everything else there; a clean stop first keeps the logs whole.
	local p
	for p in ${sensor_pid:-} ${server_pid:-}; do kill -TERM "$p" 2>/dev/null || true; done
	for p in ${sensor_pid:-} ${server_pid:-}; do wait "$p" 2>/dev/null || true; done
	# With LAB_KEEP_LOGS, the run's lists and reports go with the logs (no
	# keys, no tokens).
	if [ -n "${LAB_KEEP_LOGS:-}" ] && [ -d "${work:-}" ]; then
		mkdir -p "$LAB_DIR/log/demo"
		cp "$work"/*.jsonl "$work"/*.json "$work"/*.out "$work"/*.err "$work"/*.log \
			"$work"/sensor.conf "$LAB_DIR/log/demo/" 2>/dev/null || true
	fi
}
# An unexpected failure says where before the lab's trap tears everything down.
# shellcheck disable=SC2317 # called from the ERR trap
demo_err() {
	local rc=$?
	printf '\ndemo: failed at line %s (exit %s); LAB_KEEP_LOGS=DIR keeps the logs\n' "$1" "$rc" >&2
	(exit "$rc") || lab__on_trap ERR
}

printf 'Muster, the whole loop: a lab network, a sensor, a server, an installer and a push.\n'
say "1. The network ($(now))"
lab_init "$N" --private >/dev/null
trap 'demo_err $LINENO' ERR
chmod 711 "$LAB_DIR" # the sensor's user reaches its state directory below
work=$LAB_DIR/demo
mkdir -p "$work" "$work/tmp"
export TMPDIR=$work/tmp
# Vendor MACs, as a real segment shows them.
ouis=(00:0c:29 00:50:56 08:00:27 00:15:5d b8:27:eb 3c:22:fb 00:1b:21 f4:8e:38 00:25:90 d8:9e:f3)
for ((i = 1; i <= N; i++)); do
	lab_set_mac "$i" "$(printf '%s:%02x:%02x:%02x' "${ouis[$(((i - 1) % ${#ouis[@]}))]}" \
		$((i >> 8)) $((i & 255)) 0x42)"
done
line "lab $LAB_PREFIX: $N machines in network namespaces on one bridge, $LAB_SUBNET"
line "run directory: $LAB_DIR (removed at the end)"
line "the sensor's port ($LAB_SENSOR_IF, $LAB_SENSOR_IP) sees every frame, as a mirror port would"
ip -n "$LAB_BR_NS" link set "$LAB_BR_NS" type bridge ageing_time 0

# --- 2. muster-server ------------------------------------------------------------
say "2. muster-server, TLS with its own CA ($(now))"
pki=$work/pki
mkdir -p "$pki" && chmod 755 "$pki"
sip=$LAB_SENSOR_IP
port=8443
url=https://$sip:$port
(
	cd "$pki"
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
		-keyout ca.key -out ca.pem -subj "/CN=Muster demo CA $LAB_PREFIX" -days 1 &&
		printf 'subjectAltName=IP:%s\nextendedKeyUsage=serverAuth\n' "$sip" >server.ext &&
		openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
			-keyout server.key -subj "/CN=$sip" -out server.csr &&
		openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 1 \
			-extfile server.ext -out server.pem
) >"$work/openssl.log" 2>&1 || die "openssl could not make the certificates ($work/openssl.log)"
chmod 600 "$pki"/*.key
chmod 644 "$pki/ca.pem"
sdb=$work/server/server.db
mkdir -p "$work/server"
ms() { "$server" --db "$sdb" "$@"; }
umask 077
head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$work/admin.token"
printf 'Authorization: Bearer %s\n' "$(cat "$work/admin.token")" >"$work/admin.header"
ms sensor add sensor-lab >"$work/sensor.token"
umask 022
group=All/Lab/Linux
ms group add "$group" >/dev/null
# One server is managed by another console already: imported, as a site would.
printf 'hostname,mac,group,note\nbuild-0,%s,All/Lab/Imported,managed by the old console\n' \
	"$(lab_mac "$MANAGED")" >"$work/managed.csv"
ms import "$work/managed.csv" >/dev/null 2>&1
lab_sensor_exec "$server" --db "$sdb" serve --listen "$sip:$port" --tls-cert "$pki/server.pem" \
	--tls-key "$pki/server.key" --admin-token-file "$work/admin.token" \
	>"$LAB_DIR/log/server.log" 2>&1 &
server_pid=$!
scurl() { lab_sensor_exec curl -sS --fail --cacert "$pki/ca.pem" "$@"; }
for _ in $(seq 100); do scurl "$url/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
scurl "$url/healthz" >/dev/null || die "muster-server does not answer (log: $LAB_DIR/log/server.log)"
line "$url (certificate for $sip, signed by a CA made now with openssl)"
line "sensor 'sensor-lab' registered; static group $group; 1 computer imported as managed elsewhere"

# --- 3. the machines and the sensor ----------------------------------------------------
say "3. The machines join, muster-sensor listens and probes ($(now))"
# The lab's hosts share this machine's host name (no UTS namespace of their
# own), which would make every enrollment and every Samba server carry it.
# The servers' daemons are therefore started again, each in a UTS namespace
# with the machine's own name; the lab's helpers wrote their configuration.
own_name() { # own_name I NAME LOGNAME CMD...: run a daemon of host I as machine NAME
	local i=$1 hn=$2 name=$3
	shift 3
	# shellcheck disable=SC2016 # expanded by the inner sh
	lab__spawn "$i" "$name" unshare --uts sh -c 'hostname "$0" && exec "$@"' "$hn" "$@"
}
start_ssh_server() { # start_ssh_server I NAME [KEYFILE]
	local i=$1 hn=$2
	lab_start_sshd "$i" --version-addendum "$hn" ${3:+--authorized-keys "$3"} >/dev/null &&
		lab_stop_daemons "$i" &&
		own_name "$i" "$hn" sshd /usr/sbin/sshd -D -e -f /etc/ssh/sshd_config &&
		lab__wait "$LAB_WAIT" "sshd on host $i" lab_tcp_open "$i" "$(lab_ip "$i")" 22 &&
		lab_start_avahi "$i" "$hn"
}
# shellcheck disable=SC2016 # expanded by the inner sh
start_samba() { # start_samba I NAME
	local i=$1 hn=$2 lc
	lc=$(tr '[:upper:]' '[:lower:]' <<<"$hn")
	lab_start_smbd "$i" "$hn" CORP && lab_stop_daemons "$i" &&
		own_name "$i" "$lc" smbd /usr/sbin/smbd -F --no-process-group --debug-stdout \
			-s /etc/samba/smb.conf &&
		own_name "$i" "$lc" nmbd /usr/sbin/nmbd -F --no-process-group --debug-stdout \
			-s /etc/samba/smb.conf &&
		lab__wait "$LAB_WAIT" "smbd on host $i" lab_tcp_open "$i" "$(lab_ip "$i")" 445 &&
		lab__wait "$LAB_WAIT" "nmbd on host $i" lab_sensor_exec sh -c \
			'nmblookup -s /dev/null -B "$0" "$1" 2>/dev/null | grep -q "^$2 "' \
			"$LAB_BCAST" "$hn" "$(lab_ip "$i")"
}
ssh-keygen -q -t ed25519 -N "" -C "muster-demo-admin" -f "$work/id_admin"
jobs_=()
for k in "${!SSH[@]}"; do
	start_ssh_server "${SSH[$k]}" "${SSH_NAMES[$k]}" "$work/id_admin.pub" &
	jobs_+=($!)
done
start_ssh_server "$MANAGED" build-0 &
jobs_+=($!)
for k in "${!SAMBA[@]}"; do start_samba "${SAMBA[$k]}" "${SAMBA_NAMES[$k]}" & jobs_+=($!); done
wait_jobs
((jobs_failed == 0)) || die "$jobs_failed servers did not start (LAB_KEEP_LOGS=DIR keeps the logs)"
state=$work/sensor
mkdir -p "$state"
chown nobody "$state"
cat >"$work/sensor.conf" <<CONF
# muster-sensor for the demo lab (docs/config.md)
[sensor]
interfaces = $LAB_SENSOR_IF
state_dir = $state
user = nobody
log_level = info

[report]
server = $url
ca_file = $pki/ca.pem
token_file = $work/sensor.token
retry_min = 200ms
retry_max = 2s
status_interval = 2s
reannounce_interval = 5s

[active]
enabled = yes
sweep = yes
ports = 22,80,139,445
rate = 2000
probe_timeout = 2s
arp_timeout = 300ms
rescan = 8s
CONF
"$sensor" run --check -c "$work/sensor.conf" >/dev/null
lab_sensor_exec "$sensor" run -f -c "$work/sensor.conf" >"$LAB_DIR/log/sensor.log" 2>&1 &
sensor_pid=$!
t_sensor=$SECONDS
line "muster-sensor run -c sensor.conf: passive capture, ARP sweep of $LAB_SUBNET, probes of 22,80,139,445"
# The chatty machines start while the sensor listens.
lab_start_dnsmasq "$DHCPD" "$(lab__int2ip $((LAB_NET + 200)))" "$(lab__int2ip $((LAB_NET + 250)))"
jobs_=()
for k in "${!DHCP[@]}"; do lab_dhcp_client "${DHCP[$k]}" "${DHCP_NAMES[$k]}" >/dev/null & jobs_+=($!); done
for k in "${!AVAHI[@]}"; do lab_start_avahi "${AVAHI[$k]}" "${AVAHI_NAMES[$k]}" & jobs_+=($!); done
for i in "${QUIET[@]}"; do
	lab_exec "$i" timeout 3 bash -c "exec 3<>/dev/tcp/$(lab_ip "${SSH[0]}")/22; head -n1 <&3 >/dev/null" &
	jobs_+=($!)
done
wait_jobs
((jobs_failed == 0)) || line "($jobs_failed of the machines' daemons did not start; see the lab's logs)"
line "$(lab_ip "$DHCPD"): dnsmasq, the DHCP server"
line "${#DHCP[@]} desktops asking for leases with their names (${DHCP_NAMES[*]})"
line "${#AVAHI[@]} appliances publishing mDNS names with avahi (${AVAHI_NAMES[*]/%/.local})"
line "${#SAMBA[@]} Samba file servers in workgroup CORP (${SAMBA_NAMES[*]})"
line "$((${#SSH[@]} + 1)) Linux servers with sshd and avahi, one of them (build-0) managed by another console"
line "${#QUIET[@]} quiet machines that only open an SSH connection; $(lab_ip "$SILENT") says nothing at all"

# Wait until the server knows every machine and the sensor's probes have
# seen each sshd: the list the admin reads next is then complete (at most 60 s;
# what is missing then shows in the figures and the table).
truth_macs() { awk -F'\t' '!/^#/ { print $4 }' "$LAB_DIR/hosts.tsv"; }
discovered() {
	local all m i
	all=$(ms computers --status all --json 2>/dev/null)
	for m in $(truth_macs); do grep -q "\"mac\":\"$m\"" <<<"$all" || return 1; done
	for i in "${SSH[@]}" "$MANAGED"; do
		grep "\"mac\":\"$(lab_mac "$i")\"" <<<"$all" | grep -q '"port":22' || return 1
	done
}
for _ in $(seq 300); do discovered && break; sleep 0.2; done
t_found=$((SECONDS - t_sensor))
# (the store also holds the sensor's own interface: not one of the machines)
"$sensor" hosts --db "$state/sensor.db" --json 2>/dev/null | grep -v "\"mac\":\"$LAB_SENSOR_MAC\"" \
	>"$work/sensor-hosts.jsonl" || true
found=0
for m in $(truth_macs); do grep -q "\"mac\":\"$m\"" "$work/sensor-hosts.jsonl" && found=$((found + 1)); done
named=$(grep -c '"names":' "$work/sensor-hosts.jsonl" || true)
withos=$(grep -c '"os":' "$work/sensor-hosts.jsonl" || true)
line "found $found of the $N machines in $t_found s: $named with names, $withos with an OS guess; all reported to the server"
((found >= 20)) || die "the sensor found only $found machines"

# --- 4. the unmanaged list -------------------------------------------------------------
say "4. The unmanaged list ($(now))"
scurl -H @"$work/admin.header" "$url/api/v1/computers?status=all&format=jsonl" >"$work/before.jsonl"
scurl -H @"$work/admin.header" "$url/api/v1/computers?status=unmanaged&format=jsonl" >"$work/unmanaged.jsonl"
n_all=$(view count "$work/before.jsonl")
n_unmanaged=$(view count "$work/unmanaged.jsonl")
self=no
grep -q "\"mac\":\"$LAB_SENSOR_MAC\"" "$work/before.jsonl" && self=yes
view targets "$work/unmanaged.jsonl" >"$work/targets.jsonl" || true
n_targets=$(grep -c . "$work/targets.jsonl" || true)
line "GET /api/v1/computers?status=unmanaged (admin token, TLS): $n_unmanaged of $n_all computers are unmanaged"
[ "$self" = no ] || line "(the $n_all include the sensor's own interface, $LAB_SENSOR_IP, which it reports as well)"
line "$n_targets of them run Linux with SSH open (SSH banners, p0f, mDNS): the push targets"
((n_targets > 0)) || die "no unmanaged Linux machine with SSH to push to"

# --- 5. the installer ------------------------------------------------------------------
say "5. An installer: muster-installer all-in-one ($(now))"
# The agent package an admin brings: Muster has no agent of its own yet, so a
# small stand-in .deb (files under /opt only) plays its part.
pkg=$work/agent-pkg
mkdir -p "$pkg/DEBIAN" "$pkg/opt/muster-demo-agent"
cat >"$pkg/opt/muster-demo-agent/muster-demo-agent" <<'AGENT'
#!/bin/sh
# Stand-in agent of the demo: shows what the installer configured.
cat /etc/muster-agent/agent.conf
AGENT
chmod 755 "$pkg/opt/muster-demo-agent/muster-demo-agent"
cat >"$pkg/DEBIAN/control" <<'CTL'
Package: muster-demo-agent
Version: 0.1.0
Architecture: all
Maintainer: Muster demo <demo@example.org>
Description: stand-in agent package for the Muster demo
 The agent package an admin brings; this one only shows its configuration.
CTL
deb=muster-demo-agent_0.1.0_all.deb
dpkg-deb --root-owner-group --build "$pkg" "$work/$deb" >/dev/null
cat >"$work/policy.json" <<'POL'
{"version": 1, "log_level": "info", "update_interval": 600,
 "modules": {"inventory": {"enabled": true, "interval": 3600}, "discovery": {"enabled": false}},
 "tags": ["lab", "demo"]}
POL
umask 077
ms token create --group "$group" --uses "$((n_targets + 2))" --expires 1h \
	--note "demo push" >"$work/enroll.token" 2>/dev/null
umask 022
"$installer" all-in-one --os linux --agent "$work/$deb" --server "$sip:$port" --ca "$pki/ca.pem" \
	--group "$group" --policy "$work/policy.json" --token-file "$work/enroll.token" \
	--expires 2h -o "$work/install.sh" >"$work/installer.log" 2>&1 ||
	{ cat "$work/installer.log" >&2; die "muster-installer failed"; }
"$installer" inspect "$work/install.sh" --json >"$work/inspect.json" 2>/dev/null ||
	die "muster-installer inspect finds the installer damaged"
token_info=$(ms token list --json | python3 -c 'import json, sys
t = [json.loads(l) for l in sys.stdin if l.strip()][-1]
print("%d uses, expires %s" % (t["uses"], t["expires"]))')
line "enrollment token made on the server: group $group, $token_info"
line "install.sh ($(($(stat -c %s "$work/install.sh") / 1024)) KiB): $deb, the CA, server $sip:$port,"
line "group $group, policy (inventory hourly), the token; inspect: integrity $(python3 -c 'import json, sys
print(json.load(open(sys.argv[1]))["integrity"])' "$work/inspect.json"), token masked"

# --- 6. the push -----------------------------------------------------------------------
say "6. The push: muster-deploy over SSH ($(now))"
# The admin knows the servers' host keys: strict checking.
for i in "${SSH[@]}" "$MANAGED"; do lab_known_hosts "$i" || true; done >"$work/known_hosts"
t_push=$SECONDS
rc=0
lab_sensor_exec "$deploy" --method ssh --targets "$work/targets.jsonl" --user root \
	--identity "$work/id_admin" --known-hosts "$work/known_hosts" --installer "$work/install.sh" \
	--parallel 16 --timeout 90 --report "$work/push.json" --log-level warn \
	>"$work/push.out" 2>"$work/push.err" || rc=$?
pushed_ok=$(python3 -c 'import json, sys
print(sum(o["status"] == "ok" for o in json.load(open(sys.argv[1]))))' "$work/push.json" 2>/dev/null || echo 0)
pushed_failed=$((n_targets - pushed_ok))
line "muster-deploy --method ssh --targets (those $n_targets) --installer install.sh --parallel 16"
line "pushed to $n_targets: ok $pushed_ok, failed $pushed_failed, in $((SECONDS - t_push)) s (exit $rc)"
python3 - "$work/push.json" <<'PY' | sed 's/^/     /' || true
import ipaddress, json, sys
rep = json.load(open(sys.argv[1]))
for o in sorted(rep, key=lambda o: ipaddress.ip_address(o["host"])):
    res = (o.get("installer_result") or {}).get("reason") or o["reason"]
    print("%-14s %-8s %s" % (o["host"], o["status"], res.split(" installer=")[0][:80]))
PY

# --- 7. enrollment -------------------------------------------------------------------
say "7. Enrollment ($(now))"
enrolled=$(ms audit --json | python3 -c 'import json, sys
rows = [json.loads(l) for l in sys.stdin if l.strip()]
print(sum(1 for r in rows if r.get("action") == "enroll" and r.get("result") == "ok"))')
uses_left=$(ms token list --json | python3 -c 'import json, sys
print([json.loads(l) for l in sys.stdin if l.strip()][-1]["uses_left"])')
ms computers --status managed --json >"$work/managed-now.jsonl"
line "the server's audit log: $enrolled enrollments accepted (token uses left: $uses_left)"
line "managed computers now: $(view count "$work/managed-now.jsonl"), matched by the MACs the installers sent"

# --- 8. the sensor's next report ---------------------------------------------------------
say "8. The sensor's next report ($(now))"
# The pushed machines, by MAC; the sensor must report them again after the
# enrollment (the server then judges them anew) and fetch their status.
pushed_macs=$(python3 - "$work/push.json" "$work/before.jsonl" <<'PY'
import json, sys
ok = {o["host"] for o in json.load(open(sys.argv[1])) if o["status"] == "ok"}
for l in open(sys.argv[2]):
    r = json.loads(l)
    if set(r.get("ipv4", [])) & ok:
        print(r["mac"])
PY
)
n_pushed_macs=$(wc -w <<<"$pushed_macs")
t_enrolled=$(date -u +%Y-%m-%dT%H:%M:%SZ)
acked_before=$(grep -c 'event=report-acked' "$LAB_DIR/log/sensor.log" || true)
t_wait=$SECONDS
reported_again() {
	# shellcheck disable=SC2086
	(($(ms computers --status all --json 2>/dev/null >"$work/after.jsonl" &&
		view reported-since "$work/after.jsonl" "$t_enrolled" $pushed_macs) == n_pushed_macs))
}
sensor_after() {
	"$sensor" hosts --db "$state/sensor.db" --managed --json >"$work/sensor-managed.jsonl" 2>/dev/null &&
		"$sensor" hosts --db "$state/sensor.db" --unmanaged --json >"$work/sensor-unmanaged.jsonl" 2>/dev/null
}
sensor_sees_all() {
	local m
	sensor_after || return 1
	for m in $pushed_macs; do grep -q "\"mac\":\"$m\"" "$work/sensor-managed.jsonl" || return 1; done
}
for _ in $(seq 150); do reported_again && break; sleep 0.2; done
# shellcheck disable=SC2086 # one argument per MAC
again=$(view reported-since "$work/after.jsonl" "$t_enrolled" $pushed_macs)
reports=$(($(grep -c 'event=report-acked' "$LAB_DIR/log/sensor.log" || true) - acked_before))
for _ in $(seq 50); do sensor_sees_all && break; sleep 0.2; done
sensor_after || true
ms computers --status all --json >"$work/after.jsonl"
cat "$work/sensor-managed.jsonl" "$work/sensor-unmanaged.jsonl" >"$work/sensor-after.jsonl"
line "$reports reports since the enrollment ($((SECONDS - t_wait)) s); they carried $again of the $n_pushed_macs pushed machines"
line "the server: $(view count "$work/after.jsonl" --managed) managed, $(($(view count "$work/after.jsonl") - $(view count "$work/after.jsonl" --managed))) unmanaged"
line "the sensor's status fetch: muster-sensor hosts --managed lists $(grep -c . "$work/sensor-managed.jsonl" || true), --unmanaged $(grep -c . "$work/sensor-unmanaged.jsonl" || true)"

# --- the table and the verdict ------------------------------------------------------
say "The machines, before and after ($(now))"
{
	printf '0\tsensor\t%s\t%s\t-\t-\n' "$LAB_SENSOR_IP" "$LAB_SENSOR_MAC"
	cat "$LAB_DIR/hosts.tsv"
} >"$work/truth.tsv"
view table "$work/truth.tsv" "$work/before.jsonl" "$work/after.jsonl" "$work/sensor-after.jsonl"

closed=0
for m in $pushed_macs; do
	grep "\"mac\":\"$m\"" "$work/after.jsonl" | grep -q '"status":"managed"' &&
		grep -q "\"mac\":\"$m\"" "$work/sensor-managed.jsonl" && closed=$((closed + 1))
done
# Every unmanaged Linux server of the lab must have been a target.
missed=0
for i in "${SSH[@]}"; do grep -qw "$(lab_mac "$i")" <<<"$pushed_macs" || missed=$((missed + 1)); done
echo
line "hosts found $found, unmanaged $n_unmanaged, pushed ok $pushed_ok failed $pushed_failed, enrolled $enrolled, managed after $closed"
line "time: $(now) in all ($((t_built - t_start)) s packages and build, $((SECONDS - t_built)) s the loop)"
if ((pushed_ok > 0 && pushed_failed == 0 && missed == 0 && again == n_pushed_macs &&
	closed == n_pushed_macs && n_pushed_macs == pushed_ok)); then
	line "the loop is closed: every pushed machine enrolled and shows managed, on the server and in the sensor"
	exit 0
fi
line "the loop is NOT closed ($missed lab servers not pushed, $((n_pushed_macs - closed)) pushed but not managed; LAB_KEEP_LOGS=DIR keeps the logs)"
exit 1
