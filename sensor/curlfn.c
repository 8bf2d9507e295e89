/* curlfn.c - load libcurl on first use (see curlfn.h for why). */
#include <dlfcn.h>
#include <stddef.h>
#include <stdio.h>

#define MUSTER_CURLFN_IMPL 1
#include "sensor/curlfn.h"

struct curlfn curlfn;

bool
curlfn_load(char *err, size_t errlen)
{
	static const struct {
		const char *name;
		size_t off;
	} syms[] = {
#define SYM(n, f) {n, offsetof(struct curlfn, f)}
	        SYM("curl_global_init", global_init),
	        SYM("curl_easy_init", easy_init),
	        SYM("curl_easy_cleanup", easy_cleanup),
	        SYM("curl_easy_setopt", easy_setopt),
	        SYM("curl_easy_getinfo", easy_getinfo),
	        SYM("curl_easy_strerror", easy_strerror),
	        SYM("curl_free", free),
	        SYM("curl_multi_init", multi_init),
	        SYM("curl_multi_cleanup", multi_cleanup),
	        SYM("curl_multi_add_handle", multi_add_handle),
	        SYM("curl_multi_remove_handle", multi_remove_handle),
	        SYM("curl_multi_setopt", multi_setopt),
	        SYM("curl_multi_socket_action", multi_socket_action),
	        SYM("curl_multi_info_read", multi_info_read),
	        SYM("curl_slist_append", slist_append),
	        SYM("curl_slist_free_all", slist_free_all),
	        SYM("curl_url", url),
	        SYM("curl_url_cleanup", url_cleanup),
	        SYM("curl_url_get", url_get),
	        SYM("curl_url_set", url_set),
#undef SYM
	};
	static void *lib;
	struct curlfn t;

	if (lib)
		return true;
	/* The soname of Debian's libcurl4 (OpenSSL or GnuTLS flavour alike). */
	if ((lib = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL)) == NULL &&
	    (lib = dlopen("libcurl-gnutls.so.4", RTLD_NOW | RTLD_LOCAL)) == NULL) {
		snprintf(err, errlen, "libcurl is not installed (apt-get install libcurl4): %s",
		         dlerror());
		return false;
	}
	for (size_t i = 0; i < sizeof(syms) / sizeof(syms[0]); i++) {
		void *p = dlsym(lib, syms[i].name);
		if (p == NULL) {
			snprintf(err, errlen, "libcurl lacks %s (too old?)", syms[i].name);
			dlclose(lib);
			lib = NULL;
			return false;
		}
		/* POSIX guarantees a data pointer from dlsym converts to a function pointer. */
		*(void **)((char *)&t + syms[i].off) = p;
	}
	curlfn = t;
	return true;
}
