#!/bin/bash
# pam_fio.so against a fake helper (tests/lib/fioproto.py fake-server, run as
# the helper user so that the module talks to it): info text travels with its
# prompt in one pam_conv call; a misbehaving helper (oversized or malformed
# frames, client-side types, too many messages or prompts, an unknown result,
# another protocol version, a connection closed without a verdict) gives
# PAM_AUTHINFO_UNAVAIL, never success. Then the module in a crowded host.
[ -n "$BASH_VERSION" ] || exec bash "$0" "$@"
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/harness.sh"

setup
FAKE_DIR=$T/fake
mkdir -p "$FAKE_DIR"
chown "$HELPER_USER:" "$FAKE_DIR"
chmod 0755 "$FAKE_DIR"
FAKE_SOCK=$FAKE_DIR/helper.sock
write_service fake <<EOF
auth required $PAM_FIO_SO socket=$FAKE_SOCK helper_user=$HELPER_USER timeout=3
account required $PAM_FIO_SO socket=$FAKE_SOCK helper_user=$HELPER_USER timeout=3
EOF

# with_fake MODE [pamconv arguments after the service]: one login against the
# fake helper behaving as MODE.
with_fake() {
	local mode=$1
	shift
	fake_server "$HELPER_USER" "$FAKE_SOCK" "$mode" || return 1
	login fake fakeuser "$@"
	stop_fake
	diag "fake helper '$mode': $(printf '%s\n' "$OUT" | tr '\n' '|')"
}

t_fake_ok() {
	with_fake ok || return 1
	expect_auth PAM_SUCCESS
}
check "control: a fake helper run as $HELPER_USER that says VERDICT OK is believed" t_fake_ok

t_info_prompt() {
	local want
	with_fake info_prompt 123456 alice || return 1
	expect_auth PAM_SUCCESS || return 1
	want=$(printf '%s\n' "CONV 1 3" "INFO Line one." "INFO Line two." "$P_CODE" "CONV 2 1" \
		"PROMPT_ECHO_ON Name: " "AUTH PAM_SUCCESS (Success)")
	[ "$OUT" = "$want" ] || {
		diag "expected:" "$want"
		show_transcript
		return 1
	}
}
check "INFO messages before a PROMPT reach pam_conv in the same call as the prompt (one call, 3 messages); echo-on prompts stay echo-on" \
	t_info_prompt

# unavail MODE [answers]: the module returns PAM_AUTHINFO_UNAVAIL
unavail() {
	local mode=$1
	shift
	with_fake "$mode" "$@" || return 1
	expect_auth PAM_AUTHINFO_UNAVAIL
}

check "helper sends 40 INFO messages before a prompt (over FIO_MAX_PENDING): PAM_AUTHINFO_UNAVAIL" \
	unavail many_info 123456
t_many_info_calls() {
	if printf '%s\n' "$OUT" | awk '$1 == "CONV" && $3 > 32 { bad = 1 } END { exit !bad }'; then
		diag "a pam_conv call with more than PAM_MAX_NUM_MSG (32) messages"
		return 1
	fi
}
check "... and no pam_conv call carries more than PAM_MAX_NUM_MSG messages" t_many_info_calls

t_big_prompt() {
	unavail big_prompt 123456 || return 1
	lacks_line "PROMPT_ECHO_OFF $(printf 'P%.0s' $(seq 1 600)): "
}
check "helper sends a 600-byte prompt (over FIO_PROMPT_MAX): PAM_AUTHINFO_UNAVAIL, the prompt is not shown" t_big_prompt

t_many_prompts() {
	local n
	unavail many_prompts $(seq 100001 100064) || return 1
	n=$(prompts | wc -l)
	[ "$n" -le 32 ] || { diag "$n prompts relayed (FIO_MAX_PROMPTS is 32)"; return 1; }
}
check "helper sends 100 prompts: at most FIO_MAX_PROMPTS (32) relayed, then PAM_AUTHINFO_UNAVAIL" t_many_prompts

t_escape() {
	with_fake escape || return 1
	if printf '%s\n' "$OUT" | grep -qE '\\x1b|\\x07'; then
		diag "terminal control characters were passed to pam_conv"
		show_transcript
		return 1
	fi
	case "$AUTH" in
	PAM_SUCCESS | PAM_AUTHINFO_UNAVAIL) return 0 ;;
	esac
	show_transcript
	return 1
}
check "helper sends INFO text with terminal escape sequences: no ESC/BEL reaches pam_conv (checklist W9)" t_escape

check "helper sends a client-side message type (ANSWER): PAM_AUTHINFO_UNAVAIL" unavail client_type
check "helper sends VERDICT with an unknown result (99): PAM_AUTHINFO_UNAVAIL" unavail bad_result
check "helper closes after HELLO without a verdict: PAM_AUTHINFO_UNAVAIL" unavail close
check "helper sends a VERDICT with trailing bytes: PAM_AUTHINFO_UNAVAIL" unavail trailing
check "helper sends a frame header with length 0xFFFFFFFF: PAM_AUTHINFO_UNAVAIL" unavail oversized
check "helper answers HELLO with another protocol version: PAM_AUTHINFO_UNAVAIL" unavail bad_version

t_acct_fake_bad() {
	fake_server "$HELPER_USER" "$FAKE_SOCK" client_type || return 1
	login -A fake fakeuser
	stop_fake
	expect_acct PAM_AUTHINFO_UNAVAIL
}
check "pam_acct_mgmt with a misbehaving helper: PAM_AUTHINFO_UNAVAIL" t_acct_fake_bad

# ---------------------------------------------------------------- the real helper, crowded host
check "fio-helperd starts" start_helper || bail "fio-helperd does not start"
make_service fio
make_service fio-debug "debug"
add_user moduser "Qz7r-Pass-2468" || bail "cannot set up moduser"

t_debug_opt() {
	login fio-debug moduser "Qz7r-Pass-2468"
	expect_auth PAM_SUCCESS
}
check "the debug option is accepted" t_debug_opt

t_many_fds() {
	_login_run pam_env "$PYTHON" -c '
import os, resource, sys
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
if soft < 4096 and hard >= 4096:
    resource.setrlimit(resource.RLIMIT_NOFILE, (4096, hard))
fds = [os.open("/dev/null", os.O_RDONLY) for _ in range(1500)]
for f in fds:
    os.set_inheritable(f, True)
os.execv(sys.argv[1], sys.argv[1:])
' "$PAMCONV" fio moduser "Qz7r-Pass-2468"
	expect_auth PAM_SUCCESS
}
check "the module works in a process with 1500 descriptors open (fd numbers over 1024: poll, not select)" \
	t_many_fds

done_testing
