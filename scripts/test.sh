#!/usr/bin/env bash
# The test command of the README: installs what is missing, builds with
# AddressSanitizer/UBSan and -Werror, builds the libFuzzer harnesses with
# clang, and runs every test through ctest (unit, fuzz, source checks, lab).
# ctest's summary is the last thing printed.
#
# Environment: MUSTER_FUZZ_SECONDS (default 10; 0 skips the libFuzzer runs),
# MUSTER_TEST_ARGS (extra ctest arguments, e.g. "-L unit").
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
bdir=$here/build-test
fdir=$here/build-fuzz
fuzz_secs=${MUSTER_FUZZ_SECONDS:-10}

bash "$here/scripts/setup.sh" --no-build

jobs=$(nproc)
if [ "$fuzz_secs" != 0 ]; then
	echo "test: building libFuzzer harnesses (clang) in $fdir" >&2
	CC=clang cmake -S "$here" -B "$fdir" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
		-DMUSTER_FUZZ=ON -DMUSTER_SANITIZE=ON >/dev/null
	cmake --build "$fdir" -j"$jobs" >/dev/null
fi

echo "test: building with ASan/UBSan and -Werror in $bdir" >&2
cmake -S "$here" -B "$bdir" -DCMAKE_BUILD_TYPE=Debug -DMUSTER_SANITIZE=ON -DMUSTER_WERROR=ON \
	-DMUSTER_FUZZ_DIR="$([ "$fuzz_secs" != 0 ] && echo "$fdir" || true)" \
	-DMUSTER_FUZZ_SECONDS="$fuzz_secs" >/dev/null
cmake --build "$bdir" -j"$jobs" >/dev/null

cd "$bdir"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
# shellcheck disable=SC2086
exec ctest --output-on-failure -j"$jobs" ${MUSTER_TEST_ARGS:-}
