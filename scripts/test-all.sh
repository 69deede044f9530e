#!/bin/sh
# Runs the whole test suite from a clean checkout on Debian 12, as root:
# installs what it needs, builds with -Werror, runs `make check`, then builds
# again with AddressSanitizer + UndefinedBehaviorSanitizer and runs it again.
# Ends with one line "N passed, N failed" counting every test case of both runs.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
sh scripts/deps.sh || exit 1
autoreconf -fi >/dev/null 2>&1 || { autoreconf -fi; exit 1; }
jobs=$(nproc 2>/dev/null || echo 2)
status=0

run_build() { # name, configure flags...
	name=$1
	shift
	dir="$top/build-$name"
	rm -rf "$dir"
	mkdir -p "$dir"
	echo "=== build $name: configure $*"
	(cd "$dir" && "$top/configure" --enable-werror "$@" >configure.out 2>&1) ||
		{ cat "$dir/configure.out"; return 1; }
	(cd "$dir" && make -j"$jobs" >make.out 2>&1) || { tail -n 60 "$dir/make.out"; return 1; }
	echo "=== test $name"
	(cd "$dir" && make -j"$jobs" check >check.out 2>&1)
	rc=$?
	grep -E '^(PASS|FAIL|ERROR|XPASS|SKIP|XFAIL):' "$dir/check.out" | grep -v '^PASS' || true
	grep -E '^# (TOTAL|PASS|FAIL|ERROR|SKIP):' "$dir/check.out" || true
	if [ $rc -ne 0 ]; then
		for log in $(grep -lE '^:test-result: (FAIL|ERROR)' $(find "$dir/tests" -name '*.trs') 2>/dev/null); do
			echo "--- ${log%.trs}.log"
			tail -n 40 "${log%.trs}.log"
		done
	fi
	return $rc
}

run_build plain || status=1
ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 \
UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	run_build sanitizers --enable-sanitizers || status=1

passed=0
failed=0
for trs in $(find "$top"/build-plain/tests "$top"/build-sanitizers/tests -name '*.trs' 2>/dev/null); do
	p=$(grep -cE '^:test-result: (PASS|XFAIL)' "$trs")
	f=$(grep -cE '^:test-result: (FAIL|XPASS|ERROR|SKIP)' "$trs")
	passed=$((passed + p))
	failed=$((failed + f))
done
# A build that failed before its tests ran counts as one failure.
[ -f "$top/build-plain/check.out" ] || failed=$((failed + 1))
[ -f "$top/build-sanitizers/check.out" ] || failed=$((failed + 1))
[ $failed -eq 0 ] || status=1
echo "$passed passed, $failed failed"
exit $status
