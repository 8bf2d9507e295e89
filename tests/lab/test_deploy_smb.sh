#!/usr/bin/env bash
# test_deploy_smb.sh - muster-deploy --method smb against real Samba (4.17)
# in the lab, run from the sensor namespace. Samba cannot create services,
# so no install ends ok here; everything before and around RCreateServiceW
# is real.
#
#  0. libsmbclient and named pipes (tests/tools/smb_pipe_probe.c): a read
#     of the 16-byte header then exactly the rest of the fragment returns
#     the whole bind_ack; a read longer than the pending message blocks
#     until libsmbclient's timeout and returns -1 (why dcerpc.c never asks
#     for more than the fragment holds). libsmbclient and threads
#     (tests/tools/smb_threads_probe.c): 8 threads with a context each work
#     when one lock serialises every call; without it the outcome is printed
#     (Debian's 4.17 crashes: why the method uses a helper process per host).
#  A. dry run on 9 hosts at once: 4 good Samba hosts with ADMIN$ and C$
#     shares (one whose ADMIN$ is read-only: C$\Windows\Temp is used), one
#     ordinary user (OpenSCManager with create rights denied: precheck-failed
#     with the remote-UAC hint), one wrong password (auth-failed), one closed
#     port (unreachable), one host that accepts TCP 445 and says nothing
#     (timeout, costing one --timeout), one SMB1-only Samba (refused: the
#     client's minimum is SMB2). Free space as the share reports it.
#  B. a real run on the 4 good hosts: session, upload to ADMIN$ (or C$),
#     read-back with the right size and SHA-256, bind, OpenSCManagerW,
#     OpenServiceW, then Samba's refusal of RCreateServiceW
#     (nca_s_op_rng_error) in each host's reason in the JSON report; on the
#     host where a service of our name exists (smb.conf "svcctl list"),
#     OpenServiceW finds it, RQueryServiceStatus and RDeleteService are
#     refused by Samba, and the reason says so. Nothing is left on the
#     shares afterwards.
#  C. the faults fixed (but the ordinary user and SMB1): --retry-from redoes exactly
#     the hosts that failed in A.
#  E. SMB encryption (--smb-encrypt): the default run B is encrypted on the
#     share's connection (SMB3 TRANSFORM headers 0xFD 'SMB' on the wire) and
#     signed on IPC$ (libsmbclient 4.17 never encrypts IPC$); "required"
#     fails a host whose smbd has "server smb encrypt = off" and one limited
#     to SMB 2.1 (precheck-failed, reason naming encryption) before logging
#     on; "off" works there and sends neither TRANSFORM nor signed writes;
#     a 64 MiB upload timed encrypted, signed only and plain.
#  Also: Kerberos requested with no KDC falls back to NTLM, and a stale
#  working directory of ours (48 h old) is removed while look-alikes stay;
#  the password from MUSTER_SMB_PASSWORD (with unused SSH password
#  variables set as well); --share; SIGINT during an upload (it stops
#  between two writes, the files are removed, the host not started is
#  cancelled); the helper killed during an upload (retried, the first
#  attempt's directory removed first); usage errors; and no password in any
#  /proc/*/cmdline, in muster-deploy's or the helpers' environment (which
#  holds only what libsmbclient needs), the logs or the reports.
#
# Environment: MUSTER_BUILD, MUSTER_SRC. Exit 0 pass, 77 skip, 1 fail.
# Packets only flow inside the lab's namespaces (tests/lab/README.md).
set -u
src=${MUSTER_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
build=${MUSTER_BUILD:-$src/build}
deploy=$build/deployer/muster-deploy
svc=$build/deployer/win/muster-svc.exe
py=/usr/bin/python3
. "$src/tests/lab/lab.sh"
# shellcheck source=tests/lab/deploy-lib.sh
. "$src/tests/lab/deploy-lib.sh"

lab_require_root
lab_require_cmds /usr/sbin/smbd /usr/sbin/nmbd smbpasswd "$py" timeout cc pkg-config sha256sum tcpdump tshark
if [[ ! -x $deploy ]]; then
	echo "SKIP: $deploy is not built"
	exit 77
fi
if ! "$deploy" --help | grep -q -- '--method ssh|smb'; then
	echo "SKIP: muster-deploy was built without libsmbclient"
	exit 77
fi
if ! pkg-config --exists smbclient; then
	echo "SKIP: libsmbclient-dev is not installed (the pipe probe needs it)"
	exit 77
fi

check() { lab_check "$@"; } # one line per check (tests/lab/lab.sh)
t0=$SECONDS
deploy_workdir deploy-smb || exit 1

N=11
GOOD=(1 2 3 4)
RO_ADMIN_HOST=3 # ADMIN$ read-only: the upload goes to C$\Windows\Temp
STALE_HOST=4    # a service named MusterDeploy exists
USER_HOST=5     # an ordinary user: no right to create services
BADPW_HOST=6    # root's password there is another one
CLOSED_HOST=7   # nothing on 445
SILENT_HOST=8   # accepts TCP 445, then says nothing
SMB1_HOST=9     # Samba that speaks only SMB1 (NT1)
ENCOFF_HOST=10  # smbd with "server smb encrypt = off" (not in run A)
SMB21_HOST=11   # smbd limited to SMB 2.1: no encryption possible (not in run A)
TIMEOUT=10

# --- secrets and files ---------------------------------------------------------
printf '%s\n' "smb-$(rand)" >"$work/password"
printf '%s\n' "other-$(rand)" >"$work/password6"
cat "$work/password" "$work/password6" >"$work/secrets"
chmod 600 "$work/password" "$work/password6" "$work/secrets"
pw=$(<"$work/password")
pw6=$(<"$work/password6")
# The installer: bytes Samba never runs, named like an MSI.
head -c 1500000 /dev/urandom >"$work/agent.msi"
if [[ -f $svc ]]; then
	svc_note="the built muster-svc.exe"
else
	# Without mingw-w64 a stand-in with an MZ header: Samba never runs it either.
	{ printf 'MZ'; head -c 40000 /dev/urandom; } >"$work/muster-svc.exe"
	svc=$work/muster-svc.exe
	svc_note="a stand-in (muster-svc.exe is not built)"
fi
echo "# muster-svc.exe: $svc_note"

# --- the probes ---------------------------------------------------------------
probe=$work/smb_pipe_probe
tprobe=$work/smb_threads_probe
# shellcheck disable=SC2046 # pkg-config prints several words
cc -std=gnu17 -O1 -Wall -o "$probe" "$src/tests/tools/smb_pipe_probe.c" \
	$(pkg-config --cflags --libs smbclient) 2>"$work/cc.err" ||
	{ echo "FAIL - smb_pipe_probe does not build"; cat "$work/cc.err"; exit 1; }
# shellcheck disable=SC2046
cc -std=gnu17 -O1 -Wall -pthread -o "$tprobe" "$src/tests/tools/smb_threads_probe.c" \
	$(pkg-config --cflags --libs smbclient) 2>"$work/cc.err" ||
	{ echo "FAIL - smb_threads_probe does not build"; cat "$work/cc.err"; exit 1; }

# --- the lab -------------------------------------------------------------------
lab_init "$N" --private >/dev/null || { echo "FAIL - lab_init"; exit 1; }
smb_conf() { # smb_conf I: the shares (and settings) of host I
	echo "[global]"
	if (($1 == SMB1_HOST)); then
		echo "	server min protocol = NT1"
		echo "	server max protocol = NT1"
	else
		echo "	server min protocol = SMB2_02"
	fi
	(($1 == STALE_HOST)) && echo "	svcctl list = MusterDeploy"
	(($1 == ENCOFF_HOST)) && echo "	server smb encrypt = off"
	(($1 == SMB21_HOST)) && echo "	server max protocol = SMB2_10"
	echo "[ADMIN\$]"
	echo "	path = /srv/win/Windows"
	if (($1 == RO_ADMIN_HOST)); then echo "	read only = yes"; else echo "	read only = no"; fi
	echo "	browseable = no"
	echo "[C\$]"
	echo "	path = /srv/win"
	echo "	read only = no"
	echo "	browseable = no"
}
start_smb() { # start_smb I: Samba with ADMIN$ and C$ in the host's private /srv
	smb_conf "$1" >"$work/smb$1.conf"
	lab_exec "$1" sh -c 'mkdir -p /srv/win/Windows/Temp && chmod -R 777 /srv/win' &&
		lab_start_smbd "$1" "LABSMB$1" LABGRP --conf "$work/smb$1.conf" >/dev/null
}
set_password() { # set_password I USER PASSWORD (printf is a builtin: not in any argv)
	printf '%s\n%s\n' "$3" "$3" | lab_exec "$1" smbpasswd -c /etc/samba/smb.conf -a -s "$2" >/dev/null
}
for i in 1 2 3 4 5 6 $SMB1_HOST $ENCOFF_HOST $SMB21_HOST; do start_smb "$i" & done
wait
for i in 1 2 3 4 5 6 $SMB1_HOST $ENCOFF_HOST $SMB21_HOST; do
	grep -q "smbd:445" <(awk -v i="$i" '$1 == i { print $6 }' "$LAB_DIR/hosts.tsv") ||
		{ echo "FAIL - smbd on host $i"; exit 1; }
done
for i in 1 2 3 4 5 $SMB1_HOST $ENCOFF_HOST $SMB21_HOST; do set_password "$i" root "$pw" || { echo "FAIL - smbpasswd $i"; exit 1; }; done
set_password "$BADPW_HOST" root "$pw6" || exit 1
lab_exec "$USER_HOST" useradd -M -s /bin/false deployer || exit 1
set_password "$USER_HOST" deployer "$pw" || exit 1
# The silent host: a listener that never reads nor writes.
lab_exec "$SILENT_HOST" sh -c 'setsid "$0" -c "
import socket, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((\"0.0.0.0\", 445)); s.listen(64); time.sleep(3600)" </dev/null >/dev/null 2>&1 &' "$py"
for ((k = 0; k < 50; k++)); do
	lab_tcp_open sensor "$(lab_ip $SILENT_HOST)" 445 2>/dev/null && break
	sleep 0.1
done

: >"$work/targets"
for ((i = 1; i <= SMB1_HOST; i++)); do
	if ((i == USER_HOST)); then echo "deployer@$(lab_ip "$i")"; else lab_ip "$i"; fi
done >"$work/targets"
for i in "${GOOD[@]}"; do lab_ip "$i"; done >"$work/targets-good"
sha_inst=$(sha256sum "$work/agent.msi" | cut -d' ' -f1)
sha_svc=$(sha256sum "$svc" | cut -d' ' -f1)
echo "# setup done in $((SECONDS - t0)) s"

# --- the secrets monitor: every /proc/*/cmdline (and the helpers' environ) -----
"$py" - "$work/secrets" "$work/proc-hits" "$work/monitor-stop" "$(realpath "$deploy")" <<'EOF' &
import os, sys, time
secrets = [l.strip().encode() for l in open(sys.argv[1]) if l.strip()]
hits, stop, exe, me = sys.argv[2], sys.argv[3], sys.argv[4], os.getpid()
keep = {b'HOME', b'KRB5CCNAME', b'KRB5_CONFIG', b'TMPDIR', b'LANG', b'LC_ALL', b'LC_CTYPE',
        b'ASAN_OPTIONS', b'UBSAN_OPTIONS', b'LSAN_OPTIONS'}
scans, helpers, mains, seen = 0, set(), set(), {}
while not os.path.exists(stop):
    for p in os.listdir('/proc'):
        if not p.isdigit() or int(p) == me:
            continue
        try:
            cl = open('/proc/%s/cmdline' % p, 'rb').read()
            env = b''
            # This build's muster-deploy (others may run on the machine).
            if os.readlink('/proc/%s/exe' % p) == exe:
                env = open('/proc/%s/environ' % p, 'rb').read()
                if b'--smb-helper' in cl:
                    helpers.add(p)
                    extra = {e.split(b'=', 1)[0] for e in env.split(b'\0') if e} - keep
                    if extra:
                        with open(hits + '.env', 'a') as f:
                            f.write('%s %r\n' % (p, sorted(extra)))
                else:
                    # Its environment as exec left it until it wipes the
                    # secrets, just after it starts: look from 0.5 s on.
                    seen.setdefault(p, time.time())
                    if time.time() - seen[p] < 0.5:
                        env = b''
                    else:
                        mains.add(p)
        except OSError:
            continue
        if any(s in cl or s in env for s in secrets):
            with open(hits, 'a') as f:
                f.write('%s %r\n' % (p, cl.replace(b'\0', b' ')[:200]))
    scans += 1
    time.sleep(0.02)
open(hits + '.scans', 'w').write('%d %d %d\n' % (scans, len(helpers), len(mains)))
EOF
monitor_pid=$!

run_deploy() { # run_deploy NAME ARGS...: exit code in $rc, output in $work/NAME.{out,err}
	local name=$1 t=$SECONDS
	shift
	lab_sensor_exec "$deploy" --method smb --user root --password-file "$work/password" \
		--installer "$work/agent.msi" --svc-exe "$svc" --report "$work/$name.json" \
		--log-level info "$@" >"$work/$name.out" 2>"$work/$name.err"
	rc=$?
	echo "# run $name: exit $rc in $((SECONDS - t)) s"
}
leftovers() { # leftovers I: our directories left on host I's shares
	lab_exec "$1" sh -c 'ls -d /srv/win/Windows/muster-* /srv/win/Windows/Temp/muster-* 2>/dev/null' | wc -l
}

# --- 0: libsmbclient and a message-mode pipe -----------------------------------
printf 'root\n%s\n' "$pw" >"$work/cred"
chmod 600 "$work/cred"
lab_sensor_exec "$probe" split "$(lab_ip 1)" "$work/cred" 5000 >"$work/probe-split.txt" 2>&1
check "pipe: smbc_open(smb://HOST/IPC\$/svcctl) opens \\PIPE\\svcctl" grep -qx 'open=ok' "$work/probe-split.txt"
check "pipe: a 16-byte read returns the header of the 68-byte bind_ack, no more" \
	grep -qx 'ptype=12 frag_len=68' "$work/probe-split.txt"
check "pipe: the next read returns exactly the rest of the message" \
	grep -qx 'rest_read=52 wanted=52' "$work/probe-split.txt"
lab_sensor_exec "$probe" over "$(lab_ip 1)" "$work/cred" 2000 >"$work/probe-over.txt" 2>&1
check "pipe: a read longer than the message blocks until the timeout and fails (ETIMEDOUT)" \
	grep -Eq '^over_read=-1 errno=110 ms=(19[5-9][0-9]|2[0-9]{3})$' "$work/probe-over.txt"

lab_sensor_exec "$tprobe" "$(lab_ip 1)" "$work/cred" 8 10 lock >"$work/threads-lock.txt" 2>&1
check "libsmbclient: 8 threads, a context each, one lock around every call: 80 of 80 sessions" \
	grep -qx 'sessions=80 ok=80 bad=0' "$work/threads-lock.txt"
(ulimit -c 0; lab_sensor_exec timeout 60 "$tprobe" "$(lab_ip 1)" "$work/cred" 8 10) \
	>"$work/threads-nolock.txt" 2>&1
trc=$?
echo "# libsmbclient: 8 threads, a context each, no lock: exit $trc," \
	"$(grep -a -m1 -E 'sessions=|talloc|AddressSanitizer|Segmentation' "$work/threads-nolock.txt" || echo "no output")"

# --- A: dry run, 9 hosts at once ------------------------------------------------
run_t0=$SECONDS
run_deploy A --targets "$work/targets" --parallel 9 --timeout $TIMEOUT --dry-run
wall=$((SECONDS - run_t0))
check "run A: exit 1 (some hosts failed)" test "$rc" = 1
for i in "${GOOD[@]}"; do
	check "run A: host $i precheck passed (admin, free space)" \
		has_status "$work/A.json" "$i" ok '^dry run: precheck passed \([0-9]+ MiB free, admin\)$'
done
check "run A: host $USER_HOST (ordinary user) precheck-failed, SCM access denied, remote UAC named" \
	has_status "$work/A.json" $USER_HOST precheck-failed \
	'access denied by the service control manager: deployer may not create services: .*LocalAccountTokenFilterPolicy is 1.*guest is refused too$'
check "run A: host $BADPW_HOST (wrong password) auth-failed" \
	has_status "$work/A.json" $BADPW_HOST auth-failed 'refused the logon of root'
check "run A: host $CLOSED_HOST (port closed) unreachable" \
	has_status "$work/A.json" $CLOSED_HOST unreachable 'connection refused on port 445'
check "run A: host $SILENT_HOST (accepts, then silent) timeout" \
	has_status "$work/A.json" $SILENT_HOST timeout "timed out after $TIMEOUT s while negotiating SMB"
d8=$(field_of "$work/A.json" "$(lab_ip $SILENT_HOST)" duration_ms)
a8=$(field_of "$work/A.json" "$(lab_ip $SILENT_HOST)" attempts)
check "run A: host $SMB1_HOST (SMB1 only) unreachable, no SMB2 dialect" \
	has_status "$work/A.json" $SMB1_HOST unreachable 'no SMB2 or later dialect'
check "run A: the silent host cost one timeout (${d8} ms, $a8 attempt)" \
	test "$a8" = 1 -a "$d8" -ge $((TIMEOUT * 1000 - 100)) -a "$d8" -le $((TIMEOUT * 1000 + 2000))
check "run A: the 9 hosts ran at once (${wall} s for a ${TIMEOUT} s timeout)" \
	test "$wall" -le $((TIMEOUT + 5))
check "run A: failed-hosts file lists exactly the 5 failed hosts" \
	test "$(grep -vc '^#' "$work/A.failed")" = 5
check "run A: the upload went to C\$\\Windows\\Temp where ADMIN\$ is read-only" \
	grep -q "event=smb-upload-dir host=$(lab_ip $RO_ADMIN_HOST) share=C\\$ path=\"C:\\\\Windows\\\\Temp\\\\muster-" "$work/A.err"
check "run A: ADMIN\$ elsewhere" \
	grep -q "event=smb-upload-dir host=$(lab_ip 1) share=ADMIN\\$ path=\"C:\\\\Windows\\\\muster-" "$work/A.err"
# The free space the share reports, against df in the host (libsmbclient's statvfs units).
free_rep=$(field_of "$work/A.json" "$(lab_ip 1)" reason | sed -n 's/.*(\([0-9]*\) MiB free.*/\1/p')
free_df=$(lab_exec 1 df -Pk /srv/win | awk 'NR == 2 { print int($4 / 1024) }')
check "run A: free space from the share ($free_rep MiB) matches df ($free_df MiB)" \
	"$py" -c 'import sys; a, b = int(sys.argv[1]), int(sys.argv[2]); sys.exit(abs(a - b) > max(64, b // 50))' \
	"${free_rep:-0}" "${free_df:-1}"
bad=0
for i in "${GOOD[@]}"; do [[ $(leftovers "$i") == 0 ]] || bad=$((bad + 1)); done
check "run A: the dry run removed its directories" test "$bad" = 0

# --- B: a real run on the 4 good hosts -----------------------------------------
capture_start() { # capture_start NAME I: SMB packets of host I's bridge port (headers only)
	ip netns exec "$LAB_BR_NS" tcpdump -i "$LAB_PREFIX-p$2" -nn -U --immediate-mode -s 160 -w "$work/$1.pcap" \
		tcp port 445 >/dev/null 2>"$work/$1.tcpdump" &
	cap_pid=$!
	for ((k = 0; k < 100; k++)); do grep -q "listening on" "$work/$1.tcpdump" && break; sleep 0.05; done
}
capture_stop() { sleep 0.2; kill "$cap_pid" 2>/dev/null; wait "$cap_pid" 2>/dev/null; }
smb_count() { # smb_count NAME FILTER: SMB2 messages (or transforms) of the capture that match
	tshark -r "$work/$1.pcap" -d tcp.port==445,nbss -Y "$2" -T fields -e frame.number 2>/dev/null | wc -l
}
capture_start B 1
run_deploy B --targets "$work/targets-good" --parallel 4 --timeout 60 --log-level debug
capture_stop
check "run B: exit 1 (Samba creates no service)" test "$rc" = 1
for i in 1 2 3; do
	check "run B: host $i install-failed with Samba's fault for RCreateServiceW" \
		has_status "$work/B.json" "$i" install-failed \
		'^cannot create service MusterDeploy: CreateServiceW: the server answered with fault nca_s_op_rng_error \(0x1c010002\)'
	check "run B: host $i failed in the run step (after upload and verify)" \
		test "$(field_of "$work/B.json" "$(lab_ip "$i")" failed_in)" = run
done
check "run B: host $STALE_HOST finds the stale MusterDeploy and says why it stays" \
	has_status "$work/B.json" $STALE_HOST install-failed \
	'a service named MusterDeploy is already installed .*cannot be removed: QueryServiceStatus: ERROR_ACCESS_DENIED.*DeleteService: .*nca_s_op_rng_error'
bad=0
for i in "${GOOD[@]}"; do
	ip=$(lab_ip "$i")
	grep -q "event=smb-verified host=$ip file=muster-installer.msi bytes=1500000 sha256=$sha_inst" "$work/B.err" &&
		grep -q "event=smb-verified host=$ip file=muster-svc.exe bytes=$(stat -c %s "$svc") sha256=$sha_svc" "$work/B.err" ||
		{ bad=$((bad + 1)); echo "#   host $i: no matching read-back"; }
done
check "run B: both files read back from every host with the right size and SHA-256" test "$bad" = 0
bad=0
for i in "${GOOD[@]}"; do [[ $(leftovers "$i") == 0 ]] || bad=$((bad + 1)); done
check "run B: installer, muster-svc.exe and the directory removed on every host" test "$bad" = 0
check "run B: the JSON report gives each host its own reason" "$py" -c '
import json,sys
r = json.load(open(sys.argv[1]))
assert len(r) == 4 and all(o["method"] == "smb" and o["port"] == 445 and o["reason"] for o in r), r
assert len({o["host"] for o in r}) == 4' "$work/B.json"

# --- E: SMB encryption ------------------------------------------------------------
# In B (the default, if-possible) the share's connection is encrypted: SMB3
# TRANSFORM headers, no plain write; the svcctl pipe's (IPC$) is signed only.
# (Requests are counted: Samba's interim STATUS_PENDING replies are never signed.)
b_tf=$(smb_count B 'smb2.protocol_id == 0xfd534d42')
# The upload's writes are 1 MiB; the pipe's are DCE/RPC fragments of a few KiB at most.
big_writes='smb2.cmd == 9 && smb2.flags.response == 0 && smb2.write_length > 65536'
b_plain_big=$(smb_count B "$big_writes")
b_signed=$(smb_count B 'smb2.cmd == 9 && smb2.flags.response == 0 && smb2.flags.signature == 1')
b_unsigned=$(smb_count B 'smb2.cmd == 9 && smb2.flags.response == 0 && smb2.flags.signature == 0')
check "run E: the default run B encrypted host 1's share traffic ($b_tf TRANSFORM messages, $b_plain_big plain upload writes)" \
	test "$b_tf" -gt 20 -a "$b_plain_big" = 0
check "run E: ... and signed every plain write, the svcctl pipe's on IPC\$ ($b_signed signed, $b_unsigned unsigned)" \
	test "$b_signed" -gt 0 -a "$b_unsigned" = 0
# required: the two hosts that cannot encrypt fail before logging on, host 1 does not.
printf '%s\n' "$(lab_ip 1)" "$(lab_ip $ENCOFF_HOST)" "$(lab_ip $SMB21_HOST)" >"$work/targets-enc"
run_deploy R --targets "$work/targets-enc" --parallel 3 --timeout 60 --smb-encrypt required \
	--log-level debug
check "run E: required: host $ENCOFF_HOST (server smb encrypt = off) precheck-failed, encryption named" \
	has_status "$work/R.json" $ENCOFF_HOST precheck-failed \
	'^no SMB encryption with --smb-encrypt required: the target speaks SMB 3\.1\.1 but offers no encryption \(off on the server\)$'
check "run E: required: host $SMB21_HOST (SMB 2.1 at most) precheck-failed, encryption named" \
	has_status "$work/R.json" $SMB21_HOST precheck-failed \
	'^no SMB encryption with --smb-encrypt required: the target speaks SMB 2\.1 at most, and encryption needs SMB 3$'
check "run E: required: both failed in connect, neither was logged on to, nothing left there" eval \
	'[ "$(field_of "$work/R.json" "$(lab_ip $ENCOFF_HOST)" failed_in)" = connect ] &&
	[ "$(field_of "$work/R.json" "$(lab_ip $SMB21_HOST)" failed_in)" = connect ] &&
	grep -q "host=$(lab_ip 1) state=authenticate" "$work/R.err" &&
	! grep -Eq "host=($(lab_ip $ENCOFF_HOST)|$(lab_ip $SMB21_HOST)) state=authenticate" "$work/R.err" &&
	[ "$(leftovers $ENCOFF_HOST)" = 0 ] && [ "$(leftovers $SMB21_HOST)" = 0 ]'
check "run E: required: host 1 went through upload and verify (Samba's fault in the run step)" \
	has_status "$work/R.json" 1 install-failed '^cannot create service MusterDeploy: CreateServiceW:'
# 64 MiB to host 1 (encrypted, then off) and host 10 (if-possible there: signed only).
head -c 67108864 /dev/urandom >"$work/big.msi"
upload_ms() { # upload_ms NAME IP: from state=upload to state=verify in NAME.err
	sed -n "s/.*host=$2 state=\(upload\|verify\) attempt=1 ms=\([0-9]*\).*/\2/p" "$work/$1.err" |
		paste -sd' ' | awk 'NF == 2 { print $2 - $1 }'
}
lab_ip $ENCOFF_HOST >"$work/t$ENCOFF_HOST"
lab_ip 1 >"$work/t1"
big_run() { # big_run NAME I ARGS...: the 64 MiB installer to host I, captured
	local name=$1 i=$2
	shift 2
	capture_start "$name" "$i"
	run_deploy "$name" --targets "$work/t$i" --timeout 60 --log-level debug --installer "$work/big.msi" "$@"
	capture_stop
}
big_run E1 1
big_run O1 1 --smb-encrypt off
big_run E10 $ENCOFF_HOST
big_run O10 $ENCOFF_HOST --smb-encrypt off
e1=$(upload_ms E1 "$(lab_ip 1)")
o1=$(upload_ms O1 "$(lab_ip 1)")
e10=$(upload_ms E10 "$(lab_ip $ENCOFF_HOST)")
o10=$(upload_ms O10 "$(lab_ip $ENCOFF_HOST)")
check "run E: 64 MiB uploaded and verified in all four runs (if-possible and off, hosts 1 and $ENCOFF_HOST)" eval \
	'for n in E1 O1; do has_status "$work/$n.json" 1 install-failed "^cannot create service" || exit 1; done &&
	for n in E10 O10; do has_status "$work/$n.json" $ENCOFF_HOST install-failed "^cannot create service" || exit 1; done &&
	[ -n "$e1" ] && [ -n "$o1" ] && [ -n "$e10" ] && [ -n "$o10" ]'
o1_tf=$(smb_count O1 'smb2.protocol_id == 0xfd534d42')
o1_signed=$(smb_count O1 'smb2.cmd == 9 && smb2.flags.signature == 1')
o1_writes=$(smb_count O1 "$big_writes")
check "run E: off: neither TRANSFORM nor signed writes ($o1_tf, $o1_signed; $o1_writes plain upload writes)" \
	test "$o1_tf" = 0 -a "$o1_signed" = 0 -a "$o1_writes" -ge 64
e10_tf=$(smb_count E10 'smb2.protocol_id == 0xfd534d42')
e10_unsigned=$(smb_count E10 'smb2.cmd == 9 && smb2.flags.response == 0 && smb2.flags.signature == 0')
e10_writes=$(smb_count E10 'smb2.cmd == 9 && smb2.flags.response == 0')
check "run E: if-possible where the server cannot encrypt: goes on unencrypted, every write signed ($e10_tf TRANSFORM, $e10_unsigned unsigned of $e10_writes writes)" \
	test "$e10_tf" = 0 -a "$e10_unsigned" = 0 -a "$e10_writes" -gt 60
echo "# upload of 64 MiB: encrypted ${e1} ms, plain ${o1} ms (host 1);" \
	"signed only ${e10} ms, plain ${o10} ms (host $ENCOFF_HOST)"
lab_sensor_exec "$deploy" --method smb --password-file "$work/password" --targets "$work/t1" \
	--installer "$work/agent.msi" --svc-exe "$svc" --smb-encrypt maybe >"$work/U4.out" 2>&1
u4=$?
enc_usage() { [[ $u4 == 2 ]] && grep -q -- "--smb-encrypt: off, if-possible or required" "$work/U4.out"; }
check "usage: --smb-encrypt maybe: exit 2" enc_usage

# --- C: fix what can be fixed, retry only the failed hosts ---------------------
set_password "$BADPW_HOST" root "$pw" || exit 1
start_smb "$CLOSED_HOST" && set_password "$CLOSED_HOST" root "$pw"
lab_stop_daemons "$SILENT_HOST"
start_smb "$SILENT_HOST" && set_password "$SILENT_HOST" root "$pw"
run_deploy C --retry-from "$work/A.failed" --parallel 9 --timeout $TIMEOUT --dry-run
check "run C: exit 1 (the ordinary user and SMB1 still fail)" test "$rc" = 1
check "run C: exactly the hosts that failed in A were attempted" "$py" -c '
import json,sys
c = {o["host"] for o in json.load(open(sys.argv[1]))}
a = {o["host"] for o in json.load(open(sys.argv[2])) if o["status"] != "ok"}
assert c == a, (c ^ a)' "$work/C.json" "$work/A.json"
for i in $BADPW_HOST $CLOSED_HOST $SILENT_HOST; do
	check "run C: host $i ok now" has_status "$work/C.json" "$i" ok '^dry run: precheck passed'
done
check "run C: host $USER_HOST still precheck-failed" \
	has_status "$work/C.json" $USER_HOST precheck-failed 'access denied by the service control manager'

# --- smaller runs -----------------------------------------------------------------
lab_ip 1 >"$work/t1"
# Host 1's ADMIN$ holds a working directory of ours 3 days old (removed by
# the next run there) and look-alikes that stay: one too young, one with
# capitals, a file of our name.
lab_exec 1 sh -c 'cd /srv/win/Windows && mkdir muster-00000000000000aa muster-00000000000000bb \
	muster-00000000000000CC && touch muster-00000000000000aa/result.txt muster-00000000000000dd &&
	touch -d "3 days ago" muster-00000000000000aa muster-00000000000000CC muster-00000000000000dd'
lab_sensor_exec "$deploy" --method smb --user root --kerberos --password-file "$work/password" \
	--installer "$work/agent.msi" --svc-exe "$svc" --targets "$work/t1" --dry-run \
	--report "$work/K.json" --log-level info >"$work/K.out" 2>"$work/K.err"
check "Kerberos asked for, no KDC: NTLM after it, ok" has_status "$work/K.json" 1 ok 'precheck passed'
left1=$(lab_exec 1 sh -c 'cd /srv/win/Windows && ls -d muster-* | tr "\n" " "')
check "a stale working directory (3 days) removed from ADMIN\$, the look-alikes kept ($left1)" eval \
	'[ "$left1" = "muster-00000000000000CC muster-00000000000000bb muster-00000000000000dd " ] &&
	grep -q "event=stale-dir-removed host=$(lab_ip 1) dir=\"C:\\\\Windows\\\\muster-00000000000000aa\" ok=1" "$work/K.err"'
lab_exec 1 sh -c 'rm -rf /srv/win/Windows/muster-*'
lab_ip 2 >"$work/t2"
# The SSH password variables set too (unused by smb): read and wiped all the same.
MUSTER_SMB_PASSWORD=$pw MUSTER_SSH_PASSWORD=$pw6 MUSTER_SUDO_PASSWORD=$pw6 MUSTER_SSH_PASSPHRASE=$pw6 \
	lab_sensor_exec "$deploy" --method smb --user 'LABSMB2\root' \
	--installer "$work/agent.msi" --svc-exe "$svc" --targets "$work/t2" --dry-run \
	--share 'C$\Windows\Temp' --report "$work/E.json" --log-level info >"$work/E.out" 2>"$work/E.err"
check "password from MUSTER_SMB_PASSWORD, DOMAIN\\user, --share C\$\\Windows\\Temp: ok" eval \
	'has_status "$work/E.json" 2 ok "precheck passed" &&
	grep -q "share=C\\$ path=\"C:\\\\Windows\\\\Temp\\\\muster-" "$work/E.err"'
# A deadline in the middle of the transfer (the bridge port to host 2 slowed
# to 8 Mbit/s: 8 MiB take 8 s, the timeout is 3 s): the helper is killed,
# and the cleanup makes a fresh session to remove the partial upload.
head -c $((8 << 20)) /dev/urandom >"$work/big.msi"
ip netns exec "$LAB_BR_NS" tc qdisc add dev "$LAB_PREFIX-p2" root tbf rate 8mbit burst 32kb latency 400ms
lab_sensor_exec "$deploy" --method smb --user root --password-file "$work/password" \
	--installer "$work/big.msi" --svc-exe "$svc" --targets "$work/t2" --timeout 3 \
	--report "$work/T.json" --log-level debug >"$work/T.out" 2>"$work/T.err"
ip netns exec "$LAB_BR_NS" tc qdisc del dev "$LAB_PREFIX-p2" root
check "deadline during the upload: timeout at 3 s, and the cleanup removed everything" eval \
	'has_status "$work/T.json" 2 timeout "^timed out after 3 s while uploading muster-installer.msi$" &&
	[ "$(leftovers 2)" = 0 ] && [ "$(field_of "$work/T.json" "$(lab_ip 2)" duration_ms)" -lt 13000 ]'
echo "# deadline run: $(field_of "$work/T.json" "$(lab_ip 2)" duration_ms) ms in all," \
	"cleanup at $(sed -n 's/.*state=cleanup attempt=1 ms=\([0-9]*\).*/\1/p' "$work/T.err") ms"

bg_deploy() { # bg_deploy NAME ARGS...: muster-deploy in the background, pid in $bg_pid
	local name=$1
	shift
	ip netns exec "$LAB_SENSOR_NS" "$deploy" --method smb --user root \
		--password-file "$work/password" --svc-exe "$svc" --report "$work/$name.json" \
		--log-level debug "$@" >"$work/$name.out" 2>"$work/$name.err" &
	bg_pid=$!
}
# SIGINT in the middle of the slowed upload to host 2, host 1 still waiting
# (--parallel 1): the upload stops after the 1 MiB write under way, the
# cleanup removes the file and the directory through the same session.
lab_ip 1 >>"$work/t2"
ip netns exec "$LAB_BR_NS" tc qdisc add dev "$LAB_PREFIX-p2" root tbf rate 8mbit burst 32kb latency 400ms
t=$SECONDS
MUSTER_SSH_PASSWORD=$pw6 bg_deploy I --installer "$work/big.msi" --targets "$work/t2" \
	--parallel 1 --timeout 60
wait_log "$work/I.err" "host=$(lab_ip 2) state=upload" 1 30
sleep 1.5
kill -INT "$bg_pid"
sig_t=$SECONDS
wait "$bg_pid"
rc=$?
echo "# SIGINT run: exit $rc, $((SECONDS - sig_t)) s after the signal, $((SECONDS - t)) s in all"
check "SIGINT during the upload: stopped between two writes, files removed, host 1 not started" eval \
	'[ $rc = 1 ] && grep -q "^muster-deploy: stopping: no new hosts" "$work/I.err" &&
	has_status "$work/I.json" 2 cancelled "^stopped by a signal while uploading muster-installer.msi \([0-9]+ of 8388608 bytes sent\)$" &&
	has_status "$work/I.json" 1 cancelled "^not started: stopped by a signal$" &&
	[ "$(leftovers 2)" = 0 ] && [ $((SECONDS - sig_t)) -le 8 ] &&
	[ "$(grep -c "  # cancelled$" "$work/I.failed")" = 2 ]'
# The helper killed during the upload: "lost the SMB session", retried; the
# failed attempt's directory is removed (through a new helper) before it.
lab_ip 2 >"$work/t2"
MUSTER_SUDO_PASSWORD=$pw6 bg_deploy H --installer "$work/big.msi" --targets "$work/t2" \
	--parallel 1 --timeout 60 --retries 1
wait_log "$work/H.err" "host=$(lab_ip 2) state=upload" 1 30
sleep 1
pkill -KILL -P "$bg_pid" -f -- --smb-helper
ip netns exec "$LAB_BR_NS" tc qdisc del dev "$LAB_PREFIX-p2" root
wait "$bg_pid"
dirs=$(grep -c "event=smb-upload-dir host=$(lab_ip 2) " "$work/H.err")
check "helper killed during the upload: retried, the first directory removed, nothing left ($dirs directories made)" eval \
	'grep -q "event=host-retry host=$(lab_ip 2) attempt=2 reason=\"lost the SMB session while uploading" "$work/H.err" &&
	[ "$(field_of "$work/H.json" "$(lab_ip 2)" attempts)" = 2 ] && [ "$dirs" = 2 ] &&
	! grep -Eq "cleanup-failed|left-on-target" "$work/H.err" && [ "$(leftovers 2)" = 0 ]' 
lab_sensor_exec "$deploy" --method smb --identity /dev/null --targets "$work/t1" \
	--installer "$work/agent.msi" >"$work/U1.out" 2>&1
u1=$?
printf '#!/bin/sh\n' >"$work/x.sh"
lab_sensor_exec "$deploy" --method smb --password-file "$work/password" --targets "$work/t1" \
	--installer "$work/x.sh" --svc-exe "$svc" >"$work/U2.out" 2>&1
u2=$?
lab_sensor_exec "$deploy" --method smb --password-file "$work/password" --targets "$work/t1" \
	--installer "$work/agent.msi" --svc-exe "$svc" --service-name Spooler >"$work/U3.out" 2>&1
u3=$?
usage_errors() {
	[[ $u1 == 2 ]] && grep -q "identity is for --method ssh" "$work/U1.out" &&
		[[ $u2 == 2 ]] && grep -q "an .msi or an .exe" "$work/U2.out" &&
		[[ $u3 == 2 ]] && grep -q "must start with" "$work/U3.out"
}
check "usage: an SSH option, a .sh installer, a foreign service name: exit 2 each" usage_errors

# --- secrets ---------------------------------------------------------------------
touch "$work/monitor-stop"
wait "$monitor_pid" 2>/dev/null
monitor_pid=""
read -r scans helpers mains <"$work/proc-hits.scans" 2>/dev/null
check "secrets: the /proc monitor ran (${scans:-0} scans, ${helpers:-0} SMB helper and ${mains:-0} muster-deploy processes seen)" \
	test "${scans:-0}" -gt 0 -a "${helpers:-0}" -gt 0 -a "${mains:-0}" -gt 0
check "secrets: no password in any /proc/*/cmdline nor in muster-deploy's or the helpers' environment" \
	test ! -s "$work/proc-hits"
check "the helpers' environment holds only what libsmbclient needs" test ! -s "$work/proc-hits.env"
check "secrets: none in the logs, reports or failed-hosts files" \
	eval '! cat "$work"/*.out "$work"/*.err "$work"/*.json "$work"/*.failed | grep -qF -f "$work/secrets"'

echo "# total $((SECONDS - t0)) s"
lab_check_summary
