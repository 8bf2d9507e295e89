#!/usr/bin/env bash
# The Debian packages (issue 10): build muster-sensor, muster-server and
# muster-tools from a copy of the tree (dpkg-buildpackage -b, so the checkout
# stays clean), lint them (lintian, failing on errors), install them with apt
# into a fresh `debootstrap --variant=minbase bookworm` root, and check what
# an administrator relies on there:
#   - each program's --version prints the version of CMakeLists.txt;
#   - the installed units pass `systemd-analyze verify`, keep an exposure of
#     at most 2.5, and are enabled; the system users and state directories
#     exist; the configuration files are registered conffiles;
#   - the installed programs find their data: the sensor's golden captures
#     give the expected hosts, the installer makes a Windows .exe from the
#     packaged bootstrapper, no binary names a path of the build tree;
#   - the server starts as its unit would with the shipped server.conf (in a
#     network namespace of its own, loopback only) and refuses a broken one
#     before listening, with an exit status its unit does not retry;
#   - purge removes the conffiles, the state and the unit links.
# Prints the time of each phase.
#
# Needs root, network access to the Debian mirror of /etc/apt/sources.list*,
# dpkg-dev, debhelper, lintian, debootstrap (scripts/deps.txt); exits 77
# without root or network. The minbase root is kept as a tarball, and apt's
# downloads too, in $MUSTER_PKG_CACHE (default /var/cache/muster-test), so a
# second run skips debootstrap and most downloads; roots older than 30 days
# are made again.
# Environment: MUSTER_SRC (the checkout), MUSTER_PKG_CACHE, MUSTER_PKG_KEEP=1
# (keep the work directory), TMPDIR.
set -euo pipefail

src=${MUSTER_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
cache=${MUSTER_PKG_CACHE:-/var/cache/muster-test}
suite=bookworm

say() { printf 'packages: %s\n' "$*" >&2; }
skip() {
	echo "skipped: $*"
	exit 77
}

if [ "$(id -u)" -ne 0 ]; then
	skip "needs root (debootstrap, chroot, mounts)"
fi
for tool in dpkg-buildpackage dpkg-checkbuilddeps dh lintian debootstrap unshare curl; do
	command -v "$tool" >/dev/null || skip "$tool is not installed (scripts/deps.txt)"
done

# Everything below runs in a mount namespace of its own: the chroot's mounts
# disappear with it whatever happens to this script.
if [ -z "${MUSTER_PKG_NS:-}" ]; then
	exec unshare --mount --propagation private env MUSTER_PKG_NS=1 "$BASH" "$0" "$@"
fi

t_start=$(date +%s)
t_last=$t_start
phase() {
	local now
	now=$(date +%s)
	printf 'time %-28s %4ds\n' "$1" $((now - t_last))
	t_last=$now
}

fail=0
ok() { echo "ok $*"; }
bad() {
	echo "FAIL $*"
	fail=1
}

# --- the mirror ------------------------------------------------------------

# "URI SUITE" for every Debian source of this suite apt is configured with
# (one-line .list and deb822 .sources files).
apt_sources() {
	local f
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		[ -f "$f" ] || continue
		awk '$1 == "deb" { line = $0; sub(/\[[^]]*\]/, "", line); split(line, w)
			print w[2], w[3] }' "$f"
	done
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] || continue
		awk 'function flush() { if (deb && enabled) for (u in uris) for (s in suites) print u, s
				delete uris; delete suites; deb = 0; enabled = 1 }
			BEGIN { enabled = 1 }
			/^[ \t]*#/ { next }
			/^[ \t]*$/ { flush(); next }
			tolower($1) == "types:" { for (i = 2; i <= NF; i++) if ($i == "deb") deb = 1 }
			tolower($1) == "uris:" { for (i = 2; i <= NF; i++) uris[$i] = 1 }
			tolower($1) == "suites:" { for (i = 2; i <= NF; i++) suites[$i] = 1 }
			tolower($1) == "enabled:" { enabled = ($2 != "no") }
			END { flush() }' "$f"
	done
}
sources=$(apt_sources | awk -v s="$suite" '$2 == s || $2 == s "-updates" || $2 == s "-security"' |
	sed 's|/*\([[:space:]]\)|\1|' | sort -u)
mirror=$(awk -v s="$suite" '$2 == s { print $1; exit }' <<<"$sources")
[ -n "$mirror" ] || skip "no Debian $suite mirror in /etc/apt/sources.list*"
if ! curl -fsS --max-time 15 -o /dev/null "$mirror/dists/$suite/Release"; then
	skip "the mirror $mirror cannot be reached"
fi
say "mirror $mirror"

# --- work directory ----------------------------------------------------------

work=$(mktemp -d "${TMPDIR:-/var/tmp}/muster-pkg.XXXXXX")
root=$work/root
mounts=()
# shellcheck disable=SC2317 # run from the EXIT trap
cleanup() {
	local i
	for ((i = ${#mounts[@]} - 1; i >= 0; i--)); do
		umount -R "${mounts[i]}" 2>/dev/null || umount -lR "${mounts[i]}" 2>/dev/null || true
		if mountpoint -q "${mounts[i]}"; then
			say "${mounts[i]} is still mounted: $work left in place"
			return
		fi
	done
	if [ -n "${MUSTER_PKG_KEEP:-}" ]; then
		say "kept $work"
	else
		rm -rf --one-file-system "$work"
	fi
}
trap cleanup EXIT
trap 'exit 143' TERM
trap 'exit 130' INT

# --- build -------------------------------------------------------------------

version=$(sed -n 's/^project(muster VERSION \([0-9][0-9.]*\).*/\1/p' "$src/CMakeLists.txt")
[ -n "$version" ] || {
	bad "no version in $src/CMakeLists.txt"
	exit 1
}
tree=$work/src/muster-$version
mkdir -p "$tree"
# The tree as it is, tracked and new files alike, without build directories
# or anything .gitignore names.
if git -C "$src" rev-parse --git-dir >/dev/null 2>&1; then
	(cd "$src" && git ls-files -co --exclude-standard -z |
		xargs -0 cp -a --parents -t "$tree" 2>/dev/null) || true
else
	tar -C "$src" --exclude='./build*' -cf - . | tar -C "$tree" -xf -
fi
[ -f "$tree/debian/control" ] || {
	bad "no debian/control in the copied tree"
	exit 1
}
if ! (cd "$tree" && dpkg-checkbuilddeps) 2>"$work/builddeps"; then
	bad "build dependencies missing (add them to scripts/deps.txt):"
	sed 's/^/    /' "$work/builddeps"
	exit 1
fi
if (cd "$tree" && timeout -k 5 900 dpkg-buildpackage -b -us -uc -j"$(nproc)") \
	>"$work/build.log" 2>&1 </dev/null; then
	ok "dpkg-buildpackage -b"
else
	bad "dpkg-buildpackage -b"
	tail -n 40 "$work/build.log" | sed 's/^/    /'
	exit 1
fi
mapfile -t debs < <(find "$work/src" -maxdepth 1 -name '*.deb' ! -name '*-dbgsym_*' | sort)
for p in muster-sensor muster-server muster-tools; do
	[ -f "$work/src/${p}_${version}_$(dpkg --print-architecture).deb" ] || bad "$p: no .deb built"
done
phase "build (dpkg-buildpackage)"

changes=$(find "$work/src" -maxdepth 1 -name '*.changes' | head -1)
lint_rc=0
timeout -k 5 300 lintian --fail-on error --display-info --pedantic "$changes" \
	>"$work/lintian.txt" 2>&1 </dev/null || lint_rc=$?
sed -n '/^[EWIPX]: /p' "$work/lintian.txt" | sed 's/^/    /'
counts=$(for t in E W I P; do printf '%s=%s ' "$t" "$(grep -c "^$t: " "$work/lintian.txt")"; done)
if [ $lint_rc -eq 0 ]; then
	ok "lintian --fail-on error: $counts"
else
	bad "lintian --fail-on error: $counts"
fi
phase "lintian"

# --- the root --------------------------------------------------------------

arch=$(dpkg --print-architecture)
mkdir -p "$cache/debootstrap" "$cache/apt-archives/partial"
key=$(printf '%s %s %s' "$suite" "$arch" "$mirror" | sha256sum | cut -c1-12)
tarball=$cache/$suite-minbase-$arch-$key.tar
exec 9>"$cache/lock"
flock 9
if [ -f "$tarball" ] && [ -z "$(find "$tarball" -mtime +30)" ]; then
	mkdir -p "$root"
	tar -C "$root" -xf "$tarball"
	say "root from $tarball"
else
	say "debootstrap --variant=minbase $suite (cached afterwards in $cache)"
	include=()
	case $sources in *https://*) include=(--include=ca-certificates) ;; esac
	if ! timeout -k 5 900 debootstrap --variant=minbase --arch="$arch" "${include[@]}" \
		--cache-dir="$cache/debootstrap" \
		"$suite" "$root" "$mirror" >"$work/debootstrap.log" 2>&1 </dev/null; then
		bad "debootstrap"
		tail -n 20 "$work/debootstrap.log" | sed 's/^/    /'
		exit 1
	fi
	# Uncompressed: unpacking is what every later run pays for.
	rm -f "$cache/$suite-minbase-$arch-"*.tar
	tar -C "$root" -cf "$tarball.tmp" .
	mv "$tarball.tmp" "$tarball"
fi
flock -u 9
phase "root (debootstrap or cache)"

# Every Debian source of the host for this suite, so that the libraries the
# packages were linked against on the host (point releases, security) are
# found.
awk '{ print "deb", $1, $2, "main" }' <<<"$sources" >"$root/etc/apt/sources.list"
cp /etc/resolv.conf "$root/etc/resolv.conf"
# Maintainer scripts may not start services in the chroot.
printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
chmod 755 "$root/usr/sbin/policy-rc.d"
for m in proc dev sys var/cache/apt/archives; do
	mkdir -p "$root/$m"
done
mounts+=("$root/proc")
mount -t proc proc "$root/proc"
mounts+=("$root/dev")
mount --rbind /dev "$root/dev"
mounts+=("$root/sys")
mount --rbind /sys "$root/sys"
mounts+=("$root/var/cache/apt/archives")
mount --bind "$cache/apt-archives" "$root/var/cache/apt/archives"
mkdir -p "$root/tmp/debs"
cp "${debs[@]}" "$root/tmp/debs/"
# A command in the root, with a clean environment and a time limit: nothing
# here may hang the suite (apt-get gets longer).
in_root_t() {
	local secs=$1
	shift
	timeout -k 5 "$secs" chroot "$root" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
		LC_ALL=C.UTF-8 "$@" </dev/null
}
in_root() { in_root_t 60 "$@"; }

if ! in_root_t 300 apt-get -q update >"$work/apt.log" 2>&1; then
	bad "apt-get update in the root"
	tail -n 20 "$work/apt.log" | sed 's/^/    /'
	exit 1
fi
mapfile -t root_debs < <(printf '/tmp/debs/%s\n' "${debs[@]##*/}")
if in_root_t 600 env DEBIAN_FRONTEND=noninteractive apt-get -q -y install "${root_debs[@]}" \
	>>"$work/apt.log" 2>&1; then
	ok "apt-get install ${debs[*]##*/}"
else
	bad "apt-get install of the packages"
	tail -n 30 "$work/apt.log" | sed 's/^/    /'
	exit 1
fi
phase "apt-get install"

# --- what was installed --------------------------------------------------------

for prog in /usr/sbin/muster-sensor /usr/sbin/muster-server /usr/bin/muster-installer \
	/usr/bin/muster-deploy; do
	name=${prog##*/}
	out=$(in_root "$prog" --version 2>&1) || true
	case $out in
	"$name $version" | "$name $version "*) ok "$name --version: $out" ;;
	*) bad "$name --version: '$out' (want $name $version)" ;;
	esac
	section=8
	[ "${prog#/usr/bin/}" != "$prog" ] && section=1
	[ -s "$root/usr/share/man/man$section/$name.$section.gz" ] ||
		bad "$name: no manual page $name($section)"
done

for unit in muster-sensor muster-server; do
	file=/lib/systemd/system/$unit.service
	if out=$(in_root systemd-analyze verify --man=no "$file" 2>&1) && [ -z "$out" ]; then
		ok "$unit.service: systemd-analyze verify"
	else
		bad "$unit.service: systemd-analyze verify"
		printf '%s\n' "$out" | sed 's/^/    /'
	fi
	score=$(in_root systemd-analyze security --offline=true "$file" 2>/dev/null |
		sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p')
	if [ -n "$score" ] && awk -v s="$score" 'BEGIN { exit !(s <= 2.5) }'; then
		ok "$unit.service: exposure $score"
	else
		bad "$unit.service: exposure '${score:-?}' (want <= 2.5)"
	fi
	if [ -L "$root/etc/systemd/system/multi-user.target.wants/$unit.service" ]; then
		ok "$unit.service: enabled"
	else
		bad "$unit.service: not enabled"
	fi
	pw=$(in_root getent passwd "$unit") || pw=
	IFS=: read -r _ _ uid _ _ home shell <<<"$pw"
	if [ -n "$pw" ] && [ "$uid" -lt 1000 ] && [ "$home" = "/var/lib/$unit" ] &&
		[ "$shell" = /usr/sbin/nologin ]; then
		ok "user $unit: system account (uid $uid, $home, $shell)"
	else
		bad "user $unit: '$pw' (want a system account, home /var/lib/$unit, nologin)"
	fi
	st=$(in_root stat -c '%U %G %a' "/var/lib/$unit" 2>&1) || true
	if [ "$st" = "$unit $unit 750" ]; then
		ok "/var/lib/$unit: $st"
	else
		bad "/var/lib/$unit: '$st' (want $unit $unit 750)"
	fi
done
for pc in muster-sensor:/etc/muster/sensor.conf muster-server:/etc/muster/server.conf; do
	pkg=${pc%%:*} conf=${pc#*:}
	# shellcheck disable=SC2016 # a dpkg-query format, not shell
	conffiles=$(in_root dpkg-query -W -f='${Conffiles}\n' "$pkg" 2>&1) || true
	if grep -q "^ $conf [0-9a-f]\{32\}" <<<"$conffiles"; then
		ok "$pkg: $conf is a conffile"
	else
		bad "$pkg: $conf is not a registered conffile"
	fi
done

# The sensor with the shipped configuration (what the unit's ExecStartPre
# runs) and the installed data: rules, vendors, p0f signatures.
if out=$(in_root muster-sensor run --check -c /etc/muster/sensor.conf 2>&1); then
	ok "muster-sensor run --check: $out"
else
	bad "muster-sensor run --check -c /etc/muster/sensor.conf: $out"
fi
n=0
for pcap in "$src"/tests/data/*.pcap; do
	expected=${pcap%.pcap}.expected.json
	[ -f "$expected" ] || continue
	n=$((n + 1))
	cp "$pcap" "$root/tmp/golden.pcap"
	if in_root muster-sensor -r /tmp/golden.pcap --no-store --json 2>/dev/null |
		LC_ALL=C sort | diff -q - "$expected" >/dev/null; then
		ok "installed muster-sensor on ${pcap##*/}: the expected hosts"
	else
		bad "installed muster-sensor on ${pcap##*/}: hosts differ from ${expected##*/}"
	fi
done
[ $n -gt 0 ] || bad "no golden capture in $src/tests/data"

# The installer's Windows all-in-one is made from the packaged bootstrapper.
mkdir -p "$root/tmp/inst"
openssl req -x509 -newkey ed25519 -nodes -days 1 -subj /CN=muster-test \
	-keyout "$root/tmp/inst/ca.key" -out "$root/tmp/inst/ca.pem" 2>/dev/null
printf 'mse_%s\n' "$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')" >"$root/tmp/inst/token"
printf '{"version": 1}\n' >"$root/tmp/inst/policy.json"
printf 'not really an msi\n' >"$root/tmp/inst/agent.msi"
if out=$(in_root muster-installer all-in-one --os windows --agent /tmp/inst/agent.msi \
	--server muster.example.org:8443 --ca /tmp/inst/ca.pem --group All/Test \
	--policy /tmp/inst/policy.json --token-file /tmp/inst/token -o /tmp/inst/setup.exe 2>&1) &&
	in_root muster-installer inspect /tmp/inst/setup.exe >/dev/null 2>&1; then
	ok "installed muster-installer: Windows all-in-one from /usr/lib/muster/muster-bootstrap.exe"
else
	bad "installed muster-installer: Windows all-in-one: $out"
fi

# Paths compiled into the installed programs: no build tree, and every
# /usr/... data file they name is installed.
paths_bad=0 n=0
for bin in "$root"/usr/sbin/muster-* "$root"/usr/bin/muster-*; do
	if grep -aq -- "$work/src" "$bin"; then
		bad "${bin#"$root"}: names a path of the build tree: $(grep -ao -- "$work/src[^[:space:]]*" "$bin" | sort -u | head -3 | tr '\n' ' ')"
		paths_bad=1
	fi
	while read -r path; do
		n=$((n + 1))
		if [ ! -e "$root$path" ]; then
			bad "${bin#"$root"}: names $path, which no package installs"
			paths_bad=1
		fi
	done < <(grep -aoE '/usr/(lib|share)/muster/[A-Za-z0-9._/-]+' "$bin" | sort -u)
done
[ $paths_bad -eq 0 ] && ok "compiled-in paths: no build tree; the $n data paths named exist"

# The server as its unit starts it: ExecStart with server.conf's variables,
# as muster-server, in a network namespace of its own (loopback only).
exec_start=$(sed -n 's/^ExecStart=//p' "$root/lib/systemd/system/muster-server.service")
no_retry=$(sed -n 's/^RestartPreventExitStatus=//p' "$root/lib/systemd/system/muster-server.service")
# run_server CONF PROBE: start it with CONF in the background (one process
# chain: chroot, setpriv, env and sh exec each other), run the shell code
# PROBE beside it (it sets rc; $pid is the server), stop it; returns rc and
# leaves the log and "server-exit=N" in $root/tmp/server.log.
# shellcheck disable=SC2016 # the namespace's script expands its own arguments
run_server() {
	timeout -k 5 120 unshare --net bash -c '
		ip link set lo up
		root=$1 conf=$2 cmd=$3 probe=$4 rc=1
		timeout -k 5 60 chroot "$root" setpriv --reuid=muster-server --regid=muster-server --init-groups \
			env -i PATH=/usr/sbin:/usr/bin sh -c "set -a; . $conf; set +a; exec $cmd" \
			>"$root/tmp/server.log" 2>&1 &
		pid=$!
		eval "$probe"
		kill "$pid" 2>/dev/null
		wait "$pid"
		echo "server-exit=$?" >>"$root/tmp/server.log"
		exit $rc' run-server "$root" "$1" "$exec_start" "$2"
}
# shellcheck disable=SC2016 # probes are eval'd inside run_server
probe_ok='for _ in $(seq 50); do
	if curl -fsS --max-time 2 http://127.0.0.1:8080/healthz >"$root/tmp/healthz" 2>/dev/null; then
		rc=0
		break
	fi
	sleep 0.2
done'
if run_server /etc/muster/server.conf "$probe_ok"; then
	ok "muster-server with the shipped server.conf: /healthz $(cat "$root/tmp/healthz")"
else
	bad "muster-server with the shipped server.conf: no /healthz on 127.0.0.1:8080"
	sed 's/^/    /' "$root/tmp/server.log"
fi
sensors=$(in_root runuser -u muster-server -- muster-server sensor add pkg-test >/dev/null 2>&1 &&
	in_root runuser -u muster-server -- muster-server sensor list 2>&1) || true
if grep -q pkg-test <<<"$sensors"; then
	ok "muster-server sensor add, as muster-server"
else
	bad "muster-server sensor add as muster-server failed"
fi
# (From the shipped file; from nothing if it is missing, already a failure.)
server_conf=$root/etc/muster/server.conf
[ -f "$server_conf" ] || server_conf=/dev/null
sed 's/^MUSTER_LISTEN=.*/MUSTER_LISTEN=0.0.0.0:8080/' "$server_conf" \
	>"$root/tmp/broken.conf"
# shellcheck disable=SC2016 # eval'd inside run_server
probe_refused='for _ in $(seq 50); do
	if ! kill -0 "$pid" 2>/dev/null; then
		rc=0
		break
	fi
	sleep 0.1
done'
if run_server /tmp/broken.conf "$probe_refused"; then
	code=$(sed -n 's/^server-exit=//p' "$root/tmp/server.log")
	if [ -n "$code" ] && [ "$code" != 0 ] && [[ " $no_retry " == *" $code "* ]]; then
		ok "muster-server refuses plain HTTP on 0.0.0.0 (exit $code, not retried by the unit)"
	else
		bad "muster-server with a broken server.conf: exit '$code' (RestartPreventExitStatus=$no_retry)"
		sed 's/^/    /' "$root/tmp/server.log"
	fi
else
	bad "muster-server with a broken server.conf kept running"
	sed 's/^/    /' "$root/tmp/server.log"
fi
# The way server.conf says to serve other machines: a routable address and
# TLS, the key readable by the muster-server group only.
mkdir -p "$root/etc/muster/tls"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 \
	-subj /CN=localhost -addext subjectAltName=IP:127.0.0.1 \
	-keyout "$root/etc/muster/tls/server.key" -out "$root/etc/muster/tls/server.crt" 2>/dev/null
in_root chown root:muster-server /etc/muster/tls/server.key
chmod 0640 "$root/etc/muster/tls/server.key"
sed -e 's/^MUSTER_LISTEN=.*/MUSTER_LISTEN=0.0.0.0:8443/' \
	-e 's|^MUSTER_TLS=.*|MUSTER_TLS="--tls-cert /etc/muster/tls/server.crt --tls-key /etc/muster/tls/server.key"|' \
	"$server_conf" >"$root/tmp/tls.conf"
# shellcheck disable=SC2016 # eval'd inside run_server
probe_tls='for _ in $(seq 50); do
	if curl -fsS --max-time 2 --cacert "$root/etc/muster/tls/server.crt" \
		https://127.0.0.1:8443/healthz >"$root/tmp/healthz" 2>/dev/null; then
		rc=0
		break
	fi
	sleep 0.2
done'
if run_server /tmp/tls.conf "$probe_tls"; then
	ok "muster-server with TLS on 0.0.0.0:8443 (key 0640 root:muster-server): /healthz over HTTPS"
else
	bad "muster-server with MUSTER_LISTEN=0.0.0.0:8443 and MUSTER_TLS: no /healthz over HTTPS"
	sed 's/^/    /' "$root/tmp/server.log"
fi
rm -rf "$root/etc/muster/tls"
phase "checks"

# --- purge -----------------------------------------------------------------------

fail_before=$fail
fail=0
if in_root_t 300 env DEBIAN_FRONTEND=noninteractive apt-get -q -y purge \
	muster-sensor muster-server muster-tools >>"$work/apt.log" 2>&1; then
	ok "apt-get purge"
else
	bad "apt-get purge"
	tail -n 20 "$work/apt.log" | sed 's/^/    /'
fi
for gone in /etc/muster/sensor.conf /etc/muster/server.conf /var/lib/muster-sensor \
	/var/lib/muster-server /etc/systemd/system/multi-user.target.wants/muster-sensor.service \
	/etc/systemd/system/multi-user.target.wants/muster-server.service /usr/lib/muster; do
	if [ -e "$root$gone" ] || [ -L "$root$gone" ]; then
		bad "after purge: $gone is still there"
	fi
done
for pkg in muster-sensor muster-server muster-tools; do
	# shellcheck disable=SC2016 # a dpkg-query format
	status=$(in_root dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null) || status=
	[ -z "$status" ] || [ "$status" = not-installed ] || bad "after purge: $pkg is '$status'"
done
# The accounts stay, as Debian keeps system accounts (debian/*.postrm).
in_root getent passwd muster-sensor muster-server >/dev/null ||
	bad "after purge: a system account went away (they are meant to stay)"
[ $fail -eq 0 ] && ok "purge removed the conffiles, the state and the unit links"
[ "$fail_before" -eq 0 ] || fail=1
phase "purge"

echo "time total $(($(date +%s) - t_start))s"
exit $fail
