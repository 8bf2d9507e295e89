/*
 * curlfn.h - libcurl, loaded when the reporter starts. Linking libcurl costs
 * every sensor process about 6.5 MB of resident memory (its TLS, Kerberos,
 * LDAP... dependencies), which the one-shot sensor and a sensor without a
 * server never use; so report.c calls libcurl through these pointers, filled
 * by dlopen("libcurl.so.4") on first use. Include this instead of
 * <curl/curl.h>: the curl_* names below become calls through the table.
 */
#ifndef MUSTER_SENSOR_CURLFN_H
#define MUSTER_SENSOR_CURLFN_H

#include <stdbool.h>
#include <stddef.h>

#define CURL_DISABLE_TYPECHECK 1
#include <curl/curl.h>

struct curlfn {
	CURLcode (*global_init)(long);
	CURL *(*easy_init)(void);
	void (*easy_cleanup)(CURL *);
	CURLcode (*easy_setopt)(CURL *, CURLoption, ...);
	CURLcode (*easy_getinfo)(CURL *, CURLINFO, ...);
	const char *(*easy_strerror)(CURLcode);
	void (*free)(void *);
	CURLM *(*multi_init)(void);
	CURLMcode (*multi_cleanup)(CURLM *);
	CURLMcode (*multi_add_handle)(CURLM *, CURL *);
	CURLMcode (*multi_remove_handle)(CURLM *, CURL *);
	CURLMcode (*multi_setopt)(CURLM *, CURLMoption, ...);
	CURLMcode (*multi_socket_action)(CURLM *, curl_socket_t, int, int *);
	CURLMsg *(*multi_info_read)(CURLM *, int *);
	struct curl_slist *(*slist_append)(struct curl_slist *, const char *);
	void (*slist_free_all)(struct curl_slist *);
	CURLU *(*url)(void);
	void (*url_cleanup)(CURLU *);
	CURLUcode (*url_get)(const CURLU *, CURLUPart, char **, unsigned int);
	CURLUcode (*url_set)(CURLU *, CURLUPart, const char *, unsigned int);
};

/* The table; valid once curlfn_load() succeeded. */
extern struct curlfn curlfn;

/* Load libcurl (once). false with the reason in err when it cannot be had. */
bool curlfn_load(char *err, size_t errlen);

#ifndef MUSTER_CURLFN_IMPL
#undef curl_easy_setopt
#undef curl_easy_getinfo
#undef curl_multi_setopt
#define curl_global_init         curlfn.global_init
#define curl_easy_init           curlfn.easy_init
#define curl_easy_cleanup        curlfn.easy_cleanup
#define curl_easy_setopt         curlfn.easy_setopt
#define curl_easy_getinfo        curlfn.easy_getinfo
#define curl_easy_strerror       curlfn.easy_strerror
#define curl_free                curlfn.free
#define curl_multi_init          curlfn.multi_init
#define curl_multi_cleanup       curlfn.multi_cleanup
#define curl_multi_add_handle    curlfn.multi_add_handle
#define curl_multi_remove_handle curlfn.multi_remove_handle
#define curl_multi_setopt        curlfn.multi_setopt
#define curl_multi_socket_action curlfn.multi_socket_action
#define curl_multi_info_read     curlfn.multi_info_read
#define curl_slist_append        curlfn.slist_append
#define curl_slist_free_all      curlfn.slist_free_all
#define curl_url                 curlfn.url
#define curl_url_cleanup         curlfn.url_cleanup
#define curl_url_get             curlfn.url_get
#define curl_url_set             curlfn.url_set
#endif

#endif
