#!/usr/bin/env bash
# bench/installer/run.sh - build time and size of a muster all-in-one against
# makeself for the same payload (the agent package + the same config files).
# Usage: bench/installer/run.sh [BUILD_DIR] [PAYLOAD_MB]   (default build, 8 MB)
# Needs: makeself, openssl, dpkg-deb. Writes a table to stdout.
set -eu
src=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$src/build}
mb=${2:-8}
inst=$build/installer-builder/muster-installer
command -v makeself >/dev/null || { echo "makeself is not installed (scripts/deps.txt)"; exit 77; }
[ -x "$inst" ] || { echo "$inst is not built"; exit 77; }
tmp=$(mktemp -d /tmp/muster-bench-inst.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
# A package with incompressible and compressible halves, like a real agent.
mkdir -p pkg/DEBIAN pkg/opt/agent
printf 'Package: bench-agent\nVersion: 1\nArchitecture: all\nMaintainer: b <b@example.org>\nDescription: bench\n' >pkg/DEBIAN/control
head -c $((mb * 512 * 1024)) /dev/urandom >pkg/opt/agent/blob
yes 'muster agent text line for compression' | head -c $((mb * 512 * 1024)) >pkg/opt/agent/text
dpkg-deb -Zgzip --build pkg agent.deb >/dev/null
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout ca.key \
	-out ca.pem -subj /CN=bench -days 2 2>/dev/null
echo '{"version":1}' >policy.json
echo mse_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA >token
openssl genpkey -algorithm ed25519 -out sign.key 2>/dev/null
now() { date +%s.%N; }
ms() { python3 -c "import sys; print(round((float(sys.argv[2]) - float(sys.argv[1])) * 1000))" "$1" "$2"; }
runs=5
best() { # best CMD...: the fastest of $runs runs, in ms
	local b=999999 t0 t1 d i
	for i in $(seq $runs); do
		t0=$(now)
		"$@" >/dev/null 2>&1
		t1=$(now)
		d=$(ms "$t0" "$t1")
		[ "$d" -lt "$b" ] && b=$d
	done
	echo "$b"
}
common=(--os linux --agent agent.deb --server 127.0.0.1:8443 --ca ca.pem --group All/Bench
	--policy policy.json --token-file token)
t_m=$(best "$inst" all-in-one "${common[@]}" -o muster.sh)
t_ms=$(best "$inst" all-in-one "${common[@]}" --sign-key sign.key -o muster-signed.sh)
# makeself over the same files the muster payload holds.
mkdir -p mk/packages mk/config
cp agent.deb mk/packages/ && cp ca.pem policy.json mk/config/ && cp token mk/config/enroll-prefix.json
printf '#!/bin/sh\ndpkg -i packages/agent.deb\n' >mk/setup.sh && chmod +x mk/setup.sh
t_k=$(best makeself --gzip --sha256 --quiet mk makeself.run "bench" ./setup.sh)
t_kn=$(best makeself --nox11 --gzip --quiet --nocrc --nomd5 mk makeself-nocheck.run "bench" ./setup.sh)
t_v=$(best sh muster.sh --verify)
t_kv=$(best sh makeself.run --check)
size() { stat -c %s "$1"; }
printf '| payload | tool | build ms (best of %s) | size bytes | verify ms |\n|---|---|---|---|---|\n' "$runs"
printf '| %s MB deb | muster-installer all-in-one | %s | %s | %s |\n' "$mb" "$t_m" "$(size muster.sh)" "$t_v"
printf '| %s MB deb | muster-installer all-in-one --sign-key | %s | %s | - |\n' "$mb" "$t_ms" "$(size muster-signed.sh)"
printf '| %s MB deb | makeself --gzip --sha256 | %s | %s | %s |\n' "$mb" "$t_k" "$(size makeself.run)" "$t_kv"
printf '| %s MB deb | makeself --gzip (no checksums) | %s | %s | - |\n' "$mb" "$t_kn" "$(size makeself-nocheck.run)"
