# shellcheck shell=bash
# deploy-lib.sh - what the muster-deploy lab tests (test_deploy_ssh.sh,
# test_deploy_smb.sh) share: a private work directory removed on exit, the
# JSON report read per host, and waiting for log lines. Source it after
# lab.sh.

# deploy_workdir NAME: a mode-700 directory in $work (kept with KEEP_WORK=1),
# removed by the lab's exit handler together with the secrets monitor
# ($monitor_pid, when the test starts one).
deploy_workdir() {
	work=$(mktemp -d "/tmp/$1.XXXXXX") || return 1
	chmod 700 "$work"
	[[ -n ${KEEP_WORK:-} ]] && echo "# work dir $work"
	monitor_pid=""
}
lab_user_cleanup() {
	[[ -n ${monitor_pid:-} ]] && kill "$monitor_pid" 2>/dev/null
	[[ -n ${KEEP_WORK:-} || -z ${work:-} ]] || rm -rf -- "$work"
}

# rand: 24 random letters and digits.
rand() { head -c 18 /dev/urandom | base64 | tr -d '/+='; }

# field_of REPORT IP FIELD: one field of one host in a JSON report ("" when absent).
field_of() {
	python3 -c 'import json,sys
for o in json.load(open(sys.argv[1])):
    if o["host"] == sys.argv[2]: print(o.get(sys.argv[3], ""))' "$1" "$2" "$3"
}

# has_status REPORT HOST STATUS REASON_REGEX: lab host HOST ended so.
has_status() {
	local st why
	st=$(field_of "$1" "$(lab_ip "$2")" status)
	why=$(field_of "$1" "$(lab_ip "$2")" reason)
	if [[ $st == "$3" && $why =~ $4 ]]; then return 0; fi
	echo "#   host $2: got $st '$why', want $3 /$4/"
	return 1
}

# count_status REPORT STATUS: how many hosts ended so.
count_status() {
	python3 -c 'import json,sys
print(sum(1 for o in json.load(open(sys.argv[1])) if o["status"] == sys.argv[2]))' "$1" "$2"
}

# wait_log FILE REGEX COUNT SECONDS: until COUNT lines of FILE match.
wait_log() {
	local k
	for ((k = 0; k < $4 * 10; k++)); do
		(($(grep -Ec -- "$2" "$1" 2>/dev/null) >= $3)) && return 0
		sleep 0.1
	done
	echo "#   $1: fewer than $3 lines match /$2/ after $4 s"
	return 1
}
