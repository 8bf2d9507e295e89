#!/bin/sh
# A stand-in for a muster-installer all-in-one (issue 7), for the deployer's
# lab tests: it installs nothing but a marker file, prints the machine-readable
# result line and exits with a documented code, as the real installers do.
#   0  installed            (MUSTER-RESULT status=ok code=0)
#   3  refused on request   (/etc/muster-test-fail exists on the host)
#   4  not root / cannot write /opt
# /etc/muster-test-hang makes it sleep that many seconds first (timeouts).
set -u
if [ -f /etc/muster-test-hang ]; then
	sleep "$(cat /etc/muster-test-hang)"
fi
if [ -f /etc/muster-test-fail ]; then
	echo "test installer: failing on request" >&2
	echo "MUSTER-RESULT status=failed code=3 reason=failure requested by /etc/muster-test-fail"
	exit 3
fi
if [ "$(id -u)" != 0 ]; then
	echo "MUSTER-RESULT status=failed code=4 reason=must run as root"
	exit 4
fi
mkdir -p /opt/muster-test || {
	echo "MUSTER-RESULT status=failed code=4 reason=cannot write /opt"
	exit 4
}
sum=$(sha256sum "$0" | cut -d' ' -f1)
echo "uid=$(id -u) sha256=$sum dir=$(pwd)" >>/opt/muster-test/installed
echo "test installer: marker written"
echo "MUSTER-RESULT status=ok code=0 reason=test agent installed"
exit 0
