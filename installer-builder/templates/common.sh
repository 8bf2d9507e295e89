# --- common.sh: the target-side steps shared by every generated sh installer
# (docs/installer.md). Included by the builder; values above came through
# enc_sh. Nothing here prints or logs the enrollment token.

LOG=/var/log/muster-installer.log
CONF_DIR=/etc/muster-agent
STATE_DIR=/var/lib/muster-agent
WORK=
RESULT_DONE=0

log() {
	printf '%s installer=%s %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$INSTALLER_ID" "$*" \
		>>"$LOG" 2>/dev/null || true
}

# finish CODE REASON: the one machine-readable line, then exit.
finish() {
	if [ "$1" -eq 0 ]; then st=ok; else st=failed; fi
	log "result status=$st code=$1 reason=$2"
	RESULT_DONE=1
	printf 'MUSTER-RESULT status=%s code=%s reason=%s installer=%s\n' "$st" "$1" "$2" "$INSTALLER_ID"
	exit "$1"
}

# shellcheck disable=SC2317 # run from traps
cleanup() {
	if [ -n "$WORK" ] && [ -d "$WORK" ]; then
		rm -rf "$WORK"
	fi
}

# shellcheck disable=SC2317 # run from traps
on_signal() {
	cleanup
	if [ "$RESULT_DONE" -eq 0 ]; then
		RESULT_DONE=1
		printf 'MUSTER-RESULT status=failed code=23 reason=interrupted installer=%s\n' "$INSTALLER_ID"
	fi
	exit 23
}

make_work() {
	WORK=$(mktemp -d "${TMPDIR:-/var/tmp}/muster-inst.XXXXXX") || finish 19 cannot-make-temp-dir
	trap cleanup EXIT
	trap on_signal HUP INT TERM
}

have() { command -v "$1" >/dev/null 2>&1; }

sha256_of() {
	if have sha256sum; then
		sha256sum "$1" | cut -d ' ' -f 1
	elif have shasum; then
		shasum -a 256 "$1" | cut -d ' ' -f 1
	elif have openssl; then
		openssl dgst -sha256 -r "$1" | cut -d ' ' -f 1
	else
		echo none
	fi
}

check_expiry() {
	if [ "$EXPIRES" != 0 ]; then
		now=$(date +%s)
		if [ "$now" -gt "$EXPIRES" ]; then
			finish 15 installer-expired
		fi
	fi
}

# The machine's architecture in the installer's words.
norm_arch() {
	case "$1" in
	x86_64 | amd64 | x64) echo x86_64 ;;
	aarch64 | arm64) echo aarch64 ;;
	i386 | i686 | x86) echo i686 ;;
	armv7l | armhf) echo armv7l ;;
	ppc64le | ppc64el) echo ppc64le ;;
	*) echo "$1" ;;
	esac
}

check_platform() {
	sys=$(uname -s)
	case "$MUSTER_OS" in
	linux) [ "$sys" = Linux ] || finish 12 wrong-os ;;
	macos) [ "$sys" = Darwin ] || finish 12 wrong-os ;;
	*) finish 12 wrong-os ;;
	esac
	if [ "$(norm_arch "$(uname -m)")" != "$(norm_arch "$MUSTER_ARCH")" ]; then
		log "refused: machine is $(uname -m), installer is for $MUSTER_ARCH"
		finish 13 wrong-architecture
	fi
}

check_root() {
	if [ "$(id -u)" != 0 ]; then
		finish 11 not-root
	fi
}

# check_disk DIR KB: at least KB kilobytes free under DIR.
check_disk() {
	free_kb=$(df -Pk "$1" 2>/dev/null | awk 'NR == 2 { print $4 }')
	case "$free_kb" in
	'' | *[!0-9]*) finish 14 cannot-measure-disk ;;
	esac
	if [ "$free_kb" -lt "$2" ]; then
		finish 14 not-enough-disk
	fi
}

# install_pkg FILE KIND CMD SHA: install one package unless this exact file is
# already installed (a second run is harmless).
install_pkg() {
	mark="$STATE_DIR/installed.$4"
	if [ -f "$mark" ]; then
		log "package $(basename "$1") already installed"
		return 0
	fi
	case "$2" in
	deb)
		have dpkg || finish 22 no-dpkg
		dpkg -i "$1" >>"$LOG" 2>&1 || finish 18 package-install-failed
		;;
	rpm)
		have rpm || finish 22 no-rpm
		rpm -U --replacepkgs "$1" >>"$LOG" 2>&1 || finish 18 package-install-failed
		;;
	pkg)
		have installer || finish 22 no-installer
		installer -pkg "$1" -target / >>"$LOG" 2>&1 || finish 18 package-install-failed
		;;
	tar.gz)
		x="$WORK/x.$4"
		mkdir -p "$x" || finish 19 cannot-make-temp-dir
		tar -xzf "$1" -C "$x" >>"$LOG" 2>&1 || finish 18 package-unpack-failed
		(cd "$x" && sh -c "$3") >>"$LOG" 2>&1 || finish 18 package-install-failed
		;;
	*) finish 18 unknown-package-kind ;;
	esac
	mkdir -p "$STATE_DIR" && : >"$mark"
	log "package $(basename "$1") installed"
}

# put SRC DEST MODE: replace DEST atomically with SRC's bytes.
put() {
	if ! { cp "$1" "$2.new.$$" && chmod "$3" "$2.new.$$" && mv -f "$2.new.$$" "$2"; }; then
		finish 19 config-write-failed
	fi
}

# write_config DIR: the configuration files staged in DIR.
write_config() {
	mkdir -p "$CONF_DIR" "$STATE_DIR" || finish 19 config-write-failed
	chmod 0755 "$CONF_DIR"
	chmod 0700 "$STATE_DIR"
	put "$1/agent.conf" "$CONF_DIR/agent.conf" 0644
	put "$1/ca.pem" "$CONF_DIR/ca.pem" 0644
	put "$1/policy.json" "$CONF_DIR/policy.json" 0644
	if [ -s "$1/client.pem" ]; then
		put "$1/client.pem" "$CONF_DIR/client.pem" 0644
		put "$1/client.key" "$CONF_DIR/client.key" 0600
	fi
	log "configuration written to $CONF_DIR"
}

json_list() { # json_list WORD...: ["a","b"] of words already checked safe
	out=
	for w in "$@"; do
		out="$out${out:+,}\"$w\""
	done
	printf '[%s]' "$out"
}

# enroll DIR: POST /api/v1/enroll with DIR/enroll-prefix.json (which holds the
# token) completed by this machine's names and addresses.
enroll() {
	have curl || finish 22 no-curl
	host=$(uname -n)
	case "$host" in
	'' | *[!A-Za-z0-9._-]*) finish 20 bad-hostname ;;
	esac
	macs=
	if [ -d /sys/class/net ]; then
		for f in /sys/class/net/*/address; do
			[ -r "$f" ] || continue
			m=$(cat "$f")
			case "$m" in
			00:00:00:00:00:00) ;;
			[0-9a-f][0-9a-f]:[0-9a-f][0-9a-f]:[0-9a-f][0-9a-f]:[0-9a-f][0-9a-f]:[0-9a-f][0-9a-f]:[0-9a-f][0-9a-f]) macs="$macs $m" ;;
			esac
		done
	elif have ifconfig; then
		for m in $(ifconfig -a 2>/dev/null | awk '$1 == "ether" { print $2 }'); do
			case "$m" in
			*[!0-9a-f:]*) ;;
			*) macs="$macs $m" ;;
			esac
		done
	fi
	ips=
	if have ip; then
		for a in $(ip -4 -o addr show scope global 2>/dev/null | awk '{ split($4, p, "/"); print p[1] }'); do
			case "$a" in
			*[!0-9.]*) ;;
			*) ips="$ips $a" ;;
			esac
		done
	fi
	ver=$(uname -r)
	case "$ver" in
	*[!A-Za-z0-9._+-]*) ver= ;;
	esac
	body="$WORK/enroll.json"
	# shellcheck disable=SC2086 # word lists checked above
	{
		cat "$1/enroll-prefix.json"
		printf ',"hostname":"%s","macs":%s,"ipv4":%s,"os":{"family":"%s","version":"%s"}}' \
			"$host" "$(json_list $macs)" "$(json_list $ips)" "$MUSTER_OS" "$ver"
	} >"$body"
	url="https://$SERVER_HOSTPORT/api/v1/enroll"
	tries=0
	delay=2
	while :; do
		tries=$((tries + 1))
		code=$(curl -sS --proto '=https' --cacert "$CONF_DIR/ca.pem" --max-time 30 \
			-H 'Content-Type: application/json' --data-binary "@$body" \
			-o "$WORK/enroll.out" -w '%{http_code}' "$url" 2>>"$LOG") || code=000
		case "$code" in
		200)
			put "$WORK/enroll.out" "$STATE_DIR/enrollment.json" 0600
			log "enrolled (attempt $tries): $(tr -d '\n' <"$WORK/enroll.out" | cut -c 1-300)"
			return 0
			;;
		4[0-9][0-9])
			if [ "$code" != 408 ] && [ "$code" != 429 ]; then
				log "enrollment refused: HTTP $code $(tr -d '\n' <"$WORK/enroll.out" | cut -c 1-300)"
				if [ -s "$STATE_DIR/enrollment.json" ]; then
					return 1
				fi
				finish 21 enrollment-refused
			fi
			;;
		esac
		log "enrollment attempt $tries failed: HTTP $code"
		if [ "$tries" -ge "$ENROLL_TRIES" ]; then
			if [ -s "$STATE_DIR/enrollment.json" ]; then
				return 1
			fi
			finish 20 enrollment-failed
		fi
		sleep "$delay"
		delay=$((delay * 2))
	done
}

: "${MUSTER_ENROLL_TRIES:=5}"
ENROLL_TRIES=$MUSTER_ENROLL_TRIES
case "$ENROLL_TRIES" in '' | *[!0-9]*) ENROLL_TRIES=5 ;; esac
case "$SERVER_HOST" in
*:*) SERVER_HOSTPORT="[$SERVER_HOST]:$SERVER_PORT" ;;
*) SERVER_HOSTPORT="$SERVER_HOST:$SERVER_PORT" ;;
esac

# finish_enroll DIR: enroll; an installer already enrolled stays ok.
finish_enroll() {
	if enroll "$1"; then
		finish 0 installed-and-enrolled
	fi
	finish 0 already-enrolled
}
