#!/bin/sh
# Builds the libFuzzer targets tests/fuzz/fuzz_*.c with clang (libFuzzer +
# AddressSanitizer/LeakSanitizer + UndefinedBehaviorSanitizer), compiling the
# product sources they need directly (no configure: tests/fuzz/fuzz-config.h
# stands in for config.h), and runs each for a bounded time. Prints TAP, one
# line per target:
#     ok 1 - fuzz_parsers: 1234567 runs, no crash
#     not ok 2 - fuzz_config: crash (build-fuzz/artifacts/fuzz_config/crash-...)
# A crash, a leak, a timeout (-timeout) or running out of memory (-rss_limit_mb)
# fails the target; the exit status is 1 if any target failed or did not build.
#
# Each run starts from tests/fuzz/corpus/<target>/ (seeds, read only), the
# inputs earlier runs found ($FUZZ_BUILD/corpus/<target>/) and any inputs kept
# in tests/fuzz/crashes/<target>/, so a saved crash fails every later run until
# it is fixed. Reproduce one input: $FUZZ_BUILD/bin/fuzz_x FILE
#
# Environment:
#   FUZZ_SECONDS  seconds per target (60)
#   FUZZ_TARGETS  the targets to run, e.g. "fuzz_config fuzz_parsers" (all)
#   FUZZ_JOBS     targets run at the same time (the number of CPUs)
#   FUZZ_BUILD    build and work directory ($top/build-fuzz)
#   FUZZ_CC       the compiler (clang, else clang-14)
#   FUZZ_ARGS     extra libFuzzer options for every run
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
seconds=${FUZZ_SECONDS:-60}
build=${FUZZ_BUILD:-$top/build-fuzz}
jobs=${FUZZ_JOBS:-$(nproc 2>/dev/null || echo 1)}
fdir=$top/tests/fuzz

if [ -n "${FUZZ_TARGETS:-}" ]; then
	targets=$FUZZ_TARGETS
else
	targets=$(cd "$fdir" && ls fuzz_*.c | sed 's/\.c$//')
fi
# shellcheck disable=SC2086
ntargets=$(echo $targets | wc -w)
echo "1..$ntargets"

n=0
# fail_all REASON: every target "not ok" (nothing could be built or run).
fail_all() {
	for t in $targets; do
		n=$((n + 1))
		echo "not ok $n - $t: $1"
	done
	exit 1
}

cc=${FUZZ_CC:-}
if [ -z "$cc" ]; then
	for c in clang clang-14; do
		if command -v "$c" >/dev/null 2>&1; then cc=$c; break; fi
	done
fi
[ -n "$cc" ] || fail_all "clang not found (apt-get install clang libclang-rt-14-dev)"
for p in libcrypto liboath libconfig; do
	pkg-config --exists "$p" || fail_all "pkg-config cannot find $p"
done

# The product sources each target links, and the libraries they need.
sources_of() {
	case $1 in	fuzz_helper_frames)
		echo common/fio-codec.c common/fio-frame.c common/fio-wipe.c common/fio-client.c \
			helper/auth_req.c ;;
	fuzz_client_frames)
		echo common/fio-codec.c common/fio-frame.c common/fio-wipe.c common/fio-client.c ;;
	fuzz_config)
		echo common/fio-wipe.c helper/config.c helper/config_kinds.c helper/config_scan.c ;;
	fuzz_parsers)
		echo common/fio-codec.c common/fio-wipe.c helper/crypto.c helper/totp.c \
			helper/recovery.c helper/log.c ;;
	*)
		echo common/fio-codec.c common/fio-frame.c common/fio-wipe.c common/fio-client.c ;;
	esac
}
libs_of() {
	case $1 in
	fuzz_config) pkg-config --libs libconfig ;;
	fuzz_parsers) pkg-config --libs libcrypto liboath ;;
	esac
}
# Inputs longer than this are not tried: one whole frame, a config file, a typed code.
max_len_of() {
	case $1 in
	fuzz_helper_frames | fuzz_client_frames) echo 17000 ;;
	fuzz_config) echo 8192 ;;
	fuzz_parsers) echo 512 ;;
	*) echo 4096 ;;
	esac
}

SAN="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer"
BASE="-g -O1 -std=gnu11 -include $fdir/fuzz-config.h -I$top/common -I$top/helper -I$fdir
$(pkg-config --cflags libcrypto liboath libconfig)"
# the warnings configure uses (tests/fuzz/ is held to -Werror; product code is
# built by configure with its own compiler, so clang's view of it only warns)
WARN="-Wall -Wextra -Wformat=2 -Wundef -Wshadow -Wvla -Wmissing-prototypes -Wstrict-prototypes
-Wno-unused-parameter -fno-strict-aliasing"

mkdir -p "$build/obj" "$build/bin" "$build/log" "$build/tmp" || fail_all "cannot create $build"
blog=$build/log/build.log
: >"$blog"

# compile SRC: $build/obj/<path with / as _>.o, instrumented for the fuzzer.
compile() {
	o=$build/obj/$(echo "$1" | tr / _ | sed 's/\.c$/.o/')
	# again if the source, fuzz-config.h or any header is newer than the object
	if [ ! -f "$o" ] || [ -n "$(find "$top/$1" "$fdir/fuzz-config.h" "$top/common" "$top/helper" \
		\( -name '*.h' -o -name "${1##*/}" \) -newer "$o" 2>/dev/null | head -n 1)" ]; then
		# shellcheck disable=SC2086
		$cc $BASE $WARN $SAN -fsanitize=fuzzer-no-link -c "$top/$1" -o "$o" >>"$blog" 2>&1 ||
			return 1
	fi
	echo "$o"
}

# build TARGET: $build/bin/TARGET, or 1 with the compiler's words in $blog.
build_target() {
	t=$1
	objs=
	for s in $(sources_of "$t"); do
		o=$(compile "$s") || return 1
		objs="$objs $o"
	done
	# shellcheck disable=SC2086,SC2046
	$cc $BASE $WARN -Werror $SAN -fsanitize=fuzzer "$fdir/$t.c" $objs $(libs_of "$t") \
		-o "$build/bin/$t" >>"$blog" 2>&1
}

# run TARGET: runs the fuzzer; leaves its exit status in log/TARGET.rc.
run_target() {
	t=$1
	work=$build/corpus/$t
	art=$build/artifacts/$t
	rm -rf "$art"
	mkdir -p "$work" "$art"
	# scratch files (fuzz_config writes one per input): tmpfs if there is one.
	# A small quarantine: every input is small, and libFuzzer's leak check
	# (after any input that allocated more than it freed) scans all of it.
	tmp=
	[ -d /dev/shm ] && [ -w /dev/shm ] && tmp=$(mktemp -d /dev/shm/fio-fuzz.XXXXXX 2>/dev/null)
	if [ -z "$tmp" ]; then
		tmp=$build/tmp/$t
		rm -rf "$tmp"
		mkdir -p "$tmp"
	fi
	set -- -max_total_time="$seconds" -timeout=5 -rss_limit_mb=512 \
		-max_len="$(max_len_of "$t")" -print_final_stats=1 -artifact_prefix="$art/"
	[ -f "$fdir/$t.dict" ] && set -- "$@" -dict="$fdir/$t.dict"
	# shellcheck disable=SC2086
	set -- "$@" ${FUZZ_ARGS:-} "$work"
	[ -d "$fdir/corpus/$t" ] && set -- "$@" "$fdir/corpus/$t"
	[ -d "$fdir/crashes/$t" ] && set -- "$@" "$fdir/crashes/$t"
	(cd "$tmp" && FUZZ_TMPDIR=$tmp \
		ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:allocator_may_return_null=1:quarantine_size_mb=4 \
		LSAN_OPTIONS=suppressions=$fdir/lsan.supp:print_suppressions=0 \
		UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		"$build/bin/$t" "$@" >"$build/log/$t.log" 2>&1)
	echo $? >"$build/log/$t.rc"
	rm -rf "$tmp"
}

# report TARGET: one TAP line (and diagnostics) for a finished run.
report() {
	t=$1
	n=$((n + 1))
	rc=$(cat "$build/log/$t.rc" 2>/dev/null || echo "?")
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$build/log/$t.log" | tail -n 1)
	if [ "$rc" = 0 ]; then
		echo "ok $n - $t: ${runs:-?} runs, no crash"
		return 0
	fi
	what=$(grep -oE 'ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer): [a-z -]+|runtime error: .*|fuzz: property violated: .*' \
		"$build/log/$t.log" | head -n 1)
	saved=$(ls "$build/artifacts/$t" 2>/dev/null | head -n 1)
	echo "not ok $n - $t: exit $rc after ${runs:-?} runs: ${what:-see $build/log/$t.log}${saved:+ ($build/artifacts/$t/$saved)}"
	grep -E '^(==[0-9]+==|SUMMARY|    #[0-9]+ |.*runtime error|fuzz: )' "$build/log/$t.log" |
		head -n 40 | sed 's/^/# /'
	return 1
}

status=0
built=
for t in $targets; do
	if [ ! -f "$fdir/$t.c" ]; then
		n=$((n + 1))
		echo "not ok $n - $t: no such target ($fdir/$t.c)"
		status=1
	elif build_target "$t"; then
		built="$built $t"
	else
		n=$((n + 1))
		echo "not ok $n - $t: build failed"
		sed 's/^/# /' "$blog" | tail -n 30
		status=1
	fi
done

# Run in batches of $jobs; report in order.
batch=
count=0
for t in $built; do
	run_target "$t" &
	batch="$batch $t"
	count=$((count + 1))
	if [ $count -ge "$jobs" ]; then
		wait
		for b in $batch; do report "$b" || status=1; done
		batch=
		count=0
	fi
done
wait
for b in $batch; do report "$b" || status=1; done
exit $status
