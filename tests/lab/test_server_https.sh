#!/usr/bin/env bash
# test_server_https.sh - muster-server over real HTTPS on loopback, driven by
# curl with certificates made here with openssl: reports (bearer token and
# client certificate, gzip, duplicates), bad bodies, enrollment with tokens
# (ok, exhausted, revoked, expired), the audit log, and the CLI contract.
#
# Environment: MUSTER_BUILD (build dir), MUSTER_SRC (source dir).
# Exit 0 pass, 77 skip, anything else fail. Only 127.0.0.1 is contacted.
set -u

build=${MUSTER_BUILD:-$(cd "$(dirname "$0")/../.." && pwd)/build}
# shellcheck source=tests/lab/lab.sh
. "$(dirname "${BASH_SOURCE[0]}")/lab.sh" # lab_check only: no lab here
srv=$build/server/muster-server
for tool in openssl curl python3 gzip; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "SKIP: $tool is not installed"
		exit 77
	fi
done
if [ ! -x "$srv" ]; then
	echo "SKIP: $srv is not built"
	exit 77
fi

tmp=$(mktemp -d /tmp/muster-server-test.XXXXXX)
pid=
cleanup() {
	if [ -n "$pid" ]; then
		kill "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM
cd "$tmp" || exit 1


db=$tmp/server.db
ms() { "$srv" --db "$db" "$@"; }

# --- certificates: a CA, the server's certificate, a sensor's client certificate,
# and a client certificate from a CA the server does not trust.
mkcert() { # mkcert NAME CN CA [ext]
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$1.key" \
		-subj "/CN=$2" -out "$1.csr" 2>/dev/null &&
		openssl x509 -req -in "$1.csr" -CA "$3.pem" -CAkey "$3.key" -CAcreateserial \
			-days 2 -out "$1.pem" ${4:+-extfile "$4"} 2>/dev/null
}
mkca() {
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
		-keyout "$1.key" -subj "/CN=$2" -days 2 -out "$1.pem" 2>/dev/null
}
printf 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' >server.ext
printf 'extendedKeyUsage=clientAuth\n' >client.ext
if ! { mkca ca "Muster test CA" && mkca rogueca "Rogue CA" &&
	mkcert server 127.0.0.1 ca server.ext && mkcert client sensor-cert ca client.ext &&
	mkcert rogue sensor-cert rogueca client.ext; }; then
	echo "SKIP: openssl could not make test certificates"
	exit 77
fi

# --- database set-up through the CLI (the contract: secrets alone on stdout)
tok=$(ms sensor add sensor-a)
lab_check_quiet "sensor add prints one token line" test "$(printf '%s\n' "$tok" | wc -l)" = 1 -a -n "$tok"
ms sensor add sensor-cert >/dev/null
lab_check_quiet "group add" ms group add All/HQ/Linux
etok=$(ms token create --group All/HQ/Linux --uses 1 --expires 1h 2>/dev/null)
lab_check_quiet "token create prints one token line" test -n "$etok" -a "$(printf '%s\n' "$etok" | wc -l)" = 1
rtok=$(ms token create --group All/HQ/Linux --uses 5 --expires 1h 2>/dev/null)
xtok=$(ms token create --group All/HQ/Linux --uses 5 --expires 1s 2>/dev/null)
lab_check_quiet "token create refuses an unknown group" test "$(ms token create --group All/Nope --uses 1 --expires 1h >/dev/null 2>&1; echo $?)" = 3
head -c 24 /dev/urandom | base64 | tr -d '/+=' >admin.tok
chmod 600 admin.tok
atok=$(cat admin.tok)

# --- plain HTTP is refused on a non-loopback address (nothing is bound)
"$srv" --db "$db" serve --listen 0.0.0.0:0 >plain.out 2>&1
lab_check_quiet "plain HTTP refused off loopback" grep -q "only on a loopback" plain.out

# --- start the server
"$srv" --db "$db" serve --listen 127.0.0.1:0 --port-file port --tls-cert server.pem \
	--tls-key server.key --client-ca ca.pem --admin-token-file admin.tok --timeout 2 \
	--max-body 1048576 2>server.log &
pid=$!
for _ in $(seq 50); do
	[ -s port ] && break
	sleep 0.1
done
if [ ! -s port ]; then
	echo "FAIL - server did not start"
	cat server.log
	echo "0 passed, 1 failed"
	exit 1
fi
port=$(cat port)
url=https://127.0.0.1:$port

# req METHOD PATH [curl args...] -> prints the status; the body is in ./body
req() {
	local m=$1 p=$2
	shift 2
	curl -s -o body -w '%{http_code}' --cacert ca.pem -X "$m" "$@" "$url$p"
}
J='Content-Type: application/json'
AUTH="Authorization: Bearer $tok"
ADMIN="Authorization: Bearer $atok"
is_json_error() { python3 -c 'import json,sys; d=json.load(open("body")); sys.exit(0 if isinstance(d.get("error"), str) and d["error"] else 1)'; }
ncomputers() { ms computers --json | wc -l; }
nmanaged() { ms computers --status managed --json | wc -l; }

lab_check_quiet "healthz over TLS" test "$(req GET /healthz)" = 200

host() { # host MAC IP NAME
	printf '{"mac":"%s","ipv4":["%s"],"names":[{"name":"%s","source":"netbios"}],"sources":["arp"]}' "$1" "$2" "$3"
}
report() { # report SEQ HOST... (JSON on stdout)
	local seq=$1 first=1
	shift
	printf '{"sensor":{"id":"sensor-a-1","hostname":"sensor-a","version":"0.1.0","networks":["10.0.0.0/24"]},"seq":%s,"hosts":[' "$seq"
	for h in "$@"; do
		[ $first = 1 ] || printf ','
		first=0
		printf '%s' "$h"
	done
	printf ']}'
}

report 1 "$(host 52:54:00:00:00:01 10.0.0.1 WS-001)" "$(host 52:54:00:00:00:02 10.0.0.2 WS-002)" \
	"$(host 52:54:00:00:00:03 10.0.0.3 WS-003)" >r1.json
lab_check_quiet "report with bearer token is applied" test "$(req POST /api/v1/reports -H "$AUTH" -H "$J" --data-binary @r1.json)" = 200
lab_check_quiet "report makes computers appear" test "$(ncomputers)" = 3
lab_check_quiet "same (sensor id, seq) again is a duplicate" test "$(req POST /api/v1/reports -H "$AUTH" -H "$J" --data-binary @r1.json)" = 200 -a "$(python3 -c 'import json; print(json.load(open("body"))["status"])')" = duplicate
lab_check_quiet "duplicate changed nothing" test "$(ncomputers)" = 3

report 2 "$(host 52:54:00:00:00:04 10.0.0.4 WS-004)" | gzip -c >r2.json.gz
lab_check_quiet "gzip report is applied" test "$(req POST /api/v1/reports -H "$AUTH" -H "$J" -H 'Content-Encoding: gzip' --data-binary @r2.json.gz)" = 200
lab_check_quiet "gzip report added its computer" test "$(ncomputers)" = 4

report 3 "$(host 52:54:00:00:00:05 10.0.0.5 WS-005)" >r3.json
lab_check_quiet "report with client certificate only" test "$(req POST /api/v1/reports --cert client.pem --key client.key -H "$J" --data-binary @r3.json)" = 200
lab_check_quiet "client certificate and token of different sensors refused" test "$(req POST /api/v1/reports --cert client.pem --key client.key -H "$AUTH" -H "$J" --data-binary @r3.json)" = 403
lab_check_quiet "untrusted client certificate refused" test "$(req POST /api/v1/reports --cert rogue.pem --key rogue.key -H "$J" --data-binary @r3.json)" = 401
lab_check_quiet "report without credentials refused (401, JSON error)" test "$(req POST /api/v1/reports -H "$J" --data-binary @r3.json)" = 401
lab_check_quiet "  ... with a JSON error body" is_json_error
lab_check_quiet "report with a wrong token refused" test "$(req POST /api/v1/reports -H 'Authorization: Bearer mss_wrongwrongwrongwrongwrong' -H "$J" --data-binary @r3.json)" = 401

before=$(ncomputers)
head -c 64M /dev/zero | gzip -c >bomb.gz
lab_check_quiet "gzip bomb refused with 413" test "$(req POST /api/v1/reports -H "$AUTH" -H "$J" -H 'Content-Encoding: gzip' --data-binary @bomb.gz)" = 413
lab_check_quiet "  ... with a JSON error body" is_json_error
head -c 2000000 /dev/zero | tr '\0' ' ' >big.json
lab_check_quiet "oversized body refused with 413" test "$(req POST /api/v1/reports -H "$AUTH" -H "$J" --data-binary @big.json)" = 413
lab_check_quiet "  ... with a JSON error body" is_json_error
lab_check_quiet "credentials are checked before the body is read" test "$(req POST /api/v1/reports -H 'Authorization: Bearer mss_wrongwrongwrongwrongwrong' -H "$J" --data-binary @big.json)" = 401
printf 'not gzip at all' >bad.gz
lab_check_quiet "corrupt gzip refused with 400" test "$(req POST /api/v1/reports -H "$AUTH" -H "$J" -H 'Content-Encoding: gzip' --data-binary @bad.gz)" = 400
lab_check_quiet "malformed JSON refused with 400" test "$(req POST /api/v1/reports -H "$AUTH" -H "$J" --data-binary '{"sensor": {"id": "x"}, "seq": 9, "hosts": [')" = 400
lab_check_quiet "  ... with a JSON error body" is_json_error
lab_check_quiet "wrong type (seq as string) refused with 400" test "$(req POST /api/v1/reports -H "$AUTH" -H "$J" --data-binary '{"sensor":{"id":"x"},"seq":"9","hosts":[]}')" = 400
lab_check_quiet "unknown field refused with 400" test "$(req POST /api/v1/reports -H "$AUTH" -H "$J" --data-binary '{"sensor":{"id":"x"},"seq":9,"hosts":[],"extra":1}')" = 400
lab_check_quiet "  ... naming the field" grep -q extra body
lab_check_quiet "unknown host field refused with 400" test "$(req POST /api/v1/reports -H "$AUTH" -H "$J" --data-binary '{"sensor":{"id":"x"},"seq":9,"hosts":[{"mac":"52:54:00:00:00:09","colour":"red"}]}')" = 400
lab_check_quiet "bad input left the database unchanged" test "$(ncomputers)" = "$before"

# --- slow client: a connection that sends half a request is closed by the server
lab_check_quiet "slow client is disconnected" python3 - "$port" <<'EOF'
import socket, ssl, sys, time
ctx = ssl.create_default_context(cafile="ca.pem")
s = ctx.wrap_socket(socket.create_connection(("127.0.0.1", int(sys.argv[1]))), server_hostname="127.0.0.1")
s.sendall(b"POST /api/v1/reports HTTP/1.1\r\nHost: x\r\n")
s.settimeout(10)
t = time.time()
try:
    data = s.recv(100)
except (ssl.SSLError, ConnectionError):
    data = b""
sys.exit(0 if data == b"" and time.time() - t < 9 else 1)
EOF

# --- enrollment
enroll() { # enroll TOKEN MAC HOSTNAME
	req POST /api/v1/enroll -H "$J" --data-binary "{\"token\":\"$1\",\"hostname\":\"$3\",\"macs\":[\"$2\"],\"ipv4\":[\"10.0.0.9\"],\"os\":{\"family\":\"linux\",\"name\":\"Debian GNU/Linux 12\"},\"installer\":\"test-1\"}"
}
lab_check_quiet "enrollment with a token is accepted" test "$(enroll "$etok" 52:54:00:00:00:01 ws-001.corp.example)" = 200
lab_check_quiet "the matching computer is managed" test "$(nmanaged)" = 1
lab_check_quiet "  ... in the token's group" sh -c "'$srv' --db '$db' computers --status managed --json | grep -q '\"group\":\"All/HQ/Linux\"'"
lab_check_quiet "  ... with the reason (mac)" sh -c "'$srv' --db '$db' computers --status managed --json | grep -q 'status_reason\":\"mac 52:54:00:00:00:01'"
lab_check_quiet "enrolling the same machine again is harmless" test "$(enroll "$etok" 52:54:00:00:00:01 ws-001.corp.example)" = 200
lab_check_quiet "exhausted token refused with 403" test "$(enroll "$etok" 52:54:00:00:00:02 ws-002)" = 403
lab_check_quiet "  ... naming the problem" grep -q exhausted body
rid=$(ms token list --json | python3 -c 'import json,sys; print([json.loads(l) for l in sys.stdin][1]["id"])')
ms token revoke "$rid" >/dev/null
lab_check_quiet "revoked token refused with 403" test "$(enroll "$rtok" 52:54:00:00:00:02 ws-002)" = 403
lab_check_quiet "  ... naming the problem" grep -q revoked body
sleep 1.2
lab_check_quiet "expired token refused with 403" test "$(enroll "$xtok" 52:54:00:00:00:02 ws-002)" = 403
lab_check_quiet "  ... naming the problem" grep -q expired body
lab_check_quiet "unknown token refused with 401" test "$(enroll mse_notatokennotatokennotatoken 52:54:00:00:00:02 ws-002)" = 401
lab_check_quiet "enroll with an unknown field refused with 400" test "$(req POST /api/v1/enroll -H "$J" --data-binary "{\"token\":\"$rtok\",\"hostname\":\"x\",\"evil\":true}")" = 400
lab_check_quiet "refusals left the computers unchanged" test "$(nmanaged)" = 1

# --- admin API
lab_check_quiet "computers API needs a credential" test "$(req GET '/api/v1/computers?status=unmanaged')" = 401
lab_check_quiet "computers API with admin token" test "$(req GET '/api/v1/computers?status=unmanaged&format=json' -H "$ADMIN")" = 200
lab_check_quiet "  ... lists the unmanaged ones" test "$(python3 -c 'import json; print(json.load(open("body"))["count"])')" = 4
lab_check_quiet "computers API as CSV" test "$(req GET '/api/v1/computers?format=csv' -H "$ADMIN")" = 200 -a "$(wc -l <body)" = 6
lab_check_quiet "computers API refuses an unknown parameter" test "$(req GET '/api/v1/computers?colour=red' -H "$ADMIN")" = 400
lab_check_quiet "wrong admin token refused" test "$(req GET /api/v1/groups -H 'Authorization: Bearer wrong-admin-token-xyz')" = 401
lab_check_quiet "group add over the API" test "$(req POST /api/v1/groups -H "$ADMIN" -H "$J" --data-binary '{"path":"All/Branch/Windows"}')" = 201
lab_check_quiet "group list over the API" test "$(req GET /api/v1/groups -H "$ADMIN")" = 200
lab_check_quiet "  ... shows the tree" grep -q 'All/Branch/Windows' body
printf 'hostname,domain,mac,ipv4,group\nws-002,corp.example,52:54:00:00:00:02,10.0.0.2,All/Branch/Windows\n' >import.csv
lab_check_quiet "managed import over the API" test "$(req POST /api/v1/managed/import -H "$ADMIN" -H 'Content-Type: text/csv' --data-binary @import.csv)" = 200
lab_check_quiet "  ... makes the computer managed" test "$(nmanaged)" = 2
printf 'hostname,mac\nws-010,zz:zz\n' >badimport.csv
lab_check_quiet "malformed import refused with 400" test "$(req POST /api/v1/managed/import -H "$ADMIN" -H 'Content-Type: text/csv' --data-binary @badimport.csv)" = 400
lab_check_quiet "  ... naming the line" grep -q 'line 2' body
lab_check_quiet "audit log over the API" test "$(req GET /api/v1/audit -H "$ADMIN")" = 200
lab_check_quiet "metrics" test "$(req GET /metrics)" = 200
lab_check_quiet "  ... count the computers" grep -q 'muster_computers{status="managed"} 2' body

# --- the audit log records each step
ms audit --json >audit.jsonl
for want in 'sensor add.*ok' 'token create.*ok' 'enroll.*"result":"ok"' 'enroll.*refused: enrollment token [0-9]* is exhausted' \
	'token revoke.*ok' 'enroll.*refused: enrollment token [0-9]* is revoked' \
	'enroll.*refused: enrollment token [0-9]* has expired' 'enroll.*refused: unknown enrollment token' \
	'import.*ok' 'group add.*All/Branch/Windows' 'report.*refused'; do
	lab_check_quiet "audit log records: $want" grep -q "$want" audit.jsonl
done
lab_check_quiet "no secret in the audit log" sh -c "! grep -qF -e '$tok' -e '$etok' -e '$rtok' -e '$atok' audit.jsonl"
lab_check_quiet "no secret in the server log" sh -c "! grep -qF -e '$tok' -e '$etok' -e '$rtok' -e '$atok' server.log"

# --- the CLI contract: host records, one a line
ms computers --status unmanaged --json >unmanaged.jsonl
lab_check_quiet "computers --status unmanaged --json prints host records one a line" python3 - <<'EOF'
import json, sys
lines = open("unmanaged.jsonl").read().splitlines()
recs = [json.loads(l) for l in lines]
ok = len(recs) == 3 and all(r["status"] == "unmanaged" and r["mac"] and r["status_reason"] for r in recs)
sys.exit(0 if ok else 1)
EOF

kill "$pid"
wait "$pid"
rc=$?
pid=
lab_check_quiet "server stops cleanly on SIGTERM" test "$rc" = 0

lab_check_summary
