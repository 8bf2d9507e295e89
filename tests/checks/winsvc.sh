#!/usr/bin/env bash
# muster-svc.exe (deployer/win) is built whenever mingw-w64 is there, and is
# what the Windows service control manager can run on a bare target: PE32+
# for x86-64, console subsystem, importing the service, process and job calls
# it is built around, and depending on no mingw DLL (libgcc, winpthread are
# linked statically) - only on DLLs every Windows has.
# Usage: winsvc.sh EXE BUILT   (BUILT: 1 when the build has the muster-svc target)
set -u
exe=$1 built=${2:-0}
if [ "$built" != 1 ]; then
	echo "muster-svc.exe is not part of this build (x86_64-w64-mingw32-gcc missing:" \
		"apt-get install mingw-w64; or muster-deploy not configured): skipped"
	exit 77
fi
if [ ! -f "$exe" ]; then
	echo "FAIL: $exe was not built although mingw-w64 is there"
	exit 1
fi
od=
for tool in x86_64-w64-mingw32-objdump objdump; do
	if command -v "$tool" >/dev/null && "$tool" -p "$exe" >/dev/null 2>&1; then
		od=$tool
		break
	fi
done
if [ -z "$od" ]; then
	echo "no objdump that reads PE files (apt-get install binutils-mingw-w64-x86-64): skipped"
	exit 77
fi
dump=$("$od" -p "$exe")
fail=0
check() { # check NAME COMMAND...
	local name=$1
	shift
	if "$@" >/dev/null 2>&1; then
		echo "ok   - $name"
	else
		echo "FAIL - $name"
		fail=1
	fi
}
# (check's command reads the dump from check's own stdin)
check "PE32+ (optional header magic 020b)" grep -Eq '^Magic[[:space:]]+020b[[:space:]]+\(PE32\+\)' <<<"$dump"
check "x86-64 (pei-x86-64)" sh -c "'$od' -f '$exe' | grep -q 'file format pei-x86-64'"
check "console subsystem (Windows CUI)" grep -Eq '^Subsystem[[:space:]]+00000003[[:space:]]+\(Windows CUI\)' \
	<<<"$dump"
for fn in StartServiceCtrlDispatcherW RegisterServiceCtrlHandlerExW SetServiceStatus \
	CreateProcessW CreateJobObjectW AssignProcessToJobObject TerminateJobObject \
	GetCommandLineW CommandLineToArgvW MoveFileExW; do
	check "imports $fn" grep -Eq "^[[:space:]]+[0-9a-f]+[[:space:]]+[0-9]+[[:space:]]+$fn\$" <<<"$dump"
done
dlls=$(sed -n 's/^[[:space:]]*DLL Name: //p' <<<"$dump" | tr -d '\r')
check "has an import table" test -n "$dlls"
for dll in $dlls; do
	# System DLLs only; mingw's would be libgcc_s_*.dll, libwinpthread-1.dll, libssp-0.dll...
	check "depends on $dll, a system DLL" grep -Eqix 'kernel32|advapi32|shell32|msvcrt|user32|api-ms-win-[a-z0-9-]+' \
		<<<"${dll%.[dD][lL][lL]}"
done
exit $fail
