#!/usr/bin/env bash
# The deployer's DCE/RPC and [MS-SCMR] bytes against an independent
# implementation, Debian's python3-impacket (tests/tools/scmr_oracle.py):
#  (a) our bind PDU and every SCMR request stub and PDU, for fixed inputs,
#      byte for byte;
#  (b) our decoding of the real Samba replies in tests/data/dcerpc/ equals
#      impacket's, key by key.
#
# Usage: scmr_impacket.sh RPC_DUMP SRCDIR. Exit 0 pass, 1 fail, 77 skipped
# (no impacket).
set -u
dump=$1
src=$2
py=/usr/bin/python3 # Debian's, where python3-impacket lives
if ! "$py" -c 'import impacket.dcerpc.v5.scmr' 2>/dev/null; then
	echo "SKIP: python3-impacket is not installed (see scripts/deps.txt)"
	exit 77
fi

work=$(mktemp -d /tmp/scmr-impacket.XXXXXX)
trap 'rm -rf -- "$work"' EXIT
passed=0 failed=0
ok() { echo "ok - $1"; passed=$((passed + 1)); }
fail() { echo "FAIL - $1"; failed=$((failed + 1)); }

# first_diff A B: where two hex strings first differ, in bytes.
first_diff() {
	local a=$1 b=$2 i=0
	while ((i < ${#a} && i < ${#b})) && [[ ${a:i:2} == "${b:i:2}" ]]; do
		i=$((i + 2))
	done
	echo "byte $((i / 2)) (ours ${a:i:8}..., impacket ${b:i:8}...; lengths $((${#a} / 2))/$((${#b} / 2)))"
}

# --- (a) requests -------------------------------------------------------------
"$dump" requests >"$work/ours" || fail "rpc_dump requests runs"
"$py" "$src/tests/tools/scmr_oracle.py" requests >"$work/impacket" || fail "impacket encodes the calls"
if [[ $(cut -d' ' -f1 "$work/ours") != "$(cut -d' ' -f1 "$work/impacket")" ]]; then
	fail "the same messages in the same order: ours $(cut -d' ' -f1 "$work/ours" | tr '\n' ' ')"
fi
n=0
while read -r name hex; do
	theirs=$(awk -v n="$name" '$1 == n { print $2 }' "$work/impacket")
	n=$((n + 1))
	if [[ -n $hex && $hex == "$theirs" ]]; then
		ok "$name: $((${#hex} / 2)) bytes identical to impacket's"
	else
		fail "$name differs from impacket's at $(first_diff "$hex" "$theirs")"
	fi
done <"$work/ours"
((n >= 23)) || fail "expected 23 messages (bind, 11 stubs, 11 PDUs), got $n"

# --- (b) replies captured from Samba --------------------------------------------
data=$src/tests/data/dcerpc
if compgen -G "$data/samba-*.bin" >/dev/null; then
	"$dump" replies "$data" >"$work/ours-replies" || fail "rpc_dump decodes $data"
	"$py" "$src/tests/tools/scmr_oracle.py" replies "$data" >"$work/impacket-replies" ||
		fail "impacket parses $data"
	keys=$(wc -l <"$work/impacket-replies")
	if ((keys > 20)) && diff -u "$work/impacket-replies" "$work/ours-replies" >"$work/diff"; then
		ok "our decoding of the $(find "$data" -name 'samba-*.bin' | wc -l) Samba replies equals impacket's ($keys keys)"
	else
		fail "decoding of the Samba replies differs from impacket's:"
		sed 's/^/    /' "$work/diff"
	fi
else
	fail "no captured replies in $data"
fi

echo "$passed passed, $failed failed"
((failed == 0))
