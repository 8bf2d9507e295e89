/* installer-builder/win/bootstrap.c: the Windows all-in-one bootstrapper.
 *
 * Cross-compiled with mingw-w64 into muster-bootstrap.exe; muster-installer
 * appends a payload (payload.h) holding the agent MSI, an optional product
 * MSI, the configuration files and the enrollment script. An MSI cannot run
 * other MSIs from inside itself, so this program does it, in turn:
 *
 *   verify the payload's SHA-256 (before anything is written) -> check
 *   privileges, architecture, expiry, free disk -> extract to a private temp
 *   dir (SYSTEM and Administrators only) -> write the configuration to
 *   %ProgramData%\Muster (same ACL) -> msiexec /i agent, then product ->
 *   run enroll.ps1 -> clean the temp dir -> print one MUSTER-RESULT line.
 *
 * Usage: installer.exe [/verify] [/quiet]
 *   /verify  check the payload, print what it embeds as JSON, install nothing.
 *
 * Exit codes (also the code= of the MUSTER-RESULT line):
 *    0  installed and enrolled            3010  same, a reboot is needed
 *    2  usage                               10  not elevated (run as admin/SYSTEM)
 *   11  wrong architecture                  12  installer expired
 *   13  not enough free disk                20  payload missing, tampered or malformed
 *   30  temp dir or extraction failed       40  agent MSI failed (msi= its code)
 *   41  product MSI failed                  50  configuration could not be written
 *   60  enrollment failed
 * Running it twice is harmless: msiexec repairs/keeps an installed product,
 * the configuration is replaced atomically and enrollment is idempotent.
 */
#include <windows.h>
#include <bcrypt.h>
#include <sddl.h>
#include <shlobj.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "payload.h"

enum {
	EX_OK = 0,
	EX_USAGE = 2,
	EX_NOTADMIN = 10,
	EX_ARCH = 11,
	EX_EXPIRED = 12,
	EX_DISK = 13,
	EX_PAYLOAD = 20,
	EX_EXTRACT = 30,
	EX_AGENT = 40,
	EX_PRODUCT = 41,
	EX_CONFIG = 50,
	EX_ENROLL = 60,
	EX_REBOOT = 3010,
};

/* SYSTEM and Administrators only, not inherited from the parent. */
static const wchar_t PRIVATE_SDDL[] = L"D:P(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)";

#define WBUF 4096

/* Bounded wide strings: appends past the end set bad and are dropped. */
#define WSTR_MAX WBUF
#include "common/win/wstr.h"

/* ASCII (names from the verified payload are [A-Za-z0-9._-]). */
static void
ws_put_ascii(struct wstr *w, const char *src)
{
	for (; *src != '\0'; src++) {
		wchar_t one[2] = {(wchar_t)(unsigned char)*src, L'\0'};
		ws_put(w, one);
	}
}

static char *
u64dec(uint64_t v, char buf[24])
{
	char *p = buf + 23;
	*p = '\0';
	do {
		*--p = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	return p;
}

static bool
dec_u64(const char *s, uint64_t *out)
{
	uint64_t v = 0;
	if (*s == '\0')
		return false;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9' || v > (UINT64_MAX - 9) / 10)
			return false;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	*out = v;
	return true;
}

/* --- output and log --------------------------------------------------- */

static HANDLE logh = INVALID_HANDLE_VALUE;
static bool quiet;

static void
write_all(HANDLE h, const char *s, size_t n)
{
	DWORD done;
	while (n > 0 && h != INVALID_HANDLE_VALUE && h != NULL) {
		DWORD chunk = n > 65536 ? 65536 : (DWORD)n;
		if (!WriteFile(h, s, chunk, &done, NULL) || done == 0)
			return;
		s += done, n -= done;
	}
}

static void
out(const char *s)
{
	write_all(GetStdHandle(STD_OUTPUT_HANDLE), s, strlen(s));
}

/* One log line from a NULL-terminated list of strings: to the log file and,
 * unless /quiet, to stderr. */
static void
logmsg(const char *first, ...)
{
	char line[2048];
	size_t len = 0;
	va_list ap;

	va_start(ap, first);
	for (const char *s = first; s != NULL; s = va_arg(ap, const char *)) {
		size_t n = strlen(s);
		if (n > sizeof(line) - 2 - len)
			n = sizeof(line) - 2 - len;
		memcpy(line + len, s, n);
		len += n;
	}
	va_end(ap);
	line[len++] = '\r';
	line[len++] = '\n';
	write_all(logh, line, len);
	if (!quiet)
		write_all(GetStdHandle(STD_ERROR_HANDLE), line, len);
}

/* A wide string as UTF-8 for the log (static buffer, one at a time). */
static const char *
u8(const wchar_t *w)
{
	static char buf[4 * WBUF];
	int n = WideCharToMultiByte(CP_UTF8, 0, w, -1, buf, (int)sizeof(buf), NULL, NULL);
	if (n <= 0)
		return "?";
	return buf;
}

static const char *
lasterr(void)
{
	static char buf[24];
	return u64dec(GetLastError(), buf);
}

/* --- checks ------------------------------------------------------------ */

static bool
is_admin(void)
{
	SID_IDENTIFIER_AUTHORITY nt = SECURITY_NT_AUTHORITY;
	PSID admins = NULL;
	BOOL member = FALSE;

	if (!AllocateAndInitializeSid(&nt, 2, SECURITY_BUILTIN_DOMAIN_RID, DOMAIN_ALIAS_RID_ADMINS,
	                              0, 0, 0, 0, 0, 0, &admins))
		return false;
	if (!CheckTokenMembership(NULL, admins, &member))
		member = FALSE;
	FreeSid(admins);
	return member != FALSE;
}

static bool
arch_ok(const char *want)
{
	SYSTEM_INFO si;
	GetNativeSystemInfo(&si);
	switch (si.wProcessorArchitecture) {
	case PROCESSOR_ARCHITECTURE_AMD64:
		return strcmp(want, "amd64") == 0 || strcmp(want, "x64") == 0 ||
		       strcmp(want, "x86_64") == 0;
	case 12: /* PROCESSOR_ARCHITECTURE_ARM64 */
		return strcmp(want, "arm64") == 0 || strcmp(want, "aarch64") == 0;
	case PROCESSOR_ARCHITECTURE_INTEL:
		return strcmp(want, "x86") == 0 || strcmp(want, "i386") == 0 ||
		       strcmp(want, "i686") == 0;
	}
	return false;
}

static uint64_t
unix_now(void)
{
	FILETIME ft;
	ULARGE_INTEGER u;
	GetSystemTimeAsFileTime(&ft);
	u.LowPart = ft.dwLowDateTime;
	u.HighPart = ft.dwHighDateTime;
	return (u.QuadPart - 116444736000000000ULL) / 10000000ULL;
}

/* --- files ------------------------------------------------------------- */

static bool
private_sa(SECURITY_ATTRIBUTES *sa)
{
	PSECURITY_DESCRIPTOR sd = NULL;
	if (!ConvertStringSecurityDescriptorToSecurityDescriptorW(PRIVATE_SDDL, SDDL_REVISION_1,
	                                                          &sd, NULL))
		return false;
	sa->nLength = sizeof(*sa);
	sa->lpSecurityDescriptor = sd;
	sa->bInheritHandle = FALSE;
	return true;
}

/* Create dir with the private ACL; if it exists, reset its ACL to it. */
static bool
private_dir(const wchar_t *dir, bool must_be_new)
{
	SECURITY_ATTRIBUTES sa;
	bool ok;

	if (!private_sa(&sa))
		return false;
	ok = CreateDirectoryW(dir, &sa) != 0;
	if (!ok && !must_be_new && GetLastError() == ERROR_ALREADY_EXISTS)
		ok = SetFileSecurityW(dir, DACL_SECURITY_INFORMATION, sa.lpSecurityDescriptor) != 0;
	LocalFree(sa.lpSecurityDescriptor);
	return ok;
}

static bool
write_file(const wchar_t *path, const uint8_t *p, uint64_t len, bool replace)
{
	HANDLE h = CreateFileW(path, GENERIC_WRITE, 0, NULL, replace ? CREATE_ALWAYS : CREATE_NEW,
	                       FILE_ATTRIBUTE_NORMAL, NULL);
	DWORD done;
	bool ok = true;

	if (h == INVALID_HANDLE_VALUE)
		return false;
	while (ok && len > 0) {
		DWORD chunk = len > (1u << 24) ? (1u << 24) : (DWORD)len;
		ok = WriteFile(h, p, chunk, &done, NULL) && done == chunk;
		p += chunk, len -= chunk;
	}
	if (!FlushFileBuffers(h))
		ok = false;
	if (!CloseHandle(h))
		ok = false;
	if (!ok)
		DeleteFileW(path);
	return ok;
}

/* Write then rename over the old file, so a reader never sees half a file. */
static bool
write_atomic(const wchar_t *dir, const char *name, const uint8_t *p, uint64_t len)
{
	struct wstr tmp, dst;

	ws_set(&dst, dir);
	ws_put(&dst, L"\\");
	ws_put_ascii(&dst, name);
	ws_set(&tmp, dst.s);
	ws_put(&tmp, L".new");
	if (dst.bad || tmp.bad)
		return false;
	DeleteFileW(tmp.s);
	if (!write_file(tmp.s, p, len, false))
		return false;
	if (!MoveFileExW(tmp.s, dst.s, MOVEFILE_REPLACE_EXISTING | MOVEFILE_WRITE_THROUGH)) {
		DeleteFileW(tmp.s);
		return false;
	}
	return true;
}

/* --- processes ----------------------------------------------------------- */

/* Run app with cmdline (writable copy taken), wait up to timeout_ms.
 * Returns the exit code, or -1 when it could not start or timed out. */
static long
run(const wchar_t *app, const wchar_t *cmdline, DWORD timeout_ms)
{
	STARTUPINFOW si;
	PROCESS_INFORMATION pi;
	struct wstr cl;
	DWORD code = 0;

	ws_set(&cl, cmdline);
	if (cl.bad)
		return -1;
	memset(&si, 0, sizeof(si));
	si.cb = sizeof(si);
	memset(&pi, 0, sizeof(pi));
	if (!CreateProcessW(app, cl.s, NULL, NULL, FALSE, CREATE_NO_WINDOW, NULL, NULL, &si, &pi)) {
		logmsg("event=spawn-failed error=", lasterr(), " app=", u8(app), NULL);
		return -1;
	}
	if (WaitForSingleObject(pi.hProcess, timeout_ms) != WAIT_OBJECT_0) {
		TerminateProcess(pi.hProcess, 1);
		WaitForSingleObject(pi.hProcess, 5000);
		code = (DWORD)-1;
		logmsg("event=timeout app=", u8(app), NULL);
	} else if (!GetExitCodeProcess(pi.hProcess, &code)) {
		code = (DWORD)-1;
	}
	CloseHandle(pi.hThread);
	CloseHandle(pi.hProcess);
	return code == (DWORD)-1 ? -1 : (long)code;
}

/* msiexec /i MSI /qn /norestart /l*v LOG. 1618 (another installation in
 * progress) is retried for up to ten minutes. */
static long
msiexec(const wchar_t *sysdir, const wchar_t *msi, const wchar_t *log)
{
	struct wstr app, cl;
	long code = -1;

	ws_set(&app, sysdir);
	ws_put(&app, L"\\msiexec.exe");
	ws_set(&cl, L"\"");
	ws_put(&cl, app.s);
	ws_put(&cl, L"\" /i \"");
	ws_put(&cl, msi);
	ws_put(&cl, L"\" /qn /norestart /l*v \"");
	ws_put(&cl, log);
	ws_put(&cl, L"\"");
	if (app.bad || cl.bad)
		return -1;
	for (int attempt = 0; attempt < 20; attempt++) {
		code = run(app.s, cl.s, 60u * 60u * 1000u);
		if (code != 1618)
			break;
		logmsg("event=msi-busy retry_in=30s", NULL);
		Sleep(30000);
	}
	return code;
}

/* --- the steps ------------------------------------------------------------ */

struct job {
	struct wstr self, sysdir, tmpdir, confdir, logdir;
	const uint8_t *image;
	uint64_t image_len;
	struct wpl_trailer t;
	struct wpl_record rec[WPL_RECORDS_MAX];
	size_t nrec;
	char installer_id[64];
	char group[512];
	bool extracted[WPL_RECORDS_MAX];
	bool reboot;
	long msi_code;
};

static void
result(struct job *j, const char *status, int code)
{
	char line[512], nb[24];
	size_t len = 0;
	const char *parts[] = {"MUSTER-RESULT status=",
	                       status,
	                       " code=",
	                       u64dec((uint64_t)code, nb),
	                       " installer=",
	                       j->installer_id[0] != '\0' ? j->installer_id : "-",
	                       " reboot=",
	                       j->reboot ? "yes" : "no",
	                       "\r\n"};
	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
		size_t n = strlen(parts[i]);
		if (n > sizeof(line) - 1 - len)
			n = sizeof(line) - 1 - len;
		memcpy(line + len, parts[i], n);
		len += n;
	}
	line[len] = '\0';
	write_all(GetStdHandle(STD_OUTPUT_HANDLE), line, len);
	write_all(logh, line, len);
	if (j->confdir.len > 0)
		write_atomic(j->confdir.s, "last-result.txt", (const uint8_t *)line, len);
}

/* Map our own .exe read-only. Write sharing is denied while we hold it, so
 * the bytes we verify are the bytes we extract. */
static int
map_self(struct job *j)
{
	HANDLE f, m;
	LARGE_INTEGER size;

	f = CreateFileW(j->self.s, GENERIC_READ, FILE_SHARE_READ, NULL, OPEN_EXISTING,
	                FILE_ATTRIBUTE_NORMAL, NULL);
	if (f == INVALID_HANDLE_VALUE)
		return -1;
	if (!GetFileSizeEx(f, &size) || size.QuadPart < WPL_TRAILER_LEN) {
		CloseHandle(f);
		return -1;
	}
	m = CreateFileMappingW(f, NULL, PAGE_READONLY, 0, 0, NULL);
	if (m == NULL) {
		CloseHandle(f);
		return -1;
	}
	j->image = MapViewOfFile(m, FILE_MAP_READ, 0, 0, 0);
	j->image_len = (uint64_t)size.QuadPart;
	/* The view keeps the mapping alive; the file handle is kept open (and
	 * leaked on purpose until exit) to hold the sharing lock. */
	CloseHandle(m);
	return j->image != NULL ? 0 : -1;
}

static const struct wpl_record *
find(const struct job *j, uint32_t type)
{
	for (size_t i = 0; i < j->nrec; i++)
		if (j->rec[i].type == type)
			return &j->rec[i];
	return NULL;
}

static void
json_str(const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	char buf[8];
	out("\"");
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (ch == '"' || ch == '\\') {
			buf[0] = '\\', buf[1] = (char)ch, buf[2] = '\0';
		} else if (ch < 0x20 || ch == 0x7f) {
			memcpy(buf, "\\u00", 4);
			buf[4] = hex[ch >> 4], buf[5] = hex[ch & 15], buf[6] = '\0';
		} else {
			buf[0] = (char)ch, buf[1] = '\0';
		}
		out(buf);
	}
	out("\"");
}

static int
verify_only(struct job *j)
{
	static const char *const types[] = {"",       "agent-msi", "product-msi",
	                                    "config", "script",    "meta"};
	const struct wpl_record *meta = find(j, WPL_META);
	char nb[24];

	out("{\"integrity\": \"ok\", \"files\": [");
	for (size_t i = 0; i < j->nrec; i++) {
		out(i > 0 ? ", {\"name\": " : "{\"name\": ");
		json_str(j->rec[i].name, strlen(j->rec[i].name));
		out(", \"type\": \"");
		out(types[j->rec[i].type]);
		out("\", \"size\": ");
		out(u64dec(j->rec[i].len, nb));
		out("}");
	}
	out("], \"meta\": ");
	if (meta != NULL)
		json_str((const char *)meta->data, (size_t)meta->len);
	else
		out("null");
	out("}\r\n");
	result(j, "verified", EX_OK);
	return EX_OK;
}

static int
extract(struct job *j)
{
	uint8_t rnd[8];
	static const char hex[] = "0123456789abcdef";
	wchar_t tmp[MAX_PATH + 1];
	uint64_t need = 64u << 20;
	ULARGE_INTEGER avail;

	for (size_t i = 0; i < j->nrec; i++)
		need += 2 * j->rec[i].len;
	if (GetTempPathW(MAX_PATH + 1, tmp) == 0)
		return EX_EXTRACT;
	if (GetDiskFreeSpaceExW(tmp, &avail, NULL, NULL) && avail.QuadPart < need) {
		logmsg("event=disk-low dir=", u8(tmp), NULL);
		return EX_DISK;
	}
	for (int attempt = 0;; attempt++) {
		wchar_t name[17];
		if (attempt == 8 ||
		    BCryptGenRandom(NULL, rnd, sizeof(rnd), BCRYPT_USE_SYSTEM_PREFERRED_RNG) != 0)
			return EX_EXTRACT;
		for (int i = 0; i < 8; i++) {
			name[2 * i] = (wchar_t)hex[rnd[i] >> 4];
			name[2 * i + 1] = (wchar_t)hex[rnd[i] & 15];
		}
		name[16] = L'\0';
		ws_set(&j->tmpdir, tmp);
		ws_put(&j->tmpdir, L"muster-");
		ws_put(&j->tmpdir, name);
		if (j->tmpdir.bad)
			return EX_EXTRACT;
		if (private_dir(j->tmpdir.s, true))
			break;
	}
	for (size_t i = 0; i < j->nrec; i++) {
		struct wstr path;
		if (j->rec[i].type != WPL_AGENT_MSI && j->rec[i].type != WPL_PRODUCT_MSI &&
		    j->rec[i].type != WPL_SCRIPT)
			continue;
		ws_set(&path, j->tmpdir.s);
		ws_put(&path, L"\\");
		ws_put_ascii(&path, j->rec[i].name);
		if (path.bad || !write_file(path.s, j->rec[i].data, j->rec[i].len, false)) {
			logmsg("event=extract-failed file=", j->rec[i].name, " error=", lasterr(),
			       NULL);
			return EX_EXTRACT;
		}
		j->extracted[i] = true;
	}
	return EX_OK;
}

static void
cleanup(struct job *j)
{
	for (size_t i = 0; i < j->nrec; i++) {
		struct wstr path;
		if (!j->extracted[i])
			continue;
		ws_set(&path, j->tmpdir.s);
		ws_put(&path, L"\\");
		ws_put_ascii(&path, j->rec[i].name);
		DeleteFileW(path.s);
	}
	if (j->tmpdir.len > 0)
		RemoveDirectoryW(j->tmpdir.s);
}

static int
write_config(struct job *j)
{
	for (size_t i = 0; i < j->nrec; i++) {
		if (j->rec[i].type != WPL_CONFIG)
			continue;
		if (!write_atomic(j->confdir.s, j->rec[i].name, j->rec[i].data, j->rec[i].len)) {
			logmsg("event=config-failed file=", j->rec[i].name, " error=", lasterr(),
			       NULL);
			return EX_CONFIG;
		}
		logmsg("event=config-written file=", j->rec[i].name, NULL);
	}
	return EX_OK;
}

static int
install(struct job *j, uint32_t type, const char *logname, int fail)
{
	const struct wpl_record *r = find(j, type);
	struct wstr msi, log;
	char nb[24];

	if (r == NULL)
		return EX_OK;
	ws_set(&msi, j->tmpdir.s);
	ws_put(&msi, L"\\");
	ws_put_ascii(&msi, r->name);
	ws_set(&log, j->logdir.s);
	ws_put(&log, L"\\");
	ws_put_ascii(&log, logname);
	logmsg("event=msiexec file=", r->name, " log=", u8(log.s), NULL);
	j->msi_code = msiexec(j->sysdir.s, msi.s, log.s);
	logmsg("event=msiexec-done file=", r->name,
	       " code=", j->msi_code < 0 ? "-1" : u64dec((uint64_t)j->msi_code, nb), NULL);
	if (j->msi_code == 3010) {
		j->reboot = true;
		return EX_OK;
	}
	return j->msi_code == 0 ? EX_OK : fail;
}

static int
enroll(struct job *j)
{
	const struct wpl_record *r = find(j, WPL_SCRIPT);
	struct wstr app, cl;
	long code;

	if (r == NULL)
		return EX_OK;
	ws_set(&app, j->sysdir.s);
	ws_put(&app, L"\\WindowsPowerShell\\v1.0\\powershell.exe");
	ws_set(&cl, L"\"");
	ws_put(&cl, app.s);
	ws_put(&cl, L"\" -NoProfile -NonInteractive -ExecutionPolicy Bypass -File \"");
	ws_put(&cl, j->tmpdir.s);
	ws_put(&cl, L"\\");
	ws_put_ascii(&cl, r->name);
	ws_put(&cl, L"\" -ConfigDir \"");
	ws_put(&cl, j->confdir.s);
	ws_put(&cl, L"\"");
	if (app.bad || cl.bad)
		return EX_ENROLL;
	code = run(app.s, cl.s, 15u * 60u * 1000u);
	logmsg("event=enroll-done code=", code == 0 ? "0" : "failed", NULL);
	return code == 0 ? EX_OK : EX_ENROLL;
}

static int
prepare_dirs(struct job *j)
{
	PWSTR pd = NULL;
	wchar_t sys[MAX_PATH + 1];
	UINT n = GetSystemDirectoryW(sys, MAX_PATH + 1);

	if (n == 0 || n > MAX_PATH)
		return EX_CONFIG;
	ws_set(&j->sysdir, sys);
	if (SHGetKnownFolderPath(&FOLDERID_ProgramData, 0, NULL, &pd) != S_OK)
		return EX_CONFIG;
	ws_set(&j->confdir, pd);
	CoTaskMemFree(pd);
	ws_put(&j->confdir, L"\\Muster");
	ws_set(&j->logdir, j->confdir.s);
	ws_put(&j->logdir, L"\\logs");
	if (j->confdir.bad || j->logdir.bad || !private_dir(j->confdir.s, false) ||
	    !private_dir(j->logdir.s, false))
		return EX_CONFIG;
	{
		struct wstr lp;
		ws_set(&lp, j->logdir.s);
		ws_put(&lp, L"\\bootstrap.log");
		logh = CreateFileW(lp.s, FILE_APPEND_DATA, FILE_SHARE_READ, NULL, OPEN_ALWAYS,
		                   FILE_ATTRIBUTE_NORMAL, NULL);
	}
	return EX_OK;
}

static int
run_all(struct job *j)
{
	int r;
	if ((r = prepare_dirs(j)) != EX_OK)
		return r;
	logmsg("event=start installer=", j->installer_id, NULL);
	if ((r = extract(j)) != EX_OK)
		return r;
	/* Configuration first: the agent's service reads it when it starts. */
	if ((r = write_config(j)) != EX_OK)
		return r;
	if ((r = install(j, WPL_AGENT_MSI, "msi-agent.log", EX_AGENT)) != EX_OK)
		return r;
	if ((r = install(j, WPL_PRODUCT_MSI, "msi-product.log", EX_PRODUCT)) != EX_OK)
		return r;
	return enroll(j);
}

static const char *
status_of(int code)
{
	switch (code) {
	case EX_OK:
	case EX_REBOOT:
		return "ok";
	case EX_USAGE:
		return "usage";
	case EX_NOTADMIN:
		return "not-admin";
	case EX_ARCH:
		return "wrong-arch";
	case EX_EXPIRED:
		return "expired";
	case EX_DISK:
		return "disk-full";
	case EX_PAYLOAD:
		return "payload-bad";
	case EX_EXTRACT:
		return "extract-failed";
	case EX_AGENT:
		return "agent-install-failed";
	case EX_PRODUCT:
		return "product-install-failed";
	case EX_CONFIG:
		return "config-failed";
	case EX_ENROLL:
		return "enroll-failed";
	}
	return "failed";
}

int wmain(int argc, wchar_t **argv); /* -municode entry point */

int
wmain(int argc, wchar_t **argv)
{
	static struct job j; /* large: keep it off the stack */
	const struct wpl_record *meta;
	char val[64];
	uint64_t expires;
	bool verify = false;
	int r;

	for (int i = 1; i < argc; i++) {
		if (_wcsicmp(argv[i], L"/verify") == 0 || _wcsicmp(argv[i], L"--verify") == 0)
			verify = true;
		else if (_wcsicmp(argv[i], L"/quiet") == 0 || _wcsicmp(argv[i], L"--quiet") == 0)
			quiet = true;
		else {
			out("usage: installer.exe [/verify] [/quiet]\r\n");
			result(&j, status_of(EX_USAGE), EX_USAGE);
			return EX_USAGE;
		}
	}
	DWORD n = GetModuleFileNameW(NULL, j.self.s, WBUF);
	if (n == 0 || n >= WBUF || map_self(&j) != 0) {
		logmsg("event=payload-bad why=cannot read own image", NULL);
		result(&j, status_of(EX_PAYLOAD), EX_PAYLOAD);
		return EX_PAYLOAD;
	}
	j.self.len = n;
	/* Nothing is written, and nothing in the payload believed, before this. */
	if ((r = wpl_verify(j.image, j.image_len, &j.t, j.rec, &j.nrec)) != WPL_OK) {
		logmsg("event=payload-bad why=", wpl_strerror(r), NULL);
		result(&j, status_of(EX_PAYLOAD), EX_PAYLOAD);
		return EX_PAYLOAD;
	}
	meta = find(&j, WPL_META);
	if (meta == NULL || find(&j, WPL_AGENT_MSI) == NULL ||
	    !wpl_meta_get(meta->data, (size_t)meta->len, "installer_id", j.installer_id,
	                  sizeof(j.installer_id))) {
		logmsg("event=payload-bad why=no agent or meta record", NULL);
		result(&j, status_of(EX_PAYLOAD), EX_PAYLOAD);
		return EX_PAYLOAD;
	}
	if (verify)
		return verify_only(&j);

	if (!is_admin())
		r = EX_NOTADMIN;
	else if (!wpl_meta_get(meta->data, (size_t)meta->len, "arch", val, sizeof(val)) ||
	         !arch_ok(val))
		r = EX_ARCH;
	else if (!wpl_meta_get(meta->data, (size_t)meta->len, "expires", val, sizeof(val)) ||
	         !dec_u64(val, &expires) || (expires != 0 && unix_now() > expires))
		r = EX_EXPIRED;
	else
		r = run_all(&j);
	cleanup(&j);
	if (r == EX_OK && j.reboot)
		r = EX_REBOOT;
	logmsg("event=done status=", status_of(r), NULL);
	result(&j, status_of(r), r);
	if (logh != INVALID_HANDLE_VALUE)
		CloseHandle(logh);
	return r;
}
