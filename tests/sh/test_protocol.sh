#!/bin/bash
# Wire-protocol bad input straight at the helper's socket (tests/lib/fioproto.py
# speaks the frame format of common/fio-proto.h): each malformed, oversized or
# out-of-order input closes that connection, the helper stays up and the next
# real login succeeds. Then 500 idle connections while a real login succeeds.
[ -n "$BASH_VERSION" ] || exec bash "$0" "$@"
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/harness.sh"

setup
check "fio-helperd starts" start_helper || bail "fio-helperd does not start"
make_service fio
PW_P='Qz7r-Pass-5150'
add_user pp "$PW_P" || bail "cannot set up pp"
user_with_totp pt "proto-Totp-Pass-1" || bail "cannot set up pt"
SEC_T=$SECRET

proto() {
	"$PYTHON" "$LIBDIR/fioproto.py" "$@"
}

t_control() {
	local out
	out=$(proto login "$SOCK" pp "$PW_P" 2>&1) && printf '%s\n' "$out" | grep -q 'VERDICT(result=0' || {
		diag "raw-protocol login of pp:" "$out"
		return 1
	}
	printf '%s\n' "$out" | grep -q "VERDICT(result=0, authtok_len=${#PW_P})" || {
		diag "VERDICT does not say the whole answer is the password:" "$out"
		return 1
	}
}
check "control: a whole login over the raw protocol (this test's codec) gets VERDICT OK with authtok_len = password length" \
	t_control

t_control_unknown() {
	local out
	out=$(proto login "$SOCK" nosuchuser "x" "123456" 2>&1)
	printf '%s\n' "$out" | grep -q 'VERDICT(result=1' || {
		diag "raw-protocol login of an unknown user:" "$out"
		return 1
	}
}
check "control: an unknown user over the raw protocol gets both prompts and VERDICT DENIED" t_control_unknown

real_login_ok() {
	helper_alive || return 1
	login fio pp "$PW_P"
	expect_auth PAM_SUCCESS
}

# ---------------------------------------------------------------- one case per line
declare -A WHAT=(
	[truncated_close]="truncated frame (length 100, 2 bytes, then EOF)"
	[truncated_silent]="truncated frame (header only, then silence): closed at the frame deadline"
	[partial_header]="2 bytes of a header, then silence"
	[len_ffffffff]="length 0xFFFFFFFF"
	[len_7fffffff]="length 0x7FFFFFFF"
	[len_max_plus_1]="length FIO_FRAME_MAX+1"
	[len_zero]="length 0"
	[len_three]="length 3 (below the header size)"
	[reserved_nonzero]="reserved field not zero"
	[unknown_type_first]="unknown message type as the first frame"
	[unknown_type_after_hello]="unknown message type after HELLO"
	[verdict_first]="server-side type (VERDICT) sent by a client as the first frame"
	[verdict_after_hello]="server-side type (VERDICT success) sent by a client after HELLO"
	[prompt_from_client]="server-side type (PROMPT) sent by a client"
	[second_hello]="a second HELLO"
	[answer_before_prompt]="ANSWER before any PROMPT"
	[answer_before_hello]="ANSWER before HELLO"
	[auth_before_hello]="AUTH before HELLO"
	[nul_in_user]="NUL inside the user name"
	[nul_in_service]="NUL inside the service name"
	[nul_in_answer]="NUL inside an answer"
	[bad_utf8_user]="invalid UTF-8 in the user name"
	[user_over_limit]="a 257-byte user name (over FIO_NAME_MAX)"
	[user_1mb]="a 1 MB user name"
	[str_len_lies]="a string length beyond the end of the frame"
	[trailing_in_frame]="trailing bytes inside a valid HELLO frame"
	[trailing_after_hello]="garbage after a valid HELLO (an incomplete next frame)"
	[garbage]="64 random bytes"
	[bad_kind]="HELLO with an unknown client kind"
	[bad_auth_flags]="AUTH with unknown flag bits"
	[version_mismatch]="HELLO with protocol version 99"
	[bytewise_then_bad]="HELLO in 1-byte writes (reassembled), then an unknown type"
)

CASES=$(proto list) || bail "fioproto.py list failed"
t_case() {
	proto case "$SOCK" "$1" && real_login_ok
}
for c in $CASES; do
	check "bad input: ${WHAT[$c]:-$c} -> the helper closes the connection, stays up, the next login succeeds" \
		t_case "$c"
done

t_rss() {
	local before after
	before=$(awk '/^VmRSS/ {print $2}' "/proc/$HELPER_PID/status")
	proto case "$SOCK" len_7fffffff >/dev/null
	proto case "$SOCK" len_ffffffff >/dev/null
	after=$(awk '/^VmRSS/ {print $2}' "/proc/$HELPER_PID/status")
	diag "helper VmRSS before ${before} kB, after ${after} kB"
	[ -n "$before" ] && [ -n "$after" ] && [ $((after - before)) -lt 65536 ]
}
check "oversized lengths are refused before allocating (RSS grows < 64 MB)" t_rss

# ---------------------------------------------------------------- idle connections
# idle_test RUNNER N: N connections that say nothing (opened through RUNNER),
# while a real login runs; sets IDLE_RESULT ("opened X closed Y").
idle_test() {
	local ready=$T/work/idle.ready.$RANDOM pid i=0 rc=0
	"$@" "$PYTHON" "$LIBDIR/fioproto.py" idle "$SOCK" 500 12 "$ready" >"$T/work/idle.out" 2>&1 &
	pid=$!
	while [ ! -s "$ready" ] && [ $i -lt 200 ]; do
		sleep 0.05
		i=$((i + 1))
	done
	[ -s "$ready" ] || { diag "the idle client did not get ready"; kill $pid; return 1; }
	diag "$(cat "$ready") idle connections open"
	login fio pp "$PW_P"
	expect_auth PAM_SUCCESS || rc=1
	diag "login with the idle connections open took $ELAPSED_MS ms"
	[ "$ELAPSED_MS" -lt 3000 ] || { diag "too slow"; rc=1; }
	helper_alive || rc=1
	wait $pid
	IDLE_RESULT=$(grep '^opened' "$T/work/idle.out")
	diag "idle client: $IDLE_RESULT"
	return $rc
}

t_idle_root() {
	idle_test env
}
check "500 idle connections (from root): a real login succeeds in under 3 s and the helper stays up" t_idle_root

t_idle_closed() {
	local o c
	o=$(printf '%s\n' "$IDLE_RESULT" | awk '{print $2}')
	c=$(printf '%s\n' "$IDLE_RESULT" | awk '{print $4}')
	[ -n "$o" ] && [ "$o" -ge 500 ] && [ "$c" = "$o" ] || {
		diag "expected all 500 idle connections closed by the helper within 12 s: $IDLE_RESULT"
		return 1
	}
}
check "the idle connections are closed by the helper at the HELLO deadline (all 500 within 12 s)" t_idle_closed

t_idle_user() {
	idle_test as_user fiotu1
}
check "500 idle connections from an unprivileged user: a real login succeeds in under 3 s and the helper stays up" \
	t_idle_user

t_final_totp() {
	helper_alive || return 1
	login fio pt "proto-Totp-Pass-1" "$(code_now "$SEC_T")"
	expect_auth PAM_SUCCESS
}
check "after all of it, a password + TOTP login succeeds" t_final_totp

done_testing
