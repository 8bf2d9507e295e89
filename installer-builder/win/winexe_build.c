/* installer-builder/win/winexe_build.c: muster-winexe-build, a small driver
 * of kind_win_allinone_build for tests until muster-installer's all-in-one
 * dispatches --os windows to it.
 *
 * Usage: muster-winexe-build BOOTSTRAP.exe OUT.exe AGENT.msi HOST:PORT CA.pem
 *        GROUP POLICY.json TOKEN_FILE [EXPIRES]
 * Exit 0 built, 2 usage or refused value, 3 runtime error. */
#include <stdio.h>
#include <string.h>

#include "common/muster.h"
#include "installer-builder/gpo.h"
#include "installer-builder/model.h"

int
main(int argc, char **argv)
{
	struct inst_args a;
	struct inst_model m;
	char err[512];
	int r;

	if (argc != 9 && argc != 10) {
		fprintf(stderr, "usage: muster-winexe-build BOOTSTRAP.exe OUT.exe AGENT.msi "
		                "HOST:PORT CA.pem GROUP POLICY.json TOKEN_FILE [EXPIRES]\n");
		return MUSTER_EXIT_USAGE;
	}
	memset(&a, 0, sizeof(a));
	memset(&m, 0, sizeof(m));
	a.os = "windows";
	a.agent = argv[3];
	a.server = argv[4];
	a.ca = argv[5];
	a.group = argv[6];
	a.policy = argv[7];
	a.token_file = argv[8];
	a.expires = argc == 10 ? argv[9] : NULL;
	a.need_agent_file = true;
	if ((r = model_from_args(&a, &m, err, sizeof(err))) != 0) {
		fprintf(stderr, "muster-winexe-build: %s\n", err);
		return MUSTER_EXIT_USAGE;
	}
	r = kind_win_allinone_build(&m, argv[1], argv[2], err, sizeof(err));
	if (r != 0)
		fprintf(stderr, "muster-winexe-build: %s\n", err);
	else
		printf("built installer_id=%s out=%s\n", m.installer_id, argv[2]);
	model_free(&m);
	return r == 0               ? MUSTER_EXIT_OK
	       : r == MUSTER_EINVAL ? MUSTER_EXIT_USAGE
	                            : MUSTER_EXIT_RUNTIME;
}
