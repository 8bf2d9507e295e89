/*
 * ansible.h - --export-ansible DIR: the same deployment as an Ansible
 * inventory and playbook, for sites that push through Ansible or AWX.
 */
#ifndef MUSTER_DEPLOY_ANSIBLE_H
#define MUSTER_DEPLOY_ANSIBLE_H

#include "deployer/engine.h"
#include "deployer/targets.h"

struct ansible_export {
	const struct target_list *tl;
	const struct deploy_payload *payload;
	const char *installer_path; /* copied into DIR/files/ */
	const char *user;           /* default ansible_user */
	uint16_t default_port;
	const char *known_hosts; /* passed on as UserKnownHostsFile, or NULL */
	const char *identity;    /* passed on as ansible_ssh_private_key_file, or NULL */
	const char *remote_dir;
	unsigned forks;
};

/*
 * Write DIR/inventory.ini, DIR/deploy.yml, DIR/ansible.cfg and
 * DIR/files/<installer>. DIR is created when missing. 0, or MUSTER_EIO with
 * err set.
 */
int ansible_export(const char *dir, const struct ansible_export *a, char *err, size_t errlen);

#endif
