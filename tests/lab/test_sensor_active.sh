#!/usr/bin/env bash
# test_sensor_active.sh - the sensor's active half against real daemons in the
# lab: 34 hosts (sshd with distinct VersionAddendum banners, Samba smbd+nmbd
# with chosen NetBIOS names and workgroups, avahi with chosen host names, a
# web server, and silent hosts that only answer ARP). One run of
#   muster-sensor -i IF --active --sweep --duration N --json --db FILE
# in the sensor namespace must find every host (recall 100%) with its names,
# SSH banner and version, and SMB workgroup; the store must hold the same
# hosts. A second run with deny filters must neither report nor send a single
# packet to the filtered hosts.
#
# Environment: MUSTER_BUILD, MUSTER_SRC. Exit 0 pass, 77 skip, 1 fail.
# Packets only flow inside the lab's namespaces (tests/lab/README.md).
set -u
src=${MUSTER_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
build=${MUSTER_BUILD:-$src/build}
sensor=$build/sensor/muster-sensor
. "$src/tests/lab/lab.sh"

lab_require_root
lab_require_cmds /usr/sbin/sshd /usr/sbin/smbd /usr/sbin/nmbd nmblookup \
	/usr/sbin/avahi-daemon python3 tcpdump timeout
if [[ ! -x $sensor ]]; then
	echo "SKIP: $sensor is not built"
	exit 77
fi

t0=$SECONDS
work=$(mktemp -d /tmp/sensor-active.XXXXXX)
[[ -n ${KEEP_WORK:-} ]] && echo "# work dir $work"
lab_user_cleanup() { [[ -n ${KEEP_WORK:-} ]] || rm -rf -- "$work"; }

# --- the lab: who runs what (the ground truth) ------------------------------
N=34
SSH_HOSTS=(1 2 3 4 5 6 7 8 9 10 25)
SMB_HOSTS=(11 12 13 14 15 16 25)
AVAHI_HOSTS=(17 18 19 20 21 22 23 24)
WEB_HOST=26
# Hosts 27-34 run nothing: they only answer ARP (and NDP).
smb_name() { printf 'LABSMB%02d' "$1"; }
smb_group() { if (($1 % 2)); then echo GRPODD; else echo GRPEVEN; fi; }

lab_init "$N" --private >/dev/null || { echo "FAIL - lab_init"; exit 1; }
for i in "${SSH_HOSTS[@]}"; do
	lab_start_sshd "$i" --version-addendum "lab-h$i" >/dev/null || { echo "FAIL - sshd on host $i"; exit 1; }
done
for i in "${AVAHI_HOSTS[@]}"; do
	lab_start_avahi "$i" "avahi-h$i" >/dev/null || { echo "FAIL - avahi on host $i"; exit 1; }
done
# smbd/nmbd take ~5 s each to register their names: start them side by side.
pids=()
for i in "${SMB_HOSTS[@]}"; do
	lab_start_smbd "$i" "$(smb_name "$i")" "$(smb_group "$i")" >"$work/smbd.$i.log" 2>&1 &
	pids+=($!)
done
for p in "${pids[@]}"; do
	wait "$p" || { echo "FAIL - smbd start"; cat "$work"/smbd.*.log; exit 1; }
done
web_ip=$(lab_ip "$WEB_HOST")
lab_exec "$WEB_HOST" sh -c "cd /srv && exec setsid python3 -m http.server 80 --bind $web_ip \
	</dev/null >/dev/null 2>&1 &"
lab__wait 10 "web server" lab_tcp_open sensor "$web_ip" 80 || { echo "FAIL - web server"; exit 1; }
echo "# lab ready in $((SECONDS - t0)) s"

# --- run 1: everything -------------------------------------------------------
t1=$SECONDS
lab_sensor_exec "$sensor" -i "$LAB_SENSOR_IF" --active --sweep --duration 60 --until-idle \
	--json --db "$work/sensor.db" --stats >"$work/run1.json" 2>"$work/run1.err"
rc=$?
echo "# run 1 took $((SECONDS - t1)) s"
lab_check "sensor run 1 exits 0" test "$rc" -eq 0

truth=$work/truth.tsv
kind_of() {
	local i=$1 k=""
	[[ " ${SSH_HOSTS[*]} " == *" $i "* ]] && k=ssh
	[[ " ${SMB_HOSTS[*]} " == *" $i "* ]] && k=${k:+$k+}smb
	[[ " ${AVAHI_HOSTS[*]} " == *" $i "* ]] && k=avahi
	((i == WEB_HOST)) && k=web
	echo "${k:-silent}"
}
for ((i = 1; i <= N; i++)); do
	printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$i" "$(lab_ip "$i")" "$(lab_mac "$i")" "$(kind_of "$i")" \
		"$(smb_name "$i")" "$(smb_group "$i")"
done >"$truth"

# compare.py RESULT TRUTH: one line per failed expectation, "N checked" last.
cat >"$work/compare.py" <<'EOF'
import json, sys
hosts = {}
for line in open(sys.argv[1]):
    line = line.strip()
    if line:
        h = json.loads(line)
        hosts[h["mac"]] = h
bad, n = [], 0
def expect(cond, msg):
    global n
    n += 1
    if not cond:
        bad.append(msg)
for line in open(sys.argv[2]):
    i, ip, mac, kind, smbname, group = line.rstrip("\n").split("\t")
    h = hosts.get(mac)
    expect(h is not None, f"host {i} ({ip} {mac}) not found")
    if h is None:
        continue
    expect(ip in h.get("ipv4", []), f"host {i}: {ip} not among {h.get('ipv4')}")
    names = {(x["name"], x["source"]) for x in h.get("names", [])}
    svcs = {(s["proto"], s["port"]): s for s in h.get("services", [])}
    if "ssh" in kind:
        s = svcs.get(("tcp", 22), {})
        expect(s.get("banner", "").startswith("SSH-2.0-OpenSSH_")
               and s.get("banner", "").endswith(" lab-h" + i),
               f"host {i}: SSH banner {s.get('banner')!r}")
        expect(s.get("product", "").startswith("OpenSSH "), f"host {i}: SSH product {s.get('product')!r}")
        expect("ssh" in h.get("sources", []), f"host {i}: no ssh source")
        os = h.get("os", {})
        if "smb" not in kind:
            expect(os.get("family") == "linux" and os.get("name") == "Debian",
                   f"host {i}: OS {os}")
    if "smb" in kind:
        smb = h.get("smb", {})
        expect(smb.get("netbios_name") == smbname, f"host {i}: netbios_name {smb.get('netbios_name')!r}")
        expect(smb.get("netbios_domain") == group, f"host {i}: netbios_domain {smb.get('netbios_domain')!r} != {group}")
        expect(smb.get("dialect") in ("3.1.1", "3.0.2", "3.0", "2.1", "2.0.2"), f"host {i}: dialect {smb.get('dialect')!r}")
        expect(smb.get("signing_required") is False, f"host {i}: signing {smb.get('signing_required')!r}")
        expect((smbname, "smb") in names and (smbname, "netbios") in names,
               f"host {i}: names {sorted(names)}")
        expect(("tcp", 445) in svcs and ("tcp", 139) in svcs, f"host {i}: ports {sorted(svcs)}")
    if kind == "avahi":
        expect((f"avahi-h{i}.local", "mdns") in names, f"host {i}: names {sorted(names)}")
    if kind == "web":
        s = svcs.get(("tcp", 80), {})
        expect("SimpleHTTP" in (s.get("banner") or ""), f"host {i}: HTTP banner {s.get('banner')!r}")
    if kind == "silent":
        expect("arp" in h.get("sources", []) and not h.get("services"),
               f"host {i}: silent host {h.get('sources')} {h.get('services')}")
for m in bad:
    print(m)
print(f"{n} checked")
EOF
python3 "$work/compare.py" "$work/run1.json" "$truth" >"$work/cmp1.txt"
cat_fail() { grep -v ' checked$' "$1" | head -20 | sed 's/^/#   /'; }
nfound=$(cut -f3 "$truth" | grep -cFf - "$work/run1.json")
lab_check "recall: all $N hosts found ($nfound)" test "$nfound" -eq "$N"
lab_check "every expectation met ($(tail -n1 "$work/cmp1.txt"))" \
	test "$(grep -vc ' checked$' "$work/cmp1.txt")" -eq 0
cat_fail "$work/cmp1.txt"
lab_check "SSH banners: ${#SSH_HOSTS[@]} parsed" \
	grep -qx "active_ssh_banners=${#SSH_HOSTS[@]}" "$work/run1.err"
lab_check "SMB challenges: ${#SMB_HOSTS[@]} parsed" \
	grep -qx "active_smb_challenges=${#SMB_HOSTS[@]}" "$work/run1.err"
lab_check "no reply failed to parse" grep -qx "active_bad_replies=0" "$work/run1.err"
lab_check "no host was probed twice in one run" \
	grep -qx "active_hosts_probed=$N" "$work/run1.err"
lab_sensor_exec "$sensor" hosts --json --db "$work/sensor.db" >"$work/store.json" 2>/dev/null
python3 "$work/compare.py" "$work/store.json" "$truth" >"$work/cmp-store.txt"
lab_check "the store holds the same facts ($(tail -n1 "$work/cmp-store.txt"))" \
	test "$(grep -vc ' checked$' "$work/cmp-store.txt")" -eq 0
cat_fail "$work/cmp-store.txt"

# --- run 2: filters ------------------------------------------------------------
# Denied: hosts 1-2 by address (/31), host 11 by MAC; allowed: the lab /24.
deny_mac=$(lab_mac 11)
lab_sensor_exec tcpdump -i "$LAB_SENSOR_IF" -nn -U -w "$work/run2.pcap" \
	"ether src $LAB_SENSOR_MAC" >/dev/null 2>&1 &
tcpd=$!
sleep 1
lab_sensor_exec "$sensor" -i "$LAB_SENSOR_IF" --active --sweep --duration 30 --until-idle \
	--json --no-store --allow "$LAB_SUBNET" --deny "$(lab_ip 1)/31" --deny-mac "$deny_mac" \
	--ports 22,445 --rate 2000 >"$work/run2.json" 2>"$work/run2.err"
rc=$?
sleep 0.5
kill "$tcpd" 2>/dev/null
wait "$tcpd" 2>/dev/null
lab_check "sensor run 2 exits 0" test "$rc" -eq 0
lab_check "denied addresses and MAC are not reported" \
	bash -c "! grep -qi -e '\"$(lab_mac 1)\"' -e '\"$(lab_mac 2)\"' -e '\"$deny_mac\"' '$work/run2.json'"
lab_check "the other $((N - 3)) hosts are" test "$(wc -l <"$work/run2.json")" -ge $((N - 3))
sent_to() { # packets the sensor sent to IP (ARP asking for it, or IP to it)
	lab_sensor_exec tcpdump -nn -r "$work/run2.pcap" "arp dst host $1 or dst host $1" 2>/dev/null | wc -l
}
lab_check "not one packet to the denied addresses" \
	test "$(($(sent_to "$(lab_ip 1)") + $(sent_to "$(lab_ip 2)")))" -eq 0
lab_check "nothing to the denied MAC's host but the sweep's broadcast ARP request" \
	test "$(lab_sensor_exec tcpdump -nn -r "$work/run2.pcap" \
		"(ip and dst host $(lab_ip 11)) or ether dst $deny_mac" 2>/dev/null | wc -l)" -eq 0
lab_check "hosts outside the filters were probed" grep -q '"port":22' "$work/run2.json"

# --- run 3: no sweep: hosts seen passively get their round ---------------------
# Hosts 5 (sshd) and 12 (smbd) speak first (a ping makes them ARP for the
# sensor); the sensor re-checks them with a unicast ARP and probes them.
lab_sensor_exec "$sensor" -i "$LAB_SENSOR_IF" --active --duration 12 --ports 22,445 \
	--json --no-store --stats >"$work/run3.json" 2>"$work/run3.err" &
spid=$!
sleep 2
for i in 5 12; do
	lab_exec_net "$i" ip neigh flush all
	lab_exec_net "$i" ping -c 1 -W 1 "$LAB_SENSOR_IP" >/dev/null 2>&1
done
wait "$spid"
lab_check "sensor run 3 exits 0" test $? -eq 0
recheck=$(sed -n 's/^active_arp_recheck_sent=//p' "$work/run3.err")
lab_check "passively seen hosts get a unicast ARP re-check ($recheck)" test "${recheck:-0}" -ge 2
lab_check "... and their round: SSH banner of host 5, SMB facts of host 12" \
	bash -c "grep -q 'lab-h5\"' '$work/run3.json' && grep -q '\"netbios_name\":\"$(smb_name 12)\"' '$work/run3.json'"
lab_check "no sweep without --sweep" grep -qx "active_arp_sweep_sent=0" "$work/run3.err"

# --- run 4: bad servers cost one timeout ---------------------------------------
# Host 27 now answers garbage on 22, accepts and never speaks on 445, and
# resets every connection on 80: reported with its open ports, within about
# one probe timeout.
cat >"$LAB_DIR/bad.py" <<'EOF'
import os, socket, struct, sys, threading, time
ip = sys.argv[1]
def serve(port, fn):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((ip, port))
    s.listen(16)
    while True:
        c, _ = s.accept()
        threading.Thread(target=fn, args=(c,), daemon=True).start()
def garbage(c):
    c.sendall(os.urandom(300) + b"\x00SSH-\r\n" * 3 + os.urandom(9000))
    time.sleep(30)
def silent(c):
    time.sleep(30)
def reset(c):
    c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    c.close()
for port, fn in ((22, garbage), (445, silent), (80, reset)):
    threading.Thread(target=serve, args=(port, fn), daemon=True).start()
time.sleep(600)
EOF
bad_ip=$(lab_ip 27)
lab_exec 27 sh -c "exec setsid python3 '$LAB_DIR/bad.py' $bad_ip </dev/null >/dev/null 2>&1 &"
lab__wait 10 "bad servers" lab_tcp_open sensor "$bad_ip" 445
t4=$SECONDS
lab_sensor_exec "$sensor" -i "$LAB_SENSOR_IF" --active --sweep --duration 30 --until-idle \
	--no-store --json --stats --ports 22,80,445 --probe-timeout 2s --allow "$bad_ip" \
	--log-level warn >"$work/run4.json" 2>"$work/run4.err"
rc=$?
took=$((SECONDS - t4))
lab_check "sensor run 4 exits 0 in ${took} s (probe timeout 2 s)" test "$rc" -eq 0 -a "$took" -le 6
lab_check "the bad host is reported with its three open ports" python3 -c "
import json, sys
h = [json.loads(l) for l in open('$work/run4.json') if l.strip()]
h = [x for x in h if '$bad_ip' in x.get('ipv4', [])]
ports = sorted(s['port'] for s in h[0].get('services', [])) if h else []
sys.exit(0 if ports == [22, 80, 445] and not any(s.get('banner') for s in h[0]['services']) else 1)"
lab_check "garbage counted as a bad reply, the silent one as a timeout" \
	bash -c "grep -qx 'active_bad_replies=[1-9][0-9]*' '$work/run4.err' &&
		grep -qx 'active_tcp_timeouts=1' '$work/run4.err'"

# --- refusals ---------------------------------------------------------------------
lab_check "usage: a bad CIDR is refused (exit 2)" \
	bash -c "'$sensor' -i lo --active --allow 10.0.0.300/8 --duration 1 >/dev/null 2>&1; test \$? -eq 2"
lab_check "usage: a bad MAC prefix is refused (exit 2)" \
	bash -c "'$sensor' -i lo --active --deny-mac zz:00 --duration 1 >/dev/null 2>&1; test \$? -eq 2"
lab_check "usage: --active with -r is refused (exit 2)" \
	bash -c "'$sensor' -r /dev/null --active >/dev/null 2>&1; test \$? -eq 2"

echo "# total $((SECONDS - t0)) s"
lab_check_summary
