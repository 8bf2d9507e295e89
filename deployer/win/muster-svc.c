/* deployer/win/muster-svc.c: the Windows service muster-deploy's SMB method
 * creates on a target to run one installer (issue 9, part 3).
 *
 * The deployer uploads this program and an installer to ADMIN$, creates a
 * service ([MS-SCMR] RCreateServiceW, own process, demand start) whose
 * binary path is
 *
 *   "C:\Windows\<dir>\muster-svc.exe" --run "C:\Windows\<dir>\<installer>"
 *       --result "C:\Windows\<dir>\result.txt" [--timeout SECS] [--args "..."]
 *
 * and starts it. The service runs the installer inside a Job Object, so a
 * timeout or a STOP control ends its whole process tree: an .msi through
 * `msiexec /i "<file>" /qn /norestart /l*v "<log>"`, an .exe (the all-in-one
 * bootstrapper) with its stdout and stderr captured. It then deletes the
 * installer (only from its own directory) and writes the result file, UTF-8:
 *
 *   MUSTER-RESULT status=ok|failed code=N reason=<one line>
 *   muster-svc: <what ran, how long, what was removed>
 *   <the msiexec log, converted from UTF-16, or the .exe's output>
 *
 * at most 1 MiB in all (the log's tail is kept), written to <file>.tmp and
 * renamed over <file>, so the deployer never reads half a file. The deployer
 * removes the rest: this program, the result file and the service.
 *
 * --console runs the same job in the foreground without the service control
 * manager (wine, tests) and also prints the MUSTER-RESULT line. Its exit
 * status: 0 ok, 1 failed (result written), 2 usage or result not written.
 * As a service it stops with win32 exit code 0 when the result is ok,
 * otherwise ERROR_SERVICE_SPECIFIC_ERROR with the result's code as the
 * service-specific code; when no result file could be written, the win32
 * exit code is the error that prevented it.
 *
 * No secret passes through here: the installer carries its own.
 */
#include <windows.h>
#include <shellapi.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#define RESULT_CAP        (1u << 20) /* the whole result file */
#define TAIL_CAP          (2u << 20) /* raw bytes of a log kept for conversion */
#define PATH_MAXLEN       240        /* leaves room for ".tmp" and ".msi.log" */
#define ARGS_MAXLEN       4096
#define CMD_MAXLEN        8192
#define TIMEOUT_DEFAULT   3600u
#define TIMEOUT_MAX       (7u * 86400u)
#define LEFTOVER_GRACE_MS 5000u  /* for what the installer left running */
#define MSI_BUSY_WAIT_MS  30000u /* between attempts while msiexec says 1618 */
#define REASON_MAX        900

/* --- strings ------------------------------------------------------------- */

/* A growing UTF-8 string on the process heap; a failed allocation sets bad
 * and later appends are dropped. */
struct sb {
	char *p;
	size_t len, cap;
	bool bad;
};

static bool
sb_room(struct sb *s, size_t more)
{
	size_t cap;
	char *p;

	if (s->bad)
		return false;
	if (s->cap > s->len && more < s->cap - s->len)
		return true;
	cap = s->cap != 0 ? s->cap : 256;
	while (cap - s->len <= more) {
		if (cap > SIZE_MAX / 4) {
			s->bad = true;
			return false;
		}
		cap *= 2;
	}
	p = s->p != NULL ? HeapReAlloc(GetProcessHeap(), 0, s->p, cap)
	                 : HeapAlloc(GetProcessHeap(), 0, cap);
	if (p == NULL) {
		s->bad = true;
		return false;
	}
	s->p = p;
	s->cap = cap;
	return true;
}

static void
sb_putn(struct sb *s, const char *p, size_t n)
{
	if (!sb_room(s, n))
		return;
	memcpy(s->p + s->len, p, n);
	s->len += n;
	s->p[s->len] = '\0';
}

static void
sb_put(struct sb *s, const char *str)
{
	sb_putn(s, str, strlen(str));
}

static void
sb_putu(struct sb *s, uint64_t v)
{
	char b[24], *q = b + sizeof(b);
	do {
		*--q = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	sb_putn(s, q, (size_t)(b + sizeof(b) - q));
}

static void
sb_puthex(struct sb *s, uint32_t v)
{
	static const char hex[] = "0123456789ABCDEF";
	char b[10] = {'0', 'x'};
	for (int i = 0; i < 8; i++)
		b[2 + i] = hex[(v >> (28 - 4 * i)) & 15];
	sb_putn(s, b, sizeof(b));
}

/* n wide characters as UTF-8 (unpaired surrogates become U+FFFD). */
static void
sb_putwn(struct sb *s, const wchar_t *w, size_t n)
{
	int need;

	if (n == 0 || n > INT32_MAX / 4)
		return;
	need = WideCharToMultiByte(CP_UTF8, 0, w, (int)n, NULL, 0, NULL, NULL);
	if (need <= 0 || !sb_room(s, (size_t)need))
		return;
	WideCharToMultiByte(CP_UTF8, 0, w, (int)n, s->p + s->len, need, NULL, NULL);
	s->len += (size_t)need;
	s->p[s->len] = '\0';
}

static void
sb_putw(struct sb *s, const wchar_t *w)
{
	sb_putwn(s, w, wcslen(w));
}

static void
sb_free(struct sb *s)
{
	if (s->p != NULL)
		HeapFree(GetProcessHeap(), 0, s->p);
	memset(s, 0, sizeof(*s));
}

/* The system's text for a win32 error, on one line, without the final dot. */
static void
sb_puterr(struct sb *s, DWORD err)
{
	wchar_t *msg = NULL;
	DWORD n;

	sb_put(s, "error ");
	sb_putu(s, err);
	n = FormatMessageW(FORMAT_MESSAGE_ALLOCATE_BUFFER | FORMAT_MESSAGE_FROM_SYSTEM |
	                           FORMAT_MESSAGE_IGNORE_INSERTS | FORMAT_MESSAGE_MAX_WIDTH_MASK,
	                   NULL, err, 0, (wchar_t *)&msg, 0, NULL);
	if (n > 0 && msg != NULL) {
		while (n > 0 && (msg[n - 1] == L' ' || msg[n - 1] == L'.' || msg[n - 1] == L'\r' ||
		                 msg[n - 1] == L'\n'))
			n--;
		if (n > 0) {
			sb_put(s, ": ");
			sb_putwn(s, msg, n);
		}
	}
	if (msg != NULL)
		LocalFree(msg);
}

/* Bounded wide strings for command lines and derived paths. */
#define WSTR_MAX CMD_MAXLEN
#include "common/win/wstr.h"

/* --- captured bytes ------------------------------------------------------ */

/* The last TAIL_CAP (or more) bytes of a stream: a log file or the output
 * of the installer. */
struct tail {
	uint8_t *p; /* 2 * TAIL_CAP bytes */
	size_t len;
	uint64_t total;  /* bytes the stream had */
	uint8_t head[2]; /* its first two, for the byte order mark */
};

static bool
tail_init(struct tail *t)
{
	memset(t, 0, sizeof(*t));
	t->p = HeapAlloc(GetProcessHeap(), 0, 2 * (size_t)TAIL_CAP);
	return t->p != NULL;
}

static void
tail_free(struct tail *t)
{
	if (t->p != NULL)
		HeapFree(GetProcessHeap(), 0, t->p);
	memset(t, 0, sizeof(*t));
}

static void
tail_put(struct tail *t, const uint8_t *d, size_t n)
{
	for (size_t i = 0; i < n && t->total + i < 2; i++)
		t->head[t->total + i] = d[i];
	t->total += n;
	if (n >= TAIL_CAP) {
		d += n - TAIL_CAP;
		n = TAIL_CAP;
		t->len = 0;
	}
	if (t->len + n > 2 * (size_t)TAIL_CAP) {
		size_t keep = TAIL_CAP - n;
		memmove(t->p, t->p + t->len - keep, keep);
		t->len = keep;
	}
	memcpy(t->p + t->len, d, n);
	t->len += n;
}

/* Most odd bytes zero where the even ones are not: UTF-16LE text. */
static bool
looks_utf16le(const uint8_t *p, size_t n)
{
	size_t pairs = 0, hits = 0;
	for (size_t i = 0; i + 1 < n && pairs < 4096; i += 2, pairs++)
		if (p[i + 1] == 0 && p[i] != 0)
			hits++;
	return pairs >= 2 && hits * 4 >= pairs * 3;
}

static bool
is_cont(uint8_t c)
{
	return (c & 0xc0) == 0x80;
}

/* Append the kept tail of t to out as UTF-8: UTF-16LE when the stream
 * starts with its byte order mark or looks like it, otherwise UTF-8 when it
 * is valid UTF-8, otherwise text in code page cp. A character cut in half
 * at either end of the tail is dropped. Returns the encoding's name. */
static const char *
tail_utf8(const struct tail *t, UINT cp, struct sb *out)
{
	size_t off = t->len > TAIL_CAP ? t->len - TAIL_CAP : 0;
	const uint8_t *p = t->p + off;
	size_t n = t->len - off;
	uint64_t start = t->total - n; /* offset of p in the stream */
	bool bom16 = t->total >= 2 && t->head[0] == 0xff && t->head[1] == 0xfe;
	const char *enc = "UTF-8";

	if (n == 0)
		return "empty";
	if (bom16 || looks_utf16le(p + (start & 1), n - (start & 1))) {
		size_t units;
		wchar_t *w;

		if (start & 1)
			p++, n--;
		if (start == 0 && bom16)
			p += 2, n -= 2;
		units = n / 2;
		w = HeapAlloc(GetProcessHeap(), 0, (units + 1) * sizeof(wchar_t));
		if (w == NULL) {
			out->bad = true;
			return "UTF-16LE";
		}
		memcpy(w, p, units * sizeof(wchar_t));
		size_t first = (units > 0 && w[0] >= 0xdc00 && w[0] <= 0xdfff) ? 1 : 0;
		sb_putwn(out, w + first, units - first);
		HeapFree(GetProcessHeap(), 0, w);
		return "UTF-16LE";
	}
	if (start == 0 && n >= 3 && p[0] == 0xef && p[1] == 0xbb && p[2] == 0xbf)
		p += 3, n -= 3;
	for (int i = 0; i < 3 && n > 0 && start > 0 && is_cont(p[0]); i++)
		p++, n--;
	/* A sequence cut at the end (the writer was killed mid-character). */
	for (size_t back = 1; back <= 3 && back <= n; back++) {
		uint8_t c = p[n - back];
		if (is_cont(c))
			continue;
		size_t want = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
		if (want > back)
			n -= back;
		break;
	}
	if (n == 0 || n > INT32_MAX / 4)
		return enc;
	if (MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, (const char *)p, (int)n, NULL, 0) >
	    0) {
		sb_putn(out, (const char *)p, n);
		return enc;
	}
	int units = MultiByteToWideChar(cp, 0, (const char *)p, (int)n, NULL, 0);
	wchar_t *w =
	        units > 0 ? HeapAlloc(GetProcessHeap(), 0, (size_t)units * sizeof(wchar_t)) : NULL;
	if (w != NULL) {
		MultiByteToWideChar(cp, 0, (const char *)p, (int)n, w, units);
		sb_putwn(out, w, (size_t)units);
		HeapFree(GetProcessHeap(), 0, w);
	}
	return cp == CP_OEMCP ? "OEM code page" : "ANSI code page";
}

/* The last TAIL_CAP bytes of a file (shared with a writer that may still
 * hold it). Returns 0 or a win32 error. */
static DWORD
tail_read_file(const wchar_t *path, struct tail *t)
{
	HANDLE h = CreateFileW(path, GENERIC_READ,
	                       FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, NULL,
	                       OPEN_EXISTING, FILE_ATTRIBUTE_NORMAL, NULL);
	LARGE_INTEGER size, at;
	DWORD got, err = 0;
	uint8_t head[2];

	if (h == INVALID_HANDLE_VALUE)
		return GetLastError();
	if (!GetFileSizeEx(h, &size)) {
		err = GetLastError();
		goto out;
	}
	if (size.QuadPart >= 2 && ReadFile(h, head, 2, &got, NULL) && got == 2)
		memcpy(t->head, head, 2);
	t->len = 0;
	at.QuadPart = size.QuadPart > TAIL_CAP ? size.QuadPart - TAIL_CAP : 0;
	if (!SetFilePointerEx(h, at, NULL, FILE_BEGIN)) {
		err = GetLastError();
		goto out;
	}
	while (t->len < TAIL_CAP) {
		if (!ReadFile(h, t->p + t->len, (DWORD)(TAIL_CAP - t->len), &got, NULL)) {
			err = GetLastError();
			goto out;
		}
		if (got == 0)
			break;
		t->len += got;
	}
	t->total = (uint64_t)at.QuadPart + t->len;
out:
	CloseHandle(h);
	return err;
}

/* --- command line -------------------------------------------------------- */

struct opts {
	const wchar_t *run, *result, *args;
	DWORD timeout_s;
	bool console;
	bool result_ok; /* --result is usable: failures can be reported there */
	bool run_ok;    /* --run is usable: the installer is ours to remove */
	bool msi;
	struct sb err; /* what is wrong with the command line */
};

static struct opts opt;
static HANDLE stop_ev;

static bool
is_device_name(const wchar_t *c, size_t n)
{
	static const wchar_t *const dev[] = {L"CON", L"PRN", L"AUX", L"NUL", L"CONIN$", L"CONOUT$"};
	size_t base = 0;
	while (base < n && c[base] != L'.')
		base++;
	for (size_t i = 0; i < sizeof(dev) / sizeof(dev[0]); i++)
		if (wcslen(dev[i]) == base && _wcsnicmp(c, dev[i], base) == 0)
			return true;
	return base == 4 && (_wcsnicmp(c, L"COM", 3) == 0 || _wcsnicmp(c, L"LPT", 3) == 0) &&
	       c[3] >= L'0' && c[3] <= L'9';
}

/* NULL when p is a local absolute path we accept: "X:\" then non-empty
 * components of ordinary characters, none "." or "..", none ending in a dot
 * or a space (Windows would drop them), no device names, on a local drive.
 * Otherwise what is wrong with it. */
static const char *
bad_path(const wchar_t *p)
{
	size_t n = wcslen(p);
	wchar_t root[4];
	UINT type;

	if (n == 0)
		return "is empty";
	if (n > PATH_MAXLEN)
		return "is longer than 240 characters";
	if (!((p[0] >= L'A' && p[0] <= L'Z') || (p[0] >= L'a' && p[0] <= L'z')) || p[1] != L':' ||
	    p[2] != L'\\')
		return "is not a local absolute path (want X:\\dir\\file)";
	for (const wchar_t *c = p + 3;;) {
		size_t len = 0;
		while (c[len] != L'\0' && c[len] != L'\\') {
			wchar_t ch = c[len];
			if (ch < 0x20 || ch == 0x7f || wcschr(L"<>:\"/|?*", ch) != NULL)
				return "has a character Windows paths may not hold (<>:\"/|?* or "
				       "control)";
			len++;
		}
		if (len == 0)
			return "has an empty component (\\\\ or a trailing \\)";
		if ((len == 1 && c[0] == L'.') || (len == 2 && c[0] == L'.' && c[1] == L'.'))
			return "has a . or .. component";
		if (c[len - 1] == L'.' || c[len - 1] == L' ')
			return "has a component ending in a dot or a space";
		if (is_device_name(c, len))
			return "names a device (CON, NUL, COM1...)";
		if (c[len] == L'\0')
			break;
		c += len + 1;
	}
	root[0] = p[0], root[1] = L':', root[2] = L'\\', root[3] = L'\0';
	type = GetDriveTypeW(root);
	if (type != DRIVE_FIXED && type != DRIVE_REMOVABLE && type != DRIVE_RAMDISK)
		return "is not on a local drive";
	return NULL;
}

static bool
ends_with_i(const wchar_t *s, const wchar_t *suffix)
{
	size_t n = wcslen(s), m = wcslen(suffix);
	return n >= m && _wcsicmp(s + n - m, suffix) == 0;
}

/* Length of the directory part of a path we accepted ("C:\" keeps its \). */
static size_t
dir_len(const wchar_t *p)
{
	const wchar_t *slash = wcsrchr(p, L'\\');
	size_t n = (size_t)(slash - p);
	return n == 2 ? 3 : n;
}

static void
opt_fail(const char *what, const wchar_t *val, const char *why)
{
	if (opt.err.len > 0)
		return; /* the first problem is the one reported */
	sb_put(&opt.err, what);
	if (val != NULL) {
		sb_put(&opt.err, " \"");
		sb_putw(&opt.err, val);
		sb_put(&opt.err, "\"");
	}
	sb_put(&opt.err, " ");
	sb_put(&opt.err, why);
}

/* Parse GetCommandLineW() (CommandLineToArgvW rules: quotes, \" escapes).
 * Fills opt; opt.err says what is wrong, if anything. */
static void
parse_args(void)
{
	const wchar_t *timeout = NULL;
	wchar_t **argv;
	int argc;
	const char *why;

	opt.timeout_s = TIMEOUT_DEFAULT;
	argv = CommandLineToArgvW(GetCommandLineW(), &argc);
	if (argv == NULL) {
		opt_fail("the command line", NULL, "could not be parsed");
		return;
	}
	/* argv stays allocated: opt points into it for the process's life. */
	for (int i = 1; i < argc; i++) {
		const wchar_t **dst;

		if (wcscmp(argv[i], L"--console") == 0) {
			opt.console = true;
			continue;
		}
		if (wcscmp(argv[i], L"--run") == 0)
			dst = &opt.run;
		else if (wcscmp(argv[i], L"--result") == 0)
			dst = &opt.result;
		else if (wcscmp(argv[i], L"--timeout") == 0)
			dst = &timeout;
		else if (wcscmp(argv[i], L"--args") == 0)
			dst = &opt.args;
		else {
			opt_fail("argument", argv[i], "is unknown");
			continue;
		}
		if (i + 1 >= argc) {
			opt_fail("option", argv[i], "needs a value");
			break;
		}
		if (*dst != NULL)
			opt_fail("option", argv[i], "is given twice");
		*dst = argv[++i];
	}

	if (opt.result == NULL)
		opt_fail("--result", NULL, "is missing");
	else if ((why = bad_path(opt.result)) != NULL)
		opt_fail("--result", opt.result, why);
	else
		opt.result_ok = true;

	if (opt.run == NULL) {
		opt_fail("--run", NULL, "is missing");
	} else if ((why = bad_path(opt.run)) != NULL) {
		opt_fail("--run", opt.run, why);
	} else {
		opt.run_ok = true;
		opt.msi = ends_with_i(opt.run, L".msi");
		if (!opt.msi && !ends_with_i(opt.run, L".exe"))
			opt_fail("--run", opt.run, "is neither an .msi nor an .exe");
		if (opt.result_ok && _wcsicmp(opt.run, opt.result) == 0) {
			opt_fail("--result", opt.result, "is the installer itself");
			opt.result_ok = false;
		}
	}

	if (timeout != NULL) {
		uint64_t v = 0;
		const wchar_t *c = timeout;
		for (; *c >= L'0' && *c <= L'9' && v <= TIMEOUT_MAX; c++)
			v = v * 10 + (uint64_t)(*c - L'0');
		if (c == timeout || *c != L'\0' || v == 0 || v > TIMEOUT_MAX)
			opt_fail("--timeout", timeout,
			         "is not a number of seconds from 1 to 604800");
		else
			opt.timeout_s = (DWORD)v;
	}
	if (opt.args != NULL) {
		if (wcslen(opt.args) > ARGS_MAXLEN)
			opt_fail("--args", NULL, "is longer than 4096 characters");
		for (const wchar_t *c = opt.args; *c != L'\0'; c++)
			if (*c < 0x20 || *c == 0x7f) {
				opt_fail("--args", NULL, "holds a control character");
				break;
			}
	}
}

/* --- running the installer ----------------------------------------------- */

enum end { END_EXITED, END_TIMEOUT, END_STOPPED, END_FAILED };

struct child {
	HANDLE job, proc, rd, reader;
	struct tail *out;
	DWORD code;       /* exit code, or the win32 error of the call that failed */
	const char *what; /* that call */
	DWORD leftover;   /* processes still in the job after the installer exited */
	bool out_lost;    /* the reader could not be stopped: out is not safe to read */
};

static DWORD WINAPI
reader_main(void *arg)
{
	struct child *c = arg;
	uint8_t buf[16384];
	DWORD got;

	while (ReadFile(c->rd, buf, sizeof(buf), &got, NULL) && got > 0)
		tail_put(c->out, buf, got);
	return 0;
}

static DWORD
job_active(HANDLE job)
{
	JOBOBJECT_BASIC_ACCOUNTING_INFORMATION ai;
	if (!QueryInformationJobObject(job, JobObjectBasicAccountingInformation, &ai, sizeof(ai),
	                               NULL))
		return 0;
	return ai.ActiveProcesses;
}

static DWORD
ms_until(uint64_t deadline)
{
	uint64_t now = GetTickCount64();
	if (now >= deadline)
		return 0;
	return deadline - now >= INFINITE ? INFINITE - 1 : (DWORD)(deadline - now);
}

/* Start app (cmdline is modified by CreateProcessW) suspended, put it in a
 * new job that kills everything in it when closed, capture stdout+stderr
 * into out, and wait for it, the deadline or the stop event. Whatever is
 * still in the job at the end is ended. */
static enum end
run_child(const wchar_t *app, wchar_t *cmdline, const wchar_t *cwd, uint64_t deadline,
          struct tail *out, struct child *c)
{
	SECURITY_ATTRIBUTES inherit = {sizeof(inherit), NULL, TRUE};
	JOBOBJECT_EXTENDED_LIMIT_INFORMATION lim;
	STARTUPINFOW si;
	PROCESS_INFORMATION pi;
	HANDLE wr = NULL, nul = INVALID_HANDLE_VALUE, hs[2];
	enum end end = END_FAILED;

	memset(c, 0, sizeof(*c));
	memset(&pi, 0, sizeof(pi));
	c->out = out;
	if ((c->job = CreateJobObjectW(NULL, NULL)) == NULL) {
		c->code = GetLastError(), c->what = "CreateJobObjectW";
		goto out;
	}
	memset(&lim, 0, sizeof(lim));
	lim.BasicLimitInformation.LimitFlags =
	        JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE | JOB_OBJECT_LIMIT_DIE_ON_UNHANDLED_EXCEPTION;
	if (!SetInformationJobObject(c->job, JobObjectExtendedLimitInformation, &lim,
	                             sizeof(lim))) {
		c->code = GetLastError(), c->what = "SetInformationJobObject";
		goto out;
	}
	if (!CreatePipe(&c->rd, &wr, &inherit, 0)) {
		c->code = GetLastError(), c->what = "CreatePipe";
		goto out;
	}
	SetHandleInformation(c->rd, HANDLE_FLAG_INHERIT, 0);
	nul = CreateFileW(L"NUL", GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE, &inherit,
	                  OPEN_EXISTING, 0, NULL);
	if (nul == INVALID_HANDLE_VALUE) {
		c->code = GetLastError(), c->what = "CreateFileW(NUL)";
		goto out;
	}
	memset(&si, 0, sizeof(si));
	si.cb = sizeof(si);
	si.dwFlags = STARTF_USESTDHANDLES;
	si.hStdInput = nul;
	si.hStdOutput = wr;
	si.hStdError = wr;
	/* The pipe's write end and NUL are the only inheritable handles here. */
	if (!CreateProcessW(app, cmdline, NULL, NULL, TRUE, CREATE_SUSPENDED | CREATE_NO_WINDOW,
	                    NULL, cwd, &si, &pi)) {
		c->code = GetLastError(), c->what = "CreateProcessW";
		goto out;
	}
	c->proc = pi.hProcess;
	if (!AssignProcessToJobObject(c->job, pi.hProcess)) {
		c->code = GetLastError(), c->what = "AssignProcessToJobObject";
		TerminateProcess(pi.hProcess, ERROR_CANCELLED);
		goto out;
	}
	if ((c->reader = CreateThread(NULL, 0, reader_main, c, 0, NULL)) == NULL) {
		c->code = GetLastError(), c->what = "CreateThread";
		TerminateJobObject(c->job, ERROR_CANCELLED);
		goto out;
	}
	CloseHandle(wr), wr = NULL;
	CloseHandle(nul), nul = INVALID_HANDLE_VALUE;
	if (ResumeThread(pi.hThread) == (DWORD)-1) {
		c->code = GetLastError(), c->what = "ResumeThread";
		TerminateJobObject(c->job, ERROR_CANCELLED);
		goto out;
	}

	hs[0] = pi.hProcess;
	hs[1] = stop_ev;
	switch (WaitForMultipleObjects(2, hs, FALSE, ms_until(deadline))) {
	case WAIT_OBJECT_0:
		end = END_EXITED;
		if (!GetExitCodeProcess(pi.hProcess, &c->code))
			c->code = GetLastError();
		break;
	case WAIT_OBJECT_0 + 1:
		end = END_STOPPED;
		break;
	case WAIT_TIMEOUT:
		end = END_TIMEOUT;
		break;
	default:
		c->code = GetLastError(), c->what = "WaitForMultipleObjects";
		break;
	}
	if (end == END_EXITED) {
		/* Give what the installer started a moment to end on its own. */
		uint64_t grace = GetTickCount64() + LEFTOVER_GRACE_MS;
		if (grace > deadline)
			grace = deadline;
		while (job_active(c->job) > 0 && GetTickCount64() < grace)
			if (WaitForSingleObject(stop_ev, 100) == WAIT_OBJECT_0)
				break;
		c->leftover = job_active(c->job);
	}
	TerminateJobObject(c->job, end == END_TIMEOUT ? ERROR_TIMEOUT : ERROR_CANCELLED);
	WaitForSingleObject(pi.hProcess, 10000);
out:
	if (c->reader != NULL) {
		/* Every writer is gone once the job is ended; the reader sees EOF. */
		if (WaitForSingleObject(c->reader, 5000) != WAIT_OBJECT_0) {
			CancelSynchronousIo(c->reader);
			if (WaitForSingleObject(c->reader, 2000) != WAIT_OBJECT_0)
				c->out_lost = true;
		}
		if (!c->out_lost)
			CloseHandle(c->reader);
	}
	if (wr != NULL)
		CloseHandle(wr);
	if (nul != INVALID_HANDLE_VALUE)
		CloseHandle(nul);
	if (pi.hThread != NULL)
		CloseHandle(pi.hThread);
	if (c->proc != NULL)
		CloseHandle(c->proc);
	if (c->rd != NULL && !c->out_lost)
		CloseHandle(c->rd);
	if (c->job != NULL)
		CloseHandle(c->job); /* kills anything left, by the job's limit */
	return end;
}

struct meaning {
	DWORD code;
	const char *text;
};

/* msiexec's exit codes (Windows Installer error codes) seen in practice. */
static const struct meaning msi_codes[] = {
        {ERROR_SUCCESS, "installed"},
        {ERROR_SUCCESS_REBOOT_REQUIRED,
         "installed; a reboot is needed to finish (ERROR_SUCCESS_REBOOT_REQUIRED)"},
        {ERROR_SUCCESS_REBOOT_INITIATED,
         "installed; the installer has started a reboot (ERROR_SUCCESS_REBOOT_INITIATED)"},
        {ERROR_INSTALL_SERVICE_FAILURE,
         "the Windows Installer service could not be accessed (ERROR_INSTALL_SERVICE_FAILURE)"},
        {ERROR_INSTALL_USEREXIT, "the installation was cancelled (ERROR_INSTALL_USEREXIT)"},
        {ERROR_INSTALL_FAILURE, "fatal error during installation (ERROR_INSTALL_FAILURE); "
                                "the log says which action failed"},
        {ERROR_INSTALL_SOURCE_ABSENT,
         "the installation source is not available (ERROR_INSTALL_SOURCE_ABSENT)"},
        {ERROR_INSTALL_ALREADY_RUNNING, "another installation is in progress, retried until "
                                        "the timeout (ERROR_INSTALL_ALREADY_RUNNING)"},
        {ERROR_INSTALL_PACKAGE_OPEN_FAILED, "the package could not be opened: missing or not "
                                            "readable (ERROR_INSTALL_PACKAGE_OPEN_FAILED)"},
        {ERROR_INSTALL_PACKAGE_INVALID, "the package could not be opened: not a valid Windows "
                                        "Installer package (ERROR_INSTALL_PACKAGE_INVALID)"},
        {ERROR_INSTALL_LOG_FAILURE,
         "the installation log could not be written (ERROR_INSTALL_LOG_FAILURE)"},
        {ERROR_FUNCTION_FAILED, "a Windows Installer function failed, as with a damaged package "
                                "(ERROR_FUNCTION_FAILED)"},
        {ERROR_INSTALL_PACKAGE_REJECTED,
         "system policy forbids this installation (ERROR_INSTALL_PACKAGE_REJECTED)"},
        {ERROR_INSTALL_TEMP_UNWRITABLE,
         "the temp folder is full or not writable (ERROR_INSTALL_TEMP_UNWRITABLE)"},
        {ERROR_INSTALL_PLATFORM_UNSUPPORTED, "the package does not support this platform or "
                                             "processor (ERROR_INSTALL_PLATFORM_UNSUPPORTED)"},
        {ERROR_PRODUCT_VERSION,
         "another version of this product is already installed (ERROR_PRODUCT_VERSION)"},
        {ERROR_INVALID_COMMAND_LINE,
         "msiexec refused its command line, check --args (ERROR_INVALID_COMMAND_LINE)"},
};

/* The all-in-one bootstrapper's exit codes (installer-builder/win/bootstrap.c). */
static const struct meaning allinone_codes[] = {
        {0, "installed"},
        {3010, "installed; a reboot is needed to finish"},
        {1641, "installed; a reboot was started"},
        {2, "all-in-one: usage error"},
        {10, "all-in-one: not elevated"},
        {11, "all-in-one: built for another architecture"},
        {12, "all-in-one: the installer has expired"},
        {13, "all-in-one: not enough free disk space"},
        {20, "all-in-one: payload missing, tampered with or malformed"},
        {30, "all-in-one: temp directory or extraction failed"},
        {40, "all-in-one: the agent MSI failed"},
        {41, "all-in-one: the product MSI failed"},
        {50, "all-in-one: the configuration could not be written"},
        {60, "all-in-one: enrollment failed"},
};

static const char *
meaning_of(const struct meaning *m, size_t n, DWORD code)
{
	for (size_t i = 0; i < n; i++)
		if (m[i].code == code)
			return m[i].text;
	return NULL;
}

struct outcome {
	bool ok;
	DWORD code;
	struct sb reason;
	struct sb info; /* the "muster-svc:" lines */
	struct sb log;
};

static void
set_reason_child(struct outcome *o, enum end end, const struct child *c, const wchar_t *app)
{
	const char *m;

	switch (end) {
	case END_TIMEOUT:
		o->code = ERROR_TIMEOUT;
		sb_put(&o->reason, "timed out after ");
		sb_putu(&o->reason, opt.timeout_s);
		sb_put(&o->reason, " s; the installer's process tree was ended");
		return;
	case END_STOPPED:
		o->code = ERROR_CANCELLED;
		sb_put(&o->reason,
		       opt.console ? "interrupted" : "stopped by the service control manager");
		sb_put(&o->reason, " before the installer finished; its process tree was ended");
		return;
	case END_FAILED:
		o->code = c->code;
		sb_put(&o->reason, "could not run ");
		sb_putw(&o->reason, app);
		sb_put(&o->reason, ": ");
		sb_put(&o->reason, c->what);
		sb_put(&o->reason, " failed, ");
		sb_puterr(&o->reason, c->code);
		return;
	case END_EXITED:
		break;
	}
	o->code = c->code;
	o->ok = c->code == ERROR_SUCCESS || c->code == ERROR_SUCCESS_REBOOT_REQUIRED ||
	        c->code == ERROR_SUCCESS_REBOOT_INITIATED;
	if (opt.msi)
		m = meaning_of(msi_codes, sizeof(msi_codes) / sizeof(msi_codes[0]), c->code);
	else
		m = meaning_of(allinone_codes, sizeof(allinone_codes) / sizeof(allinone_codes[0]),
		               c->code);
	if (c->code >= 0xC0000000u) {
		sb_put(&o->reason, "the installer crashed (exception ");
		sb_puthex(&o->reason, c->code);
		sb_put(&o->reason, ")");
	} else if (m != NULL && (o->ok || opt.msi)) {
		sb_put(&o->reason, m);
	} else {
		sb_put(&o->reason, opt.msi ? "msiexec" : "the installer");
		sb_put(&o->reason, " exited with code ");
		sb_putu(&o->reason, c->code);
		if (m != NULL) {
			sb_put(&o->reason, " (");
			sb_put(&o->reason, m);
			sb_put(&o->reason, ")");
		} else if (opt.msi) {
			sb_put(&o->reason, " (");
			sb_puterr(&o->reason, c->code);
			sb_put(&o->reason, ")");
		}
	}
}

static void
info_kv(struct outcome *o, const char *k, const char *v)
{
	sb_put(&o->info, " ");
	sb_put(&o->info, k);
	sb_put(&o->info, "=");
	sb_put(&o->info, v);
}

static void
info_ku(struct outcome *o, const char *k, uint64_t v)
{
	sb_put(&o->info, " ");
	sb_put(&o->info, k);
	sb_put(&o->info, "=");
	sb_putu(&o->info, v);
}

/* Append a captured stream to the outcome's log under a heading. */
static void
add_log(struct outcome *o, const char *what, const struct tail *t, UINT cp)
{
	struct sb text = {0};
	const char *enc = tail_utf8(t, cp, &text);

	sb_put(&o->info, "muster-svc: ");
	sb_put(&o->info, what);
	info_ku(o, "bytes", t->total);
	info_kv(o, "encoding", enc);
	if (t->total > TAIL_CAP)
		info_kv(o, "kept", "tail");
	sb_put(&o->info, "\n");
	if (text.len > 0) {
		sb_putn(&o->log, text.p, text.len);
		if (text.p[text.len - 1] != '\n')
			sb_put(&o->log, "\n");
	}
	sb_free(&text);
}

/* Run the installer named by --run and fill o. */
static void
install(struct outcome *o)
{
	static struct wstr app, cmd, logpath, cwd;
	static struct tail out, msilog;
	wchar_t sys[MAX_PATH + 1];
	uint64_t start = GetTickCount64(), deadline = start + (uint64_t)opt.timeout_s * 1000;
	struct child c;
	enum end end;
	DWORD attr, err;
	UINT n;

	if (!tail_init(&out) || !tail_init(&msilog)) {
		o->code = ERROR_NOT_ENOUGH_MEMORY;
		sb_put(&o->reason, "out of memory");
		goto done;
	}
	attr = GetFileAttributesW(opt.run);
	if (attr == INVALID_FILE_ATTRIBUTES || (attr & FILE_ATTRIBUTE_DIRECTORY)) {
		o->code = attr == INVALID_FILE_ATTRIBUTES ? GetLastError() : ERROR_DIRECTORY;
		sb_put(&o->reason, "the installer ");
		sb_putw(&o->reason, opt.run);
		sb_put(&o->reason, " is not there: ");
		sb_puterr(&o->reason, o->code);
		goto done;
	}
	ws_set(&cwd, L"");
	for (size_t i = 0, k = dir_len(opt.run); i < k; i++) {
		wchar_t one[2] = {opt.run[i], L'\0'};
		ws_put(&cwd, one);
	}
	if (opt.msi) {
		n = GetSystemDirectoryW(sys, MAX_PATH + 1);
		if (n == 0 || n > MAX_PATH) {
			o->code = GetLastError();
			sb_put(&o->reason, "no system directory");
			goto done;
		}
		ws_set(&app, sys);
		ws_put(&app, L"\\msiexec.exe");
		ws_set(&logpath, opt.result);
		ws_put(&logpath, L".msi.log");
		DeleteFileW(logpath.s);
	} else {
		ws_set(&app, opt.run);
	}
	sb_put(&o->info, "muster-svc: run=");
	sb_putw(&o->info, opt.run);
	info_kv(o, "kind", opt.msi ? "msi" : "exe");
	info_ku(o, "timeout_s", opt.timeout_s);
	sb_put(&o->info, "\n");

	for (int attempt = 1;; attempt++) {
		ws_set(&cmd, L"\"");
		ws_put(&cmd, app.s);
		ws_put(&cmd, L"\"");
		if (opt.msi) {
			ws_put(&cmd, L" /i \"");
			ws_put(&cmd, opt.run);
			ws_put(&cmd, L"\" /qn /norestart /l*v \"");
			ws_put(&cmd, logpath.s);
			ws_put(&cmd, L"\"");
		}
		if (opt.args != NULL && opt.args[0] != L'\0') {
			ws_put(&cmd, L" ");
			ws_put(&cmd, opt.args);
		}
		if (app.bad || cmd.bad || logpath.bad || cwd.bad) {
			o->code = ERROR_FILENAME_EXCED_RANGE;
			sb_put(&o->reason, "the installer's command line is too long");
			goto done;
		}
		end = run_child(app.s, cmd.s, cwd.s, deadline, &out, &c);
		if (!opt.msi || end != END_EXITED || c.code != ERROR_INSTALL_ALREADY_RUNNING ||
		    c.out_lost || ms_until(deadline) < MSI_BUSY_WAIT_MS + 60000u)
			break;
		sb_put(&o->info, "muster-svc: attempt=");
		sb_putu(&o->info, (uint64_t)attempt);
		sb_put(&o->info,
		       " msiexec=1618 another installation is in progress, retry in 30 s\n");
		if (WaitForSingleObject(stop_ev, MSI_BUSY_WAIT_MS) == WAIT_OBJECT_0) {
			end = END_STOPPED;
			break;
		}
	}
	set_reason_child(o, end, &c, app.s);
	sb_put(&o->info, "muster-svc: end=");
	sb_put(&o->info, end == END_EXITED    ? "exited"
	                 : end == END_TIMEOUT ? "timeout"
	                 : end == END_STOPPED ? "stopped"
	                                      : "not-started");
	if (end == END_EXITED)
		info_ku(o, "exit_code", c.code);
	info_ku(o, "elapsed_ms", GetTickCount64() - start);
	if (c.leftover > 0)
		info_ku(o, "leftover_processes_ended", c.leftover);
	sb_put(&o->info, "\n");

	if (opt.msi) {
		err = tail_read_file(logpath.s, &msilog);
		if (err == 0) {
			add_log(o, "log=msiexec /l*v", &msilog, CP_ACP);
		} else if (end != END_FAILED) {
			sb_put(&o->info, "muster-svc: log=msiexec /l*v not readable: ");
			sb_puterr(&o->info, err);
			sb_put(&o->info, "\n");
		}
		DeleteFileW(logpath.s);
	}
	if (c.out_lost)
		sb_put(&o->info, "muster-svc: output=lost (its reader did not stop)\n");
	else if (!opt.msi || out.total > 0)
		add_log(o, "output=stdout+stderr", &out, CP_OEMCP);
done:
	tail_free(&out);
	tail_free(&msilog);
}

/* Delete the installer, but only from our own directory (where the
 * deployer put both): never a file elsewhere that a mistaken --run named. */
static void
remove_installer(struct outcome *o)
{
	wchar_t self[MAX_PATH + 1];
	DWORD n = GetModuleFileNameW(NULL, self, MAX_PATH + 1);
	DWORD err = 0;

	sb_put(&o->info, "muster-svc: installer_removed=");
	if (n == 0 || n > MAX_PATH || dir_len(self) != dir_len(opt.run) ||
	    _wcsnicmp(self, opt.run, dir_len(self)) != 0) {
		sb_put(&o->info, "no (not in muster-svc.exe's directory)\n");
		return;
	}
	for (int i = 0; i < 20; i++) {
		if (DeleteFileW(opt.run) || (err = GetLastError()) == ERROR_FILE_NOT_FOUND) {
			sb_put(&o->info, "yes\n");
			return;
		}
		if (err != ERROR_SHARING_VIOLATION && err != ERROR_ACCESS_DENIED)
			break;
		Sleep(250); /* a process just ended may still hold it */
	}
	if (MoveFileExW(opt.run, NULL, MOVEFILE_DELAY_UNTIL_REBOOT)) {
		sb_put(&o->info, "at-reboot (");
	} else {
		sb_put(&o->info, "no (");
	}
	sb_puterr(&o->info, err);
	sb_put(&o->info, ")\n");
}

/* One line of printable text: control characters become spaces, at most
 * REASON_MAX bytes (cut on a character boundary). */
static void
put_line(struct sb *dst, const struct sb *src)
{
	size_t n = src->len;
	if (n > REASON_MAX) {
		n = REASON_MAX;
		while (n > 0 && is_cont((uint8_t)src->p[n]))
			n--;
	}
	for (size_t i = 0; i < n; i++) {
		char ch = src->p[i];
		sb_putn(dst, (uint8_t)ch < 0x20 || ch == 0x7f ? " " : &ch, 1);
	}
}

static void
write_all(HANDLE h, const char *p, size_t n)
{
	DWORD done;
	while (n > 0 && h != NULL && h != INVALID_HANDLE_VALUE) {
		DWORD chunk = n > 65536 ? 65536 : (DWORD)n;
		if (!WriteFile(h, p, chunk, &done, NULL) || done == 0)
			return;
		p += done, n -= done;
	}
}

/* Write the result file: <file>.tmp, flushed, then renamed over <file>.
 * Returns 0 or the win32 error. */
static DWORD
write_result(const struct outcome *o, struct sb *line)
{
	static struct wstr tmp;
	struct sb all = {0};
	HANDLE h;
	DWORD err = 0, done;
	size_t room, skip = 0;

	sb_put(line, "MUSTER-RESULT status=");
	sb_put(line, o->ok ? "ok" : "failed");
	sb_put(line, " code=");
	sb_putu(line, o->code);
	sb_put(line, " reason=");
	put_line(line, &o->reason);
	sb_put(line, "\n");

	sb_putn(&all, line->p, line->len);
	sb_putn(&all, o->info.p, o->info.len);
	/* Keep the log's tail; the whole file stays within RESULT_CAP. */
	room = RESULT_CAP - 200 > all.len ? RESULT_CAP - 200 - all.len : 0;
	if (o->log.len > room) {
		skip = o->log.len - room;
		while (skip < o->log.len && is_cont((uint8_t)o->log.p[skip]))
			skip++;
		sb_put(&all, "muster-svc: log_cut_bytes=");
		sb_putu(&all, skip);
		sb_put(&all, " (the log's tail follows)\n");
	}
	sb_putn(&all, o->log.p + skip, o->log.len - skip);
	if (all.bad || line->bad) {
		sb_free(&all);
		return ERROR_NOT_ENOUGH_MEMORY;
	}

	ws_set(&tmp, opt.result);
	ws_put(&tmp, L".tmp");
	h = CreateFileW(tmp.s, GENERIC_WRITE, 0, NULL, CREATE_ALWAYS, FILE_ATTRIBUTE_NORMAL, NULL);
	if (h == INVALID_HANDLE_VALUE) {
		err = GetLastError();
		goto out;
	}
	for (size_t off = 0; off < all.len;) {
		DWORD chunk = all.len - off > 65536 ? 65536 : (DWORD)(all.len - off);
		if (!WriteFile(h, all.p + off, chunk, &done, NULL) || done == 0) {
			err = GetLastError() != 0 ? GetLastError() : ERROR_WRITE_FAULT;
			break;
		}
		off += done;
	}
	if (err == 0 && !FlushFileBuffers(h))
		err = GetLastError();
	CloseHandle(h);
	if (err == 0 &&
	    !MoveFileExW(tmp.s, opt.result, MOVEFILE_REPLACE_EXISTING | MOVEFILE_WRITE_THROUGH))
		err = GetLastError();
	if (err != 0)
		DeleteFileW(tmp.s);
out:
	sb_free(&all);
	return err;
}

/* The whole job: run (unless the command line is wrong), remove, report.
 * Returns 0 when the result file was written, else the win32 error. */
static DWORD
job(struct outcome *o, struct sb *line)
{
	DWORD err;

	memset(o, 0, sizeof(*o));
	if (opt.err.len > 0) {
		o->code = ERROR_INVALID_PARAMETER;
		sb_put(&o->reason, "bad command line: ");
		sb_putn(&o->reason, opt.err.p, opt.err.len);
	} else {
		install(o);
	}
	if (opt.run_ok)
		remove_installer(o);
	if (!opt.result_ok)
		return ERROR_INVALID_PARAMETER;
	err = write_result(o, line);
	return err;
}

static void
outcome_free(struct outcome *o)
{
	sb_free(&o->reason);
	sb_free(&o->info);
	sb_free(&o->log);
}

/* --- the service --------------------------------------------------------- */

static SERVICE_STATUS_HANDLE svc_handle;
static SERVICE_STATUS svc_status;
static CRITICAL_SECTION svc_lock;

static void
svc_report(DWORD state, DWORD win32, DWORD specific, DWORD wait_hint)
{
	EnterCriticalSection(&svc_lock);
	if (svc_status.dwCurrentState != SERVICE_STOPPED) {
		svc_status.dwServiceType = SERVICE_WIN32_OWN_PROCESS;
		svc_status.dwControlsAccepted =
		        state == SERVICE_RUNNING ? SERVICE_ACCEPT_STOP | SERVICE_ACCEPT_SHUTDOWN
		                                 : 0;
		svc_status.dwWin32ExitCode = win32;
		svc_status.dwServiceSpecificExitCode = specific;
		if (state == SERVICE_RUNNING || state == SERVICE_STOPPED)
			svc_status.dwCheckPoint = 0;
		else
			svc_status.dwCheckPoint++;
		svc_status.dwWaitHint = wait_hint;
		svc_status.dwCurrentState = state;
		SetServiceStatus(svc_handle, &svc_status);
	}
	LeaveCriticalSection(&svc_lock);
}

static DWORD WINAPI
svc_control(DWORD control, DWORD type, void *data, void *ctx)
{
	(void)type, (void)data, (void)ctx;
	switch (control) {
	case SERVICE_CONTROL_STOP:
	case SERVICE_CONTROL_SHUTDOWN:
		/* Ending the tree, removing the installer and writing the result
		 * take a few seconds at most. */
		svc_report(SERVICE_STOP_PENDING, NO_ERROR, 0, 30000);
		SetEvent(stop_ev);
		return NO_ERROR;
	case SERVICE_CONTROL_INTERROGATE:
		return NO_ERROR;
	}
	return ERROR_CALL_NOT_IMPLEMENTED;
}

static void WINAPI
svc_main(DWORD argc, wchar_t **argv)
{
	struct outcome o;
	struct sb line = {0};
	DWORD err;

	svc_handle = RegisterServiceCtrlHandlerExW(argc > 0 ? argv[0] : L"", svc_control, NULL);
	if (svc_handle == NULL)
		return;
	svc_report(SERVICE_START_PENDING, NO_ERROR, 0, 10000);
	svc_report(SERVICE_RUNNING, NO_ERROR, 0, 0);
	err = job(&o, &line);
	if (err != 0)
		svc_report(SERVICE_STOPPED, err, 0, 0);
	else if (o.ok)
		svc_report(SERVICE_STOPPED, NO_ERROR, o.code, 0);
	else
		svc_report(SERVICE_STOPPED, ERROR_SERVICE_SPECIFIC_ERROR, o.code, 0);
	outcome_free(&o);
	sb_free(&line);
}

static BOOL WINAPI
console_ctrl(DWORD type)
{
	(void)type;
	SetEvent(stop_ev);
	return TRUE;
}

static void
print(HANDLE h, const char *s)
{
	write_all(h, s, strlen(s));
}

static const char usage[] =
        "usage: muster-svc.exe --run X:\\dir\\installer.msi|.exe --result X:\\dir\\result.txt\r\n"
        "                      [--timeout SECS] [--args \"...\"] [--console]\r\n"
        "Run by the service control manager (muster-deploy --method smb creates the service),\r\n"
        "or in the foreground with --console.\r\n";

int
main(void)
{
	static SERVICE_TABLE_ENTRYW table[] = {{L"muster-svc", svc_main}, {NULL, NULL}};
	HANDLE err_h = GetStdHandle(STD_ERROR_HANDLE);
	struct outcome o;
	struct sb line = {0};
	DWORD err;
	int status;

	InitializeCriticalSection(&svc_lock);
	if ((stop_ev = CreateEventW(NULL, TRUE, FALSE, NULL)) == NULL)
		return 2;
	parse_args();
	if (!opt.console) {
		if (StartServiceCtrlDispatcherW(table))
			return 0;
		if (GetLastError() == ERROR_FAILED_SERVICE_CONTROLLER_CONNECT) {
			print(err_h, "muster-svc: not started by the service control manager; "
			             "use --console to run in the foreground\r\n");
			print(err_h, usage);
			return 2;
		}
		print(err_h, "muster-svc: StartServiceCtrlDispatcherW failed\r\n");
		return 2;
	}

	SetConsoleCtrlHandler(console_ctrl, TRUE);
	err = job(&o, &line);
	if (err != 0) {
		struct sb msg = {0};
		if (opt.err.len > 0) {
			sb_put(&msg, "muster-svc: ");
			sb_putn(&msg, opt.err.p, opt.err.len);
			sb_put(&msg, "\r\n");
		}
		sb_put(&msg, "muster-svc: no result file written: ");
		if (opt.result_ok)
			sb_puterr(&msg, err);
		else
			sb_put(&msg, "--result is not usable");
		sb_put(&msg, "\r\n");
		if (!msg.bad)
			print(err_h, msg.p);
		if (opt.err.len > 0)
			print(err_h, usage);
		sb_free(&msg);
		status = 2;
	} else {
		write_all(GetStdHandle(STD_OUTPUT_HANDLE), line.p, line.len);
		status = o.ok ? 0 : 1;
	}
	outcome_free(&o);
	sb_free(&line);
	return status;
}
