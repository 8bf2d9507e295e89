/* test_fp_rules.c - our rule files: each loads clean, known values match, bad lines give file:line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "common/muster.h"
#include "sensor/fingerprint/rules.h"

static struct fp_rules *all;

static int
load_all(void **state)
{
	struct fp_errors errs;

	fp_errors_init(&errs);
	all = fp_rules_load_dir(MUSTER_SENSOR_DATADIR, &errs);
	for (unsigned i = 0; i < errs.kept; i++)
		printf("# %s\n", errs.msg[i]);
	return all == NULL || errs.count != 0;
}

static int
free_all(void **state)
{
	fp_rules_free(all);
	return 0;
}

/* Match value and check the family ("" for none) and, when given, the name and role. */
static void
expect(enum fp_kind kind, const char *value, const char *family, const char *name, const char *role)
{
	struct fp_guess g;

	if (!fp_rules_match(all, kind, value, &g))
		fail_msg("%s '%s' matched nothing", fp_kind_name(kind), value);
	assert_string_equal(g.family, family);
	if (name != NULL)
		assert_string_equal(g.name, name);
	if (role != NULL)
		assert_string_equal(g.role, role);
	assert_true(g.confidence > 0 && g.confidence <= 100);
}

static void
test_each_file_loads_clean(void **state)
{
	static const char *files[] = {"dhcp", "ssdp", "mdns", "lldp", "netbios"};
	size_t total = 0;

	for (size_t i = 0; i < MUSTER_NELEM(files); i++) {
		char path[512];
		struct fp_errors errs;
		struct fp_rules *r;

		snprintf(path, sizeof(path), "%s/%s.rules", MUSTER_SENSOR_DATADIR, files[i]);
		fp_errors_init(&errs);
		r = fp_rules_load(path, &errs);
		assert_non_null(r);
		for (unsigned k = 0; k < errs.kept; k++)
			printf("# %s\n", errs.msg[k]);
		assert_int_equal(errs.count, 0);
		assert_true(fp_rules_count(r) >= 5);
		total += fp_rules_count(r);
		fp_rules_free(r);
	}
	assert_int_equal(total, fp_rules_count(all));
	printf("# %zu rules in %zu files\n", total, MUSTER_NELEM(files));
}

static void
test_dhcp(void **state)
{
	struct fp_guess g;

	expect(FP_DHCP_PRL, "1,3,6,15,31,33,43,44,46,47,119,121,249,252", "windows",
	       "Windows 8/10/11", NULL);
	expect(FP_DHCP_PRL, "1, 3, 6, 15, 31, 33, 43, 44, 46, 47, 119, 121, 249, 252", "windows",
	       NULL, NULL);
	expect(FP_DHCP_PRL, "1,15,3,6,44,46,47,31,33,121,249,43", "windows", "Windows Vista/7",
	       NULL);
	expect(FP_DHCP_PRL, "1,15,3,6,44,46,47,31,33,121,249,43,252,12", "windows", "Windows",
	       NULL);
	expect(FP_DHCP_PRL, "1,121,3,6,15,119,252,95,44,46", "macos", NULL, NULL);
	expect(FP_DHCP_PRL, "1,121,3,6,15,108,114,119,162,252,95,44,46", "macos", NULL, NULL);
	expect(FP_DHCP_PRL, "1,121,3,6,15,119,252", "ios", NULL, NULL);
	expect(FP_DHCP_PRL, "1,28,2,3,15,6,119,12,44,47,26,121,42", "linux", NULL, NULL);
	/* A PRL prefix ends on a whole code. */
	assert_false(fp_rules_match(all, FP_DHCP_PRL, "1,28,2,3,15,60", &g));
	assert_true(fp_rules_match(all, FP_DHCP_PRL, "1,28,2,3,15,6,99", &g));
	assert_false(fp_rules_match(all, FP_DHCP_PRL, "", &g));

	expect(FP_DHCP_VENDOR, "MSFT 5.0", "windows", "Windows", NULL);
	assert_true(fp_rules_match(all, FP_DHCP_VENDOR, "MSFT 5.0", &g));
	assert_string_equal(g.source, "dhcp");
	expect(FP_DHCP_VENDOR, "android-dhcp-13", "android", NULL, NULL);
	expect(FP_DHCP_VENDOR, "dhcpcd-9.4.1:Linux-6.1.21-v8+:aarch64:BCM2835", "linux", NULL,
	       NULL);
	expect(FP_DHCP_VENDOR, "dhcpcd-10.0.1:NetBSD-10.0:amd64:x86_64", "bsd", "NetBSD", NULL);
	expect(FP_DHCP_VENDOR, "dhcpcd-5.5.6", "unix", NULL, NULL);
	expect(FP_DHCP_VENDOR, "udhcp 1.36.1", "linux", NULL, NULL);
	expect(FP_DHCP_VENDOR, "PXEClient:Arch:00007:UNDI:003016", "", NULL, "pxe-boot");
	assert_false(fp_rules_match(all, FP_DHCP_VENDOR, "msft 5.0x", &g));
}

static void
test_ssdp(void **state)
{
	expect(FP_SSDP_SERVER, "Linux/5.10.0 UPnP/1.0 MiniUPnPd/2.2.1", "linux", "Linux", NULL);
	expect(FP_SSDP_SERVER, "Microsoft-Windows/10.0 UPnP/1.0 UPnP-Device-Host/1.0", "windows",
	       "Windows 10/11", NULL);
	expect(FP_SSDP_SERVER, "Microsoft-Windows-NT/5.1 UPnP/1.0 UPnP-Device-Host/1.0", "windows",
	       "Windows XP", NULL);
	expect(FP_SSDP_SERVER, "Linux UPnP/1.0 Sonos/70.3-35220 (ZPS23)", "embedded", "Sonos",
	       "media-player");
	expect(FP_SSDP_SERVER, "Roku/12.0.0 UPnP/1.0 Roku/12.0.0", "embedded", "Roku OS", NULL);
	expect(FP_SSDP_SERVER, "Synology/DSM/192.168.1.20", "linux", "Synology DSM", "nas");
	expect(FP_SSDP_SERVER, "FreeBSD/13.1-RELEASE UPnP/1.1 MiniUPnPd/2.3.0", "bsd", NULL, NULL);
	expect(FP_SSDP_SERVER, "Custom/1.0 UPnP/1.0 MiniUPnPd/2.0", "", NULL, "router");
}

static void
test_mdns(void **state)
{
	expect(FP_MDNS_MODEL, "MacBookPro18,3", "macos", NULL, NULL);
	expect(FP_MDNS_MODEL, "MacBookAir10,1", "macos", "macOS (MacBook Air)", NULL);
	expect(FP_MDNS_MODEL, "iMac21,1", "macos", NULL, NULL);
	expect(FP_MDNS_MODEL, "Macmini9,1", "macos", NULL, NULL);
	expect(FP_MDNS_MODEL, "Mac14,2", "macos", NULL, NULL);
	expect(FP_MDNS_MODEL, "iPhone14,2", "ios", NULL, NULL);
	expect(FP_MDNS_MODEL, "iPad13,4", "ios", NULL, NULL);
	expect(FP_MDNS_MODEL, "J305AP", "embedded", "Apple tvOS", "media-player");
	expect(FP_MDNS_MODEL, "AppleTV11,1", "embedded", "Apple tvOS", NULL);
	expect(FP_MDNS_MODEL, "RackMac", "unix", NULL, "file-server");
	expect(FP_MDNS_MODEL, "MacSamba", "linux", NULL, NULL);
	expect(FP_MDNS_SERVICE, "_workstation._tcp", "linux", NULL, NULL);
	expect(FP_MDNS_SERVICE, "_googlecast._tcp", "embedded", "Google Cast device", NULL);
	expect(FP_MDNS_SERVICE, "_ipp._tcp", "", NULL, "printer");
	expect(FP_MDNS_SERVICE, "_IPP._TCP", "", NULL, "printer");
	expect(FP_MDNS_SERVICE, "_printer._tcp", "", NULL, "printer");
	expect(FP_MDNS_SERVICE, "_smb._tcp", "", NULL, "file-server");
	expect(FP_MDNS_SERVICE, "_airplay._tcp", "", NULL, "airplay-receiver");
}

static void
test_lldp(void **state)
{
	expect(FP_LLDP_SYSDESC,
	       "Cisco IOS Software, C2960X Software (C2960X-UNIVERSALK9-M), Version 15.2(7)E3, "
	       "RELEASE SOFTWARE (fc3)",
	       "network", "Cisco IOS", NULL);
	expect(FP_LLDP_SYSDESC,
	       "Cisco IOS Software [Cupertino], Catalyst L3 Switch Software (CAT9K_IOSXE), "
	       "Version 17.9.4a, Cisco IOS XE",
	       "network", "Cisco IOS XE", NULL);
	expect(FP_LLDP_SYSDESC, "Cisco Nexus Operating System (NX-OS) Software 9.3(9) Cisco NX-OS",
	       "network", "Cisco NX-OS", NULL);
	expect(FP_LLDP_SYSDESC,
	       "Juniper Networks, Inc. ex2300-24t Ethernet Switch, kernel JUNOS 21.4R3", "network",
	       "Juniper Junos", NULL);
	expect(FP_LLDP_SYSDESC, "Arista Networks EOS version 4.28.3M running on an Arista DCS-7050",
	       "network", "Arista EOS", "switch");
	expect(FP_LLDP_SYSDESC, "MikroTik RouterOS 7.12.1 (stable) CRS326-24G-2S+", "network",
	       "MikroTik RouterOS", NULL);
	expect(FP_LLDP_SYSDESC, "ProCurve J9279A Switch 2510G-24, revision Y.11.16", "network",
	       "HP ProCurve", NULL);
	expect(FP_LLDP_SYSDESC, "USW-24-PoE, 6.5.59.14777, Linux 3.6.5", "network", NULL, NULL);
	expect(FP_LLDP_SYSDESC,
	       "Debian GNU/Linux 12 (bookworm) Linux 6.1.0-18-amd64 #1 SMP PREEMPT_DYNAMIC x86_64",
	       "linux", "Debian GNU/Linux", NULL);
	expect(FP_LLDP_SYSDESC, "Gentoo Linux 2.14 Linux 6.6.13 #1 SMP x86_64", "linux", "Linux",
	       NULL);
	expect(FP_CDP_PLATFORM, "cisco WS-C2960X-24TS-L", "network", "Cisco Catalyst", "switch");
	expect(FP_CDP_PLATFORM, "N9K-C93180YC-EX", "network", "Cisco Nexus", NULL);
	expect(FP_CDP_PLATFORM, "Cisco IP Phone 7945", "embedded", NULL, "voip-phone");
	expect(FP_CDP_PLATFORM, "Linux", "linux", NULL, NULL);
}

static void
test_netbios(void **state)
{
	struct fp_guess g;

	expect(FP_NETBIOS_NAME, "1c group", "", NULL, "domain-controller");
	expect(FP_NETBIOS_NAME, "1b unique", "", NULL, "domain-controller");
	expect(FP_NETBIOS_NAME, "20 unique", "", NULL, "file-server");
	expect(FP_NETBIOS_NAME, "00 unique", "", NULL, "workstation");
	expect(FP_NETBIOS_NAME, "1d unique", "", NULL, "master-browser");
	assert_false(fp_rules_match(all, FP_NETBIOS_NAME, "00 group", &g));
	expect(FP_NETBIOS_MAC, "00:00:00:00:00:00", "unix", "Samba (nmbd)", NULL);
	assert_false(fp_rules_match(all, FP_NETBIOS_MAC, "52:54:00:12:34:56", &g));
}

static void
test_glob(void **state)
{
	assert_true(fp_glob("*", "", false));
	assert_true(fp_glob("a*c", "abbbc", false));
	assert_true(fp_glob("a?c", "abc", false));
	assert_false(fp_glob("a?c", "ac", false));
	assert_true(fp_glob("*Sonos/*", "Linux UPnP/1.0 Sonos/70.3", false));
	assert_true(fp_glob("*ab*ab*", "xxabyyabzz", false));
	assert_false(fp_glob("*ab*ab", "xxabyyabzz", false));
	assert_false(fp_glob("ABC", "abc", false));
	assert_true(fp_glob("ABC", "abc", true));
	assert_true(fp_glob("j*ap", "J105aAP", true));
	assert_false(fp_glob("", "x", false));
	assert_true(fp_glob("**a", "a", false));
}

static void
test_first_match_and_quoting(void **state)
{
	static const char text[] =
	        "# order matters\n"
	        "ssdp-server glob \"A*\" => family=linux name=first confidence=10\n"
	        "ssdp-server glob \"AB*\" => family=bsd name=second confidence=90\n"
	        "ssdp-server exact \"say \\\"hi\\\" \\\\o/\" => family=other name=\"a \\\"q\\\"\" "
	        "version=1.2 role=thing confidence=0\r\n"
	        "   \t  # indented comment\n"
	        "\n";
	struct fp_rules *r = fp_rules_new();
	struct fp_errors errs;
	struct fp_guess g;

	fp_errors_init(&errs);
	assert_int_equal(fp_rules_add_buf(r, "q.rules", text, sizeof(text) - 1, &errs), 0);
	assert_int_equal(errs.count, 0);
	assert_int_equal(fp_rules_count(r), 3);
	assert_true(fp_rules_match(r, FP_SSDP_SERVER, "ABC", &g));
	assert_string_equal(g.name, "first");
	assert_true(fp_rules_match(r, FP_SSDP_SERVER, "say \"hi\" \\o/", &g));
	assert_string_equal(g.name, "a \"q\"");
	assert_string_equal(g.version, "1.2");
	assert_string_equal(g.role, "thing");
	assert_int_equal(g.confidence, 0);
	/* Other kinds do not see these rules. */
	assert_false(fp_rules_match(r, FP_DHCP_VENDOR, "ABC", &g));
	fp_rules_free(r);
}

static const char broken[] =
        "dhcp-vendor exact MSFT => family=windows confidence=50\n"         /* 1 ok */
        "dhcp-vendr exact x => family=windows confidence=50\n"             /* 2 kind */
        "dhcp-vendor fuzzy x => family=windows confidence=50\n"            /* 3 op */
        "dhcp-vendor exact x family=windows confidence=50\n"               /* 4 => */
        "dhcp-vendor exact x => family=winders confidence=50\n"            /* 5 family */
        "dhcp-vendor exact x => family=windows confidence=101\n"           /* 6 range */
        "dhcp-vendor exact \"x => family=windows confidence=50\n"          /* 7 quote */
        "dhcp-vendor exact x => family=windows\n"                          /* 8 no conf */
        "dhcp-vendor exact x => confidence=5\n"                            /* 9 nothing */
        "dhcp-vendor exact x => family=windows colour=red confidence=5\n"  /* 10 key */
        "dhcp-vendor exact x => name=a name=b family=linux confidence=5\n" /* 11 twice */
        "dhcp-vendor exact\n"                                              /* 12 pattern */
        "dhcp-vendor exact x => family=linux confidence=-1\n"              /* 13 range */
        "dhcp-vendor exact \"x\\n\" => family=linux confidence=1\n"        /* 14 escape */
        "dhcp-vendor exact y => family= confidence=1\n"                    /* 15 empty */
        "dhcp-vendor exact MSFT2 => family=windows confidence=50";         /* 16 ok */

static void
test_errors_have_file_line(void **state)
{
	struct fp_rules *r = fp_rules_new();
	struct fp_errors errs;
	struct fp_guess g;

	fp_errors_init(&errs);
	assert_int_equal(fp_rules_add_buf(r, "bad.rules", broken, sizeof(broken) - 1, &errs), 0);
	for (unsigned i = 0; i < errs.kept; i++)
		printf("# %s\n", errs.msg[i]);
	assert_int_equal(errs.count, 14);
	assert_string_equal(errs.msg[0], "bad.rules:2: unknown kind 'dhcp-vendr'");
	assert_non_null(strstr(errs.msg[1], "bad.rules:3: unknown match 'fuzzy'"));
	assert_string_equal(errs.msg[2], "bad.rules:4: expected '=>' after the pattern");
	assert_string_equal(errs.msg[3], "bad.rules:5: unknown family 'winders'");
	assert_string_equal(errs.msg[4], "bad.rules:6: confidence must be given once, 0-100");
	assert_string_equal(errs.msg[5], "bad.rules:7: unterminated string");
	assert_string_equal(errs.msg[6], "bad.rules:8: confidence= missing");
	assert_string_equal(errs.msg[7], "bad.rules:9: rule needs family= or role=");
	assert_int_equal(fp_rules_count(r), 2);
	assert_true(fp_rules_match(r, FP_DHCP_VENDOR, "MSFT2", &g));
	fp_rules_free(r);

	/* The rest, on their own. */
	r = fp_rules_new();
	fp_errors_init(&errs);
	assert_int_equal(fp_rules_add_buf(r, "b", broken + 0, sizeof(broken) - 1, NULL), 0);
	fp_rules_free(r);
}

static void
test_missing_file(void **state)
{
	struct fp_errors errs;
	struct fp_rules *r = fp_rules_new();

	fp_errors_init(&errs);
	assert_null(fp_rules_load("/nonexistent/x.rules", &errs));
	assert_null(fp_rules_load_dir("/nonexistent", &errs));
	assert_int_equal(fp_rules_add_file(r, "/nonexistent/x.rules", &errs), MUSTER_EIO);
	fp_rules_free(r);
	fp_rules_free(NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_each_file_loads_clean),
	        cmocka_unit_test(test_dhcp),
	        cmocka_unit_test(test_ssdp),
	        cmocka_unit_test(test_mdns),
	        cmocka_unit_test(test_lldp),
	        cmocka_unit_test(test_netbios),
	        cmocka_unit_test(test_glob),
	        cmocka_unit_test(test_first_match_and_quoting),
	        cmocka_unit_test(test_errors_have_file_line),
	        cmocka_unit_test(test_missing_file),
	};

	return cmocka_run_group_tests(tests, load_all, free_all);
}
