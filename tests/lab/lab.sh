# shellcheck shell=bash
# tests/lab/lab.sh — the Muster network lab: network namespaces joined by a
# bridge, with real daemons (sshd, smbd/nmbd, avahi, dnsmasq, dhclient) as the
# hosts and one "sensor" namespace to observe them from.
#
# Source it from a bash test:   . "$MUSTER_SRC/tests/lab/lab.sh"
#                               lab_require_root; lab_init 20
# See tests/lab/README.md for the address plan and the function list.
#
# Safety: every namespace and interface the lab makes is named
# "mlab-XXXX-..." (XXXX = 4 random hex digits per run); every helper refuses a
# name without the current run's prefix, packets only ever flow inside those
# namespaces, and teardown runs from traps on EXIT/INT/TERM/ERR.

# Names of a run's namespaces and interfaces; lab_cleanup_stale acts only on
# names that match this, never on anything else.
LAB_NAME_RE='^mlab-[0-9a-f]{4}-(br|sensor|h[0-9]+|s0|ps|p[0-9]+)$'
LAB_DIR_RE='/mlab-[0-9a-f]{4}\.[A-Za-z0-9]{6}$'
LAB_REGISTRY=/run/muster-lab
LAB_RANGE4_BASE=3323068416	# 198.18.0.0, the lab may use 198.18.0.0/15 only
LAB_RANGE4_LEN=15
LAB_V6_PREFIX=fd00:6d75	# ULA "mu": fd00:6d75::/64, interface id = v4 offset
LAB_WAIT=${LAB_WAIT:-20}	# seconds a daemon may take to become ready
: "${LAB_TMPDIR:=/tmp}"

lab__say() { printf 'lab: %s\n' "$*" >&2; }
lab__err() { printf 'lab: error: %s\n' "$*" >&2; return 1; }

# --- address arithmetic ---------------------------------------------------

lab__ip2int() {
	local IFS=. a b c d
	read -r a b c d <<<"$1"
	echo $(((a << 24) | (b << 16) | (c << 8) | d))
}

lab__int2ip() {
	echo "$(($1 >> 24 & 255)).$(($1 >> 16 & 255)).$(($1 >> 8 & 255)).$(($1 & 255))"
}

# IPv6 twin of an IPv4 lab address: fd00:6d75::<offset in 198.18.0.0/15>.
lab__v6of() {
	local off=$(($1 - LAB_RANGE4_BASE))
	if ((off >> 16)); then
		printf '%s::%x:%x\n' "$LAB_V6_PREFIX" $((off >> 16)) $((off & 0xffff))
	else
		printf '%s::%x\n' "$LAB_V6_PREFIX" "$off"
	fi
}

# --- the guard -------------------------------------------------------------

# lab__guard NAME: succeed only for a namespace or interface of this run.
lab__guard() {
	if [[ -z ${LAB_PREFIX:-} ]]; then
		lab__err "no lab is running (call lab_init first)"
		return 1
	fi
	if [[ $1 != "$LAB_PREFIX"-* || ! $1 =~ $LAB_NAME_RE ]]; then
		lab__err "refusing to touch '$1': not a namespace or interface of lab $LAB_PREFIX"
		return 1
	fi
}

lab__idx() {
	if [[ ! $1 =~ ^[0-9]+$ ]] || (($1 < 1 || $1 > ${LAB_N:-0})); then
		lab__err "no host '$1' in this lab (hosts are 1..${LAB_N:-0})"
		return 1
	fi
}

# --- naming and ground truth -----------------------------------------------

lab_ns() { lab__idx "$1" && echo "$LAB_PREFIX-h$1"; }	# host namespace
lab_if() { lab__idx "$1" && echo "$LAB_PREFIX-h$1"; }	# host interface
lab_ip() { lab__idx "$1" && lab__int2ip $((LAB_NET + LAB_FIRST + $1 - 1)); }
lab_ip6() { lab__idx "$1" && lab__v6of $((LAB_NET + LAB_FIRST + $1 - 1)); }
lab_mac() {
	lab__idx "$1" || return 1
	if [[ -f $LAB_DIR/h$1.mac ]]; then
		cat "$LAB_DIR/h$1.mac"
	else
		printf '02:6d:75:01:%02x:%02x\n' $(($1 >> 8 & 255)) $(($1 & 255))
	fi
}

# Rewrite the "runs" column of host $1 in hosts.tsv: add ($2=+x) or clear (-).
# Locked, so daemons may be started for several hosts at once.
lab__runs() {
	local i=$1 what=$2 tmp=$LAB_DIR/hosts.tsv.tmp
	(
		flock 8 || exit 1
		awk -F'\t' -v OFS='\t' -v i="$i" -v w="$what" '
			$1 == i {
				if (w == "-") $6 = "-";
				else if ($6 == "-") $6 = w;
				else if (index("," $6 ",", "," w ",") == 0) $6 = $6 "," w;
			}
			{ print }' "$LAB_DIR/hosts.tsv" >"$tmp" && mv "$tmp" "$LAB_DIR/hosts.tsv"
	) 8>>"$LAB_DIR/hosts.tsv.lock"
}

lab__write_truth() {
	local i
	{
		printf '#index\tnamespace\tipv4\tmac\tipv6\truns\n'
		for ((i = 1; i <= LAB_N; i++)); do
			printf '%d\t%s\t%s\t%s\t%s\t-\n' "$i" "$LAB_PREFIX-h$i" \
				"$(lab__int2ip $((LAB_NET + LAB_FIRST + i - 1)))" \
				"$(printf '02:6d:75:01:%02x:%02x' $((i >> 8 & 255)) $((i & 255)))" \
				"$(lab__v6of $((LAB_NET + LAB_FIRST + i - 1)))"
		done
	} >"$LAB_DIR/hosts.tsv"
	{
		for v in LAB_PREFIX LAB_DIR LAB_N LAB_SUBNET LAB_PLEN LAB_FIRST LAB_BCAST \
			LAB_BR_NS LAB_SENSOR_NS LAB_SENSOR_IF LAB_SENSOR_IP \
			LAB_SENSOR_IP6 LAB_SENSOR_MAC; do
			printf '%s=%q\n' "$v" "${!v}"
		done
	} >"$LAB_DIR/lab.env"
}

# --- checks ----------------------------------------------------------------

# lab_require_root: exit 77 (ctest: skipped) unless we may build a lab here.
lab_require_root() {
	local c
	if ((EUID != 0)); then
		echo "SKIP: the lab needs root (network namespaces, mounts)" >&2
		exit 77
	fi
	for c in ip unshare nsenter mount umount; do
		if ! command -v "$c" >/dev/null; then
			echo "SKIP: '$c' is not installed" >&2
			exit 77
		fi
	done
	if [[ ! -e /proc/self/ns/net ]] || ! ip netns list >/dev/null 2>&1; then
		echo "SKIP: 'ip netns' is not available on this system" >&2
		exit 77
	fi
}

# lab_require_cmds CMD...: exit 77 naming the first missing program.
lab_require_cmds() {
	local c
	for c in "$@"; do
		if ! command -v "$c" >/dev/null && [[ ! -x $c ]]; then
			echo "SKIP: '$c' is not installed (see scripts/deps.txt)" >&2
			exit 77
		fi
	done
}

# lab__wait SECONDS DESCRIPTION CMD...: poll CMD until it succeeds.
lab__wait() {
	local secs=$1 what=$2 end
	shift 2
	end=$((SECONDS + secs))
	until "$@" >/dev/null 2>&1; do
		if ((SECONDS >= end)); then
			lab__err "timed out after ${secs}s waiting for $what"
			return 1
		fi
		sleep 0.1
	done
}

# --- processes in the lab's namespaces -------------------------------------

# lab__pids NS...: pids of all processes whose network namespace is one of NS.
lab__pids() {
	local ns inodes=() ino
	for ns in "$@"; do
		ino=$(stat -L -c %i "/run/netns/$ns" 2>/dev/null) && inodes+=("net:[$ino]")
	done
	((${#inodes[@]})) || return 0
	find /proc -mindepth 3 -maxdepth 3 -path '/proc/[0-9]*/ns/net' \
		-printf '%h %l\n' 2>/dev/null |
		awk -v list="${inodes[*]}" -v self=$$ -v me="${BASHPID:-$$}" '
			BEGIN { n = split(list, a, " "); for (k = 1; k <= n; k++) want[a[k]] = 1 }
			($2 in want) { split($1, p, "/"); if (p[3] != self && p[3] != me) print p[3] }'
}

# lab__kill_pids PIDS: TERM, wait up to 3 s, then KILL and wait up to 2 s.
lab__kill_list() {
	local ns=("$@") pids k
	pids=$(lab__pids "${ns[@]}")
	[[ -n $pids ]] || return 0
	kill -TERM $pids 2>/dev/null
	for ((k = 0; k < 30; k++)); do
		sleep 0.1
		pids=$(lab__pids "${ns[@]}")
		[[ -n $pids ]] || return 0
	done
	kill -KILL $pids 2>/dev/null
	for ((k = 0; k < 20; k++)); do
		sleep 0.1
		pids=$(lab__pids "${ns[@]}")
		[[ -n $pids ]] || return 0
	done
	lab__err "processes survive in ${ns[*]}: $pids"
}

# --- set-up ----------------------------------------------------------------

# lab_init N [--subnet CIDR] [--first-host OFFSET] [--private]
# Build the lab: bridge namespace, sensor namespace, N hosts. Hosts get
# addresses from OFFSET (default 10, or 2 when N would not fit otherwise);
# --private gives every host its private filesystem view at once (daemon
# helpers do it on demand anyway).
lab_init() {
	local n=${1:-} subnet=198.18.0.0/24 first="" private=0 id i net plen size
	shift || true
	while (($#)); do
		case $1 in
		--subnet) subnet=$2; shift 2 ;;
		--subnet=*) subnet=${1#*=}; shift ;;
		--first-host) first=$2; shift 2 ;;
		--private) private=1; shift ;;
		*) lab__err "lab_init: unknown option '$1'"; return 1 ;;
		esac
	done
	if [[ -n ${LAB_PREFIX:-} ]]; then
		lab__err "lab_init: lab $LAB_PREFIX is already running"
		return 1
	fi
	if [[ ! $n =~ ^[0-9]+$ ]] || ((n < 1 || n > 4000)); then
		lab__err "lab_init: host count must be 1..4000, not '$n'"
		return 1
	fi
	if [[ ! $subnet =~ ^([0-9]+\.[0-9]+\.[0-9]+\.[0-9]+)/([0-9]+)$ ]]; then
		lab__err "lab_init: bad subnet '$subnet'"
		return 1
	fi
	plen=${BASH_REMATCH[2]}
	net=$(lab__ip2int "${BASH_REMATCH[1]}")
	if ((plen < LAB_RANGE4_LEN || plen > 29 ||
		(net >> (32 - LAB_RANGE4_LEN)) != (LAB_RANGE4_BASE >> (32 - LAB_RANGE4_LEN)))); then
		lab__err "lab_init: subnet $subnet is outside the lab range 198.18.0.0/15"
		return 1
	fi
	net=$((net & ~((1 << (32 - plen)) - 1) & 0xffffffff))
	size=$((1 << (32 - plen)))
	if [[ -z $first ]]; then
		first=10
		((first + n - 1 <= size - 2)) || first=2
	fi
	if ((first < 2 || first + n - 1 > size - 2)); then
		lab__err "lab_init: $n hosts from offset $first do not fit in $subnet"
		return 1
	fi

	lab_cleanup_stale

	while :; do
		id=$(od -An -N2 -tx1 /dev/urandom | tr -d ' \n')
		compgen -G "/run/netns/mlab-$id-*" >/dev/null ||
			[[ -e $LAB_REGISTRY/mlab-$id ]] || break
	done
	LAB_PREFIX=mlab-$id
	LAB_N=$n
	LAB_NET=$net
	LAB_PLEN=$plen
	LAB_FIRST=$first
	LAB_SUBNET=$(lab__int2ip "$net")/$plen
	LAB_BR_NS=$LAB_PREFIX-br
	LAB_SENSOR_NS=$LAB_PREFIX-sensor
	LAB_SENSOR_IF=$LAB_PREFIX-s0
	LAB_BCAST=$(lab__int2ip $((net + size - 1)))
	LAB_SENSOR_IP=$(lab__int2ip $((net + 1)))
	LAB_SENSOR_IP6=$(lab__v6of $((net + 1)))
	LAB_SENSOR_MAC=02:6d:75:00:00:01
	LAB_OWNER=${BASHPID:-$$}
	mkdir -p "$LAB_TMPDIR" "$LAB_REGISTRY" || return 1
	LAB_DIR=$(mktemp -d "$LAB_TMPDIR/$LAB_PREFIX.XXXXXX") || return 1
	case $LAB_DIR/ in
	/etc/* | /var/* | /home/* | /opt/* | /root/* | /srv/* | /usr/local/*)
		lab__err "lab_init: LAB_TMPDIR must not be under a host-private directory"
		rmdir "$LAB_DIR"; unset LAB_PREFIX LAB_DIR; return 1 ;;
	esac
	printf 'pid=%s start=%s dir=%s\n' "$LAB_OWNER" \
		"$(lab__starttime "$LAB_OWNER")" "$LAB_DIR" >"$LAB_REGISTRY/$LAB_PREFIX"
	mkdir -p "$LAB_DIR/log" "$LAB_DIR/ns" "$LAB_DIR/fs"
	lab__traps

	if ! lab__build || ! lab__start_init; then
		lab__err "lab_init: building the lab failed"
		lab_teardown
		return 1
	fi
	lab__write_truth
	if ((private)) && ! lab__private_all; then
		lab_teardown
		return 1
	fi
	lab__say "lab $LAB_PREFIX: $n hosts in $LAB_SUBNET, sensor $LAB_SENSOR_IP, dir $LAB_DIR"
}

# Start time of a process (field 22 of /proc/PID/stat), to tell a live owner
# from a recycled pid.
lab__starttime() {
	local s
	s=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	s=${s##*) }
	set -- $s
	echo "${20}"
}

lab__traps() {
	trap 'lab__on_trap EXIT' EXIT
	trap 'lab__on_trap INT' INT
	trap 'lab__on_trap TERM' TERM
	trap 'lab__on_trap ERR' ERR
}

lab__on_trap() {
	local rc=$?
	# Subshells and command substitutions do not own the lab.
	[[ ${BASHPID:-$$} == "${LAB_OWNER:-}" ]] || return $rc
	case $1 in
	ERR)
		# Only when errexit is going to end the script anyway.
		[[ $- == *e* ]] && lab_teardown
		return $rc ;;
	INT | TERM)
		trap - EXIT ERR
		declare -F lab_user_cleanup >/dev/null && lab_user_cleanup
		lab_teardown
		trap - "$1"
		[[ $1 == INT ]] && exit 130
		exit 143 ;;
	EXIT)
		trap - ERR
		declare -F lab_user_cleanup >/dev/null && lab_user_cleanup
		lab_teardown
		exit $rc ;;
	esac
}

# Create namespaces, bridge, veth pairs and addresses.
lab__build() {
	local i ns ip ip6 mac br=$LAB_BR_NS batch=$LAB_DIR/ns.batch

	{
		echo "netns add $br"
		echo "netns add $LAB_SENSOR_NS"
		for ((i = 1; i <= LAB_N; i++)); do echo "netns add $LAB_PREFIX-h$i"; done
	} >"$batch"
	ip -batch "$batch" || return 1

	# The bridge namespace carries no addresses: no IPv6 on its ports.
	nsenter --net="/run/netns/$br" sh -c '
		echo 1 >/proc/sys/net/ipv6/conf/default/disable_ipv6
		echo 1 >/proc/sys/net/ipv6/conf/all/disable_ipv6
		ip link set lo up &&
		ip link add "$1" type bridge stp_state 0 forward_delay 0 mcast_snooping 0 &&
		ip link set "$1" up' sh "$br" || return 1

	# One nsenter per namespace, four at a time: no DAD, then the veth pair.
	cat >"$LAB_DIR/netns-setup.sh" <<'SETUP'
# args: NS IFNAME MAC PORT IPV4 IPV6 PREFIXLEN BRIDGE_NS
if [ -z "${LAB_IN_NS:-}" ]; then
	LAB_IN_NS=1 exec nsenter --net="/run/netns/$1" sh "$0" "$@"
fi
echo 0 >/proc/sys/net/ipv6/conf/all/accept_dad
echo 0 >/proc/sys/net/ipv6/conf/default/accept_dad
printf '%s\n' "link set lo up" \
	"link add $2 address $3 type veth peer name $4 netns $8" \
	"addr add $5/$7 brd + dev $2" \
	"addr add $6/64 dev $2 nodad" \
	"link set $2 up" | ip -batch -
SETUP
	{
		printf '%s\0' "$LAB_SENSOR_NS" "$LAB_SENSOR_IF" "$LAB_SENSOR_MAC" \
			"$LAB_PREFIX-ps" "$LAB_SENSOR_IP" "$LAB_SENSOR_IP6" "$LAB_PLEN" "$br"
		for ((i = 1; i <= LAB_N; i++)); do
			ns=$LAB_PREFIX-h$i
			ip=$(lab__int2ip $((LAB_NET + LAB_FIRST + i - 1)))
			ip6=$(lab__v6of $((LAB_NET + LAB_FIRST + i - 1)))
			printf -v mac '02:6d:75:01:%02x:%02x' $((i >> 8 & 255)) $((i & 255))
			printf '%s\0' "$ns" "$ns" "$mac" "$LAB_PREFIX-p$i" "$ip" "$ip6" \
				"$LAB_PLEN" "$br"
		done
	} | xargs -0 -n8 -P4 sh "$LAB_DIR/netns-setup.sh" || return 1

	{
		echo "link set $LAB_PREFIX-ps master $br up"
		for ((i = 1; i <= LAB_N; i++)); do echo "link set $LAB_PREFIX-p$i master $br up"; done
	} >"$batch"
	ip -n "$br" -batch "$batch" || return 1
	rm -f "$batch"
}

# lab_set_mac I MAC: give host I's interface another MAC (e.g. a vendor OUI).
lab_set_mac() {
	local i=$1 mac=$2 ns
	ns=$(lab_ns "$i") || return 1
	lab__guard "$ns" || return 1
	[[ $mac =~ ^([0-9a-fA-F]{2}:){5}[0-9a-fA-F]{2}$ ]] || { lab__err "bad MAC '$mac'"; return 1; }
	ip -n "$ns" link set "$ns" address "$mac" || return 1
	echo "$mac" >"$LAB_DIR/h$i.mac"
	awk -F'\t' -v OFS='\t' -v i="$i" -v m="$mac" '$1 == i { $4 = m } { print }' \
		"$LAB_DIR/hosts.tsv" >"$LAB_DIR/hosts.tsv.tmp" && mv "$LAB_DIR/hosts.tsv.tmp" "$LAB_DIR/hosts.tsv"
}

# --- private filesystem view, pid namespace --------------------------------

# Directories each host sees privately: overlays over the real ones (writes
# stay in $LAB_DIR/fs/hI/upper), and fresh tmpfs for /run and /tmp.
LAB_PRIVATE_DIRS="etc var home opt root srv usr/local"

# lab_host_private I: give host I its own mount namespace (private /etc /var
# /home /opt /root /srv /usr/local /run /tmp, its own /sys and /proc) and pid
# namespace, whose init reaps the host's daemons. Idempotent.
lab_host_private() {
	local i=$1 ns d n fs mnt k init="" dirs
	ns=$(lab_ns "$i") || return 1
	lab__guard "$ns" || return 1
	[[ -s $LAB_DIR/h$i.init ]] && return 0
	fs=$LAB_DIR/fs/h$i
	mnt=$LAB_DIR/ns/h$i.mnt
	lab__ns_mount || return 1
	dirs=()
	for d in $LAB_PRIVATE_DIRS; do
		n=${d//\//_}
		dirs+=("$fs/upper/$n" "$fs/work/$n")
	done
	mkdir -p "${dirs[@]}" || return 1
	: >"$mnt"
	# fd 9 keeps the run directory reachable after /tmp (or /run) is covered.
	nsenter --net="/run/netns/$ns" unshare --mount="$mnt" --propagation private \
		bash -c '
		set -e
		lab=$1 fs=$2 dirs=$3 keep=$4
		exec 9<"$lab"
		# The source and build trees stay reachable when they live under
		# /tmp or /run (a checkout in /tmp), which the host covers below.
		kept=() fds=()
		for p in $keep; do
			case $p in /tmp/* | /run/*) ;; *) continue ;; esac
			[ -d "$p" ] || continue
			exec {fd}<"$p"
			kept+=("$p")
			fds+=("$fd")
		done
		umount -l "$lab/ns"
		mount -t sysfs lab-sys /sys
		for d in $dirs; do
			n=${d//\//_}
			mount -t overlay "lab-$n" -o "lowerdir=/$d,upperdir=$fs/upper/$n,workdir=$fs/work/$n" "/$d"
		done
		mount -t tmpfs -o mode=755,size=64m lab-run /run
		mount -t tmpfs -o mode=1777,size=256m lab-tmp /tmp
		mkdir -p /run/lock /run/sshd /run/samba /run/dnsmasq /run/avahi-daemon "$lab"
		chmod 1777 /run/lock
		mount --no-canonicalize --bind /proc/self/fd/9 "$lab"
		for k in "${!kept[@]}"; do
			mkdir -p "${kept[$k]}"
			mount --no-canonicalize --bind "/proc/self/fd/${fds[$k]}" "${kept[$k]}"
		done
		' sh "$LAB_DIR" "$fs" "$LAB_PRIVATE_DIRS" "${MUSTER_SRC:-} ${MUSTER_BUILD:-}" \
		>>"$LAB_DIR/log/h$i.private.log" 2>&1 || {
		lab__err "host $i: private filesystem failed (see $LAB_DIR/log/h$i.private.log)"
		return 1
	}
	# The host's own pid namespace, nested in the lab's: its init mounts
	# /proc and reaps the host's daemons. It is started from inside the lab
	# pid namespace and orphaned there, so the lab init reaps it in turn —
	# whatever shell or subshell called us.
	rm -f "$LAB_DIR/h$i.ready"
	nsenter --pid="/proc/$(<"$LAB_DIR/lab.init")/ns/pid" -- sh -c '
		nsenter --net="/run/netns/$1" --mount="$2" \
			unshare --pid --fork --kill-child sh -c "$3" "$4" \
			</dev/null >>"$5" 2>&1 &' sh "$ns" "$mnt" \
		'read -r pid _ </proc/self/stat
		mount -t proc lab-proc /proc
		trap "exit 0" TERM INT
		echo "$pid" >"$0.tmp" && mv "$0.tmp" "$0"
		while :; do sleep 86400 & wait; done' \
		"$LAB_DIR/h$i.ready" "$LAB_DIR/log/h$i.private.log" || return 1
	# The init reports its pid as the machine sees it.
	for ((k = 0; k < 500; k++)); do
		[[ -s $LAB_DIR/h$i.ready ]] && init=$(<"$LAB_DIR/h$i.ready") && break
		sleep 0.01
	done
	[[ -n $init && /proc/$init/ns/net -ef /run/netns/$ns ]] || init=""
	if [[ -z $init ]]; then
		lab__err "host $i: its pid namespace init did not start"
		return 1
	fi
	echo "$init" >"$LAB_DIR/h$i.init"
}

# Private filesystems for all hosts, four at a time.
lab__private_all() {
	local i j rc=0
	lab__ns_mount || return 1
	for ((i = 1; i <= LAB_N; i += 4)); do
		for ((j = i; j < i + 4 && j <= LAB_N; j++)); do
			lab_host_private "$j" &
		done
		wait || rc=1
	done
	for ((i = 1; i <= LAB_N; i++)); do
		[[ -s $LAB_DIR/h$i.init ]] || { lab__err "host $i has no private filesystem"; return 1; }
	done
	return $rc
}

# unshare --mount=FILE needs FILE on a mount with private propagation. The
# hosts' upper layers live on a tmpfs: quick to write and to throw away.
lab__ns_mount() {
	if ! mountpoint -q "$LAB_DIR/fs"; then
		mount -t tmpfs -o mode=700,size=50% lab-fs "$LAB_DIR/fs" || return 1
	fi
	mountpoint -q "$LAB_DIR/ns" && return 0
	mount --bind "$LAB_DIR/ns" "$LAB_DIR/ns" && mount --make-private "$LAB_DIR/ns"
}

# Start the lab's init: pid 1 of a pid namespace (network: the bridge's) in
# which every host's pid namespace nests; it reaps what the hosts leave.
lab__start_init() {
	local p k c=""
	nsenter --net="/run/netns/$LAB_BR_NS" unshare --pid --fork --kill-child sh -c '
		trap "exit 0" TERM INT
		touch "$0"
		while :; do sleep 86400 & wait; done' "$LAB_DIR/lab.ready" \
		</dev/null >>"$LAB_DIR/log/lab-init.log" 2>&1 &
	p=$!
	disown "$p" 2>/dev/null || true
	for ((k = 0; k < 100; k++)); do
		if [[ -e $LAB_DIR/lab.ready ]]; then
			read -r c _ <"/proc/$p/task/$p/children"
			[[ -n $c ]] && break
		fi
		sleep 0.05
	done
	if [[ ! -e $LAB_DIR/lab.ready || -z $c ]]; then
		lab__err "the lab's pid namespace init did not start"
		return 1
	fi
	echo "$c" >"$LAB_DIR/lab.init"
}

# --- running commands in the lab -------------------------------------------

# lab_exec I CMD...: run CMD in host I: its network, private filesystem and
# pid namespace (made on first use, ~0.15 s). The working directory is kept
# when the host can see it, else /.
lab_exec() {
	local i=$1 ns init
	shift
	ns=$(lab_ns "$i") || return 1
	lab__guard "$ns" || return 1
	lab_host_private "$i" || return 1
	init=$(<"$LAB_DIR/h$i.init")
	if [[ ! /proc/$init/ns/net -ef /run/netns/$ns ]]; then
		lab__err "host $i: its init ($init) is gone"
		return 1
	fi
	nsenter --net="/run/netns/$ns" --mount="$LAB_DIR/ns/h$i.mnt" \
		--pid="/proc/$init/ns/pid" -- \
		sh -c 'cd "$0" 2>/dev/null || cd /; exec "$@"' "$PWD" "$@"
}

# lab_exec_net I CMD...: run CMD in host I's network namespace only, with the
# machine's filesystem (fast; for ip, ping, ss — never for writing files).
lab_exec_net() {
	local i=$1 ns
	shift
	ns=$(lab_ns "$i") || return 1
	lab__guard "$ns" || return 1
	ip netns exec "$ns" "$@"
}

# lab_sensor_exec CMD...: run CMD in the sensor namespace.
lab_sensor_exec() {
	lab__guard "${LAB_SENSOR_NS:-}" || return 1
	ip netns exec "$LAB_SENSOR_NS" "$@"
}

# lab_banner IP PORT [SECONDS]: first line a TCP service sends, read from the
# sensor namespace (e.g. "SSH-2.0-OpenSSH_9.2p1 ...").
lab_banner() {
	lab_sensor_exec timeout "${3:-3}" bash -c '
		exec 3<>"/dev/tcp/$0/$1" || exit 1
		IFS= read -r line <&3 || exit 1
		printf "%s\n" "${line%$'"'"'\r'"'"'}"' "$1" "$2"
}

# lab_tcp_open NS_KIND IP PORT: succeed when IP:PORT accepts a connection from
# host I ("lab_tcp_open 3 ...") or from the sensor ("lab_tcp_open sensor ...").
lab_tcp_open() {
	local who=$1
	shift
	if [[ $who == sensor ]]; then
		lab_sensor_exec timeout 2 bash -c 'exec 3<>"/dev/tcp/$0/$1"' "$@"
	else
		lab_exec "$who" timeout 2 bash -c 'exec 3<>"/dev/tcp/$0/$1"' "$@"
	fi
}

# lab__spawn I NAME CMD...: start CMD (in the foreground mode of the daemon)
# in host I, detached in its own session (smbd signals its whole process
# group when it stops: that must never reach the test), output to
# $LAB_DIR/log/hI.NAME.log.
lab__spawn() {
	local i=$1 name=$2 log
	shift 2
	log=$LAB_DIR/log/h$i.$name.log
	lab_exec "$i" sh -c 'log=$0; exec setsid "$@" </dev/null >>"$log" 2>&1 &' "$log" "$@"
}

lab__fail_log() {
	lab__err "$1 (log: $2)"
	[[ -f $2 ]] && tail -n 15 "$2" | sed 's/^/lab:   | /' >&2
	return 1
}

# --- daemons -----------------------------------------------------------------

# lab_start_sshd I [--version-addendum TEXT] [--port P] [--authorized-keys FILE]
# [--rsa]: sshd with the host's own keys in its /etc/ssh. Root may log in with
# the keys in FILE; users added with "lab_exec I useradd" may use passwords.
lab_start_sshd() {
	local i=$1 addendum=none port=22 akeys="" rsa=0 ns ip conf log t
	shift
	while (($#)); do
		case $1 in
		--version-addendum) addendum=$2; shift 2 ;;
		--port) port=$2; shift 2 ;;
		--authorized-keys) akeys=$2; shift 2 ;;
		--rsa) rsa=1; shift ;;
		*) lab__err "lab_start_sshd: unknown option '$1'"; return 1 ;;
		esac
	done
	ns=$(lab_ns "$i") || return 1
	lab__guard "$ns" || return 1
	lab_host_private "$i" || return 1
	ip=$(lab_ip "$i")
	log=$LAB_DIR/log/h$i.sshd.log
	lab_exec "$i" sh -c '
		rm -f /etc/ssh/ssh_host_*
		ssh-keygen -q -t ed25519 -N "" -C "root@$1" -f /etc/ssh/ssh_host_ed25519_key &&
		ssh-keygen -q -t ecdsa -N "" -C "root@$1" -f /etc/ssh/ssh_host_ecdsa_key || exit 1
		if [ "$2" = 1 ]; then
			ssh-keygen -q -t rsa -b 2048 -N "" -C "root@$1" -f /etc/ssh/ssh_host_rsa_key || exit 1
		fi
		mkdir -p /root/.ssh && chmod 700 /root/.ssh && touch /root/.ssh/authorized_keys
		mkdir -p -m 755 /run/sshd' sh "$ns" "$rsa" >>"$log" 2>&1 ||
		{ lab__fail_log "host $i: ssh-keygen failed" "$log"; return 1; }
	if [[ -n $akeys ]]; then
		cat "$akeys" >>"$LAB_DIR/fs/h$i/upper/root/.ssh/authorized_keys" || return 1
	fi
	conf=$LAB_DIR/fs/h$i/upper/etc/ssh/sshd_config
	{
		echo "# Muster lab host $i ($ns)"
		echo "Port $port"
		echo "ListenAddress 0.0.0.0"
		echo "ListenAddress ::"
		echo "HostKey /etc/ssh/ssh_host_ed25519_key"
		echo "HostKey /etc/ssh/ssh_host_ecdsa_key"
		((rsa)) && echo "HostKey /etc/ssh/ssh_host_rsa_key"
		echo "PidFile /run/sshd.pid"
		echo "UsePAM no"
		echo "PermitRootLogin prohibit-password"
		echo "PasswordAuthentication yes"
		echo "KbdInteractiveAuthentication no"
		echo "AuthorizedKeysFile .ssh/authorized_keys"
		echo "StrictModes no"
		echo "UseDNS no"
		echo "LogLevel VERBOSE"
		echo "Subsystem sftp internal-sftp"
		echo "VersionAddendum $addendum"
	} >"$conf"
	lab_exec "$i" /usr/sbin/sshd -t -f /etc/ssh/sshd_config >>"$log" 2>&1 ||
		{ lab__fail_log "host $i: sshd_config rejected" "$log"; return 1; }
	lab__spawn "$i" sshd /usr/sbin/sshd -D -e -f /etc/ssh/sshd_config || return 1
	lab__wait "$LAB_WAIT" "sshd on host $i" lab_tcp_open "$i" "$ip" "$port" ||
		{ lab__fail_log "host $i: sshd not ready" "$log"; return 1; }
	lab__runs "$i" "sshd:$port"
}

# lab_host_key I [TYPE]: the host's public key "TYPE BASE64" (default ed25519;
# also ecdsa, rsa) — prefix it with the address for a known_hosts line.
lab_host_key() {
	local i=$1 t=${2:-ed25519} f
	lab__idx "$i" || return 1
	f=$LAB_DIR/fs/h$i/upper/etc/ssh/ssh_host_${t}_key.pub
	[[ -f $f ]] || { lab__err "host $i has no $t host key (lab_start_sshd first)"; return 1; }
	awk '{ print $1, $2 }' "$f"
}

# lab_known_hosts I [PORT]: known_hosts lines for all of host I's keys.
lab_known_hosts() {
	local i=$1 port=${2:-22} who f
	lab__idx "$i" || return 1
	who=$(lab_ip "$i")
	[[ $port == 22 ]] || who="[$who]:$port"
	for f in "$LAB_DIR/fs/h$i/upper/etc/ssh/"ssh_host_*_key.pub; do
		[[ -f $f ]] && awk -v h="$who" '{ print h, $1, $2 }' "$f"
	done
}

# lab_start_smbd I NETBIOS_NAME WORKGROUP [--conf FILE]: smbd (445, 139) and
# nmbd (137, 138) bound to the host's lab interface, with their own smb.conf
# and state. --conf appends FILE to smb.conf before the daemons start (more
# shares; a "[global]" section there adds global settings).
lab_start_smbd() {
	local i=$1 name=$2 wg=$3 extra="" ns ip log conf
	shift 3 || { lab__err "usage: lab_start_smbd I NETBIOS_NAME WORKGROUP [--conf FILE]"; return 1; }
	while (($#)); do
		case $1 in
		--conf) extra=$2; shift 2 ;;
		*) lab__err "lab_start_smbd: unknown option '$1'"; return 1 ;;
		esac
	done
	ns=$(lab_ns "$i") || return 1
	lab__guard "$ns" || return 1
	[[ -n $name && -n $wg ]] || { lab__err "usage: lab_start_smbd I NETBIOS_NAME WORKGROUP"; return 1; }
	lab_host_private "$i" || return 1
	ip=$(lab_ip "$i")
	log=$LAB_DIR/log/h$i.smbd.log
	mkdir -p "$LAB_DIR/fs/h$i/upper/etc/samba"
	conf=$LAB_DIR/fs/h$i/upper/etc/samba/smb.conf
	cat >"$conf" <<EOF
# Muster lab host $i ($ns)
[global]
	netbios name = $name
	workgroup = $wg
	server string = Muster lab host $i
	server role = standalone server
	interfaces = $ns
	bind interfaces only = yes
	smb ports = 445 139
	disable netbios = no
	local master = no
	preferred master = no
	domain master = no
	wins support = no
	dns proxy = no
	lock directory = /run/samba/lock
	pid directory = /run/samba
	state directory = /var/lib/samba
	cache directory = /var/cache/samba
	private dir = /var/lib/samba/private
	ncalrpc dir = /run/samba/ncalrpc
	load printers = no
	printing = bsd
	printcap name = /dev/null
	disable spoolss = yes
	map to guest = bad user
	usershare max shares = 0
	log level = 1

[lab]
	path = /srv/lab
	read only = yes
	guest ok = yes
EOF
	if [[ -n $extra ]]; then
		cat "$extra" >>"$conf" || return 1
	fi
	lab_exec "$i" sh -c 'rm -rf /var/lib/samba /var/cache/samba &&
		mkdir -p /var/lib/samba/private /var/cache/samba /run/samba/lock /srv/lab' ||
		return 1
	lab__spawn "$i" smbd /usr/sbin/smbd -F --no-process-group --debug-stdout \
		-s /etc/samba/smb.conf || return 1
	lab__spawn "$i" nmbd /usr/sbin/nmbd -F --no-process-group --debug-stdout \
		-s /etc/samba/smb.conf || return 1
	lab__wait "$LAB_WAIT" "smbd on host $i" lab_tcp_open "$i" "$ip" 445 ||
		{ lab__fail_log "host $i: smbd not ready" "$log"; return 1; }
	# nmbd answers node status at once, but broadcast name queries only once
	# it has registered its names (~5 s): wait for the latter, as seen from
	# the sensor.
	lab__wait "$LAB_WAIT" "nmbd on host $i" lab__nbstat_has "$i" "$ip" "$name" ||
		{ lab__fail_log "host $i: nmbd not ready" "$LAB_DIR/log/h$i.nmbd.log"; return 1; }
	lab__wait "$LAB_WAIT" "nmbd name registration on host $i" lab__nbquery "$ip" "$name" ||
		{ lab__fail_log "host $i: nmbd does not answer name queries" "$LAB_DIR/log/h$i.nmbd.log"; return 1; }
	lab__runs "$i" "smbd:445" && lab__runs "$i" "nmbd:137"
}

# NetBIOS node status of IP, asked from host I itself, lists NAME.
lab__nbstat_has() {
	lab_exec "$1" nmblookup -s /dev/null -U "$2" -A "$2" 2>/dev/null | grep -qi "^[[:space:]]*$3[[:space:]]"
}

# A broadcast name query from the sensor for NAME is answered by IP.
lab__nbquery() {
	lab_sensor_exec nmblookup -s /dev/null -B "$LAB_BCAST" "$2" 2>/dev/null | grep -q "^$1 "
}

# lab_start_avahi I HOSTNAME: avahi-daemon publishing HOSTNAME.local (address
# and workstation records) on the host's lab interface; no D-Bus.
lab_start_avahi() {
	local i=$1 hn=$2 ns log
	ns=$(lab_ns "$i") || return 1
	lab__guard "$ns" || return 1
	[[ -n $hn ]] || { lab__err "usage: lab_start_avahi I HOSTNAME"; return 1; }
	lab_host_private "$i" || return 1
	log=$LAB_DIR/log/h$i.avahi.log
	mkdir -p "$LAB_DIR/fs/h$i/upper/etc/avahi"
	cat >"$LAB_DIR/fs/h$i/upper/etc/avahi/avahi-daemon.conf" <<EOF
# Muster lab host $i ($ns)
[server]
host-name=$hn
domain-name=local
use-ipv4=yes
use-ipv6=yes
allow-interfaces=$ns
enable-dbus=no
ratelimit-interval-usec=1000000
ratelimit-burst=1000

[wide-area]
enable-wide-area=no

[publish]
publish-addresses=yes
publish-hinfo=yes
publish-workstation=yes
publish-domain=yes

[reflector]
enable-reflector=no
EOF
	lab__spawn "$i" avahi /usr/sbin/avahi-daemon --no-rlimits \
		-f /etc/avahi/avahi-daemon.conf || return 1
	lab__wait "$LAB_WAIT" "avahi on host $i" grep -q 'Server startup complete' "$log" ||
		{ lab__fail_log "host $i: avahi-daemon not ready" "$log"; return 1; }
	lab__runs "$i" "avahi:5353"
}

# lab_start_dnsmasq I RANGE_START RANGE_END: DHCP server (no DNS) on host I;
# leases in the host's /var/lib/misc/dnsmasq.leases (see lab_dnsmasq_leases).
lab_start_dnsmasq() {
	local i=$1 from=$2 to=$3 ns log
	ns=$(lab_ns "$i") || return 1
	lab__guard "$ns" || return 1
	[[ -n $from && -n $to ]] || { lab__err "usage: lab_start_dnsmasq I RANGE_START RANGE_END"; return 1; }
	lab_host_private "$i" || return 1
	log=$LAB_DIR/log/h$i.dnsmasq.log
	lab_exec "$i" sh -c 'mkdir -p /var/lib/misc && : >/var/lib/misc/dnsmasq.leases' || return 1
	lab__spawn "$i" dnsmasq /usr/sbin/dnsmasq --keep-in-foreground --conf-file=/dev/null \
		--port=0 --interface="$ns" --bind-interfaces --except-interface=lo \
		--dhcp-range="$from,$to,12h" --dhcp-authoritative --no-ping \
		--dhcp-leasefile=/var/lib/misc/dnsmasq.leases --pid-file=/run/dnsmasq/dnsmasq.pid \
		--user=root --log-facility=- --log-dhcp || return 1
	lab__wait "$LAB_WAIT" "dnsmasq on host $i" lab__udp_bound "$i" 67 ||
		{ lab__fail_log "host $i: dnsmasq not ready" "$log"; return 1; }
	lab__runs "$i" "dnsmasq:67"
}

lab__udp_bound() { lab_exec "$1" ss -Hlun "sport = :$2" | grep -q .; }

# lab_dnsmasq_leases I: print dnsmasq's lease file of host I
# ("expiry mac ip hostname client-id" per line).
lab_dnsmasq_leases() { lab_exec "$1" cat /var/lib/misc/dnsmasq.leases; }

# lab_dhcp_client I HOSTNAME [--vendor-class STR] [--conf-extra TEXT]: run
# dhclient on host I sending HOSTNAME; print the leased address. The host's
# static address stays (the lease is recorded, not configured).
lab_dhcp_client() {
	local i=$1 hn=$2 vc="" extra="" ns log k addr
	shift 2 || { lab__err "usage: lab_dhcp_client I HOSTNAME"; return 1; }
	while (($#)); do
		case $1 in
		--vendor-class) vc=$2; shift 2 ;;
		--conf-extra) extra=$2; shift 2 ;;
		*) lab__err "lab_dhcp_client: unknown option '$1'"; return 1 ;;
		esac
	done
	ns=$(lab_ns "$i") || return 1
	lab__guard "$ns" || return 1
	lab_host_private "$i" || return 1
	log=$LAB_DIR/log/h$i.dhclient.log
	mkdir -p "$LAB_DIR/fs/h$i/upper/etc/dhcp"
	{
		echo "# Muster lab host $i ($ns)"
		echo "timeout 15;"
		echo "retry 2;"
		echo "send host-name \"$hn\";"
		[[ -n $vc ]] && echo "send vendor-class-identifier \"$vc\";"
		echo "request subnet-mask, broadcast-address, time-offset, routers, domain-name, domain-name-servers, host-name, ntp-servers;"
		[[ -n $extra ]] && echo "$extra"
	} >"$LAB_DIR/fs/h$i/upper/etc/dhcp/dhclient.conf"
	lab_exec "$i" sh -c 'mkdir -p /var/lib/dhcp && rm -f /var/lib/dhcp/dhclient.leases' || return 1
	lab__spawn "$i" dhclient /sbin/dhclient -4 -d -v -sf /bin/true \
		-cf /etc/dhcp/dhclient.conf -lf /var/lib/dhcp/dhclient.leases \
		-pf /run/dhclient.pid "$ns" || return 1
	for ((k = 0; k < LAB_WAIT * 10; k++)); do
		addr=$(lab_exec "$i" cat /var/lib/dhcp/dhclient.leases 2>/dev/null |
			sed -n 's/^ *fixed-address \([0-9.]*\);/\1/p' | tail -n1)
		[[ -n $addr ]] && break
		sleep 0.1
	done
	[[ -n $addr ]] || { lab__fail_log "host $i: no DHCP lease" "$log"; return 1; }
	lab__runs "$i" dhclient
	echo "$addr"
}

# lab_stop_daemons I: stop every process in host I but its init (which stays,
# with its sleeping child, so the host can run daemons again).
lab_stop_daemons() {
	local i=$1 ns init holder p pids k st
	ns=$(lab_ns "$i") || return 1
	lab__guard "$ns" || return 1
	[[ -s $LAB_DIR/h$i.init ]] || return 0
	init=$(<"$LAB_DIR/h$i.init")
	holder=$(awk '{ print $4 }' "/proc/$init/stat" 2>/dev/null)
	for ((k = 0; k < 50; k++)); do
		pids=""
		for p in $(lab__pids "$ns"); do
			[[ $p == "$init" || $p == "$holder" ]] && continue
			st=$(<"/proc/$p/stat") 2>/dev/null || continue
			[[ $st == *") S $init "* && $(<"/proc/$p/comm") == sleep ]] && continue
			pids+=" $p"
		done
		[[ -n $pids ]] || break
		if ((k < 30)); then kill -TERM $pids 2>/dev/null; else kill -KILL $pids 2>/dev/null; fi
		sleep 0.1
	done
	[[ -z $pids ]] || { lab__err "host $i: processes survive: $pids"; return 1; }
	lab__runs "$i" -
}

# --- teardown ------------------------------------------------------------------

# lab__destroy PREFIX DIR: kill, unmount and delete everything of one run.
lab__destroy() {
	local prefix=$1 dir=$2 f name nss=() m mounts batch rc=0
	[[ $prefix =~ ^mlab-[0-9a-f]{4}$ ]] || { lab__err "refusing to destroy '$prefix'"; return 1; }
	if [[ -n $dir && ! $dir =~ $LAB_DIR_RE ]]; then
		lab__err "refusing to remove '$dir'"
		dir=""
	fi
	for f in /run/netns/"$prefix"-*; do
		[[ -e $f ]] || continue
		name=${f##*/}
		[[ $name =~ $LAB_NAME_RE ]] && nss+=("$name")
	done
	((${#nss[@]})) && { lab__kill_list "${nss[@]}" || rc=1; }
	if [[ -n $dir ]]; then
		# Deepest first: per-host mount namespace files, then their parent.
		mounts=$(awk -v d="$dir/" 'index($5, d) == 1 { print length($5), $5 }' \
			/proc/self/mountinfo | sort -rn | cut -d' ' -f2-)
		for m in $mounts; do
			umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || rc=1
		done
	fi
	if ((${#nss[@]})); then
		batch=$(mktemp) || return 1
		printf 'netns del %s\n' "${nss[@]}" >"$batch"
		ip -force -batch "$batch" >/dev/null 2>&1
		rm -f "$batch"
		for name in "${nss[@]}"; do
			[[ -e /run/netns/$name ]] && { ip netns del "$name" 2>/dev/null || rc=1; }
		done
	fi
	if [[ -n $dir && -d $dir ]]; then
		if awk -v d="$dir/" 'index($5, d) == 1 { found = 1 } END { exit !found }' /proc/self/mountinfo; then
			lab__err "mounts remain under $dir; not removing it"
			rc=1
		else
			if [[ -n ${LAB_KEEP_LOGS:-} && -d $dir/log ]]; then
				mkdir -p "$LAB_KEEP_LOGS" && cp -a "$dir/log" "$LAB_KEEP_LOGS/$prefix-log" 2>/dev/null
			fi
			rm -rf --one-file-system -- "$dir" || rc=1
		fi
	fi
	rm -f "$LAB_REGISTRY/$prefix"
	return $rc
}

# lab_teardown: stop every process of this lab, unmount, delete namespaces and
# the run directory. Idempotent; installed as trap by lab_init.
lab_teardown() {
	local rc
	[[ -n ${LAB_PREFIX:-} ]] || return 0
	[[ ${BASHPID:-$$} == "${LAB_OWNER:-}" ]] || { lab__err "lab_teardown: not the lab owner"; return 1; }
	trap '' INT TERM
	lab__destroy "$LAB_PREFIX" "$LAB_DIR"
	rc=$?
	((rc)) || lab__say "lab $LAB_PREFIX torn down"
	unset LAB_PREFIX LAB_DIR LAB_N
	trap - INT TERM ERR
	return $rc
}

# lab_cleanup_stale: remove what crashed runs left (namespaces "mlab-XXXX-*",
# run directories, registry entries) whose owner process is gone. Never
# touches the current run, a live run, or any other name.
lab_cleanup_stale() {
	local f name prefix pid start dir
	declare -A seen=()
	for f in /run/netns/mlab-* "$LAB_REGISTRY"/mlab-* "$LAB_TMPDIR"/mlab-*.* /tmp/mlab-*.*; do
		[[ -e $f ]] || continue
		name=${f##*/}
		if [[ $f == /run/netns/* ]]; then
			[[ $name =~ $LAB_NAME_RE ]] || continue
		elif [[ $f == "$LAB_REGISTRY"/* ]]; then
			[[ $name =~ ^mlab-[0-9a-f]{4}$ ]] || continue
		else
			[[ $f =~ $LAB_DIR_RE ]] || continue
		fi
		seen[${name:0:9}]=1
	done
	for prefix in "${!seen[@]}"; do
		[[ $prefix == "${LAB_PREFIX:-}" ]] && continue
		pid="" start="" dir=""
		if [[ -r $LAB_REGISTRY/$prefix ]]; then
			read -r pid start dir <"$LAB_REGISTRY/$prefix"
			pid=${pid#pid=} start=${start#start=} dir=${dir#dir=}
			if [[ -n $pid && $(lab__starttime "$pid" 2>/dev/null) == "$start" ]]; then
				continue	# its owner still runs
			fi
		fi
		if [[ -z $dir ]]; then
			for f in "$LAB_TMPDIR"/"$prefix".* /tmp/"$prefix".*; do
				[[ $f =~ $LAB_DIR_RE && -d $f ]] && dir=$f
			done
		fi
		lab__say "removing stale lab $prefix${dir:+ ($dir)}"
		lab__destroy "$prefix" "$dir"
	done
}

# --- test results ------------------------------------------------------------

# Counts of lab_check results so far; lab_check_summary reports them.
LAB_PASSED=0
LAB_FAILED=0

# lab_check DESCRIPTION CMD...: run CMD in this shell (a function may set
# variables), print "ok - DESCRIPTION" or "FAIL - DESCRIPTION" by its exit
# status and count it in LAB_PASSED or LAB_FAILED. CMD's output is shown.
lab_check() {
	local lab__what=$1
	shift
	if "$@"; then
		echo "ok - $lab__what"
		LAB_PASSED=$((LAB_PASSED + 1))
	else
		echo "FAIL - $lab__what"
		LAB_FAILED=$((LAB_FAILED + 1))
	fi
}

# lab_check_quiet DESCRIPTION CMD...: lab_check with CMD's stdout and stderr
# discarded.
lab_check_quiet() { lab_check "$1" lab__quiet "${@:2}"; }
lab__quiet() { "$@" >/dev/null 2>&1; }

# lab_check_summary: print "N passed, M failed"; fail when a check failed.
lab_check_summary() {
	echo "$LAB_PASSED passed, $LAB_FAILED failed"
	((LAB_FAILED == 0))
}
