#!/usr/bin/env bash
# test_deploy_ssh.sh - muster-deploy over SSH against 50 lab hosts running
# real sshd on private filesystems, run from the sensor namespace.
#
#  A. all 50 hosts ok (one logs in as a non-root user with a sudo password,
#     one listens on port 2222 with a "[host]:port" known_hosts entry); the
#     installer's marker file is checked on every host.
#  B. faults: 2 hosts with sshd stopped and 1 with its link down
#     (unreachable), 2 whose authorized_keys lack our key (auth-failed), 1
#     whose host key changed (host-key-mismatch), 1 needing a sudo password
#     we do not give (precheck-failed), 1 whose /tmp is a full tmpfs
#     (precheck-failed), 1 whose installer fails (install-failed), 1 whose
#     installer hangs (timeout): each gets its status and reason.
#  C. the faults fixed (but the changed host key): --retry-from redoes only
#     those hosts.
#  Z. SIGINT in the middle of a run on 10 hosts (5 at once): the hosts not
#     started end "cancelled", the installers already running are waited
#     for, an upload slowed on the bridge stops between two chunks and is
#     cleaned up; exit 1, report and failed-hosts file written, no working
#     directory left. --retry-from then deploys the cancelled hosts, and
#     removes a stale working directory (48 h old) but none of the look-alikes
#     next to it. A second SIGINT aborts at once. A session dropped during
#     the upload is retried, and the first attempt's directory removed.
#  Also: password login, accept-new, dry run, ssh-agent, SCP when there is
#  no SFTP subsystem, sudo -n, --export-ansible run by ansible-playbook, an
#  RSA user key with libssh2 < 1.11, malformed targets, --from-server over
#  TLS with every attempt in the server's audit log, and no secret in
#  /proc/*/cmdline, the logs or the reports. With muster-installer built,
#  one real all-in-one (a .deb, enrolling with the lab's muster-server).
#
# Environment: MUSTER_BUILD, MUSTER_SRC. Exit 0 pass, 77 skip, 1 fail.
# Packets only flow inside the lab's namespaces (tests/lab/README.md).
set -u
src=${MUSTER_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
build=${MUSTER_BUILD:-$src/build}
deploy=$build/deployer/muster-deploy
installer=$src/tests/lab/deploy-test-installer.sh
. "$src/tests/lab/lab.sh"
# shellcheck source=tests/lab/deploy-lib.sh
. "$src/tests/lab/deploy-lib.sh"

lab_require_root
lab_require_cmds /usr/sbin/sshd ssh-keygen sudo openssl python3 timeout
if [[ ! -x $deploy ]]; then
	echo "SKIP: $deploy is not built"
	exit 77
fi

check() { lab_check "$@"; } # one line per check (tests/lab/lab.sh)
t0=$SECONDS
deploy_workdir deploy-ssh || exit 1

N=50
SUDO_HOST=9      # logs in as "deployer", sudo wants a password
PORT_HOST=50     # sshd on port 2222 only
DOWN_HOSTS=(3 4) # sshd stopped
LINK_HOST=5      # interface down
BADKEY_HOSTS=(6 7)
HOSTKEY_HOST=8
FULL_HOST=10
FAILINST_HOST=11
HANG_HOST=12

# --- secrets: in files only; the monitor looks for them everywhere -----------
printf '%s\n' "pp-$(rand)" >"$work/passphrase"
printf '%s\n' "sudo-$(rand)" >"$work/sudo-password"
cat "$work/passphrase" "$work/sudo-password" >"$work/secrets"
chmod 600 "$work"/passphrase "$work"/sudo-password "$work"/secrets
# Our user key: ECDSA, generated without a passphrase and then encrypted by
# openssl reading the passphrase from a file (never on a command line).
ssh-keygen -q -t ecdsa -b 256 -m PEM -N "" -C muster-deploy-test -f "$work/plain" || exit 1
openssl ec -in "$work/plain" -aes128 -passout "file:$work/passphrase" -out "$work/id" 2>/dev/null ||
	{ echo "FAIL - cannot encrypt the test key"; exit 1; }
cp "$work/plain.pub" "$work/id.pub"
rm -f "$work/plain"
chmod 600 "$work/id"
ssh-keygen -q -t ed25519 -N "" -C someone-else -f "$work/other" || exit 1

lab_init "$N" --private >/dev/null || { echo "FAIL - lab_init"; exit 1; }
start_sshd() {
	if (($1 == PORT_HOST)); then
		lab_start_sshd "$1" --port 2222 --authorized-keys "$work/id.pub" >/dev/null
	else
		lab_start_sshd "$1" --authorized-keys "$work/id.pub" >/dev/null
	fi
}
for ((i = 1; i <= N; i += 10)); do
	for ((k = i; k < i + 10 && k <= N; k++)); do start_sshd "$k" & done
	wait
done
for ((i = 1; i <= N; i++)); do
	grep -q "sshd:" <(awk -v i="$i" '$1 == i { print $6 }' "$LAB_DIR/hosts.tsv") ||
		{ echo "FAIL - sshd on host $i"; exit 1; }
done

# The sudo host: a user with a password whose sudo asks for it.
lab_exec "$SUDO_HOST" useradd -m -s /bin/sh deployer || exit 1
printf 'deployer:%s\n' "$(cat "$work/sudo-password")" | lab_exec "$SUDO_HOST" chpasswd || exit 1
lab_exec "$SUDO_HOST" sh -c 'mkdir -p /home/deployer/.ssh /etc/sudoers.d &&
	echo "deployer ALL=(ALL) ALL" >/etc/sudoers.d/deployer && chmod 440 /etc/sudoers.d/deployer &&
	chown -R deployer /home/deployer/.ssh' || exit 1
lab_exec "$SUDO_HOST" sh -c 'cat >/home/deployer/.ssh/authorized_keys' <"$work/id.pub"

# Targets and known_hosts, recorded now (before host 8's key changes).
: >"$work/known_hosts"
: >"$work/targets"
for ((i = 1; i <= N; i++)); do
	if ((i == PORT_HOST)); then
		lab_known_hosts "$i" 2222 >>"$work/known_hosts"
		echo "$(lab_ip "$i"):2222" >>"$work/targets"
	else
		lab_known_hosts "$i" >>"$work/known_hosts"
		if ((i == SUDO_HOST)); then
			echo "deployer@$(lab_ip "$i")" >>"$work/targets"
		else
			lab_ip "$i" >>"$work/targets"
		fi
	fi
done
echo "# setup done in $((SECONDS - t0)) s"

# --- the secrets monitor: every /proc/*/cmdline, every 20 ms ----------------
python3 - "$work/secrets" "$work/cmdline-hits" "$work/monitor-stop" <<'EOF' &
import os, sys, time
secrets = [l.strip().encode() for l in open(sys.argv[1]) if l.strip()]
hits, stop, me, scans = sys.argv[2], sys.argv[3], os.getpid(), 0
while not os.path.exists(stop):
    for p in os.listdir('/proc'):
        if not p.isdigit() or int(p) == me:
            continue
        try:
            cl = open('/proc/%s/cmdline' % p, 'rb').read()
        except OSError:
            continue
        if any(s in cl for s in secrets):
            with open(hits, 'a') as f:
                f.write('%s %r\n' % (p, cl.replace(b'\0', b' ')[:200]))
    scans += 1
    time.sleep(0.02)
open(hits + '.scans', 'w').write('%d\n' % scans)
EOF
monitor_pid=$!

run_deploy() { # run_deploy NAME ARGS...: exit code in $rc, output in $work/NAME.{out,err}
	local name=$1
	shift
	lab_sensor_exec "$deploy" --method ssh --user root --identity "$work/id" \
		--passphrase-file "$work/passphrase" --known-hosts "$work/known_hosts" \
		--installer "$installer" --parallel 25 --report "$work/$name.json" \
		--report-csv "$work/$name.csv" --log-level info "$@" \
		>"$work/$name.out" 2>"$work/$name.err"
	rc=$?
	echo "# run $name: exit $rc in $((SECONDS - run_t0)) s"
}
markers() { lab_exec "$1" sh -c 'cat /opt/muster-test/installed 2>/dev/null | wc -l'; }
marker_ok() { # the marker says root ran exactly our installer
	lab_exec "$1" grep -q "^uid=0 sha256=$(sha256sum "$installer" | cut -d' ' -f1) " \
		/opt/muster-test/installed
}

# --- A: all 50 hosts ----------------------------------------------------------
run_t0=$SECONDS
run_deploy A --targets "$work/targets" --sudo-password-file "$work/sudo-password"
check "run A: exit 0 (every host ok)" test "$rc" = 0
check "run A: report lists 50 hosts, all ok" test "$(count_status "$work/A.json" ok)" = 50
bad=0
for ((i = 1; i <= N; i++)); do marker_ok "$i" || { bad=$((bad + 1)); echo "#   host $i: no marker"; }; done
check "run A: every host's installer ran as root (marker with our SHA-256)" test "$bad" = 0
check "run A: the sudo-password host ran through sudo -S" \
	grep -q '"host":"'"$(lab_ip $SUDO_HOST)"'".*"privilege":"sudo-password"' "$work/A.json"
check "run A: the port-2222 host matched its [host]:port known_hosts entry" \
	has_status "$work/A.json" "$PORT_HOST" ok .
left=$(for i in 1 2 20 $SUDO_HOST; do lab_exec "$i" sh -c 'ls -d /tmp/muster-deploy.* 2>/dev/null'; done | wc -l)
check "run A: working directories removed on the targets" test "$left" = 0
check "run A: report objects carry host, status, reason, duration_ms" python3 -c '
import json,sys
r = json.load(open(sys.argv[1]))
assert all({"host","status","reason","duration_ms"} <= set(o) for o in r)' "$work/A.json"
check "run A: CSV report has a header and 50 rows" test "$(wc -l <"$work/A.csv")" = 51

# --- B: faults ----------------------------------------------------------------
for i in "${DOWN_HOSTS[@]}"; do lab_stop_daemons "$i"; done
lab_exec_net "$LINK_HOST" ip link set dev "$(lab_if $LINK_HOST)" down
for i in "${BADKEY_HOSTS[@]}"; do
	lab_exec "$i" sh -c 'cat >/root/.ssh/authorized_keys' <"$work/other.pub"
done
lab_stop_daemons "$HOSTKEY_HOST"
start_sshd "$HOSTKEY_HOST" # new host keys; known_hosts still has the old ones
lab_exec "$FULL_HOST" sh -c 'mount -t tmpfs -o size=1m muster-full /tmp &&
	dd if=/dev/zero of=/tmp/fill bs=64k 2>/dev/null; true'
lab_exec "$FAILINST_HOST" touch /etc/muster-test-fail
lab_exec "$HANG_HOST" sh -c 'echo 120 >/etc/muster-test-hang'

run_t0=$SECONDS
run_deploy B --targets "$work/targets" --timeout 25
check "run B: exit 1 (some hosts failed)" test "$rc" = 1
for i in "${DOWN_HOSTS[@]}"; do
	check "run B: host $i (sshd stopped) unreachable, connection refused" \
		has_status "$work/B.json" "$i" unreachable 'connection refused'
done
check "run B: host $LINK_HOST (link down) unreachable, no route" \
	has_status "$work/B.json" "$LINK_HOST" unreachable 'No route to host|no answer'
for i in "${BADKEY_HOSTS[@]}"; do
	check "run B: host $i (wrong key) auth-failed, refused with our key" \
		has_status "$work/B.json" "$i" auth-failed 'refused user root with ecdsa key'
done
check "run B: host $HOSTKEY_HOST (host key changed) host-key-mismatch" \
	has_status "$work/B.json" "$HOSTKEY_HOST" host-key-mismatch 'host key changed.*known_hosts line'
check "run B: host $SUDO_HOST (sudo wants a password) precheck-failed" \
	has_status "$work/B.json" "$SUDO_HOST" precheck-failed 'sudo wants a password'
check "run B: host $FULL_HOST (full disk) precheck-failed" \
	has_status "$work/B.json" "$FULL_HOST" precheck-failed 'disk full: only [0-9]+ KiB free in /tmp'
check "run B: host $FAILINST_HOST (installer fails) install-failed with its reason" \
	has_status "$work/B.json" "$FAILINST_HOST" install-failed 'failed \(exit 3, code 3\): failure requested'
check "run B: host $HANG_HOST (installer hangs) timeout" \
	has_status "$work/B.json" "$HANG_HOST" timeout 'timed out after 25 s while running the installer'
check "run B: the other 40 hosts ok" test "$(count_status "$work/B.json" ok)" = 40
check "run B: failed-hosts file lists exactly the 10 failed hosts" \
	test "$(grep -vc '^#' "$work/B.failed")" = 10
check "run B: the summary counts every status" \
	grep -q 'ok 40, unreachable 3, auth-failed 2, host-key-mismatch 1, precheck-failed 2, install-failed 1, timeout 1' "$work/B.out"

# --- C: fix what can be fixed, retry only the failed hosts --------------------
for i in "${DOWN_HOSTS[@]}"; do start_sshd "$i"; done
for i in "${DOWN_HOSTS[@]}"; do lab_known_hosts "$i"; done >>"$work/known_hosts.new"
# (they regenerated their keys: record the new ones, as an admin would)
python3 - "$work/known_hosts" "$(lab_ip 3)" "$(lab_ip 4)" <<'EOF'
import sys
keep = [l for l in open(sys.argv[1]) if l.split()[0] not in sys.argv[2:]]
open(sys.argv[1], 'w').writelines(keep)
EOF
cat "$work/known_hosts.new" >>"$work/known_hosts"
lab_exec_net "$LINK_HOST" ip link set dev "$(lab_if $LINK_HOST)" up
for i in "${BADKEY_HOSTS[@]}"; do
	lab_exec "$i" sh -c 'cat >/root/.ssh/authorized_keys' <"$work/id.pub"
done
lab_exec "$FULL_HOST" umount /tmp
lab_exec "$FAILINST_HOST" rm -f /etc/muster-test-fail
lab_exec "$HANG_HOST" rm -f /etc/muster-test-hang
before=$(markers 20)
run_t0=$SECONDS
run_deploy C --retry-from "$work/B.failed" --sudo-password-file "$work/sudo-password"
check "run C: exit 1 (the changed host key still refuses)" test "$rc" = 1
check "run C: only the 10 failed hosts were attempted" python3 -c '
import json,sys
c = {o["host"] for o in json.load(open(sys.argv[1]))}
b = {o["host"] for o in json.load(open(sys.argv[2])) if o["status"] != "ok"}
assert c == b, (c ^ b)' "$work/C.json" "$work/B.json"
check "run C: 9 fixed hosts ok" test "$(count_status "$work/C.json" ok)" = 9
check "run C: host $HOSTKEY_HOST still host-key-mismatch" \
	has_status "$work/C.json" "$HOSTKEY_HOST" host-key-mismatch 'host key changed'
check "run C: a host that was ok in B was not touched again" test "$(markers 20)" = "$before"
bad=0
for i in "${DOWN_HOSTS[@]}" $LINK_HOST "${BADKEY_HOSTS[@]}" $SUDO_HOST $FULL_HOST $FAILINST_HOST $HANG_HOST; do
	marker_ok "$i" || bad=$((bad + 1))
done
check "run C: the fixed hosts have their marker" test "$bad" = 0

# --- Z: stop signals ------------------------------------------------------------
# Hosts 40-49 (not used after this). The installer is padded to 4.5 MiB (the
# padding is comments after its "exit 0"), and the bridge port of host 40
# slowed to 8 Mbit/s, so its upload takes ~5 s; hosts 41-44 sleep 4 s in
# the installer; --parallel 5 leaves 45-49 waiting.
bg_deploy() { # bg_deploy NAME ARGS...: start muster-deploy in the background, pid in $bg_pid
	local name=$1
	shift
	ip netns exec "$LAB_SENSOR_NS" "$deploy" --method ssh --user root --identity "$work/id" \
		--passphrase-file "$work/passphrase" --known-hosts "$work/known_hosts" \
		--report "$work/$name.json" --log-level debug "$@" >"$work/$name.out" 2>"$work/$name.err" &
	bg_pid=$!
}
workdirs() { # workdirs I...: our working directories left on those hosts
	local i
	for i in "$@"; do lab_exec "$i" sh -c 'ls -d /tmp/muster-deploy.* 2>/dev/null'; done | wc -l
}
{
	cat "$installer"
	head -c $((3500 << 10)) /dev/urandom | base64 -w 76 | sed 's/^/# /'
} >"$work/big-installer.sh"
chmod 755 "$work/big-installer.sh"
for i in 40 41 42 43 44 45 46 47 48 49; do lab_ip "$i"; done >"$work/t-stop"
for i in 41 42 43 44; do lab_exec "$i" sh -c 'echo 4 >/etc/muster-test-hang'; done
before45=$(markers 45)
ip netns exec "$LAB_BR_NS" tc qdisc add dev "$LAB_PREFIX-p40" root tbf rate 8mbit burst 32kb latency 400ms
run_t0=$SECONDS
bg_deploy Z --targets "$work/t-stop" --installer "$work/big-installer.sh" --parallel 5 --timeout 60
stop_ready() {
	wait_log "$work/Z.err" "host=($(lab_ip 41)|$(lab_ip 42)|$(lab_ip 43)|$(lab_ip 44)) state=run" 4 30 &&
		wait_log "$work/Z.err" "host=$(lab_ip 40) state=upload" 1 30
}
stop_ready
check "run Z: muster-deploy runs without core files (RLIMIT_CORE 0)" \
	grep -Eq '^Max core file size +0 +0 ' "/proc/$bg_pid/limits"
sleep 0.5
kill -INT "$bg_pid"
sig_t=$SECONDS
wait "$bg_pid"
rc=$?
ip netns exec "$LAB_BR_NS" tc qdisc del dev "$LAB_PREFIX-p40" root
echo "# run Z: exit $rc, $((SECONDS - sig_t)) s after SIGINT, $((SECONDS - run_t0)) s in all"
check "run Z: exit 1 after SIGINT, with one line saying what it does" eval \
	'[ $rc = 1 ] && [ "$(grep -c "^muster-deploy: stopping: no new hosts" "$work/Z.err")" = 1 ]'
bad=0
for i in 41 42 43 44; do has_status "$work/Z.json" "$i" ok . || bad=$((bad + 1)); done
check "run Z: the 4 installers already running were waited for (ok)" test "$bad" = 0
check "run Z: host 40 stopped between two upload chunks, cancelled" eval \
	'has_status "$work/Z.json" 40 cancelled "^stopped by a signal while uploading \([0-9]+ of [0-9]+ bytes sent\)$" &&
	grep -q "\"host\":\"$(lab_ip 40)\".*\"failed_in\":\"upload\"" "$work/Z.json"'
bad=0
for i in 45 46 47 48 49; do has_status "$work/Z.json" "$i" cancelled '^not started: stopped by a signal$' || bad=$((bad + 1)); done
[[ $(markers 45) == "$before45" ]] || bad=$((bad + 1))
check "run Z: the 5 hosts not started are cancelled, nothing ran there" test "$bad" = 0
check "run Z: failed-hosts file lists the 6 cancelled hosts; summary counts them" eval \
	'[ "$(grep -c "  # cancelled$" "$work/Z.failed")" = 6 ] && grep -q "ok 4, cancelled 6" "$work/Z.out"'
check "run Z: no working directory left on hosts 40-49" test "$(workdirs 40 41 42 43 44 45 46 47 48 49)" = 0
check "run Z: the stop took the running installers' time, not more ($((SECONDS - sig_t)) s)" \
	test $((SECONDS - sig_t)) -le 12

# The cancelled hosts again, and host 45 holding a stale working directory
# (48 h old) among look-alikes that must stay: too young, another owner's, a
# file, a name that is not mktemp's.
for i in 41 42 43 44; do lab_exec "$i" rm -f /etc/muster-test-hang; done
lab_exec 45 sh -c 'cd /tmp && mkdir muster-deploy.StAlE123 muster-deploy.YoUnG123 \
	muster-deploy.NoBoDy12 muster-deploy.short && touch muster-deploy.StAlE123/muster-installer \
	muster-deploy.FiLe1234 && chown nobody muster-deploy.NoBoDy12 &&
	touch -d "3 days ago" muster-deploy.StAlE123 muster-deploy.NoBoDy12 muster-deploy.short \
	muster-deploy.FiLe1234'
run_t0=$SECONDS
run_deploy Q --retry-from "$work/Z.failed" --installer "$work/big-installer.sh"
check "--retry-from after a stop: the 6 cancelled hosts deployed" eval \
	'[ $rc = 0 ] && [ "$(count_status "$work/Q.json" ok)" = 6 ] && [ "$(grep -c "\"host\"" "$work/Q.json")" = 6 ]'
left45=$(lab_exec 45 sh -c 'cd /tmp && ls -d muster-deploy.* | sort | tr "\n" " "')
check "stale working directory (48 h, ours) removed; the look-alikes kept ($left45)" eval \
	'[ "$left45" = "muster-deploy.FiLe1234 muster-deploy.NoBoDy12 muster-deploy.YoUnG123 muster-deploy.short " ] &&
	grep -q "event=stale-dirs-removed host=$(lab_ip 45) dir=/tmp count=1" "$work/Q.err"'
lab_exec 45 sh -c 'rm -rf /tmp/muster-deploy.*'

# A second SIGINT: every wait ends at once, the installers (30 s) not waited for.
for i in 46 47; do lab_exec "$i" sh -c 'echo 30 >/etc/muster-test-hang'; done
printf '%s\n' "$(lab_ip 46)" "$(lab_ip 47)" >"$work/t-abort"
bg_deploy Z2 --targets "$work/t-abort" --installer "$installer" --parallel 2 --timeout 60
wait_log "$work/Z2.err" "state=run" 2 30
sleep 0.5
kill -INT "$bg_pid"
sleep 0.5
kill -INT "$bg_pid"
sig_t=$SECONDS
wait "$bg_pid"
rc=$?
check "second SIGINT: aborted at once ($((SECONDS - sig_t)) s), both hosts cancelled, exit 1" eval \
	'[ $rc = 1 ] && [ $((SECONDS - sig_t)) -le 3 ] && grep -q "^muster-deploy: aborting" "$work/Z2.err" &&
	has_status "$work/Z2.json" 46 cancelled "^stopped by a signal while running the installer$" &&
	has_status "$work/Z2.json" 47 cancelled "^stopped by a signal while running the installer$"'
for i in 46 47; do lab_exec "$i" rm -f /etc/muster-test-hang; done

# The session dropped during the upload (sshd's session processes killed on
# host 48, its link slowed): a transient failure, retried; the first
# attempt's directory is removed on the way (by the next attempt's precheck,
# the old session being gone).
lab_ip 48 >"$work/t-drop"
ip netns exec "$LAB_BR_NS" tc qdisc add dev "$LAB_PREFIX-p48" root tbf rate 8mbit burst 32kb latency 400ms
bg_deploy Y --targets "$work/t-drop" --installer "$work/big-installer.sh" --parallel 1 --timeout 60 --retries 1
wait_log "$work/Y.err" "host=$(lab_ip 48) state=upload" 1 30
sleep 1
lab_exec 48 pkill -f '^sshd: root'
ip netns exec "$LAB_BR_NS" tc qdisc del dev "$LAB_PREFIX-p48" root
wait "$bg_pid"
rc=$?
check "session dropped during the upload: retried, ok, the first directory removed, none left" eval \
	'[ $rc = 0 ] && grep -q "\"attempts\":2" "$work/Y.json" && has_status "$work/Y.json" 48 ok . &&
	grep -q "event=leftover-removed host=$(lab_ip 48) dir=/tmp/muster-deploy\." "$work/Y.err" &&
	[ "$(workdirs 48)" = 0 ]'

# --- smaller runs -------------------------------------------------------------
printf '%s\n' "deployer@$(lab_ip $SUDO_HOST)" >"$work/t-password"
run_t0=$SECONDS
lab_sensor_exec "$deploy" --method ssh --targets "$work/t-password" \
	--password-file "$work/sudo-password" --sudo-password-file "$work/sudo-password" \
	--known-hosts "$work/known_hosts" --installer "$installer" --parallel 1 \
	--report "$work/P.json" --log-level info >"$work/P.out" 2>"$work/P.err"
check "password login (no key) + sudo -S: ok" has_status "$work/P.json" "$SUDO_HOST" ok .

: >"$work/kh-new"
printf '%s\n' "$(lab_ip 21)" "$(lab_ip 22)" >"$work/t-new"
lab_sensor_exec "$deploy" --method ssh --targets "$work/t-new" --identity "$work/id" \
	--passphrase-file "$work/passphrase" --known-hosts "$work/kh-new" --installer "$installer" \
	--parallel 2 --report "$work/S.json" >"$work/S.out" 2>"$work/S.err"
check "strict policy, unknown host: host-key-mismatch, not in known_hosts" \
	has_status "$work/S.json" 21 host-key-mismatch 'is not in .*policy strict'
lab_sensor_exec "$deploy" --method ssh --targets "$work/t-new" --identity "$work/id" \
	--passphrase-file "$work/passphrase" --known-hosts "$work/kh-new" --host-key-policy accept-new \
	--installer "$installer" --parallel 2 --report "$work/N.json" >"$work/N.out" 2>"$work/N.err"
check "accept-new: ok and the keys recorded" test "$(count_status "$work/N.json" ok)" = 2 -a \
	"$(wc -l <"$work/kh-new")" = 2
lab_sensor_exec "$deploy" --method ssh --targets "$work/t-new" --identity "$work/id" \
	--passphrase-file "$work/passphrase" --known-hosts "$work/kh-new" --installer "$installer" \
	--parallel 2 --report "$work/N2.json" >"$work/N2.out" 2>"$work/N2.err"
check "strict with the recorded keys: ok" test "$(count_status "$work/N2.json" ok)" = 2

before=$(markers 23)
printf '%s\n' "$(lab_ip 23)" >"$work/t-dry"
lab_sensor_exec "$deploy" --method ssh --targets "$work/t-dry" --identity "$work/id" \
	--passphrase-file "$work/passphrase" --known-hosts "$work/known_hosts" --installer "$installer" \
	--parallel 1 --dry-run --report "$work/D.json" >"$work/D.out" 2>"$work/D.err"
check "dry run: ok after the precheck, nothing installed or left behind" \
	eval 'has_status "$work/D.json" 23 ok "dry run: precheck passed \(Linux" &&
	[ "$(markers 23)" = "$before" ] && [ -z "$(lab_exec 23 sh -c "ls -d /tmp/muster-deploy.* 2>/dev/null")" ]'

# ssh-agent: a key only the agent holds.
ssh-keygen -q -t ed25519 -N "" -C agent-key -f "$work/agentkey" || exit 1
lab_exec 35 sh -c 'cat >>/root/.ssh/authorized_keys' <"$work/agentkey.pub"
lab_exec 38 sh -c 'cat >>/root/.ssh/authorized_keys' <"$work/agentkey.pub"
lab_exec 39 sh -c 'cat >>/root/.ssh/authorized_keys' <"$work/agentkey.pub"
eval "$(ssh-agent -a "$work/agent.sock" -s)" >/dev/null
ssh-add -q "$work/agentkey" 2>/dev/null
printf '%s\n' "$(lab_ip 35)" >"$work/t-agent"
SSH_AUTH_SOCK=$work/agent.sock lab_sensor_exec "$deploy" --method ssh --targets "$work/t-agent" \
	--agent --known-hosts "$work/known_hosts" --installer "$installer" --parallel 1 \
	--report "$work/G.json" >"$work/G.out" 2>"$work/G.err"
check "ssh-agent key: ok" has_status "$work/G.json" 35 ok .
kill "$SSH_AGENT_PID" 2>/dev/null

# No SFTP subsystem on host 36: the upload falls back to SCP.
lab_exec 36 sh -c 'sed -i "/^Subsystem/d" /etc/ssh/sshd_config && kill -HUP "$(cat /run/sshd.pid)"'
sleep 0.5
printf '%s\n' "$(lab_ip 36)" >"$work/t-scp"
lab_sensor_exec "$deploy" --method ssh --targets "$work/t-scp" --identity "$work/id" \
	--passphrase-file "$work/passphrase" --known-hosts "$work/known_hosts" --installer "$installer" \
	--parallel 1 --log-level debug --report "$work/K.json" >"$work/K.out" 2>"$work/K.err"
check "no SFTP subsystem: uploaded with SCP, ok" eval \
	'has_status "$work/K.json" 36 ok . && grep -q sftp-unavailable "$work/K.err" && marker_ok 36'

# A non-root user whose sudo needs no password: sudo -n.
# ("*": no password, but not locked; sshd refuses locked accounts outright.)
lab_exec 37 sh -c 'useradd -m -s /bin/sh -p "*" ops && mkdir -p /home/ops/.ssh /etc/sudoers.d &&
	echo "ops ALL=(ALL) NOPASSWD: ALL" >/etc/sudoers.d/ops && chmod 440 /etc/sudoers.d/ops &&
	chown ops /home/ops/.ssh'
lab_exec 37 sh -c 'cat >/home/ops/.ssh/authorized_keys' <"$work/id.pub"
printf 'ops@%s\n' "$(lab_ip 37)" >"$work/t-nopw"
lab_sensor_exec "$deploy" --method ssh --targets "$work/t-nopw" --identity "$work/id" \
	--passphrase-file "$work/passphrase" --known-hosts "$work/known_hosts" --installer "$installer" \
	--parallel 1 --report "$work/W.json" >"$work/W.out" 2>"$work/W.err"
check "sudo without a password: sudo -n, installer ran as root" eval \
	'has_status "$work/W.json" 37 ok . && grep -q "\"privilege\":\"sudo\"" "$work/W.json" && marker_ok 37'

# --export-ansible: the exported playbook itself installs on two hosts.
printf '%s\n' "$(lab_ip 38)" "$(lab_ip 39)" >"$work/t-ansible"
if command -v ansible-playbook >/dev/null; then
	"$deploy" --method ssh --targets "$work/t-ansible" --identity "$work/agentkey" \
		--known-hosts "$work/known_hosts" --installer "$installer" --parallel 2 \
		--export-ansible "$work/ansible" >"$work/E.out" 2>&1
	# shellcheck disable=SC2034 # read inside the eval below
	before38=$(markers 38)
	(cd "$work/ansible" && ANSIBLE_LOCAL_TEMP=$work/ansible/tmp lab_sensor_exec ansible-playbook deploy.yml) \
		>"$work/E.run" 2>&1
	check "--export-ansible: the playbook installs the same installer (marker, SHA-256)" eval \
		'[ "$(markers 38)" -gt "$before38" ] && marker_ok 38 && marker_ok 39 &&
		[ -z "$(lab_exec 38 sh -c "ls -d /tmp/muster-deploy.* 2>/dev/null")" ]'
else
	echo "# ansible-playbook not installed: --export-ansible run not tried"
fi

ssh-keygen -q -t rsa -b 2048 -N "" -f "$work/rsa" || exit 1
lab_exec 24 sh -c 'cat >>/root/.ssh/authorized_keys' <"$work/rsa.pub"
printf '%s\n' "$(lab_ip 24)" >"$work/t-rsa"
lab_sensor_exec "$deploy" --method ssh --targets "$work/t-rsa" --identity "$work/rsa" \
	--known-hosts "$work/known_hosts" --installer "$installer" --parallel 1 \
	--report "$work/R.json" >"$work/R.out" 2>"$work/R.err"
if [[ $("$deploy" --version) == *"libssh2 1.10"* ]]; then
	check "RSA key with libssh2 < 1.11 vs OpenSSH 9: auth-failed saying why and what to do" \
		has_status "$work/R.json" 24 auth-failed 'SHA-1.*OpenSSH 8.8.*ed25519'
else
	check "RSA key with libssh2 >= 1.11: ok" has_status "$work/R.json" 24 ok .
fi

printf '%s\n' "$(lab_ip 1)" "10.0.0.300" "host:99999" "a b" '{"ipv4":"x"}' >"$work/t-bad"
lab_sensor_exec "$deploy" --method ssh --targets "$work/t-bad" --identity "$work/id" \
	--known-hosts "$work/known_hosts" --installer "$installer" >"$work/X.out" 2>"$work/X.err"
rc=$?
check "malformed targets: exit 2, every bad line named, nothing deployed" eval \
	'[ $rc = 2 ] && [ "$(grep -c "t-bad:[2-5]:" "$work/X.err")" = 4 ] && grep -q "nothing was deployed" "$work/X.err"'
"$deploy" --method ssh --cidr 198.18.0.0/16 --cidr 198.19.0.0/16 --identity "$work/id" \
	--known-hosts "$work/known_hosts" --installer "$installer" >"$work/X2.out" 2>&1
rc=$?
check "two /16 blocks: exit 2, the limit and the count named, nothing deployed" eval \
	'[ $rc = 2 ] && grep -q "too many hosts: 131068 given .*at most 100000" "$work/X2.out"'
"$deploy" --method ssh --from-server http://198.18.0.1:8080 --server-token-file "$work/passphrase" \
	--identity "$work/id" --installer "$installer" >"$work/X3.out" 2>&1
rc=$?
check "--from-server http:// to a non-loopback address: exit 2" eval \
	'[ $rc = 2 ] && grep -q "plain http:// only to a loopback address" "$work/X3.out"'

# --- muster-server (TLS, on the sensor's lab address) ------------------------------
# --from-server: targets from its unmanaged list, every attempt recorded there;
# then, when muster-installer is built, one real all-in-one that enrolls with it.
srv=$build/server/muster-server
inst=$build/installer-builder/muster-installer
sip=$LAB_SENSOR_IP
if [[ -x $srv ]]; then
	(
		cd "$work" || exit 1
		openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
			-keyout ca.key -out ca.pem -subj /CN=deploy-lab-ca -days 2 &&
			printf 'subjectAltName=IP:%s\n' "$sip" >san.ext &&
			openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
				-keyout srv.key -subj "/CN=$sip" -out srv.csr &&
			openssl x509 -req -in srv.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 \
				-extfile san.ext -out srv.pem
	) >/dev/null 2>&1 || { echo "FAIL - certificates"; exit 1; }
	printf '%s\n' "admin-$(rand)$(rand)" >"$work/admin-token"
	"$srv" --db "$work/server.db" sensor add lab-sensor >"$work/sensor-token" 2>/dev/null
	printf 'Authorization: Bearer %s\n' "$(cat "$work/sensor-token")" >"$work/sensor-auth"
	printf 'Authorization: Bearer %s\n' "$(cat "$work/admin-token")" >"$work/admin-auth"
	url=https://$sip:18443
	lab_sensor_exec "$srv" --db "$work/server.db" serve --listen "$sip:18443" \
		--tls-cert "$work/srv.pem" --tls-key "$work/srv.key" \
		--admin-token-file "$work/admin-token" >"$work/server.log" 2>&1 &
	srv_pid=$!
	scurl() { lab_sensor_exec curl -sf --cacert "$work/ca.pem" "$@"; }
	for ((k = 0; k < 50; k++)); do
		scurl "$url/healthz" >/dev/null 2>&1 && break
		sleep 0.1
	done
	hosts_json=""
	for i in 25 26 27; do
		hosts_json+="${hosts_json:+,}{\"mac\":\"$(lab_mac $i)\",\"ipv4\":[\"$(lab_ip $i)\"],\"os\":{\"family\":\"linux\"}}"
	done
	hosts_json+=",{\"mac\":\"02:6d:75:99:00:01\",\"ipv4\":[\"198.18.0.250\"],\"os\":{\"family\":\"windows\"}}"
	printf '{"sensor":{"id":"lab-sensor-1"},"seq":1,"hosts":[%s]}' "$hosts_json" >"$work/report.json"
	scurl -H @"$work/sensor-auth" -H 'Content-Type: application/json' \
		--data-binary @"$work/report.json" "$url/api/v1/reports" >/dev/null
	lab_sensor_exec "$deploy" --method ssh --from-server "$url" --server-ca "$work/ca.pem" \
		--server-token-file "$work/admin-token" --os linux --identity "$work/id" \
		--passphrase-file "$work/passphrase" --known-hosts "$work/known_hosts" \
		--installer "$installer" --parallel 3 --report "$work/F.json" >"$work/F.out" 2>"$work/F.err"
	check "--from-server (TLS): the 3 unmanaged Linux hosts deployed, the Windows one filtered out" \
		eval '[ "$(count_status "$work/F.json" ok)" = 3 ] && [ "$(grep -c "\"host\"" "$work/F.json")" = 3 ]'
	scurl -H @"$work/admin-auth" "$url/api/v1/audit" >"$work/audit.json"
	check "--from-server: each attempt recorded on the server and in its audit log" python3 -c '
import json,sys
a = [e for e in json.load(open(sys.argv[1]))["audit"] if e["action"] == "deploy"]
assert len(a) == 3 and all(e["result"] == "ok" and e["who"].startswith("admin@") for e in a), a' \
		"$work/audit.json"

	if [[ -x $inst ]] && command -v dpkg-deb >/dev/null; then
		(
			cd "$work" || exit 1
			mkdir -p pkg/DEBIAN pkg/opt/muster-agent
			printf '#!/bin/sh\necho muster-agent\n' >pkg/opt/muster-agent/muster-agent
			chmod 755 pkg/opt/muster-agent/muster-agent
			printf 'Package: muster-agent-deploytest\nVersion: 0.1.0\nArchitecture: all\nMaintainer: Muster lab <lab@example.org>\nDescription: agent stand-in for the deployer lab test\n' >pkg/DEBIAN/control
			dpkg-deb --root-owner-group --build pkg agent.deb &&
				"$srv" --db server.db group add All/Deployed &&
				"$srv" --db server.db token create --group All/Deployed --uses 10 --expires 1h >enroll-token &&
				printf '{"version": 1, "log_level": "info", "update_interval": 600}\n' >policy.json &&
				"$inst" all-in-one --os linux --server "$sip:18443" --ca ca.pem --group All/Deployed \
					--policy policy.json --token-file enroll-token --agent agent.deb -o aio.sh
		) >"$work/aio-build.log" 2>&1
		if [[ -s $work/aio.sh ]]; then
			printf '%s\n' "$(lab_ip 30)" "$(lab_ip 31)" "$(lab_ip 32)" >"$work/t-aio"
			lab_sensor_exec "$deploy" --method ssh --targets "$work/t-aio" --identity "$work/id" \
				--passphrase-file "$work/passphrase" --known-hosts "$work/known_hosts" \
				--installer "$work/aio.sh" --parallel 3 --report "$work/I.json" \
				>"$work/I.out" 2>"$work/I.err"
			check "real muster-installer all-in-one: ok on 3 hosts, installed-and-enrolled" python3 -c '
import json,sys
r = json.load(open(sys.argv[1]))
assert len(r) == 3 and all(o["status"] == "ok" and o["installer_result"]["reason"].startswith("installed-and-enrolled") for o in r), r' "$work/I.json"
			bad=0
			for i in 30 31 32; do lab_exec "$i" dpkg -s muster-agent-deploytest >/dev/null 2>&1 || bad=$((bad + 1)); done
			check "real all-in-one: the agent package is installed on each host" test "$bad" = 0
			scurl -H @"$work/admin-auth" "$url/api/v1/audit" >"$work/audit2.json"
			check "real all-in-one: the server saw 3 enrollments" python3 -c '
import json,sys
a = [e for e in json.load(open(sys.argv[1]))["audit"] if e["action"] == "enroll" and e["result"] == "ok"]
assert len(a) == 3, a' "$work/audit2.json"
		else
			echo "# muster-installer could not build an all-in-one (see aio-build.log): skipped"
			sed 's/^/#   /' "$work/aio-build.log" | tail -5
		fi
	else
		echo "# muster-installer or dpkg-deb missing: real all-in-one not tried"
	fi
	kill "$srv_pid" 2>/dev/null
	wait "$srv_pid" 2>/dev/null
else
	echo "# $srv not built: --from-server not tried"
fi

# --- secrets ---------------------------------------------------------------------
touch "$work/monitor-stop"
wait "$monitor_pid" 2>/dev/null
monitor_pid=""
check "secrets: the /proc/*/cmdline monitor ran ($(cat "$work/cmdline-hits.scans" 2>/dev/null) scans)" \
	test -s "$work/cmdline-hits.scans"
check "secrets: no password or passphrase in any /proc/*/cmdline during the runs" \
	test ! -s "$work/cmdline-hits"
check "secrets: none in the logs, reports or failed-hosts files" \
	eval '! cat "$work"/*.out "$work"/*.err "$work"/*.json "$work"/*.csv "$work"/*.failed | grep -qF -f "$work/secrets"'

echo "# total $((SECONDS - t0)) s"
lab_check_summary
