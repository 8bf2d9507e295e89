#!/usr/bin/env bash
# Install the Debian packages Muster needs (idempotent: quick when all are
# there) and build the tree. Usage: scripts/setup.sh [--no-build] [BUILD_DIR]
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
build=1
if [ "${1:-}" = "--no-build" ]; then build=0; shift; fi
bdir=${1:-$here/build}

need=()
while read -r p; do
	case "$p" in ''|'#'*) continue ;; esac
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || need+=("$p")
done <"$here/scripts/deps.txt"

if [ ${#need[@]} -gt 0 ]; then
	if [ "$(id -u)" -ne 0 ]; then
		echo "setup: missing packages: ${need[*]}; run as root (or with sudo) to install them" >&2
		exit 3
	fi
	echo "setup: installing ${#need[@]} packages: ${need[*]}" >&2
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	# Daemons must not start on the real host: the lab starts its own copies.
	printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
	chmod 755 /usr/sbin/policy-rc.d
	trap 'rm -f /usr/sbin/policy-rc.d' EXIT
	apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
	rm -f /usr/sbin/policy-rc.d
	trap - EXIT
fi

if [ $build -eq 1 ]; then
	cmake -S "$here" -B "$bdir" -DCMAKE_BUILD_TYPE=${MUSTER_BUILD_TYPE:-RelWithDebInfo} ${MUSTER_CMAKE_ARGS:-} >/dev/null
	cmake --build "$bdir" -j"$(nproc)"
fi
