#!/bin/sh
# Runs the whole test suite from a clean checkout on Debian 12, as root:
# installs what it needs, builds with -Werror, runs `make check`, then builds
# again with AddressSanitizer + UndefinedBehaviorSanitizer and runs it again,
# then runs each libFuzzer target for FUZZ_SECONDS (30; scripts/fuzz.sh),
# every unit test binary of the first build under valgrind, and the Debian
# package test (scripts/test-package.sh: build, lintian, install, login, purge).
# Ends with one line "N passed, N failed" counting every test case of both runs,
# every fuzz target, every unit test binary under valgrind and every package test.
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

# Fuzzers: scripts/fuzz.sh prints TAP, one line per target.
fz_passed=0
fz_failed=0
run_fuzz() {
	dir=$top/build-fuzz
	secs=${FUZZ_SECONDS:-30}
	echo "=== fuzz: each target for $secs s"
	rm -rf "${dir:?}/obj" "${dir:?}/bin" # rebuilt; the corpus found so far is kept
	mkdir -p "$dir"
	FUZZ_SECONDS=$secs FUZZ_BUILD=$dir sh "$top/scripts/fuzz.sh" >"$dir/fuzz.tap" 2>&1
	rc=$?
	grep -E '^(not )?ok |^# ' "$dir/fuzz.tap" | head -n 100
	fz_passed=$(grep -c '^ok ' "$dir/fuzz.tap")
	fz_failed=$(grep -c '^not ok ' "$dir/fuzz.tap")
	plan=$(sed -n 's/^1\.\.\([0-9]*\)$/\1/p' "$dir/fuzz.tap" | head -n 1)
	if [ -z "$plan" ] || [ $((fz_passed + fz_failed)) -ne "$plan" ] ||
		{ [ $rc -ne 0 ] && [ "$fz_failed" -eq 0 ]; }; then
		echo "fuzz.sh: exit $rc, plan '${plan:-none}', $fz_passed ok, $fz_failed not ok"
		tail -n 20 "$dir/fuzz.tap"
		fz_failed=$((fz_failed + 1))
	fi
	[ "$fz_failed" -eq 0 ]
}
run_fuzz || status=1

# valgrind: every unit test binary of the plain build, each one test.
vg_passed=0
vg_failed=0
run_valgrind() {
	dir=$top/build-plain
	echo "=== valgrind: unit tests of build-plain"
	command -v valgrind >/dev/null || { echo "valgrind not found"; vg_failed=1; return 1; }
	tests=$(find "$dir/tests/unit" -maxdepth 1 -type f -name 'test_*' ! -name '*.*' -perm -u+x \
		2>/dev/null | sort)
	[ -n "$tests" ] || { echo "no unit test binaries in $dir/tests/unit"; vg_failed=1; return 1; }
	mkdir -p "$dir/valgrind"
	n=0
	for t in $tests; do # $jobs at a time
		log=$dir/valgrind/$(basename "$t")
		rm -f "$log.rc"
		set -- valgrind -q --leak-check=full --errors-for-leak-kinds=definite \
			--show-leak-kinds=definite --error-exitcode=1 --log-file="$log.vg" "$t"
		# a libtool wrapper script: libtool runs valgrind on the real binary
		[ "$(head -c 2 "$t")" = '#!' ] && set -- "$dir/libtool" --mode=execute "$@"
		(
			cd "$dir" && CMOCKA_MESSAGE_OUTPUT=TAP top_srcdir=$top top_builddir=$dir \
				"$@" >"$log.out" 2>&1
			echo $? >"$log.rc"
		) &
		n=$((n + 1))
		[ $((n % jobs)) -ne 0 ] || wait
	done
	wait
	for t in $tests; do
		name=$(basename "$t")
		log=$dir/valgrind/$name
		if [ "$(cat "$log.rc" 2>/dev/null)" = 0 ]; then
			vg_passed=$((vg_passed + 1))
			echo "PASS: valgrind $name"
		else
			vg_failed=$((vg_failed + 1))
			echo "FAIL: valgrind $name"
			tail -n 40 "$log.vg" "$log.out"
		fi
	done
	[ "$vg_failed" -eq 0 ]
}
run_valgrind || status=1

# Debian packages: scripts/test-package.sh builds, lints, installs, logs in
# through the installed files and purges; it prints TAP.
pk_passed=0
pk_failed=0
run_package() {
	dir=$top/build-package
	echo "=== package: dpkg-buildpackage, lintian, install, pamtester login, purge"
	mkdir -p "$dir"
	bash "$top/scripts/test-package.sh" >"$dir/package.tap" 2>&1
	rc=$?
	grep -E '^(not )?ok |^# ' "$dir/package.tap" | head -n 100
	pk_passed=$(grep -c '^ok ' "$dir/package.tap")
	pk_failed=$(grep -c '^not ok ' "$dir/package.tap")
	plan=$(sed -n 's/^1\.\.\([0-9]*\)$/\1/p' "$dir/package.tap" | head -n 1)
	if [ -z "$plan" ] || [ $((pk_passed + pk_failed)) -ne "$plan" ] ||
		{ [ $rc -ne 0 ] && [ "$pk_failed" -eq 0 ]; }; then
		echo "test-package.sh: exit $rc, plan '${plan:-none}', $pk_passed ok, $pk_failed not ok"
		tail -n 20 "$dir/package.tap"
		pk_failed=$((pk_failed + 1))
	fi
	[ "$pk_failed" -eq 0 ]
}
run_package || status=1

passed=$((fz_passed + vg_passed + pk_passed))
failed=$((fz_failed + vg_failed + pk_failed))
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
