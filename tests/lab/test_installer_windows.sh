#!/usr/bin/env bash
# test_installer_windows.sh - the Windows side of muster-installer without
# Windows: the gpo-sccm kind (a tiny test MSI built here with wixl; the
# configuration MSI read back with msiinfo; install_config.ini parsed with a
# strict INI reader; hostile group/host values either refused or carried
# exactly) and the all-in-one bootstrapper (.exe is a PE, its payload
# verifies with the same payload.c compiled natively, a tampered payload is
# refused). Runs the .exe under wine only when wine is installed.
#
# Environment: MUSTER_BUILD (build dir), MUSTER_SRC (source dir).
# Exit 0 pass, 77 skip, anything else fail. No network.
set -u

build=${MUSTER_BUILD:-$(cd "$(dirname "$0")/../.." && pwd)/build}
# shellcheck source=tests/lab/lab.sh
. "$(dirname "${BASH_SOURCE[0]}")/lab.sh" # lab_check only: no lab here
inst=$build/installer-builder/muster-installer
wpl=$build/installer-builder/win/muster-winpayload
wbuild=$build/installer-builder/win/muster-winexe-build
boot=$build/installer-builder/win/muster-bootstrap.exe
for tool in wixl msiinfo openssl python3; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "SKIP: $tool is not installed (apt-get install wixl msitools openssl python3)"
		exit 77
	fi
done
if [ ! -x "$inst" ]; then
	echo "SKIP: $inst is not built"
	exit 77
fi

tmp=$(mktemp -d /tmp/muster-win-test.XXXXXX)
trap 'rm -rf "$tmp"' EXIT INT TERM
cd "$tmp" || exit 1


# --- inputs: a tiny agent MSI, a CA, a policy, a token
cat >agent.wxs <<'WXS'
<?xml version="1.0" encoding="utf-8"?>
<Wix xmlns="http://schemas.microsoft.com/wix/2006/wi">
  <Product Id="AAAAAAAA-1111-4111-8111-AAAAAAAAAAAA" Name="Muster test agent" Language="1033"
           Version="1.0.0" Manufacturer="Muster test" UpgradeCode="BBBBBBBB-1111-4111-8111-BBBBBBBBBBBB">
    <Package InstallerVersion="200" Compressed="yes" InstallScope="perMachine"/>
    <Media Id="1" Cabinet="a.cab" EmbedCab="yes"/>
    <Directory Id="TARGETDIR" Name="SourceDir"><Directory Id="CommonAppDataFolder">
      <Directory Id="D" Name="MusterTestAgent">
        <Component Id="C" Guid="CCCCCCCC-1111-4111-8111-CCCCCCCCCCCC">
          <File Id="f" Name="agent.txt" Source="agent.txt" KeyPath="yes"/>
        </Component>
      </Directory></Directory></Directory>
    <Feature Id="F" Level="1"><ComponentRef Id="C"/></Feature>
  </Product>
</Wix>
WXS
echo "test agent" >agent.txt
if ! wixl -a x64 -o muster-agent.msi agent.wxs >/dev/null 2>&1; then
	echo "SKIP: wixl could not build the test MSI"
	exit 77
fi
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout ca.key \
	-subj "/CN=Muster test CA" -days 2 -out ca.pem 2>/dev/null || exit 77
echo '{"version": 1, "log_level": "info"}' >policy.json
echo mse_abcdefghijklmnopqrstuvwxyz012345 >token

gpo() { # gpo OUTDIR GROUP HOST
	"$inst" gpo-sccm --os windows --agent muster-agent.msi --server "$3:8443" --ca ca.pem \
		--group "$2" --policy policy.json --token-file token -o "$1"
}

# Strict INI reader: [section] / key=value / ; comment, nothing else; prints
# the value of section.key exactly (no stripping) or fails.
cat >ini.py <<'PY'
import sys
want = sys.argv[2]
sec, vals = None, {}
data = open(sys.argv[1], 'rb').read()
if b'\r' in data or b'\0' in data:
    sys.exit("CR or NUL in INI")
for n, line in enumerate(data.decode('utf-8').split('\n'), 1):
    if line == '' or line.startswith(';'):
        continue
    if line.startswith('['):
        if not line.endswith(']') or len(line) < 3:
            sys.exit("line %d: bad section" % n)
        sec = line[1:-1]
        continue
    k, eq, v = line.partition('=')
    if not eq or not k or sec is None or (sec + '.' + k) in vals:
        sys.exit("line %d: bad or duplicate key" % n)
    vals[sec + '.' + k] = v
sys.stdout.write(vals[want])
PY
# The Property value NAME of an MSI, exactly.
msiprop() {
	msiinfo export "$1" Property | python3 -c '
import sys
for l in sys.stdin.buffer.read().split(b"\n"):
    l = l.rstrip(b"\r")
    k, t, v = l.partition(b"\t")
    if k == sys.argv[1].encode() and t:
        sys.stdout.buffer.write(v); sys.exit(0)
sys.exit(1)' "$2"
}
# A PowerShell single-quoted literal assigned to $NAME, decoded: any of
# U+0027 U+2018 U+2019 U+201A U+201B doubled stands for itself.
ps1var() {
	python3 -c '
import sys
q = "\u0027\u2018\u2019\u201a\u201b"
src = open(sys.argv[1], encoding="utf-8").read()
pre = "$" + sys.argv[2] + " = "
line = [l for l in src.split("\n") if l.startswith(pre)][0][len(pre):]
assert line[0] in q
out, i = [], 1
while True:
    c = line[i]
    if c in q:
        if i + 1 < len(line) and line[i + 1] in q:
            out.append(c); i += 2; continue
        break
    out.append(c); i += 1
assert line[i + 1:] == ""
sys.stdout.write("".join(out))' "$1" "$2"
}

# --- a good build
lab_check_quiet "gpo-sccm builds" gpo out 'All/HQ/Windows' srv.example
for f in muster-agent.msi install_config.ini muster-config.msi gpo-startup.cmd sccm-install.cmd \
	sccm-detect.ps1 README.txt SHA256SUMS; do
	lab_check_quiet "artifact $f" test -s "out/$f"
done
lab_check_quiet "SHA256SUMS verifies" sh -c 'cd out && sha256sum -c SHA256SUMS'
lab_check_quiet "install_config.ini is 0600" test "$(stat -c %a out/install_config.ini)" = 600
lab_check_quiet "INI server.host" test "$(python3 ini.py out/install_config.ini server.host)" = srv.example
lab_check_quiet "INI server.port" test "$(python3 ini.py out/install_config.ini server.port)" = 8443
lab_check_quiet "INI enrollment.group" test "$(python3 ini.py out/install_config.ini enrollment.group)" = All/HQ/Windows
lab_check_quiet "INI enrollment.token" test "$(python3 ini.py out/install_config.ini enrollment.token)" = "$(cat token)"
id=$(python3 ini.py out/install_config.ini enrollment.installer_id)
lab_check_quiet "INI installer_id is a UUID" python3 -c 'import uuid,sys; uuid.UUID(sys.argv[1])' "$id"
lab_check_quiet "MSI Property MUSTER_GROUP" test "$(msiprop out/muster-config.msi MUSTER_GROUP)" = All/HQ/Windows
lab_check_quiet "MSI Property MUSTER_SERVER_HOST" test "$(msiprop out/muster-config.msi MUSTER_SERVER_HOST)" = srv.example
lab_check_quiet "MSI Property MUSTER_SERVER_PORT" test "$(msiprop out/muster-config.msi MUSTER_SERVER_PORT)" = 8443
lab_check_quiet "MSI Property MUSTER_INSTALLER_ID" test "$(msiprop out/muster-config.msi MUSTER_INSTALLER_ID)" = "$id"
lab_check_quiet "MSI ProductCode is the installer id" test "$(msiprop out/muster-config.msi ProductCode)" = "{${id^^}}"
msiinfo export out/muster-config.msi File >file.tbl 2>/dev/null
for f in install_config.ini ca.pem policy.json enroll.ps1; do
	lab_check_quiet "MSI File table has $f" grep -q "^$f	MusterConfig	$f	" file.tbl
done
lab_check_quiet "MSI File table has no client key without one" sh -c '! grep -q client.key file.tbl'
lab_check_quiet "MSI runs the enrollment (CustomAction)" sh -c \
	"msiinfo export out/muster-config.msi CustomAction | grep -q 'MusterEnroll.*enroll.ps1'"
lab_check_quiet "MSI schedules it after InstallFiles" sh -c \
	"msiinfo export out/muster-config.msi InstallExecuteSequence | grep -q MusterEnroll"
mkdir -p x
lab_check_quiet "MSI carries the exact install_config.ini" sh -c \
	'msiextract -C x out/muster-config.msi >/dev/null && cmp "$(find x -name install_config.ini)" out/install_config.ini'
lab_check_quiet "MSI carries the exact CA" sh -c 'cmp "$(find x -name ca.pem)" ca.pem'
lab_check_quiet "GPO script names the agent product code" grep -q 'AGENT_CODE={AAAAAAAA-1111-4111-8111-AAAAAAAAAAAA}' out/gpo-startup.cmd
lab_check_quiet "GPO script names the config product code" grep -qi "CONFIG_CODE={$id}" out/gpo-startup.cmd
lab_check_quiet "SCCM detect carries the group" test "$(ps1var out/sccm-detect.ps1 Group)" = All/HQ/Windows
lab_check_quiet "no placeholder left" sh -c '! grep -l "@@" out/*.cmd out/*.ps1 out/README.txt'

# --- hostile values: refused with a message, or carried exactly everywhere
n=0
hostile() { # hostile FIELD VALUE
	local field=$1 val=$2 d out_ok=0 g=All/HQ h=srv.example
	n=$((n + 1))
	d=h$n
	if [ "$field" = group ]; then g=$val; else h=$val; fi
	if gpo "$d" "$g" "$h" >/dev/null 2>err.txt; then
		local key=enrollment.group prop=MUSTER_GROUP
		[ "$field" = host ] && key=server.host prop=MUSTER_SERVER_HOST
		[ "$(python3 ini.py "$d/install_config.ini" $key; echo x)" = "${val}x" ] &&
			[ "$(msiprop "$d/muster-config.msi" $prop; echo x)" = "${val}x" ] &&
			{ [ "$field" = host ] || [ "$(ps1var "$d/sccm-detect.ps1" Group; echo x)" = "${val}x" ]; } &&
			out_ok=1
		lab_check_quiet "$field $(printf %q "$val"): carried exactly" test $out_ok = 1
	else
		lab_check_quiet "$field $(printf %q "$val"): refused with a message" test -s err.txt
		lab_check_quiet "$field $(printf %q "$val"): refused before writing the config" \
			test ! -e "$d/install_config.ini"
	fi
}
for v in "All/it's" "All/‘q’" "All/‚low‛" 'All/"dq"' 'All/100%' 'All/%PATH%' 'All/bang!' \
	'All/^caret' 'All/a&b' 'All/a|b' 'All/$(id)' 'All/`id`' 'All/a;b' "All/a
b" "All/a	tab" 'All/<x>&amp;' 'All/[ProductName]' 'All/$(env.HOME)' 'All/x$' \
	"All/ü€" " All/lead" 'All/trail '; do
	hostile group "$v"
done
for v in 'srv"x' "srv'x" 'a%b' 'a&b' 'a$b' "srv
x"; do
	hostile host "$v"
done
# NUL cannot pass through argv; the encoders refuse it (unit-tested there).

# --- the Windows all-in-one bootstrapper
if [ ! -f "$boot" ]; then
	echo "SKIP part: $boot not built (x86_64-w64-mingw32-gcc missing: apt-get install mingw-w64)"
else
	lab_check_quiet "bootstrapper is a PE (MZ)" test "$(head -c 2 "$boot")" = MZ
	lab_check_quiet "bare bootstrapper has no payload" sh -c "! '$wpl' '$boot'"
	lab_check_quiet "Windows all-in-one builds" "$wbuild" "$boot" inst.exe muster-agent.msi srv.example:8443 \
		ca.pem All/HQ/Windows policy.json token
	lab_check_quiet "installer .exe is a PE (MZ)" test "$(head -c 2 inst.exe 2>/dev/null)" = MZ
	lab_check_quiet "payload trailer verifies" "$wpl" inst.exe
	"$wpl" inst.exe >verify.json 2>/dev/null
	lab_check_quiet "verify lists the agent MSI" grep -q '"name": "agent.msi", "type": "agent-msi"' verify.json
	mkdir -p ex
	lab_check_quiet "payload extracts" "$wpl" inst.exe --extract ex
	lab_check_quiet "extracted agent MSI is the input" cmp ex/agent.msi muster-agent.msi
	lab_check_quiet "extracted CA is the input" cmp ex/ca.pem ca.pem
	lab_check_quiet "extracted INI carries the group" test "$(python3 ini.py ex/install_config.ini enrollment.group)" = All/HQ/Windows
	lab_check_quiet "meta names the architecture" grep -q '^arch=x64$' ex/meta
	size=$(stat -c %s inst.exe)
	for off in 2000 $((size - 200)) $((size - 40)) $((size - 64 + 20)); do
		cp inst.exe bad.exe
		printf '\x5a' | dd of=bad.exe bs=1 seek=$((size - (size - off))) conv=notrunc 2>/dev/null
		if cmp -s bad.exe inst.exe; then printf '\x5b' | dd of=bad.exe bs=1 seek=$off conv=notrunc 2>/dev/null; fi
		lab_check_quiet "tampered byte at $off refused" sh -c "! '$wpl' bad.exe"
	done
	head -c $((size - 1)) inst.exe >trunc.exe
	lab_check_quiet "truncated installer refused" sh -c "! '$wpl' trunc.exe"
	cat inst.exe muster-agent.msi >grown.exe
	lab_check_quiet "appended bytes refused" sh -c "! '$wpl' grown.exe"
	# The same through the product's own command line (the contract of issue 7).
	lab_check_quiet "muster-installer all-in-one --os windows builds the .exe" \
		env MUSTER_BOOTSTRAP_EXE="$boot" "$inst" all-in-one --os windows --agent muster-agent.msi \
		--server srv.example:8443 --ca ca.pem --group All/HQ/Windows --policy policy.json \
		--token-file token -o cli.exe
	lab_check_quiet "its payload verifies" "$wpl" cli.exe
	mkdir -p ex-cli
	"$wpl" cli.exe --extract ex-cli >/dev/null 2>&1
	lab_check_quiet "it carries the group" test "$(python3 ini.py ex-cli/install_config.ini enrollment.group 2>/dev/null)" = All/HQ/Windows
	"$inst" inspect cli.exe --json >cli-inspect.json 2>/dev/null
	lab_check_quiet "inspect: the .exe's integrity is ok" grep -q '"integrity": *"ok"' cli-inspect.json
	lab_check_quiet "inspect: it lists the agent MSI" grep -q '"agent-msi"' cli-inspect.json
	lab_check_quiet "inspect: the group is shown" grep -q 'All\/HQ\/Windows\|All/HQ/Windows' cli-inspect.json
	lab_check_quiet "inspect: the token is masked" sh -c "! grep -qFf token cli-inspect.json"
	cp cli.exe cli-bad.exe
	printf '\x00' | dd of=cli-bad.exe bs=1 seek=3000 conv=notrunc 2>/dev/null
	"$inst" inspect cli-bad.exe --json >cli-bad.json 2>/dev/null
	lab_check_quiet "inspect: a tampered .exe is bad" grep -q '"integrity": *"bad"' cli-bad.json
	lab_check_quiet "hostile group refused by the .exe builder" sh -c "! '$wbuild' '$boot' bad2.exe muster-agent.msi srv.example:8443 ca.pem 'All/a
b' policy.json token && test ! -e bad2.exe"
	if command -v wine >/dev/null 2>&1; then
		export WINEPREFIX=$tmp/wine WINEDEBUG=-all
		wine inst.exe /verify >wine-verify.txt 2>/dev/null
		lab_check_quiet "wine: /verify prints integrity ok" grep -q '"integrity": "ok"' wine-verify.txt
		wine bad.exe /verify >wine-bad.txt 2>/dev/null
		lab_check_quiet "wine: tampered .exe exits 20" grep -q 'status=payload-bad code=20' wine-bad.txt
		wine inst.exe /quiet >wine-run.txt 2>/dev/null
		pd=$WINEPREFIX/drive_c/ProgramData
		lab_check_quiet "wine: MUSTER-RESULT line printed" grep -q '^MUSTER-RESULT status=' wine-run.txt
		lab_check_quiet "wine: agent MSI installed its file" test -f "$pd/MusterTestAgent/agent.txt"
		lab_check_quiet "wine: configuration written" cmp "$pd/Muster/install_config.ini" ex/install_config.ini
	else
		echo "SKIP part: wine is not installed; the .exe and the configuration MSI were not run"
	fi
fi

lab_check_summary
