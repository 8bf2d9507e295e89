/* test_combine.c - how guesses from several sources become one OS record. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "common/muster.h"
#include "sensor/fingerprint/combine.h"

static struct fp_guess
G(const char *family, const char *name, const char *version, int confidence, const char *source) {
	struct fp_guess g;

	memset(&g, 0, sizeof(g));
	snprintf(g.family, sizeof(g.family), "%s", family);
	snprintf(g.name, sizeof(g.name), "%s", name);
	snprintf(g.version, sizeof(g.version), "%s", version);
	g.confidence = confidence;
	g.source = source;
	return g;
}

static void
test_nothing(void **state)
{
	struct fp_os os;

	assert_false(fp_combine(NULL, 0, &os));
	assert_int_equal(os.confidence, 0);
	assert_null(os.source);
}

static void
test_single_guess(void **state)
{
	struct fp_guess g[] = {G("linux", "Linux 3.11 and newer", "", 60, "p0f")};
	struct fp_os os;

	assert_true(fp_combine(g, 1, &os));
	assert_string_equal(os.family, "linux");
	assert_string_equal(os.name, "Linux 3.11 and newer");
	assert_int_equal(os.confidence, 60);
	assert_string_equal(os.source, "p0f");
	assert_int_equal(os.nsources, 1);
}

static void
test_highest_confidence_wins(void **state)
{
	struct fp_guess g[] = {
	        G("linux", "Linux 2.2.x-3.x", "", 40, "p0f"),
	        G("windows", "Windows 10", "10.0.19045", 90, "smb"),
	};
	struct fp_os os;

	assert_true(fp_combine(g, 2, &os));
	assert_string_equal(os.family, "windows");
	assert_string_equal(os.version, "10.0.19045");
	/* The rival is far below: no penalty. */
	assert_int_equal(os.confidence, 90);
	assert_string_equal(os.source, "smb");
}

static void
test_agreement_adds_capped(void **state)
{
	struct fp_guess g[] = {
	        G("windows", "Windows 7 or 8", "", 60, "p0f"),
	        G("windows", "Windows 8/10/11", "", 55, "dhcp"),
	        G("windows", "Windows 10/11", "10.0", 45, "ssdp"),
	        G("windows", "", "", 20, "netbios"),
	};
	struct fp_os os;

	assert_true(fp_combine(g, 2, &os));
	assert_int_equal(os.confidence, 70);
	assert_int_equal(os.nsources, 2);
	assert_true(fp_combine(g, 4, &os));
	assert_int_equal(os.confidence, 80); /* +20 at most */
	assert_int_equal(os.nsources, 4);
	assert_string_equal(os.name, "Windows 7 or 8");

	/* Agreement alone never reaches 100. */
	g[0].confidence = 95;
	assert_true(fp_combine(g, 4, &os));
	assert_int_equal(os.confidence, 99);
	/* A source that is sure stays sure. */
	g[0].confidence = 100;
	assert_true(fp_combine(g, 4, &os));
	assert_int_equal(os.confidence, 100);
}

static void
test_same_source_is_not_independent(void **state)
{
	struct fp_guess g[] = {
	        G("windows", "Windows 8/10/11", "", 55, "dhcp"),
	        G("windows", "Windows", "", 55, "dhcp"),
	};
	struct fp_os os;

	assert_true(fp_combine(g, 2, &os));
	assert_int_equal(os.confidence, 55);
	assert_int_equal(os.nsources, 1);
}

static void
test_specific_beats_generic(void **state)
{
	struct fp_guess g[] = {
	        G("unix", "Mac server or Samba/netatalk", "", 60, "mdns"),
	        G("linux", "Linux 3.11 and newer", "", 60, "p0f"),
	};
	struct fp_os os;

	assert_true(fp_combine(g, 2, &os));
	assert_string_equal(os.family, "linux");
	assert_string_equal(os.name, "Linux 3.11 and newer");
	assert_int_equal(os.confidence, 70);
}

static void
test_android_refines_linux(void **state)
{
	struct fp_guess g[] = {
	        G("linux", "Linux 3.11 and newer", "", 60, "p0f"),
	        G("android", "Android", "", 55, "dhcp"),
	};
	struct fp_os os;

	assert_true(fp_combine(g, 2, &os));
	assert_string_equal(os.family, "android");
	assert_string_equal(os.name, "Android");
	assert_string_equal(os.source, "dhcp");
	assert_int_equal(os.confidence, 70);
	assert_int_equal(os.nsources, 2);
}

static void
test_close_rival_costs(void **state)
{
	struct fp_guess g[] = {
	        G("linux", "Linux", "", 60, "p0f"),
	        G("macos", "macOS", "", 50, "dhcp"),
	};
	struct fp_os os;

	assert_true(fp_combine(g, 2, &os));
	assert_string_equal(os.family, "linux");
	assert_int_equal(os.confidence, 50);
}

static void
test_tie_goes_to_better_source(void **state)
{
	struct fp_guess g[] = {
	        G("linux", "Linux", "", 60, "p0f"),
	        G("windows", "Windows", "", 60, "smb"),
	};
	struct fp_os os;

	assert_true(fp_combine(g, 2, &os));
	assert_string_equal(os.family, "windows");
	assert_int_equal(os.confidence, 50);
	/* Order of the input does not matter. */
	struct fp_guess h[] = {g[1], g[0]};
	assert_true(fp_combine(h, 2, &os));
	assert_string_equal(os.family, "windows");
}

static void
test_name_and_version(void **state)
{
	struct fp_guess g[] = {
	        G("unix", "dhcpcd", "", 30, "dhcp"),
	        G("linux", "Debian GNU/Linux", "", 80, "lldp"),
	        G("linux", "Debian GNU/Linux", "12", 70, "ssh"),
	        G("linux", "Ubuntu", "22.04", 40, "dhcp"),
	};
	struct fp_os os;

	assert_true(fp_combine(g, 4, &os));
	assert_string_equal(os.family, "linux");
	assert_string_equal(os.name, "Debian GNU/Linux");
	/* The version comes from a guess with the same name, not Ubuntu's. */
	assert_string_equal(os.version, "12");
	assert_string_equal(os.source, "lldp");
	assert_int_equal(os.confidence, 99);
}

static void
test_roles(void **state)
{
	struct fp_guess g[] = {
	        G("", "", "", 35, "mdns"),
	        G("", "", "", 60, "netbios"),
	        G("bogus", "x", "", 90, "smb"),
	};
	struct fp_os os;

	snprintf(g[0].role, sizeof(g[0].role), "printer");
	snprintf(g[1].role, sizeof(g[1].role), "domain-controller");
	/* Roles only (and an unknown family): no OS, but the strongest role. */
	assert_false(fp_combine(g, 3, &os));
	assert_string_equal(os.role, "domain-controller");
	assert_string_equal(os.family, "");

	g[2] = G("windows", "Windows Server 2022", "10.0.20348", 90, "smb");
	assert_true(fp_combine(g, 3, &os));
	assert_string_equal(os.family, "windows");
	assert_string_equal(os.role, "domain-controller");
}

static void
test_source_rank(void **state)
{
	assert_true(fp_source_rank("smb") > fp_source_rank("p0f"));
	assert_true(fp_source_rank("ssh") > fp_source_rank("p0f"));
	assert_true(fp_source_rank("p0f") > fp_source_rank("dhcp"));
	assert_true(fp_source_rank("dhcp") > fp_source_rank("ssdp"));
	assert_int_equal(fp_source_rank("nonsense"), 0);
	assert_int_equal(fp_source_rank(NULL), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_nothing),
	        cmocka_unit_test(test_single_guess),
	        cmocka_unit_test(test_highest_confidence_wins),
	        cmocka_unit_test(test_agreement_adds_capped),
	        cmocka_unit_test(test_same_source_is_not_independent),
	        cmocka_unit_test(test_specific_beats_generic),
	        cmocka_unit_test(test_android_refines_linux),
	        cmocka_unit_test(test_close_rival_costs),
	        cmocka_unit_test(test_tie_goes_to_better_source),
	        cmocka_unit_test(test_name_and_version),
	        cmocka_unit_test(test_roles),
	        cmocka_unit_test(test_source_rank),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
