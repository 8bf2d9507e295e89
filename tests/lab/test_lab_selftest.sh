#!/usr/bin/env bash
# Self-test of the network lab (tests/lab/lab.sh): hosts answer ARP, the real
# daemons answer from the sensor namespace, hosts' filesystems are private,
# and nothing of a run is left afterwards — after success, after a failing
# test, after SIGTERM, and (through lab_cleanup_stale) after SIGKILL.
#
# Exit 0 pass, 77 skipped (not root, no netns), 1 fail.
set -u
# shellcheck disable=SC2034 # variables read inside eval'd checks
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/lab.sh"

# --- child mode: a small lab that dies on purpose -------------------------
# LAB_SELFTEST_CHILD=fail|term|kill, LAB_SELFTEST_INFO=FILE: build a lab with
# daemons, write what it made to FILE, then fail (set -e), or wait for a
# signal from the parent.
if [[ -n ${LAB_SELFTEST_CHILD:-} ]]; then
	set -e
	lab_init 3 >/dev/null 2>&1
	lab_start_sshd 1 --version-addendum child >/dev/null
	lab_start_avahi 2 child-two >/dev/null
	lab_start_smbd 3 CHILD3 LABGRP >/dev/null
	{
		echo "prefix=$LAB_PREFIX"
		echo "dir=$LAB_DIR"
		printf 'inodes='
		for f in /run/netns/"$LAB_PREFIX"-*; do printf '%s,' "$(stat -L -c %i "$f")"; done
		echo
	} >"$LAB_SELFTEST_INFO.tmp"
	mv "$LAB_SELFTEST_INFO.tmp" "$LAB_SELFTEST_INFO"
	if [[ $LAB_SELFTEST_CHILD == fail || -n ${LAB_FORCE_FAIL:-} ]]; then
		false	# the deliberate failure midway: errexit, ERR/EXIT traps
		echo "not reached"
	fi
	sleep 60 & wait	# the parent signals us
	exit 0
fi

lab_require_root
lab_require_cmds arping ssh-keygen ssh-keyscan /usr/sbin/sshd /usr/sbin/smbd \
	/usr/sbin/nmbd nmblookup smbclient /usr/sbin/avahi-daemon /usr/sbin/dnsmasq \
	/sbin/dhclient ss od timeout

t_start=$SECONDS
# Zombies left to the machine's pid 1 (which may never reap them) of the
# kinds of process a lab starts; the lab's own inits must reap its daemons.
zombies() {
	ps -eo ppid=,stat=,comm= |
		grep -cE '^ *1 +Z[^ ]* +(sshd|smbd|nmbd|avahi-daemon|dnsmasq|dhclient|unshare|sleep|nsenter|sh)$'
}
zombies_before=$(zombies)
work=$(mktemp -d /tmp/lab-selftest.XXXXXX)
lab_user_cleanup() { rm -rf -- "$work"; }

# leftovers PREFIX DIR INODES: succeed when nothing of that run remains.
leftovers_none() {
	local prefix=$1 dir=$2 inodes=$3 bad=0 ino
	if compgen -G "/run/netns/$prefix-*" >/dev/null; then
		echo "  left: namespaces $(cd /run/netns && echo "$prefix"-*)"; bad=1
	fi
	if grep -qF -e "$prefix" -e "$dir" /proc/self/mountinfo; then
		echo "  left: mounts"; grep -F -e "$prefix" -e "$dir" /proc/self/mountinfo | head -3; bad=1
	fi
	[[ -d $dir ]] && { echo "  left: $dir"; bad=1; }
	[[ -e $LAB_REGISTRY/$prefix ]] && { echo "  left: $LAB_REGISTRY/$prefix"; bad=1; }
	for ino in ${inodes//,/ }; do
		if ps -eo netns= | grep -qx "[[:space:]]*$ino"; then
			echo "  left: processes in netns $ino"; bad=1
		fi
	done
	if ps -eo args= | grep -F -- "$dir" | grep -vq grep; then
		echo "  left: processes naming $dir"; bad=1
	fi
	return $bad
}

# child_run MODE: run a child lab that ends by MODE; print its info file.
child_run() {
	local mode=$1 info=$work/child-$1.info pid k
	rm -f "$info"
	LAB_FORCE_FAIL='' LAB_SELFTEST_CHILD=$mode LAB_SELFTEST_INFO=$info \
		bash "$here/test_lab_selftest.sh" >"$work/child-$mode.log" 2>&1 &
	pid=$!
	for ((k = 0; k < 600; k++)); do
		[[ -s $info ]] && break
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	case $mode in
	term) kill -TERM "$pid" 2>/dev/null ;;
	kill) kill -KILL "$pid" 2>/dev/null ;;
	esac
	{ wait "$pid"; } 2>/dev/null
	echo "rc=$?" >>"$info"
}

# --- the lab -----------------------------------------------------------------
N=24
t0=$SECONDS
lab_check "lab_init $N hosts" lab_init "$N"
[[ -n ${LAB_PREFIX:-} ]] || { echo "0 passed, 1 failed"; exit 1; }
echo "# lab $LAB_PREFIX built in $((SECONDS - t0)) s"

lab_check "every namespace carries the run prefix" bash -c \
	'ip netns list | awk "{print \$1}" | grep "^mlab-" | grep -q "^$0-" &&
	 [[ $(ip netns list | grep -c "^$0-") == $1 ]]' "$LAB_PREFIX" $((N + 2))
lab_check "guard refuses a name without the prefix" bash -c \
	'. "$0"; LAB_PREFIX=$1; ! lab__guard lo 2>/dev/null && ! lab__guard mlab-ffff-h1 2>/dev/null &&
	 ! lab__guard "$1-x; rm" 2>/dev/null && lab__guard "$1-h1"' "$here/lab.sh" "$LAB_PREFIX"
lab_check "lab_exec refuses a host outside the lab" eval '! lab_exec 999 true 2>/dev/null'
lab_check "lab_exec refuses host 0" eval '! lab_exec 0 true 2>/dev/null'
lab_check "hosts.tsv lists $N hosts" bash -c \
	'[[ $(grep -vc "^#" "$0/hosts.tsv") == $1 ]]' "$LAB_DIR" "$N"

# ARP: every host answers from its own MAC (the ground truth).
arp_all() {
	local i ip mac out bad=0
	for ((i = 1; i <= N; i++)); do
		ip=$(lab_ip "$i") mac=$(lab_mac "$i")
		out=$(lab_sensor_exec arping -c1 -w1 -i "$LAB_SENSOR_IF" "$ip" 2>&1)
		if [[ ${out,,} != *"from $mac ($ip)"* ]]; then
			echo "  no ARP reply from host $i ($ip, $mac)"; bad=1
		fi
	done
	return $bad
}
lab_check "all $N hosts answer ARP from the sensor with their MAC" arp_all
lab_check "IPv6 ULA address answers at once (no DAD)" \
	lab_sensor_exec ping -6 -c1 -W2 "$(lab_ip6 $N)" >/dev/null

# LAB_FORCE_FAIL=1 on the whole self-test: die here, with daemons running;
# the traps must still leave nothing behind (check with ip netns list).
if [[ -n ${LAB_FORCE_FAIL:-} ]]; then
	lab_start_sshd 1 >/dev/null
	echo "# LAB_FORCE_FAIL: failing on purpose with lab $LAB_PREFIX up"
	set -e
	false
fi

# sshd
lab_check "sshd starts on host 2" lab_start_sshd 2 --version-addendum "MusterLab-$LAB_PREFIX"
banner=$(lab_banner "$(lab_ip 2)" 22)
echo "# banner: $banner"
lab_check "sshd banner carries the addendum" \
	eval '[[ $banner == SSH-2.0-OpenSSH_*" MusterLab-$LAB_PREFIX" ]]'
key=$(lab_host_key 2)
scanned=$(lab_sensor_exec ssh-keyscan -t ed25519 "$(lab_ip 2)" 2>/dev/null | awk '{ print $2, $3 }')
lab_check "lab_host_key matches what ssh-keyscan sees" eval '[[ -n $key && $key == "$scanned" ]]'
lab_check "host key is the host's own, not the machine's" \
	eval '! grep -qF "${key#* }" /etc/ssh/ssh_host_ed25519_key.pub'
lab_check "sshd on another port" lab_start_sshd 9 --port 2222
lab_check "port 2222 answers, 22 does not on that host" eval \
	'[[ $(lab_banner "$(lab_ip 9)" 2222) == SSH-2.0-* ]] && ! lab_banner "$(lab_ip 9)" 22 2>/dev/null'

# DHCP: dnsmasq on host 3, dhclient on host 4
lab_check "dnsmasq starts on host 3" lab_start_dnsmasq 3 198.18.0.200 198.18.0.220
lease=$(lab_dhcp_client 4 lab-client-04)
echo "# lease: $lease"
lab_check "dhclient on host 4 gets a lease from the range" eval \
	'[[ $lease =~ ^198\.18\.0\.(2[01][0-9]|220)$ ]]'
lab_check "dnsmasq's lease file names the client" eval \
	'lab_dnsmasq_leases 3 | grep -q " $(lab_mac 4) $lease lab-client-04 "'
lab_check "host 4 kept its static address" eval \
	'lab_exec 4 ip -4 -br addr show | grep -q " $(lab_ip 4)/"'
lab_check "the real resolv.conf and leases are untouched" eval \
	'! grep -q lab-client-04 /var/lib/dhcp/*.leases /etc/resolv.conf 2>/dev/null'

# Private filesystems
probe=muster-lab-probe-$LAB_PREFIX
lab_check "host 5 writes /etc/$probe" lab_exec 5 sh -c "echo secret >/etc/$probe && grep -q secret /etc/$probe"
lab_check "host 6 does not see it" eval "! lab_exec 6 test -e /etc/$probe"
lab_check "the real /etc does not see it" eval "[[ ! -e /etc/$probe ]]"
lab_check "host 5 sees only its own processes and interfaces" eval \
	'[[ $(lab_exec 5 ls /sys/class/net | sort | tr "\n" " ") == "lo $(lab_if 5) " ]] &&
	 ! lab_exec 5 ps -e -o comm= | grep -q sshd'
lab_check "host 5 /tmp and /run are private" eval \
	'lab_exec 5 sh -c "touch /tmp/$probe /run/$probe" && [[ ! -e /tmp/$probe && ! -e /run/$probe ]]'

# NetBIOS and SMB
lab_check "smbd/nmbd start on host 7" lab_start_smbd 7 LABWS07 LABGRP
nbstat=$(lab_sensor_exec nmblookup -s /dev/null -U "$(lab_ip 7)" -A "$(lab_ip 7)" 2>&1)
lab_check "NBSTAT from the sensor returns the NetBIOS name and workgroup" eval \
	'grep -q "LABWS07 *<20>" <<<"$nbstat" && grep -q "LABGRP *<00> - <GROUP>" <<<"$nbstat"'
lab_check "broadcast name query from the sensor finds LABWS07" eval \
	'lab_sensor_exec nmblookup -s /dev/null -B "$LAB_BCAST" LABWS07 2>&1 |
	 grep -q "^$(lab_ip 7) LABWS07<00>"'
lab_check "smbclient lists the host's share anonymously" eval \
	'lab_sensor_exec smbclient -s /dev/null -N -g -L "//$(lab_ip 7)" 2>/dev/null | grep -q "^Disk|lab|"'

# mDNS: a legacy unicast query (RFC 6762 §6.7) for NAME.local A, from the
# sensor; the answer must carry the host's address.
mdns_a() {	# mdns_a IP NAME: print the answer as decimal bytes
	lab_sensor_exec timeout 3 bash -c '
		exec 3<>"/dev/udp/$0/5353" || exit 1
		q="\x12\x34\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00"
		l=${#1}; q+=$(printf "\\\\x%02x" "$l")$1"\x05local\x00\x00\x01\x00\x01"
		printf "$q" >&3
		dd bs=1500 count=1 <&3 2>/dev/null | od -An -tu1 -v' "$1" "$2" | tr -s ' \n' ' '
}
lab_check "avahi starts on host 8" lab_start_avahi 8 labhost08
answer=$(mdns_a "$(lab_ip 8)" labhost08)
lab8=$(lab_ip 8)
lab_check "mDNS query for labhost08.local answers with host 8's address" eval \
	'[[ "$answer " == *" 0 4 ${lab8//./ } "* ]]'

lab_check "hosts.tsv records what runs" eval \
	'awk -F"\t" "\$1==2 && \$6 ~ /sshd:22/ {ok=1} \$1==7 && \$6 ~ /smbd/ {s=1} END {exit !(ok && s)}" "$LAB_DIR/hosts.tsv"'
lab_check "lab_stop_daemons stops host 2's sshd" lab_stop_daemons 2
lab_check "host 2 no longer answers on 22" eval '! lab_banner "$(lab_ip 2)" 22 2>/dev/null'

# --- failure paths: each child lab must vanish entirely --------------------
for mode in fail term; do
	child_run "$mode"
	info=$work/child-$mode.info
	if [[ -s $info ]] && grep -q '^prefix=' "$info"; then
		. <(grep -E '^(prefix|dir|inodes|rc)=' "$info")
		lab_check "forced $mode: child failed as planned (rc=$rc)" eval '((rc != 0))'
		lab_check "forced $mode: no namespace, mount, dir or process of $prefix left" \
			leftovers_none "$prefix" "$dir" "$inodes"
	else
		lab_check "forced $mode: child built its lab" false
		sed 's/^/  | /' "$work/child-$mode.log" | tail -20
	fi
done

child_run kill
info=$work/child-kill.info
if [[ -s $info ]] && grep -q '^prefix=' "$info"; then
	. <(grep -E '^(prefix|dir|inodes|rc)=' "$info")
	lab_check "SIGKILL: the dead child's namespaces are still there" \
		eval 'compgen -G "/run/netns/$prefix-*" >/dev/null'
	lab_cleanup_stale 2>/dev/null
	lab_check "lab_cleanup_stale removes the dead child's lab $prefix" \
		leftovers_none "$prefix" "$dir" "$inodes"
	lab_check "lab_cleanup_stale leaves this live lab alone" eval \
		'[[ -e /run/netns/$LAB_PREFIX-h1 ]] && lab_sensor_exec ping -c1 -W2 "$(lab_ip 1)" >/dev/null &&
		 [[ $(lab_banner "$(lab_ip 9)" 2222) == SSH-2.0-* ]]'
else
	lab_check "SIGKILL: child built its lab" false
	sed 's/^/  | /' "$work/child-kill.log" | tail -20
fi

# --- our own teardown ----------------------------------------------------------
own_prefix=$LAB_PREFIX own_dir=$LAB_DIR own_inodes=""
for f in /run/netns/"$LAB_PREFIX"-*; do own_inodes+=$(stat -L -c %i "$f"),; done
t0=$SECONDS
lab_check "lab_teardown" lab_teardown
echo "# teardown took $((SECONDS - t0)) s"
lab_check "lab_teardown is idempotent" lab_teardown
lab_check "nothing of $own_prefix is left" leftovers_none "$own_prefix" "$own_dir" "$own_inodes"
# Killed daemons whose parent is gone must be reaped by the lab's own init.
no_new_zombies() {
	local k
	for ((k = 0; k < 30; k++)); do
		(($(zombies) <= zombies_before)) && return 0
		sleep 0.1
	done
	ps -eo pid,ppid,stat,comm | awk '$3 ~ /^Z/' | sed 's/^/  zombie: /'
	return 1
}
lab_check "no new zombie processes left to pid 1" no_new_zombies

echo "# wall time $((SECONDS - t_start)) s"
lab_check_summary
