#!/usr/bin/env bash
# test_muster_svc_wine.sh - muster-svc.exe (deployer/win), the Windows service
# of muster-deploy --method smb, run under wine in a private prefix:
#  - --console against a stand-in installer (muster-svc-testchild.exe): exit
#    codes and their status, stdout+stderr captured, UTF-16 output converted,
#    the 1 MiB cap keeping the tail, a timeout ending a whole process tree,
#    processes left behind ended, arguments and paths with spaces and
#    non-ASCII, bad paths refused, the installer removed (only from its own
#    directory), the result file replaced whole;
#  - an MSI built here with wixl, installed through wine's msiexec, and a
#    damaged one;
#  - as a real service through wine's service control manager (CreateServiceW,
#    StartServiceW, QueryServiceStatus, ControlService stop, DeleteService):
#    the states it reports and its win32/service-specific exit codes.
# Environment: MUSTER_BUILD (build dir). Exit 0 pass, 77 skip, else fail.
# No root, no network.
set -u

build=${MUSTER_BUILD:-$(cd "$(dirname "$0")/../.." && pwd)/build}
# shellcheck source=tests/lab/lab.sh
. "$(dirname "${BASH_SOURCE[0]}")/lab.sh" # lab_check only: no lab here
svcexe=$build/deployer/win/muster-svc.exe
childexe=$build/deployer/win/muster-svc-testchild.exe
if [ ! -f "$svcexe" ] || [ ! -f "$childexe" ]; then
	echo "SKIP: $svcexe or the test child is not built (x86_64-w64-mingw32-gcc missing:" \
		"apt-get install mingw-w64)"
	exit 77
fi
for tool in wine wineserver python3; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "SKIP: $tool is not installed (apt-get install wine wine64 python3)"
		exit 77
	fi
done

tmp=$(mktemp -d /tmp/muster-svc-wine.XXXXXX)
export WINEPREFIX=$tmp/prefix WINEARCH=win64 WINEDEBUG=-all
export WINEDLLOVERRIDES="mscoree,mshtml=" # no Mono/Gecko install prompts
export LC_ALL=C.UTF-8                      # Unix file names <-> Unicode
unset DISPLAY WAYLAND_DISPLAY
cleanup() {
	wineserver -k >/dev/null 2>&1
	wineserver -w >/dev/null 2>&1
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

t0=$(date +%s)
if ! timeout 300 wine wineboot -i >"$tmp/wineboot.log" 2>&1; then
	echo "SKIP: wine does not start here: wineboot failed: $(tail -2 "$tmp/wineboot.log" | tr '\n' ' ')"
	exit 77
fi
echo "# wine prefix ready in $(($(date +%s) - t0)) s"
# Let the server of the prefix's first boot exit: wine 8's services.exe of
# that session accepts CreateServiceW but then cannot open what it created
# (ERROR_SERVICE_DOES_NOT_EXIST). Then keep one server for the whole test.
timeout 120 wineserver -w
wineserver -p


# The deployer's layout: C:\Windows\<dir>\ holds the service, the installer
# and the result. A space and non-ASCII letters in the name on purpose.
d="$WINEPREFIX/drive_c/windows/Muster Tëst ü"
W='C:\windows\Muster Tëst ü'
mkdir -p "$d"
cp "$svcexe" "$d/muster-svc.exe"
cp "$childexe" "$d/tool.exe" # the service control client
res="$d/result.txt"

stage() { cp "$childexe" "$d/$1"; } # a fresh stand-in installer
# svc ARGS...: run muster-svc.exe --console; rc in $rc, stdout in out.txt
svc() {
	rm -f "$res"
	timeout 120 wine "$d/muster-svc.exe" --console "$@" >"$tmp/out.txt" 2>"$tmp/err.txt"
	rc=$?
}
first() { head -n 1 "$res"; }
first_is() { [ "$(first)" = "$1" ]; }
first_like() { first | grep -Eq "$1"; }
has() { grep -qF -- "$1" "$res"; }

# --- exit codes
stage inst.exe
svc --run "$W\\inst.exe" --result "$W\\result.txt" --args 'print 0 "hello wörld"'
lab_check_quiet "exit 0: status ok" first_is "MUSTER-RESULT status=ok code=0 reason=installed"
lab_check_quiet "exit 0: console exit status 0" test "$rc" = 0
lab_check_quiet "exit 0: the line is printed too" test "$(tr -d '\r' <"$tmp/out.txt")" = "$(first)"
lab_check_quiet "exit 0: stdout in the log (UTF-8 kept)" has "hello wörld"
lab_check_quiet "exit 0: stderr in the log" has "stderr: hello wörld"
lab_check_quiet "exit 0: installer removed" test ! -e "$d/inst.exe"
lab_check_quiet "exit 0: says so" has "installer_removed=yes"
lab_check_quiet "exit 0: no .tmp left" test ! -e "$res.tmp"
lab_check_quiet "exit 0: the first line ends in LF, no CR" python3 -c '
import sys
l = open(sys.argv[1], "rb").readline()
sys.exit(not (l.endswith(b"\n") and b"\r" not in l))' "$res"

stage inst.exe
svc --run "$W\\inst.exe" --result "$W\\result.txt" --args "print 3 three"
lab_check_quiet "exit 3: failed with its code" \
	first_is "MUSTER-RESULT status=failed code=3 reason=the installer exited with code 3"
lab_check_quiet "exit 3: console exit status 1" test "$rc" = 1
lab_check_quiet "exit 3: output kept" has "three"
lab_check_quiet "exit 3: installer removed" test ! -e "$d/inst.exe"

stage inst.exe
svc --run "$W\\inst.exe" --result "$W\\result.txt" --args "print 3010 x"
lab_check_quiet "exit 3010: ok, a reboot is needed" first_like '^MUSTER-RESULT status=ok code=3010 reason=.*reboot'
stage inst.exe
svc --run "$W\\inst.exe" --result "$W\\result.txt" --args "print 1641 x"
lab_check_quiet "exit 1641: ok, a reboot was started" first_like '^MUSTER-RESULT status=ok code=1641 reason=.*reboot'
stage inst.exe
svc --run "$W\\inst.exe" --result "$W\\result.txt" --args "print 20 x"
lab_check_quiet "exit 20: the all-in-one's meaning" first_like '^MUSTER-RESULT status=failed code=20 reason=.*payload'

# --- quoting: an argument with spaces reaches the installer whole
stage "inst ë.exe"
svc --run "$W\\inst ë.exe" --result "$W\\result.txt" --args "sleep 1 \"$W\\made it ü\""
lab_check_quiet "quoted --args: ok" first_is "MUSTER-RESULT status=ok code=0 reason=installed"
lab_check_quiet "quoted --args: the installer got the path with spaces" test -e "$d/made it ü"
lab_check_quiet "installer with a space and ë in its name removed" test ! -e "$d/inst ë.exe"

# --- output encodings and the cap
stage inst.exe
svc --run "$W\\inst.exe" --result "$W\\result.txt" --args 'utf16 0 "ünï€ 𝄞 text"'
lab_check_quiet "UTF-16 output: ok" first_is "MUSTER-RESULT status=ok code=0 reason=installed"
lab_check_quiet "UTF-16 output: converted to UTF-8" has "ünï€ 𝄞 text"
lab_check_quiet "UTF-16 output: named" has "encoding=UTF-16LE"

flood=3000000
stage inst.exe
svc --run "$W\\inst.exe" --result "$W\\result.txt" --args "flood $flood 0"
read -r last total < <(python3 -c '
import sys
want, done, i = int(sys.argv[1]), 0, 0
while done < want:
    done += 37 + len(str(i)); i += 1
print(i - 1, done)' "$flood")
lab_check_quiet "3 MB of output: ok" first_is "MUSTER-RESULT status=ok code=0 reason=installed"
lab_check_quiet "3 MB of output: result within 1 MiB" test "$(stat -c %s "$res")" -le 1048576
lab_check_quiet "3 MB of output: result near 1 MiB (tail kept, not dropped)" test "$(stat -c %s "$res")" -ge 1000000
lab_check_quiet "3 MB of output: every byte counted" has "output=stdout+stderr bytes=$total encoding=UTF-8 kept=tail"
lab_check_quiet "3 MB of output: the cut is said" has "log_cut_bytes="
lab_check_quiet "3 MB of output: the last line is the installer's last" \
	test "$(tail -n 1 "$res")" = "flood line $last ........................"
lab_check_quiet "3 MB of output: the tail is contiguous" python3 -c '
import re, sys
nums = [int(m) for m in re.findall(rb"^flood line (\d+) ", open(sys.argv[1], "rb").read(), re.M)]
sys.exit(not (len(nums) > 20000 and nums == list(range(nums[0], nums[0] + len(nums)))))' "$res"

# --- timeout: the whole tree is ended
stage inst.exe
rm -f "$d/mark-timeout" "$d/mark-timeout.child"
ts=$(date +%s)
svc --run "$W\\inst.exe" --result "$W\\result.txt" --timeout 2 --args "tree 8 \"$W\\mark-timeout\""
te=$(date +%s)
lab_check_quiet "timeout: failed with ERROR_TIMEOUT" \
	first_like '^MUSTER-RESULT status=failed code=1460 reason=timed out after 2 s'
lab_check_quiet "timeout: returned within 6 s" test $((te - ts)) -le 6
lab_check_quiet "timeout: output before it kept" has "tree: started a sleeping child"
lab_check_quiet "timeout: installer removed" test ! -e "$d/inst.exe"

# --- a process left behind by a successful installer is ended
stage inst.exe
rm -f "$d/mark-left"
svc --run "$W\\inst.exe" --result "$W\\result.txt" --timeout 60 --args "leave 9 \"$W\\mark-left\""
lab_check_quiet "leftover: ok" first_is "MUSTER-RESULT status=ok code=0 reason=installed"
lab_check_quiet "leftover: counted" grep -Eq 'leftover_processes_ended=[1-9]' "$res"
lab_check_quiet "leftover: the installer had started it" has "leave: left a sleeping child behind"

# --- missing, refused and misplaced
svc --run "$W\\absent.exe" --result "$W\\result.txt"
lab_check_quiet "missing installer: failed with ERROR_FILE_NOT_FOUND" \
	first_like '^MUSTER-RESULT status=failed code=2 reason=the installer .*absent.exe is not there'
n=0
for bad in 'inst.exe' '\\srv\share\inst.exe' "$W\\..\\inst.exe" 'C:inst.exe' "$W\\inst.bat" \
	"$W\\NUL.exe" "$W\\in*st.exe" "$W\\\\inst.exe" "$W\\inst.exe." '\\?\C:\windows\inst.exe'; do
	n=$((n + 1))
	svc --run "$bad" --result "$W\\result.txt"
	lab_check_quiet "--run $(printf %q "$bad") refused (ERROR_INVALID_PARAMETER)" \
		first_like '^MUSTER-RESULT status=failed code=87 reason=bad command line: --run'
done
stage inst.exe
for args in "--timeout 0" "--timeout 12x" "--timeout 604801" "--bogus 1"; do
	# shellcheck disable=SC2086 # split on purpose
	svc --run "$W\\inst.exe" --result "$W\\result.txt" $args
	lab_check_quiet "$args refused (ERROR_INVALID_PARAMETER)" \
		first_like '^MUSTER-RESULT status=failed code=87 reason=bad command line'
	stage inst.exe
done
svc --run "$W\\inst.exe" --result 'result.txt'
lab_check_quiet "relative --result: exit 2" test "$rc" = 2
lab_check_quiet "relative --result: says why" grep -q -- '--result "result.txt" is not a local absolute path' "$tmp/err.txt"
lab_check_quiet "relative --result: no result anywhere" test ! -e "$d/result.txt"
svc --run "$W\\inst.exe" --result "$W\\inst.exe"
lab_check_quiet "--result = --run: exit 2" test "$rc" = 2
timeout 60 wine "$d/muster-svc.exe" --run "$W\\inst.exe" --result "$W\\result.txt" >/dev/null 2>"$tmp/err.txt"
rc=$?
lab_check_quiet "without --console and without the SCM: exit 2" test "$rc" = 2
lab_check_quiet "without --console and without the SCM: says so" \
	grep -q 'not started by the service control manager' "$tmp/err.txt"
mkdir -p "$d/../elsewhere"
cp "$childexe" "$d/../elsewhere/inst.exe"
svc --run 'C:\windows\elsewhere\inst.exe' --result "$W\\result.txt" --args "print 0 x"
lab_check_quiet "installer outside our directory: run" first_is "MUSTER-RESULT status=ok code=0 reason=installed"
lab_check_quiet "installer outside our directory: not removed" test -e "$d/../elsewhere/inst.exe"
lab_check_quiet "installer outside our directory: says so" has "installer_removed=no (not in muster-svc.exe's directory)"
printf 'old result\n' >"$res.keep"
stage inst.exe
cp "$res.keep" "$res"
timeout 60 wine "$d/muster-svc.exe" --console --run "$W\\inst.exe" --result "$W\\result.txt" \
	--args "print 0 x" >/dev/null 2>&1
lab_check_quiet "an old result file is replaced" first_is "MUSTER-RESULT status=ok code=0 reason=installed"

# --- MSI through msiexec
if command -v wixl >/dev/null 2>&1; then
	cat >"$tmp/t.wxs" <<'WXS'
<?xml version="1.0" encoding="utf-8"?>
<Wix xmlns="http://schemas.microsoft.com/wix/2006/wi">
  <Product Id="AAAAAAAA-2222-4222-8222-AAAAAAAAAAAA" Name="Muster svc test" Language="1033"
           Version="1.0.0" Manufacturer="Muster test" UpgradeCode="BBBBBBBB-2222-4222-8222-BBBBBBBBBBBB">
    <Package InstallerVersion="200" Compressed="yes" InstallScope="perMachine"/>
    <Media Id="1" Cabinet="a.cab" EmbedCab="yes"/>
    <Directory Id="TARGETDIR" Name="SourceDir"><Directory Id="CommonAppDataFolder">
      <Directory Id="D" Name="MusterSvcTest">
        <Component Id="C" Guid="CCCCCCCC-2222-4222-8222-CCCCCCCCCCCC">
          <File Id="f" Name="installed.txt" Source="installed.txt" KeyPath="yes"/>
        </Component>
      </Directory></Directory></Directory>
    <Feature Id="F" Level="1"><ComponentRef Id="C"/></Feature>
  </Product>
</Wix>
WXS
	echo "installed by msiexec" >"$tmp/installed.txt"
	if (cd "$tmp" && wixl -a x64 -o "$d/pkg ü.msi" t.wxs) >/dev/null 2>&1; then
		svc --run "$W\\pkg ü.msi" --result "$W\\result.txt" --timeout 120
		lab_check_quiet "MSI: ok" first_is "MUSTER-RESULT status=ok code=0 reason=installed"
		lab_check_quiet "MSI: msiexec installed its file" \
			cmp "$WINEPREFIX/drive_c/ProgramData/MusterSvcTest/installed.txt" "$tmp/installed.txt"
		lab_check_quiet "MSI: the /l*v log is in the result" grep -Eq 'log=msiexec /l\*v bytes=[1-9]' "$res"
		lab_check_quiet "MSI: the log's text follows" has "InstallFiles"
		lab_check_quiet "MSI: the temporary log is gone" test ! -e "$res.msi.log"
		lab_check_quiet "MSI: package removed" test ! -e "$d/pkg ü.msi"
	else
		echo "SKIP part: wixl could not build the test MSI"
	fi
else
	echo "SKIP part: wixl is not installed (apt-get install wixl); no MSI was built"
fi
head -c 20000 /dev/urandom >"$d/damaged.msi"
svc --run "$W\\damaged.msi" --result "$W\\result.txt" --timeout 120
lab_check_quiet "damaged MSI: failed with a Windows Installer code" \
	first_like '^MUSTER-RESULT status=failed code=(1619|1620|1627) reason=.*\((ERROR_INSTALL_PACKAGE_[A-Z_]+|ERROR_FUNCTION_FAILED)\)$'
lab_check_quiet "damaged MSI: removed" test ! -e "$d/damaged.msi"

# --- as a real service
tool() { timeout 60 wine "$d/tool.exe" "$@" 2>&1 | tr -d '\r'; }
binpath() { # binpath INSTALLER ARGS: the binary path the deployer would give
	printf '"%s\\muster-svc.exe" --run "%s\\%s" --result "%s\\result.txt" --timeout 60 --args "%s"' \
		"$W" "$W" "$1" "$W" "$2"
}
svcrun() { # svcrun NAME BINPATH: create, start, wait until stopped; status in $st
	rm -f "$res"
	tool scm create "$1" "$2" >"$tmp/start.txt"
	tool scm start "$1" >>"$tmp/start.txt"
	st=$(tool scm wait "$1" 30)
}

stage inst.exe
svcrun MusterSvcOk "$(binpath inst.exe "sleep 2 \\\"$W\\svc-mark\\\"")"
lab_check_quiet "service ok: created and started by the SCM" test ! -s "$tmp/start.txt"
lab_check_quiet "service ok: reported RUNNING" grep -Eq '^states=.*RUNNING' <<<"$st"
lab_check_quiet "service ok: STOPPED with win32 exit code 0" grep -qx 'state=STOPPED win32=0 specific=0' <<<"$st"
lab_check_quiet "service ok: result written" first_is "MUSTER-RESULT status=ok code=0 reason=installed"
lab_check_quiet "service ok: the installer ran with its arguments" test -e "$d/svc-mark"
lab_check_quiet "service ok: installer removed" test ! -e "$d/inst.exe"
lab_check_quiet "service ok: deleted" sh -c "test -z \"\$(timeout 60 wine '$d/tool.exe' scm delete MusterSvcOk 2>&1)\""

stage inst.exe
svcrun MusterSvcFail "$(binpath inst.exe "print 3 from-the-service")"
lab_check_quiet "service exit 3: STOPPED, ERROR_SERVICE_SPECIFIC_ERROR, specific 3" \
	grep -qx 'state=STOPPED win32=1066 specific=3' <<<"$st"
lab_check_quiet "service exit 3: result written" \
	first_is "MUSTER-RESULT status=failed code=3 reason=the installer exited with code 3"
lab_check_quiet "service exit 3: output captured without a console" has "stderr: from-the-service"
tool scm delete MusterSvcFail >/dev/null

svcrun MusterSvcBad "\"$W\\muster-svc.exe\" --run \"relative.exe\" --result \"$W\\result.txt\""
lab_check_quiet "service, bad --run: STOPPED, specific 87" grep -qx 'state=STOPPED win32=1066 specific=87' <<<"$st"
lab_check_quiet "service, bad --run: result says why" first_like '^MUSTER-RESULT status=failed code=87 reason=bad command line: --run "relative.exe"'
tool scm delete MusterSvcBad >/dev/null
svcrun MusterSvcNoRes "\"$W\\muster-svc.exe\" --run \"$W\\x.exe\" --result \"result.txt\""
lab_check_quiet "service, bad --result: STOPPED with win32 87" grep -qx 'state=STOPPED win32=87 specific=0' <<<"$st"
tool scm delete MusterSvcNoRes >/dev/null

stage inst.exe
rm -f "$d/mark-stop" "$d/mark-stop.child"
tool scm create MusterSvcStop "$(binpath inst.exe "tree 8 \\\"$W\\mark-stop\\\"")" >/dev/null
tool scm start MusterSvcStop >/dev/null
sleep 2
lab_check_quiet "service stop: ControlService(STOP) accepted" sh -c "test -z \"\$(timeout 60 wine '$d/tool.exe' scm stop MusterSvcStop 2>&1)\""
st=$(tool scm wait MusterSvcStop 30)
lab_check_quiet "service stop: STOPPED, specific ERROR_CANCELLED" grep -qx 'state=STOPPED win32=1066 specific=1223' <<<"$st"
lab_check_quiet "service stop: result says so" \
	first_like '^MUSTER-RESULT status=failed code=1223 reason=stopped by the service control manager'
lab_check_quiet "service stop: the installer had started its child" has "tree: started a sleeping child"
lab_check_quiet "service stop: installer removed" test ! -e "$d/inst.exe"
tool scm delete MusterSvcStop >/dev/null

# --- the processes ended above must not have lived on: their marker files
# would appear 8-9 s after they started.
wait_s=$((ts + 11 - $(date +%s)))
[ "$wait_s" -gt 0 ] && sleep "$wait_s"
sleep 8 # for the service stop case, started last
lab_check_quiet "timeout: the installer was ended" test ! -e "$d/mark-timeout"
lab_check_quiet "timeout: its child was ended too" test ! -e "$d/mark-timeout.child"
lab_check_quiet "leftover: the process left behind was ended" test ! -e "$d/mark-left"
lab_check_quiet "service stop: the installer was ended" test ! -e "$d/mark-stop"
lab_check_quiet "service stop: its child was ended too" test ! -e "$d/mark-stop.child"

lab_check_summary
