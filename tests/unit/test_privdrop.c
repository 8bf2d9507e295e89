/* test_privdrop.c - the sensor's privilege drop, checked in /proc as an admin would. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "sensor/privdrop.h"

/* The value of a "Key:\t..." line of /proc/self/status. */
static void
status_field(const char *key, char *out, size_t outlen)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	size_t kl = strlen(key);

	out[0] = 0;
	while (f && fgets(line, sizeof(line), f)) {
		if (strncmp(line, key, kl) == 0 && line[kl] == ':') {
			char *v = line + kl + 1;
			v += strspn(v, " \t");
			v[strcspn(v, "\n")] = 0;
			snprintf(out, outlen, "%s", v);
		}
	}
	if (f)
		fclose(f);
}

/* In a child: drop, then report through the exit code what /proc shows. */
static int
child(bool net_admin)
{
	char err[256], v[128];

	if (privdrop("nobody", net_admin, err, sizeof(err)) != 0) {
		fprintf(stderr, "privdrop: %s\n", err);
		return 10;
	}
	status_field("Uid", v, sizeof(v));
	if (strncmp(v, "65534", 5) != 0)
		return 11;
	status_field("CapEff", v, sizeof(v));
	/* CAP_NET_RAW is bit 13, CAP_NET_ADMIN bit 12. */
	if (strcmp(v, net_admin ? "0000000000003000" : "0000000000002000") != 0) {
		fprintf(stderr, "CapEff %s\n", v);
		return 12;
	}
	/* The bounding set is emptied: no exec can bring anything back. */
	status_field("CapBnd", v, sizeof(v));
	if (strcmp(v, "0000000000000000") != 0)
		return 13;
	status_field("NoNewPrivs", v, sizeof(v));
	if (strcmp(v, "1") != 0)
		return 14;
	status_field("Groups", v, sizeof(v));
	if (v[0] != 0)
		return 15;
	return privdrop_verify(net_admin) ? 0 : 16;
}

static int
run_child(bool net_admin)
{
	int st;
	pid_t pid = fork();

	if (pid == 0)
		_exit(child(net_admin));
	assert_true(pid > 0);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 100;
}

static void
test_drop_keeps_only_net_raw(void **state)
{
	if (geteuid() != 0)
		skip();
	assert_int_equal(run_child(false), 0);
}

static void
test_drop_with_promiscuous_keeps_net_admin(void **state)
{
	if (geteuid() != 0)
		skip();
	assert_int_equal(run_child(true), 0);
}

static void
test_unknown_user_refused(void **state)
{
	char err[256];
	int st;
	pid_t pid;

	if (geteuid() != 0)
		skip();
	pid = fork();
	if (pid == 0)
		_exit(privdrop("no-such-user-muster", false, err, sizeof(err)) != 0 &&
		                      strstr(err, "does not exist")
		              ? 0
		              : 1);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

static void
test_root_is_not_dropped(void **state)
{
	/* As root, privdrop_verify must say the process is not yet confined. */
	if (geteuid() != 0)
		skip();
	assert_false(privdrop_verify(false));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_drop_keeps_only_net_raw),
	        cmocka_unit_test(test_drop_with_promiscuous_keeps_net_admin),
	        cmocka_unit_test(test_unknown_user_refused),
	        cmocka_unit_test(test_root_is_not_dropped),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
