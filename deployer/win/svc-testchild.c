/* deployer/win/svc-testchild.c: a stand-in installer and a service control
 * client, for testing muster-svc.exe under wine (tests/lab/test_muster_svc_wine.sh).
 * Cross-compiled with mingw-w64 beside muster-svc.exe; never shipped.
 *
 *   print CODE TEXT...     each TEXT as a UTF-8 line on stdout and, prefixed
 *                          "stderr: ", on stderr; exit CODE
 *   utf16 CODE TEXT        TEXT as UTF-16LE with a byte order mark; exit CODE
 *   flood BYTES CODE       BYTES of numbered lines on stdout; exit CODE
 *   sleep SECS MARKER      sleep, then create the file MARKER; exit 0
 *   tree SECS MARKER       start "sleep SECS MARKER.child", sleep SECS, then
 *                          create MARKER; exit 0
 *   leave SECS MARKER      start "sleep SECS MARKER" and exit 0 at once
 *   scm create NAME BINPATH    CreateServiceW: own process, demand start
 *   scm start NAME             StartServiceW
 *   scm stop NAME              ControlService(SERVICE_CONTROL_STOP)
 *   scm wait NAME SECS         poll until STOPPED; print the states seen and
 *                              "state=STOPPED win32=N specific=N"
 *   scm delete NAME            DeleteService
 * Exit 100 on a usage error or a failed call (its error is printed).
 */
#include <windows.h>
#include <shellapi.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

static void
put(HANDLE h, const char *s, size_t n)
{
	DWORD done;
	while (n > 0) {
		if (!WriteFile(h, s, n > 65536 ? 65536 : (DWORD)n, &done, NULL) || done == 0)
			return;
		s += done, n -= done;
	}
}

static void
puts_h(HANDLE h, const char *s)
{
	put(h, s, strlen(s));
}

static void
putw_utf8(HANDLE h, const wchar_t *w)
{
	char buf[8192];
	int n = WideCharToMultiByte(CP_UTF8, 0, w, -1, buf, (int)sizeof(buf), NULL, NULL);
	if (n > 1)
		put(h, buf, (size_t)n - 1);
}

static void
putu(HANDLE h, uint64_t v)
{
	char b[24], *q = b + sizeof(b);
	do {
		*--q = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	put(h, q, (size_t)(b + sizeof(b) - q));
}

static DWORD
num(const wchar_t *s)
{
	uint64_t v = 0;
	for (; *s >= L'0' && *s <= L'9' && v < 0xffffffffu; s++)
		v = v * 10 + (uint64_t)(*s - L'0');
	return (DWORD)(v > 0xffffffffu ? 0xffffffffu : v);
}

static int
failed(const char *what)
{
	HANDLE e = GetStdHandle(STD_ERROR_HANDLE);
	puts_h(e, what);
	puts_h(e, " failed: error ");
	putu(e, GetLastError());
	puts_h(e, "\r\n");
	return 100;
}

static void
touch(const wchar_t *path)
{
	HANDLE h = CreateFileW(path, GENERIC_WRITE, 0, NULL, CREATE_ALWAYS, 0, NULL);
	if (h != INVALID_HANDLE_VALUE)
		CloseHandle(h);
}

/* Start this program again with "sleep SECS MARKER<suffix>". */
static bool
spawn_sleeper(const wchar_t *secs, const wchar_t *marker, const wchar_t *suffix)
{
	static wchar_t self[MAX_PATH + 1], cmd[4096];
	STARTUPINFOW si;
	PROCESS_INFORMATION pi;
	DWORD n = GetModuleFileNameW(NULL, self, MAX_PATH + 1);

	if (n == 0 || n > MAX_PATH ||
	    wcslen(self) + wcslen(secs) + wcslen(marker) + wcslen(suffix) + 20 >= 4096)
		return false;
	cmd[0] = L'\0';
	wcsncat(cmd, L"\"", 4095);
	wcsncat(cmd, self, 4095 - wcslen(cmd));
	wcsncat(cmd, L"\" sleep ", 4095 - wcslen(cmd));
	wcsncat(cmd, secs, 4095 - wcslen(cmd));
	wcsncat(cmd, L" \"", 4095 - wcslen(cmd));
	wcsncat(cmd, marker, 4095 - wcslen(cmd));
	wcsncat(cmd, suffix, 4095 - wcslen(cmd));
	wcsncat(cmd, L"\"", 4095 - wcslen(cmd));
	memset(&si, 0, sizeof(si));
	si.cb = sizeof(si);
	if (!CreateProcessW(self, cmd, NULL, NULL, FALSE, 0, NULL, NULL, &si, &pi))
		return false;
	CloseHandle(pi.hThread);
	CloseHandle(pi.hProcess);
	return true;
}

static const char *
state_name(DWORD s)
{
	switch (s) {
	case SERVICE_STOPPED:
		return "STOPPED";
	case SERVICE_START_PENDING:
		return "START_PENDING";
	case SERVICE_STOP_PENDING:
		return "STOP_PENDING";
	case SERVICE_RUNNING:
		return "RUNNING";
	}
	return "OTHER";
}

static int
scm(int argc, wchar_t **argv)
{
	HANDLE out = GetStdHandle(STD_OUTPUT_HANDLE);
	SC_HANDLE m, s;
	SERVICE_STATUS st;
	int rc = 0;

	if (argc < 4)
		return 100;
	m = OpenSCManagerW(NULL, NULL, SC_MANAGER_ALL_ACCESS);
	if (m == NULL)
		return failed("OpenSCManagerW");
	if (wcscmp(argv[2], L"create") == 0 && argc == 5) {
		s = CreateServiceW(m, argv[3], argv[3], SERVICE_ALL_ACCESS,
		                   SERVICE_WIN32_OWN_PROCESS, SERVICE_DEMAND_START,
		                   SERVICE_ERROR_NORMAL, argv[4], NULL, NULL, NULL, NULL, NULL);
		if (s == NULL)
			rc = failed("CreateServiceW");
		else
			CloseServiceHandle(s);
		CloseServiceHandle(m);
		return rc;
	}
	s = OpenServiceW(m, argv[3], SERVICE_ALL_ACCESS);
	if (s == NULL) {
		rc = failed("OpenServiceW");
		CloseServiceHandle(m);
		return rc;
	}
	if (wcscmp(argv[2], L"start") == 0) {
		if (!StartServiceW(s, 0, NULL))
			rc = failed("StartServiceW");
	} else if (wcscmp(argv[2], L"stop") == 0) {
		if (!ControlService(s, SERVICE_CONTROL_STOP, &st))
			rc = failed("ControlService");
	} else if (wcscmp(argv[2], L"delete") == 0) {
		if (!DeleteService(s))
			rc = failed("DeleteService");
	} else if (wcscmp(argv[2], L"wait") == 0 && argc == 5) {
		uint64_t until = GetTickCount64() + (uint64_t)num(argv[4]) * 1000;
		DWORD last = 0;
		puts_h(out, "states=");
		for (;;) {
			if (!QueryServiceStatus(s, &st)) {
				rc = failed("QueryServiceStatus");
				break;
			}
			if (st.dwCurrentState != last) {
				puts_h(out, last == 0 ? "" : ",");
				puts_h(out, state_name(st.dwCurrentState));
				last = st.dwCurrentState;
			}
			if (st.dwCurrentState == SERVICE_STOPPED || GetTickCount64() > until)
				break;
			Sleep(50);
		}
		puts_h(out, "\r\nstate=");
		puts_h(out, state_name(st.dwCurrentState));
		puts_h(out, " win32=");
		putu(out, st.dwWin32ExitCode);
		puts_h(out, " specific=");
		putu(out, st.dwServiceSpecificExitCode);
		puts_h(out, "\r\n");
	} else {
		rc = 100;
	}
	CloseServiceHandle(s);
	CloseServiceHandle(m);
	return rc;
}

int
main(void)
{
	HANDLE out = GetStdHandle(STD_OUTPUT_HANDLE), err = GetStdHandle(STD_ERROR_HANDLE);
	int argc;
	wchar_t **argv = CommandLineToArgvW(GetCommandLineW(), &argc);

	if (argv == NULL || argc < 2)
		return 100;
	if (wcscmp(argv[1], L"print") == 0 && argc >= 3) {
		for (int i = 3; i < argc; i++) {
			putw_utf8(out, argv[i]);
			puts_h(out, "\r\n");
			puts_h(err, "stderr: ");
			putw_utf8(err, argv[i]);
			puts_h(err, "\r\n");
		}
		return (int)num(argv[2]);
	}
	if (wcscmp(argv[1], L"utf16") == 0 && argc == 4) {
		static const uint8_t bom[2] = {0xff, 0xfe};
		put(out, (const char *)bom, 2);
		put(out, (const char *)argv[3], wcslen(argv[3]) * sizeof(wchar_t));
		put(out, (const char *)L"\r\n", 2 * sizeof(wchar_t));
		return (int)num(argv[2]);
	}
	if (wcscmp(argv[1], L"flood") == 0 && argc == 4) {
		uint64_t want = num(argv[2]), done = 0;
		static char line[64];
		for (uint64_t i = 0; done < want; i++) {
			char b[24], *q = b + sizeof(b);
			uint64_t v = i;
			size_t n;
			do {
				*--q = (char)('0' + v % 10);
				v /= 10;
			} while (v != 0);
			n = (size_t)(b + sizeof(b) - q);
			memcpy(line, "flood line ", 11);
			memcpy(line + 11, q, n);
			memcpy(line + 11 + n, " ........................\n", 26);
			n += 37;
			put(out, line, n);
			done += n;
		}
		return (int)num(argv[3]);
	}
	if (wcscmp(argv[1], L"sleep") == 0 && argc == 4) {
		Sleep(num(argv[2]) * 1000);
		touch(argv[3]);
		return 0;
	}
	if (wcscmp(argv[1], L"tree") == 0 && argc == 4) {
		if (!spawn_sleeper(argv[2], argv[3], L".child"))
			return failed("CreateProcessW");
		puts_h(out, "tree: started a sleeping child\r\n");
		Sleep(num(argv[2]) * 1000);
		touch(argv[3]);
		return 0;
	}
	if (wcscmp(argv[1], L"leave") == 0 && argc == 4) {
		if (!spawn_sleeper(argv[2], argv[3], L""))
			return failed("CreateProcessW");
		puts_h(out, "leave: left a sleeping child behind\r\n");
		return 0;
	}
	if (wcscmp(argv[1], L"scm") == 0)
		return scm(argc, argv);
	return 100;
}
