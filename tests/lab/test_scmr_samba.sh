#!/usr/bin/env bash
# The deployer's DCE/RPC and [MS-SCMR] code against a real Samba 4.17 in the
# lab (svcctl is served by samba-dcerpcd/rpcd_classic, started on demand):
#  (a) impacket (its own SMB client, none of our code) drives svcctl and the
#      raw reply PDUs are saved; our decoding of them (tests/tools/rpc_dump.c)
#      must equal impacket's and Samba's known answers;
#  (b) our rpc_bind/rpc_call and scmr_* run against the same server, their
#      PDUs relayed to \PIPE\svcctl by impacket's SMB client: bind,
#      OpenSCManagerW, a request in several fragments, QueryServiceStatus, a
#      missing service, CreateServiceW refused with a fault, a reply in three
#      fragments, close; and as a non-admin user, OpenSCManagerW refused with
#      the remote-UAC message;
#  (c) the replies in tests/data/dcerpc/ still decode as this run's do
#      (MUSTER_UPDATE_GOLDEN=1 replaces them with this run's captures).
#
# Env: MUSTER_SRC, MUSTER_BUILD. Exit 0 pass, 77 skipped, 1 fail.
# shellcheck disable=SC2317 # has() runs through lab_check(), lab_user_cleanup from lab.sh's traps
set -u
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
src=${MUSTER_SRC:-$(cd "$here/../.." && pwd)}
build=${MUSTER_BUILD:-$src/build}
py=/usr/bin/python3 # Debian's, where python3-impacket lives
. "$here/lab.sh"

lab_require_root
lab_require_cmds cc openssl /usr/sbin/smbd /usr/sbin/nmbd /usr/bin/smbpasswd nmblookup "$py"
if ! "$py" -c 'import impacket.dcerpc.v5.scmr, impacket.smbconnection' 2>/dev/null; then
	echo "SKIP: python3-impacket is not installed (see scripts/deps.txt)" >&2
	exit 77
fi

get() { sed -n "s/^$2=//p" "$1" | head -n1; } # get FILE KEY
has() { grep -qF -- "$2" "$1"; }            # has FILE TEXT
finish() {
	lab_check_summary
	exit
}

work=$(mktemp -d /tmp/scmr-samba.XXXXXX)
chmod 700 "$work"
lab_user_cleanup() { rm -rf -- "$work"; }
trap 'rm -rf -- "$work"' EXIT # replaced by lab_init's traps, which call lab_user_cleanup

# --- the tool: the build's, or built from the sources --------------------------
dump=$build/tests/rpc_dump
if [[ ! -x $dump ]]; then
	dump=$work/rpc_dump
	cc -std=gnu17 -D_GNU_SOURCE -g -O1 -fsanitize=address,undefined -I"$src" -o "$dump" \
		"$src/tests/tools/rpc_dump.c" "$src"/deployer/{dcerpc,ndr,scmr}.c \
		"$src"/common/{buf,cursor,muster,text}.c 2>"$work/cc.err" ||
		{ cat "$work/cc.err" >&2; }
fi
lab_check "rpc_dump is there ($dump)" test -x "$dump"
[[ -x $dump ]] || finish

# --- a Samba host with an administrator (root) and an ordinary user -------------
lab_init 1 >/dev/null 2>&1 || { echo "FAIL - lab_init"; LAB_FAILED=$((LAB_FAILED + 1)); finish; }
lab_check "smbd starts" lab_start_smbd 1 LABSMB1 LABGRP
ip=$(lab_ip 1)
(umask 077 && openssl rand -hex 12 >"$work/pass") # a throwaway lab password, never in argv
# The host's /tmp is its own: hand the password over on stdin.
# shellcheck disable=SC2016 # the host's shell expands $p
lab_exec 1 sh -c 'read -r p && useradd -M labuser &&
	printf "%s\n%s\n" "$p" "$p" | smbpasswd -s -a labuser >/dev/null &&
	printf "%s\n%s\n" "$p" "$p" | smbpasswd -s -a root >/dev/null' <"$work/pass"
lab_check "Samba users root and labuser exist" test $? -eq 0

# --- (a) impacket captures real replies ------------------------------------------
cap=$work/cap
mkdir -p "$cap"
lab_sensor_exec timeout 120 "$py" "$src/tests/tools/scmr_oracle.py" capture "$ip" root "$work/pass" "$cap" \
	>"$work/cap-admin.txt" 2>&1
lab_check "impacket captured the administrator's calls" test -s "$cap/samba-close-scm.bin"
lab_sensor_exec timeout 120 "$py" "$src/tests/tools/scmr_oracle.py" capture "$ip" labuser "$work/pass" "$cap" \
	denied >"$work/cap-user.txt" 2>&1
lab_check "impacket captured the ordinary user's OpenSCManagerW" test -s "$cap/samba-open-scm-denied.bin"
"$dump" replies "$cap" >"$work/ours.txt" 2>&1
"$py" "$src/tests/tools/scmr_oracle.py" replies "$cap" >"$work/impacket.txt" 2>&1
lab_check "our decoding of $(find "$cap" -name '*.bin' | wc -l) replies equals impacket's ($(wc -l <"$work/impacket.txt") keys)" \
	diff -u "$work/impacket.txt" "$work/ours.txt"
o=$work/ours.txt
lab_check "bind_ack accepts svcctl, fragments 4280/4280" \
	test "$(get "$o" bind-ack.result)/$(get "$o" bind-ack.max_xmit)/$(get "$o" bind-ack.max_recv)" == 0/4280/4280
lab_check "a bind to another interface: provider_rejection, abstract syntax not supported" \
	test "$(get "$o" bind-unknown-if.result)/$(get "$o" bind-unknown-if.reason)" == 2/1
lab_check "OpenSCManagerW as root: a handle, ERROR_SUCCESS" \
	test "$(get "$o" open-scm.werror)" == 0 -a "$(get "$o" open-scm.handle)" != "$(printf '0%.0s' {1..40})"
lab_check "OpenSCManagerW(CREATE_SERVICE) as labuser: ERROR_ACCESS_DENIED in the stub" \
	test "$(get "$o" open-scm-denied.fault)/$(get "$o" open-scm-denied.werror)" == 0x00000000/5
lab_check "OpenServiceW(Spooler): ERROR_SUCCESS" test "$(get "$o" open-service.werror)" == 0
lab_check "OpenServiceW of a missing name: ERROR_SERVICE_DOES_NOT_EXIST" \
	test "$(get "$o" open-service-missing.werror)" == 1060
lab_check "QueryServiceStatus(Spooler): stopped, type 0x110" \
	test "$(get "$o" query-status.state)/$(get "$o" query-status.type)" == 1/272
lab_check "CreateServiceW: Samba answers with the fault nca_s_op_rng_error" \
	test "$(get "$o" create-service.fault)" == 0x1c010002
lab_check "REnumServicesStatusW(9000 bytes): 3 fragments reassembled, 4 services" \
	test "$(get "$o" enum-services.fragments)/$(get "$o" enum-services.buf_len)/$(get "$o" enum-services.returned)" == 3/9000/4
lab_check "CloseServiceHandle: zeroed handle, ERROR_SUCCESS" \
	test "$(get "$o" close-scm.werror)/$(get "$o" close-scm.handle)" == "0/$(printf '0%.0s' {1..40})"

# --- (b) our client against the real server, through impacket's SMB client ------
live() { # live USER MODE OUT
	local sock=$work/relay-$2.sock
	rm -f "$sock"
	lab_sensor_exec timeout 120 "$py" "$src/tests/tools/scmr_oracle.py" relay "$ip" "$1" "$work/pass" "$sock" \
		>"$work/relay-$2.txt" 2>&1 &
	local relay=$! i
	for ((i = 0; i < 100; i++)); do
		[[ -S $sock ]] && break
		sleep 0.1
	done
	timeout 60 "$dump" live "$sock" "$2" >"$3" 2>&1
	wait "$relay"
}
live root admin "$work/live-admin.txt"
l=$work/live-admin.txt
lab_check "our rpc_bind to Samba's svcctl" test "$(get "$l" bind)" == ok
lab_check "our OpenSCManagerW as root" test "$(get "$l" open_scm)" == ok
lab_check "our OpenServiceW sent in 64-byte fragments is answered" test "$(get "$l" open_service_fragmented)" == ok
lab_check "our QueryServiceStatus: Spooler STOPPED" test "$(get "$l" query_status.state)" == STOPPED
lab_check "missing service -> not found, named" has "$l" "open_service_missing.msg=OpenServiceW: ERROR_SERVICE_DOES_NOT_EXIST (1060)"
lab_check "CreateServiceW -> network error with the fault named" \
	has "$l" "create_service.msg=CreateServiceW: the server answered with fault nca_s_op_rng_error (0x1c010002)"
lab_check "a 9020-byte reply in three fragments reassembled by rpc_call" \
	test "$(get "$l" enum_services)/$(get "$l" enum_services.reply_len)" == ok/9020
lab_check "the connection still works after the fault (close of both handles)" \
	test "$(get "$l" close_service)/$(get "$l" close_scm)" == ok/ok
live labuser denied "$work/live-denied.txt"
l=$work/live-denied.txt
lab_check "our OpenSCManagerW(CREATE_SERVICE) as labuser -> not permitted" \
	test "$(get "$l" open_scm_create)" == "not permitted"
lab_check "... and the message names remote UAC and LocalAccountTokenFilterPolicy" \
	has "$l" "remote UAC: set LocalAccountTokenFilterPolicy=1"
lab_check "labuser may still connect and enumerate" test "$(get "$l" open_scm_connect)" == ok

# --- (c) the golden replies --------------------------------------------------------
golden=$src/tests/data/dcerpc
if [[ -n ${MUSTER_UPDATE_GOLDEN:-} ]]; then
	cp "$cap"/samba-*.bin "$golden/"
	echo "note: golden replies in $golden replaced with this run's"
else
	"$dump" replies "$golden" >"$work/golden.txt" 2>&1
	# Handles are random per run; every other key must agree.
	lab_check "the golden replies decode as this run's (handles aside)" \
		diff -u <(grep -v '\.handle=' "$work/golden.txt") <(grep -v '\.handle=' "$o")
fi

for f in "$work"/live-*.txt "$work"/cap-*.txt; do
	((LAB_FAILED == 0)) || { echo "--- $f"; sed 's/^/  | /' "$f"; }
done
finish
