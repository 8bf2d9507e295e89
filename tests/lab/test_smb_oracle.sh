#!/usr/bin/env bash
# SMB2/NTLMSSP against an independent implementation and a real server:
#  (a) our NTLMSSP NEGOTIATE, SMB2 NEGOTIATE and SESSION_SETUP request bytes
#      against impacket's structures (Debian python3-impacket), field by field;
#  (b) a real Samba in the lab answers our requests from the sensor namespace;
#      our parse of its replies (tests/tools/smb_probe.c) is compared with
#      impacket's parse of the same bytes and with the lab's ground truth,
#      with the NTLMSSP token both SPNEGO-wrapped and raw;
#  (c) the golden replies in tests/data/smb/ still decode the same way
#      (MUSTER_UPDATE_GOLDEN=1 replaces them with this run's replies).
#
# Env: MUSTER_SRC (source tree), MUSTER_BUILD (build tree). Exit 0 pass,
# 77 skipped (no root / netns / impacket / smbd), 1 fail.
set -u
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
src=${MUSTER_SRC:-$(cd "$here/../.." && pwd)}
build=${MUSTER_BUILD:-$src/build}
py=/usr/bin/python3	# Debian's, where python3-impacket lives
. "$here/lab.sh"

lab_require_root
lab_require_cmds cc /usr/sbin/smbd /usr/sbin/nmbd nmblookup "$py"
if ! "$py" -c 'import impacket.ntlm, impacket.smb3structs, impacket.spnego' 2>/dev/null; then
	echo "SKIP: python3-impacket is not installed (see scripts/deps.txt)" >&2
	exit 77
fi

# Count the "ok - " / "FAIL - " lines another program printed.
tally() {
	local line
	while IFS= read -r line; do
		echo "$line"
		case $line in
		"ok - "*) LAB_PASSED=$((LAB_PASSED + 1)) ;;
		"FAIL - "*) LAB_FAILED=$((LAB_FAILED + 1)) ;;
		esac
	done
}
# get FILE KEY: the value of KEY= in a key=value file.
get() { sed -n "s/^$2=//p" "$1" | head -n1; }

work=$(mktemp -d /tmp/smb-oracle.XXXXXX)
lab_user_cleanup() { rm -rf -- "$work"; }
trap 'rm -rf -- "$work"' EXIT	# replaced by lab_init's traps, which call lab_user_cleanup

# --- the probe tool --------------------------------------------------------
# Linked against the built libraries when they are there (with the
# sanitizers when the build used them), from the sources otherwise.
probe=$work/smb_probe
cflags=(-std=gnu17 -D_GNU_SOURCE -g -O1 -I"$src")
core=$build/sensor/libmuster_sensor_core.a
common=$build/common/libmuster.a
built_from="the sources"
if [[ -f $core && -f $common ]]; then
	san=()
	nm "$core" 2>/dev/null | grep -q __asan_ && san=(-fsanitize=address,undefined)
	cc "${cflags[@]}" "${san[@]}" -o "$probe" "$src/tests/tools/smb_probe.c" "$core" "$common" \
		2>"$work/cc.err" && built_from="the built libraries"
fi
if [[ $built_from == "the sources" ]]; then	# no build, or a stale one
	cc "${cflags[@]}" -fsanitize=address,undefined -o "$probe" "$src/tests/tools/smb_probe.c" \
		"$src"/sensor/decode/{smb2,spnego,ntlmssp}.c "$src"/common/{cursor,text}.c
fi
lab_check "smb_probe builds (from $built_from)" test -x "$probe"
[[ -x $probe ]] || { lab_check_summary; exit 1; }

# --- (a) request bytes against impacket ------------------------------------
guid=00112233445566778899aabbccddeeff
salt=$(printf '5a%.0s' {1..32})
mkdir -p "$work/req"
"$probe" requests "$work/req" "$guid" "$salt"
tally < <("$py" "$src/tests/tools/smb_oracle.py" requests "$work/req" "$guid" "$salt" 2>&1)

# --- (b) a real Samba ------------------------------------------------------
name=LABSMB1 wg=LABGRP	# the name the golden files carry
lab_init 1 >/dev/null 2>&1 || { echo "FAIL - lab_init"; LAB_FAILED=$((LAB_FAILED + 1)); lab_check_summary; exit 1; }
lab_check "smbd starts as $name in $wg" lab_start_smbd 1 "$name" "$wg"
ip=$(lab_ip 1)
host_short=$(lab_exec 1 hostname -s | tr '[:upper:]' '[:lower:]')

for mode in spnego raw; do
	d=$work/$mode
	mkdir -p "$d"
	lab_sensor_exec "$probe" connect "$ip" 445 "$d" $([[ $mode == raw ]] && echo raw) \
		>"$d/ours.txt" 2>"$d/probe.err"
	lab_check "$mode: our probe got a CHALLENGE from Samba" \
		grep -q '^server_challenge=' "$d/ours.txt"
	"$py" "$src/tests/tools/smb_oracle.py" replies "$d/negotiate.bin" "$d/session-setup.bin" \
		>"$d/impacket.txt" 2>"$d/impacket.err"
	lab_check "$mode: impacket parses the same replies" grep -q '^server_challenge=' "$d/impacket.txt"
	# Every key impacket reports must have the same value in ours.
	while IFS='=' read -r k v; do
		[[ -n $k ]] || continue
		lab_check "$mode: $k agrees with impacket ($v)" test "$(get "$d/ours.txt" "$k")" == "$v"
	done <"$d/impacket.txt"
	# Ground truth: the lab's names; facts of Samba 4.17 documented in ntlmssp.c.
	lab_check "$mode: NetBIOS computer name is $name" test "$(get "$d/ours.txt" nb_computer)" == "$name"
	lab_check "$mode: target name is $name" test "$(get "$d/ours.txt" target_name)" == "$name"
	# A standalone Samba gives its own name as the NTLM domain, not the workgroup.
	lab_check "$mode: NetBIOS domain is $name (standalone server)" \
		test "$(get "$d/ours.txt" nb_domain)" == "$name"
	lab_check "$mode: DNS computer name starts with the host name ($host_short)" \
		test "$(get "$d/ours.txt" dns_computer | cut -d. -f1)" == "$host_short"
	lab_check "$mode: dialect 3.1.1" test "$(get "$d/ours.txt" dialect)" == 0x0311
	lab_check "$mode: signing not required (standalone default)" \
		test "$(get "$d/ours.txt" signing_required)" == 0
	lab_check "$mode: VERSION 6.1.0 rev 15 marks Samba" \
		test "$(get "$d/ours.txt" version)/$(get "$d/ours.txt" samba)" == "6.1.0/1"
	lab_check "$mode: SPNEGO wrapping of the reply follows the request" \
		test "$(get "$d/ours.txt" spnego)" == "$([[ $mode == raw ]] && echo 0 || echo 1)"
done
# Samba's server GUID is its NetBIOS name, lowercased, NUL-padded.
gname=$(printf '%s' "${name,,}" | od -An -tx1 | tr -d ' \n')
gname=$gname$(printf '0%.0s' $(seq $((32 - ${#gname}))))
lab_check "server GUID is the lowercased NetBIOS name (Samba)" \
	test "$(get "$work/spnego/ours.txt" server_guid)" == "$gname"
lab_check "smb2_guid_is_name() recognises it" test "$(get "$work/spnego/ours.txt" samba_guid)" == 1

# --- (c) golden replies ----------------------------------------------------
golden=$src/tests/data/smb
if [[ -n ${MUSTER_UPDATE_GOLDEN:-} ]]; then
	cp "$work/spnego/negotiate.bin" "$golden/samba-negotiate.bin"
	cp "$work/spnego/session-setup.bin" "$golden/samba-session-setup.bin"
	cp "$work/raw/session-setup.bin" "$golden/samba-session-setup-raw.bin"
	echo "note: golden files in $golden replaced with this run's replies"
elif [[ -f $golden/samba-negotiate.bin ]]; then
	"$probe" parse "$golden/samba-negotiate.bin" "$golden/samba-session-setup.bin" \
		>"$work/golden-ours.txt"
	"$py" "$src/tests/tools/smb_oracle.py" replies "$golden/samba-negotiate.bin" \
		"$golden/samba-session-setup.bin" >"$work/golden-impacket.txt" 2>&1
	bad=0
	while IFS='=' read -r k v; do
		[[ $(get "$work/golden-ours.txt" "$k") == "$v" ]] || { echo "  golden $k: impacket '$v'"; bad=1; }
	done <"$work/golden-impacket.txt"
	lab_check "golden Samba replies: our parse agrees with impacket's on every key" test $bad == 0
fi

lab_check_summary
