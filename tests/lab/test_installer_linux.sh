#!/usr/bin/env bash
# test_installer_linux.sh - muster-installer end to end in the lab: a real
# .deb (dpkg-deb), a real muster-server over TLS on lab host 1, the
# all-in-one and the live sh installers run as root on lab hosts with private
# filesystems (their own /etc, /var, /opt): package installed there and not
# on this machine, configuration and modes, enrollment visible on the server,
# a second run harmless; a tampered payload, an expired installer and a wrong
# architecture refused before anything is installed; --token-from-server; and
# every generated sh passes shellcheck.
#
# Environment: MUSTER_BUILD, MUSTER_SRC. Exit 0 pass, 77 skip, else fail.
# Packets only inside the lab's namespaces.
set -u

src=${MUSTER_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
build=${MUSTER_BUILD:-$src/build}
inst=$build/installer-builder/muster-installer
srv=$build/server/muster-server
# shellcheck source=tests/lab/lab.sh
. "$src/tests/lab/lab.sh"
lab_require_root
lab_require_cmds openssl curl python3 dpkg-deb dpkg shellcheck "$inst" "$srv"


lab_init 5 || exit 1
work=$LAB_DIR/inst
mkdir -p "$work" && cd "$work" || exit 1
ip1=$(lab_ip 1)
port=8443
dport=8444

# --- a tiny agent package: a shell script and a systemd-less postinst -------
mkdir -p pkg/DEBIAN pkg/opt/muster-agent
printf '#!/bin/sh\necho muster-agent\n' >pkg/opt/muster-agent/muster-agent
chmod 755 pkg/opt/muster-agent/muster-agent
cat >pkg/DEBIAN/control <<'CTL'
Package: muster-agent-labtest
Version: 0.1.0
Architecture: all
Maintainer: Muster lab <lab@example.org>
Description: Muster agent stand-in for the installer lab test
CTL
printf '#!/bin/sh\nset -e\ntouch /var/lib/muster-agent-postinst-ran\n' >pkg/DEBIAN/postinst
chmod 755 pkg/DEBIAN/postinst
dpkg-deb --root-owner-group --build pkg muster-agent_0.1.0_all.deb >/dev/null || exit 1
lab_check_quiet "dpkg-deb built the test agent" test -s muster-agent_0.1.0_all.deb

# --- certificates for host 1's lab address ------------------------------------
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout ca.key \
	-out ca.pem -subj /CN=muster-lab-ca -days 2 2>/dev/null
printf 'subjectAltName=IP:%s\n' "$ip1" >san.ext
openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout srv.key \
	-subj "/CN=$ip1" -out srv.csr 2>/dev/null
openssl x509 -req -in srv.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 \
	-extfile san.ext -out srv.pem 2>/dev/null
lab_check_quiet "server certificate for $ip1" openssl verify -CAfile ca.pem srv.pem

# --- muster-server on lab host 1, TLS, admin API on -------------------------------
db=$work/server.db
ms() { "$srv" --db "$db" "$@"; }
head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >admin.token
ms group add "All/HQ/Linux" >/dev/null
ms token create --group "All/HQ/Linux" --uses 5 --expires 1h >token 2>/dev/null
chmod 600 token
# The packaged layout, root:muster-server 0640, here with root's group: the
# group is the server's own, so no warning; another group's gets one (below).
chown root:root admin.token && chmod 640 admin.token
lab_check_quiet "token created with the CLI" grep -q '^mse_' token
lab__spawn 1 server "$srv" --db "$db" serve --listen "$ip1:$port" --tls-cert "$work/srv.pem" \
	--tls-key "$work/srv.key" --admin-token-file "$work/admin.token"
mkdir -p dl && cp muster-agent_0.1.0_all.deb dl/
lab__spawn 1 download python3 -c '
import http.server, os, ssl, sys
os.chdir(sys.argv[1])
s = http.server.HTTPServer((sys.argv[2], int(sys.argv[3])), http.server.SimpleHTTPRequestHandler)
c = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
c.load_cert_chain(sys.argv[4], sys.argv[5])
s.socket = c.wrap_socket(s.socket, server_side=True)
s.serve_forever()' "$work/dl" "$ip1" "$dport" "$work/srv.pem" "$work/srv.key"
for _ in $(seq 50); do
	lab_tcp_open 2 "$ip1" "$port" 2>/dev/null && lab_tcp_open 2 "$ip1" "$dport" 2>/dev/null && break
	sleep 0.2
done
lab_check_quiet "server answers over TLS from host 2" \
	lab_exec 2 curl -fsS --cacert "$work/ca.pem" "https://$ip1:$port/healthz"
lab_check_quiet "admin token file 0640 in the server's own group: no mode warning" \
	bash -c '! grep -q secret-file-mode "$0"' "$LAB_DIR/log/h1.server.log"
cp admin.token admin-other.token && chown root:nogroup admin-other.token && chmod 640 admin-other.token
lab__spawn 1 server2 "$srv" --db "$work/server2.db" serve --listen "$ip1:8445" --tls-cert "$work/srv.pem" \
	--tls-key "$work/srv.key" --admin-token-file "$work/admin-other.token"
for _ in $(seq 50); do lab_tcp_open 2 "$ip1" 8445 2>/dev/null && break; sleep 0.2; done
lab_check_quiet "admin token file readable by another group: warned, token not logged" \
	bash -c 'grep -q "secret-file-mode.*mode=0640" "$0" && ! grep -qF "$(cat "$1")" "$0"' \
	"$LAB_DIR/log/h1.server2.log" admin-other.token

# --- build the installers --------------------------------------------------------
cat >policy.json <<'POL'
{"version": 1, "log_level": "info", "update_interval": 600,
 "modules": {"inventory": {"enabled": true}}, "tags": ["it's \"quoted\" $(id) `x` ;|&"]}
POL
openssl genpkey -algorithm ed25519 -out sign.key 2>/dev/null
openssl pkey -in sign.key -pubout -out sign.pub 2>/dev/null
common=(--os linux --server "$ip1:$port" --ca ca.pem --group "All/HQ/Linux" --policy policy.json)
lab_check_quiet "build all-in-one (signed)" "$inst" all-in-one "${common[@]}" --token-file token \
	--agent muster-agent_0.1.0_all.deb --sign-key sign.key -o aio.sh
lab_check_quiet "build live sh" "$inst" live "${common[@]}" --token-file token \
	--agent muster-agent_0.1.0_all.deb --download-url "https://$ip1:$dport/muster-agent_0.1.0_all.deb" \
	-o live.sh
lab_check_quiet "build an expired installer" "$inst" all-in-one "${common[@]}" --token-file token \
	--agent muster-agent_0.1.0_all.deb --expires 1s -o expired.sh
lab_check_quiet "build a wrong-architecture installer" "$inst" all-in-one "${common[@]}" --token-file token \
	--agent muster-agent_0.1.0_all.deb --arch arm64 -o arm64.sh
lab_check_quiet "--sign-key refused for a live installer (it would not be signed)" \
	bash -c '"$0" live --os linux --server x:1 --ca ca.pem --group All --policy policy.json --token-file token --agent muster-agent_0.1.0_all.deb --agent-sha256 "$(sha256sum muster-agent_0.1.0_all.deb | cut -c1-64)" --download-url https://x/a.deb --sign-key sign.key -o /dev/null 2>err; [ $? = 2 ] && grep -q -- "--sign-key: only" err' "$inst"
lab_check_quiet "bad group refused at build, naming the field" \
	bash -c '! "$0" all-in-one --os linux --server x:1 --ca ca.pem --group "All/a\\b" --policy policy.json --token-file token --agent muster-agent_0.1.0_all.deb -o /dev/null 2>err && grep -q -- --group err' "$inst"
lab_check_quiet "inspect: integrity ok, signature verifies with the expected key" \
	bash -c '"$0" inspect aio.sh --json --pubkey sign.pub | grep -q "\"integrity\":\"ok\""' "$inst"
lab_check_quiet "inspect masks the token" bash -c '! "$0" inspect aio.sh --json | grep -q mse_' "$inst"
lab_check_quiet "--verify prints the embedded config and installs nothing" \
	bash -c 'sh aio.sh --verify | python3 -c "import json,sys; d=json.load(sys.stdin); assert d[\"group\"]==\"All/HQ/Linux\" and d[\"token\"]==\"***\""'
cp aio.sh tampered.sh
python3 -c 'import sys; d = bytearray(open(sys.argv[1], "rb").read()); d[-200] ^= 0x40; open(sys.argv[1], "wb").write(d)' tampered.sh
lab_check_quiet "inspect: tampered payload -> integrity bad" \
	bash -c '"$0" inspect tampered.sh --json | grep -q "\"integrity\":\"bad\""' "$inst"
sed 's/^SERVER_PORT=.*/SERVER_PORT='\''9'\''/' aio.sh >resigned.sh
lab_check_quiet "edited header breaks the signature (inspect)" \
	bash -c '"$0" inspect resigned.sh --json | grep -q "\"integrity\":\"bad\""' "$inst"
sed '/^# __MUSTER_PAYLOAD_BELOW__$/q' aio.sh >aio.head.sh
lab_check_quiet "shellcheck: all-in-one script" shellcheck -s sh aio.head.sh
lab_check_quiet "shellcheck: live sh" shellcheck -s sh live.sh
sed '/^# __MUSTER_PAYLOAD_BELOW__$/q' expired.sh >expired.head.sh
lab_check_quiet "shellcheck: unsigned all-in-one script" shellcheck -s sh expired.head.sh

# --- run them on lab hosts ---------------------------------------------------------
result() { grep '^MUSTER-RESULT' "$1" | tail -1; }
mode_is() { [ "$(lab_exec "$1" stat -c %a "$2")" = "$3" ]; }
log_clean() { lab_exec "$1" test -s /var/log/muster-installer.log && ! lab_exec "$1" grep -qF "$(cat token)" /var/log/muster-installer.log; }
no_temp() { ! lab_exec "$1" sh -c 'ls -d /var/tmp/muster-inst.* 2>/dev/null | grep -q .'; }
# The server CLI prints JSON lines.
audit_has_enroll() {
	ms audit --json | python3 -c 'import json, sys
rows = [json.loads(l) for l in sys.stdin if l.strip()]
assert any(r.get("action") == "enroll" and r.get("result") == "ok" for r in rows)'
}
uses_left() { # uses_left GROUP
	ms token list --json | python3 -c 'import json, sys
rows = [json.loads(l) for l in sys.stdin if l.strip()]
print([t["uses_left"] for t in rows if t["group"] == sys.argv[1]][0])' "$1"
}
group_exists() {
	ms group list --json | python3 -c 'import json, sys
rows = [json.loads(l) for l in sys.stdin if l.strip()]
assert any(g["path"] == sys.argv[1] for g in rows)' "$1"
}
nothing_on_4() { ! lab_exec 4 dpkg -s muster-agent-labtest && ! lab_exec 4 test -e /etc/muster-agent; }
lab_exec 2 sh "$work/aio.sh" >run2a.out 2>&1
echo "  host 2: $(result run2a.out)"
lab_check_quiet "all-in-one on host 2: status=ok code=0" grep -q '^MUSTER-RESULT status=ok code=0 reason=installed-and-enrolled' run2a.out
lab_check_quiet "host 2: package installed in its private dpkg" lab_exec 2 dpkg -s muster-agent-labtest
lab_check_quiet "host 2: postinst ran" lab_exec 2 test -f /var/lib/muster-agent-postinst-ran
lab_check_quiet "host 2: agent.conf carries server and group" \
	lab_exec 2 grep -qx "group = All/HQ/Linux" /etc/muster-agent/agent.conf
lab_check_quiet "host 2: agent.conf host" lab_exec 2 grep -qx "host = $ip1" /etc/muster-agent/agent.conf
lab_check_quiet "host 2: ca.pem is the CA" lab_exec 2 cmp -s /etc/muster-agent/ca.pem "$work/ca.pem"
lab_check_quiet "host 2: policy.json canonical and exact" \
	lab_exec 2 python3 -c 'import json; d=json.load(open("/etc/muster-agent/policy.json")); assert d["tags"]==["it'"'"'s \"quoted\" $(id) `x` ;|&"]'
lab_check_quiet "host 2: agent.conf mode 0644" mode_is 2 /etc/muster-agent/agent.conf 644
lab_check_quiet "host 2: ca.pem mode 0644" mode_is 2 /etc/muster-agent/ca.pem 644
lab_check_quiet "host 2: enrollment.json mode 0600" mode_is 2 /var/lib/muster-agent/enrollment.json 600
lab_check_quiet "host 2: log written, token not in it" log_clean 2
lab_check_quiet "host 2: temp files cleaned" no_temp 2
lab_check_quiet "nothing leaked to this machine's dpkg" bash -c '! dpkg -s muster-agent-labtest'
lab_check_quiet "nothing leaked to this machine's /etc" test ! -e /etc/muster-agent
lab_check_quiet "server: enrollment in the audit log" audit_has_enroll
lab_check_quiet "server: group All/HQ/Linux exists" group_exists All/HQ/Linux
uses1=$(uses_left All/HQ/Linux 2>/dev/null)
lab_check_quiet "server: one token use spent ($uses1 of 5 left)" test "$uses1" = 4
lab_exec 2 sh "$work/aio.sh" >run2b.out 2>&1
echo "  host 2 again: $(result run2b.out)"
lab_check_quiet "all-in-one again on host 2: still ok" grep -q '^MUSTER-RESULT status=ok code=0' run2b.out
uses2=$(uses_left All/HQ/Linux 2>/dev/null)
lab_check_quiet "second run spent no token use" test "$uses2" = 4

MUSTER_ENROLL_TRIES=2 lab_exec 3 sh "$work/live.sh" >run3.out 2>&1
echo "  host 3: $(result run3.out)"
lab_check_quiet "live sh on host 3: status=ok code=0" grep -q '^MUSTER-RESULT status=ok code=0' run3.out
lab_check_quiet "host 3: package installed" lab_exec 3 dpkg -s muster-agent-labtest
lab_check_quiet "host 3: agent.conf written" lab_exec 3 grep -qx "group = All/HQ/Linux" /etc/muster-agent/agent.conf
lab_exec 3 sh "$work/live.sh" >run3b.out 2>&1
lab_check_quiet "live sh again on host 3: still ok" grep -q '^MUSTER-RESULT status=ok code=0' run3b.out

lab_exec 4 sh "$work/tampered.sh" >run4t.out 2>&1
echo "  host 4 tampered: $(result run4t.out)"
lab_check_quiet "tampered payload refused (code 16)" grep -q '^MUSTER-RESULT status=failed code=16' run4t.out
sleep 2
lab_exec 4 sh "$work/expired.sh" >run4e.out 2>&1
echo "  host 4 expired: $(result run4e.out)"
lab_check_quiet "expired installer refused (code 15)" grep -q '^MUSTER-RESULT status=failed code=15 reason=installer-expired' run4e.out
lab_exec 4 sh "$work/arm64.sh" >run4a.out 2>&1
echo "  host 4 arm64: $(result run4a.out)"
lab_check_quiet "wrong architecture refused (code 13)" grep -q '^MUSTER-RESULT status=failed code=13 reason=wrong-architecture' run4a.out
lab_check_quiet "host 4: nothing installed" nothing_on_4

# --- --token-from-server, built on host 5 (it reaches the server's lab address) --
lab_check_quiet "build with --token-from-server (admin API: group + token)" \
	lab_exec 5 "$inst" all-in-one --os linux --server "$ip1:$port" --ca "$work/ca.pem" \
	--group "All/Branch/New" --policy "$work/policy.json" --agent "$work/muster-agent_0.1.0_all.deb" \
	--token-from-server "https://$ip1:$port" --admin-token-file "$work/admin.token" --token-uses 3 \
	-o "$work/fetched.sh"
lab_check_quiet "server made the group" group_exists All/Branch/New
lab_check_quiet "server made a 3-use token" test "$(uses_left All/Branch/New 2>/dev/null)" = 3
lab_exec 5 sh "$work/fetched.sh" >run5.out 2>&1
echo "  host 5: $(result run5.out)"
lab_check_quiet "fetched-token installer enrolls on host 5" grep -q '^MUSTER-RESULT status=ok code=0' run5.out
lab_check_quiet "server: the fetched token spent one use" test "$(uses_left All/Branch/New 2>/dev/null)" = 2

lab_check_summary
