#!/usr/bin/env bash
# bench/deploy/run.sh - push a 5 MiB installer to 10, 50 and 100 lab hosts
# (real sshd on private filesystems) with muster-deploy, with
# parallel-scp + parallel-ssh (Debian pssh) and with ansible (copy + shell,
# pipelining on), all from the sensor namespace at the same parallelism
# (issue 8, "Benchmark").
#
# Every tool does the same work per host: upload the installer, check its
# SHA-256 on the target, run it, remove it. The installer writes the
# SHA-256 of itself (computed on the host) to a marker file; after each run
# the marker of every host is checked, so a run counts only if every host
# really got and ran the exact installer. Wall time, client CPU (user+sys
# of the tool and all its children) and peak RSS (the largest process) come
# from GNU time. Median of RUNS runs.
#
# Writes bench/deploy/RESULTS.md. Not a test: it only measures.
#
#   bench/deploy/run.sh [MUSTER_DEPLOY]
#   env: RUNS (3), SIZES ("10 50 100"), PARALLEL (32), TOOLS ("muster pssh ansible"),
#        OUT (RESULTS.md path)
set -u
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
bin=${1:-$src/build-deploy-rel/deployer/muster-deploy}
RUNS=${RUNS:-3}
SIZES=${SIZES:-"10 50 100"}
PARALLEL=${PARALLEL:-32}
TOOLS=${TOOLS:-"muster pssh ansible"}
OUT=${OUT:-$here/RESULTS.md}

. "$src/tests/lab/lab.sh"
lab_require_root
lab_require_cmds parallel-scp parallel-ssh ansible-playbook /usr/bin/time python3 ssh-keygen
[[ -x $bin ]] || {
	echo "muster-deploy not found at $bin (build it: cmake --build BUILD --target muster-deploy)" >&2
	exit 2
}

work=$(mktemp -d /tmp/bench-deploy.XXXXXX)
lab_user_cleanup() { rm -rf -- "$work"; }
max=0
for n in $SIZES; do ((n > max)) && max=$n; done

# --- the installer: a POSIX sh header, then 5 MiB of payload it never reads --
{
	cat <<'EOF'
#!/bin/sh
# bench installer: records the SHA-256 of itself, as computed on the host
mkdir -p /opt/bench && sha256sum "$0" | cut -d' ' -f1 >/opt/bench/installed || exit 4
echo "MUSTER-RESULT status=ok code=0 reason=bench"
exit 0
EOF
	head -c $((5 * 1024 * 1024)) /dev/urandom | base64 -w 76
} >"$work/installer.sh"
truncate -s $((5 * 1024 * 1024)) "$work/installer.sh" # exactly 5 MiB, header intact
sha=$(sha256sum "$work/installer.sh" | cut -d' ' -f1)
ssh-keygen -q -t ed25519 -N "" -C bench -f "$work/id"

echo "# lab: $max hosts" >&2
lab_init "$max" --private >/dev/null || exit 1
for ((i = 1; i <= max; i += 10)); do
	for ((k = i; k < i + 10 && k <= max; k++)); do
		lab_start_sshd "$k" --authorized-keys "$work/id.pub" >/dev/null &
	done
	wait
done
# The hosts are fresh Debian systems: stock root dotfiles, not this machine's
# (a login shell runs ~/.bashrc for every SSH command, with every tool).
for ((i = 1; i <= max; i++)); do
	lab_exec "$i" sh -c 'cp /usr/share/base-files/dot.bashrc /root/.bashrc &&
		cp /usr/share/base-files/dot.profile /root/.profile'
done
: >"$work/known_hosts"
for ((i = 1; i <= max; i++)); do lab_known_hosts "$i" >>"$work/known_hosts"; done

# --- the tools ---------------------------------------------------------------
# Each writes its command into $work/cmd-TOOL-N; run under GNU time.
prepare() {
	local n=$1 i
	: >"$work/hosts-$n"
	for ((i = 1; i <= n; i++)); do lab_ip "$i" >>"$work/hosts-$n"; done
	{
		echo "[bench]"
		for ((i = 1; i <= n; i++)); do
			echo "$(lab_ip "$i") ansible_user=root ansible_python_interpreter=/usr/bin/python3"
		done
	} >"$work/inventory-$n.ini"
}

cat >"$work/ansible.cfg" <<EOF
[defaults]
host_key_checking = True
forks = $PARALLEL
gathering = explicit
private_key_file = $work/id
interpreter_python = /usr/bin/python3
stdout_callback = default
retry_files_enabled = False
local_tmp = $work/ansible-local

[ssh_connection]
pipelining = True
ssh_args = -o UserKnownHostsFile=$work/known_hosts -o StrictHostKeyChecking=yes -o ControlMaster=auto -o ControlPersist=30s
EOF
cat >"$work/deploy.yml" <<EOF
- hosts: bench
  gather_facts: false
  tasks:
    - name: upload
      ansible.builtin.copy:
        src: $work/installer.sh
        dest: /tmp/bench-installer.sh
        mode: "0700"
    - name: verify, run, clean up
      ansible.builtin.shell: >-
        echo "$sha  /tmp/bench-installer.sh" | sha256sum -c --status &&
        sh /tmp/bench-installer.sh; rc=\$?; rm -f /tmp/bench-installer.sh; exit \$rc
EOF

cat >"$work/pssh.sh" <<EOF
#!/bin/sh
# parallel-scp + parallel-ssh: the same work as the other tools
o="-O UserKnownHostsFile=$work/known_hosts -O StrictHostKeyChecking=yes -O IdentityFile=$work/id -O BatchMode=yes -O IdentitiesOnly=yes"
parallel-scp -h "\$1" -l root -p $PARALLEL -t 0 \$o $work/installer.sh /tmp/bench-installer.sh >/dev/null &&
parallel-ssh -h "\$1" -l root -p $PARALLEL -t 0 \$o \\
	'echo "$sha  /tmp/bench-installer.sh" | sha256sum -c --status && sh /tmp/bench-installer.sh; rc=\$?; rm -f /tmp/bench-installer.sh; exit \$rc'
EOF

run_tool() { # run_tool TOOL N -> "wall cpu rss_kb ok"
	local tool=$1 n=$2 t
	# Fresh markers, so only this run can make them.
	for ((i = 1; i <= n; i++)); do lab_exec "$i" rm -f /opt/bench/installed; done
	t=$work/time-$tool-$n
	case $tool in
	muster)
		lab_sensor_exec /usr/bin/time -f "%e %U %S %M" -o "$t" "$bin" --method ssh \
			--targets "$work/hosts-$n" --user root --identity "$work/id" \
			--known-hosts "$work/known_hosts" --installer "$work/installer.sh" \
			--parallel "$PARALLEL" --report "$work/report-$n.json" --quiet \
			>"$work/out-$tool-$n" 2>&1
		;;
	pssh)
		# Two passes, as an admin would: parallel-scp, then parallel-ssh.
		lab_sensor_exec /usr/bin/time -f "%e %U %S %M" -o "$t" sh "$work/pssh.sh" \
			"$work/hosts-$n" >"$work/out-$tool-$n" 2>&1
		;;
	ansible)
		# A fresh control-path directory: every run starts without open connections.
		cp=$(mktemp -d "$work/ansible-cp.XXXXXX")
		mkdir -p "$work/ansible-local"
		ANSIBLE_SSH_CONTROL_PATH_DIR=$cp ANSIBLE_CONFIG=$work/ansible.cfg lab_sensor_exec /usr/bin/time -f "%e %U %S %M" \
			-o "$t" ansible-playbook -i "$work/inventory-$n.ini" -f "$PARALLEL" \
			"$work/deploy.yml" >"$work/out-$tool-$n" 2>&1
		;;
	esac
	local ok=0
	for ((i = 1; i <= n; i++)); do
		[[ $(lab_exec "$i" cat /opt/bench/installed 2>/dev/null) == "$sha" ]] && ok=$((ok + 1))
	done
	read -r wall u s rss <"$t"
	echo "$wall $(echo "$u + $s" | bc) $rss $ok"
}

declare -A WALL CPU RSS OKS
for n in $SIZES; do
	prepare "$n"
	for tool in $TOOLS; do
		walls=() cpus=() rsss=() oks=()
		for ((r = 1; r <= RUNS; r++)); do
			read -r w c m k < <(run_tool "$tool" "$n")
			echo "# $tool n=$n run $r: wall ${w}s cpu ${c}s rss ${m}KiB sha256 ok on $k/$n hosts" >&2
			walls+=("$w") cpus+=("$c") rsss+=("$m") oks+=("$k")
		done
		med() { printf '%s\n' "$@" | sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
		WALL[$tool,$n]=$(med "${walls[@]}")
		CPU[$tool,$n]=$(med "${cpus[@]}")
		RSS[$tool,$n]=$(med "${rsss[@]}")
		OKS[$tool,$n]=$(printf '%s\n' "${oks[@]}" | sort -n | head -1)
	done
done

# --- RESULTS.md ----------------------------------------------------------------
{
	echo "# muster-deploy vs parallel-scp+parallel-ssh vs ansible"
	echo
	echo "Generated by \`bench/deploy/run.sh\` on $(date -u +%Y-%m-%d) ($(nproc) cores,"
	echo "$(uname -r)); $("$bin" --version); $(parallel-ssh --version 2>&1 | head -1 | sed 's/^/pssh /');"
	echo "$(ansible --version | head -1). Installer: 5 MiB POSIX sh. Parallelism $PARALLEL for"
	echo "every tool. Median of $RUNS runs. Every tool uploads, checks the SHA-256 on the"
	echo "target, runs and removes the installer; \"sha ok\" counts hosts whose marker"
	echo "holds the installer's SHA-256 as computed on the host (the worst run)."
	echo
	echo "| hosts | tool | wall s | client CPU s | peak RSS MiB | sha ok |"
	echo "|---:|---|---:|---:|---:|---:|"
	for n in $SIZES; do
		for tool in $TOOLS; do
			printf '| %s | %s | %s | %s | %.1f | %s/%s |\n' "$n" "$tool" "${WALL[$tool,$n]}" \
				"${CPU[$tool,$n]}" "$(echo "${RSS[$tool,$n]} / 1024" | bc -l)" "${OKS[$tool,$n]}" "$n"
		done
	done
	echo
	echo "Ratios (other tool / muster-deploy; higher means muster-deploy is better):"
	echo
	echo "| hosts | wall vs pssh | wall vs ansible | CPU vs pssh | CPU vs ansible |"
	echo "|---:|---:|---:|---:|---:|"
	for n in $SIZES; do
		r() { [[ -n ${WALL[$1,$n]:-} && -n ${WALL[muster,$n]:-} ]] && echo "scale=1; $2" | bc -l || echo "-"; }
		printf '| %s | %s× | %s× | %s× | %s× |\n' "$n" \
			"$(r pssh "${WALL[pssh,$n]:-0} / ${WALL[muster,$n]}")" \
			"$(r ansible "${WALL[ansible,$n]:-0} / ${WALL[muster,$n]}")" \
			"$(r pssh "${CPU[pssh,$n]:-0} / ${CPU[muster,$n]}")" \
			"$(r ansible "${CPU[ansible,$n]:-0} / ${CPU[muster,$n]}")"
	done
	echo
	echo "Targets at 50 hosts: at least 3× faster than parallel-ssh, 8× faster than ansible."
	echo "The sshd side (key exchange, one process per connection) runs on the same"
	echo "cores and is not in \"client CPU\"; muster-deploy makes one connection per host"
	echo "where pssh makes two (scp, then ssh) and ansible several."
} >"$OUT"
cat "$OUT"
