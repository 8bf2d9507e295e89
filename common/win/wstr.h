/*
 * common/win/wstr.h - a bounded wide string for Muster's Windows programs
 * (installer-builder/win/bootstrap.c, deployer/win/muster-svc.c), which
 * build command lines and paths for CreateProcessW. An append that does not
 * fit sets bad and is dropped, so a caller checks once at the end and never
 * runs a command that was cut short. The includer defines WSTR_MAX (wide
 * characters, the terminating NUL included) first.
 */
#ifndef MUSTER_WIN_WSTR_H
#define MUSTER_WIN_WSTR_H

#include <stdbool.h>
#include <string.h>
#include <wchar.h>

#ifndef WSTR_MAX
#error "define WSTR_MAX before including common/win/wstr.h"
#endif

struct wstr {
	wchar_t s[WSTR_MAX];
	size_t len;
	bool bad;
};

static inline void
ws_put(struct wstr *w, const wchar_t *src)
{
	size_t n = wcslen(src);

	if (w->bad || n >= WSTR_MAX - w->len) {
		w->bad = true;
		return;
	}
	memcpy(w->s + w->len, src, n * sizeof(wchar_t));
	w->len += n;
	w->s[w->len] = L'\0';
}

static inline void
ws_set(struct wstr *w, const wchar_t *src)
{
	w->len = 0;
	w->bad = false;
	w->s[0] = L'\0';
	ws_put(w, src);
}

#endif
