#!/usr/bin/env bash
# debian/ agrees with the tree, without building anything: the changelog's
# version is CMakeLists.txt's (what every --version prints), and every file
# debian/*.install and debian/*.docs take from the tree exists. The packages
# themselves are built and installed by tests/lab/test_packages.sh.
# Usage: debian.sh SOURCE_DIR
set -u
src=$(cd "$1" && pwd)
if ! command -v dpkg-parsechangelog >/dev/null; then
	echo "dpkg-parsechangelog (dpkg-dev) not installed: skipped"
	exit 77
fi
fail=0
cmake_version=$(sed -n 's/^project(muster VERSION \([0-9][0-9.]*\).*/\1/p' "$src/CMakeLists.txt")
deb_version=$(dpkg-parsechangelog -l "$src/debian/changelog" -SVersion)
if [ -n "$cmake_version" ] && [ "${deb_version%%-*}" = "$cmake_version" ]; then
	echo "ok debian/changelog $deb_version matches CMakeLists.txt $cmake_version"
else
	echo "FAIL debian/changelog says $deb_version, CMakeLists.txt '$cmake_version':" \
		"add an entry (dch -v $cmake_version)"
	fail=1
fi
n=0
for list in "$src"/debian/*.install "$src"/debian/*.docs; do
	[ -e "$list" ] || continue
	while read -r path _; do
		case $path in
		'' | '#'* | usr/* | etc/* | lib/*) continue ;; # empty, comment, or from the build
		esac
		n=$((n + 1))
		if [ ! -e "$src/$path" ]; then
			echo "FAIL ${list#"$src"/}: $path does not exist"
			fail=1
		fi
	done <"$list"
done
[ $fail -eq 0 ] && echo "ok the $n files debian/ takes from the tree exist"
exit $fail
