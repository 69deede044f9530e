#!/bin/bash
# The helper's lifecycle as the module sees it: stopped, stopped hard, paused,
# killed mid-conversation, replaced by a look-alike socket; restarts keep the
# store (enrolled users, last accepted step, consumed recovery codes).
[ -n "$BASH_VERSION" ] || exec bash "$0" "$@"
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/harness.sh"

setup
check "fio-helperd starts" start_helper || bail "fio-helperd does not start"
make_service fio
make_service fio-t2 "timeout=2"

PW_H='Qz7r-Pass-7777'
PW_N='Qz7r-Pass-8888'
user_with_totp hd "$PW_H" || bail "cannot set up hd"
SEC_H=$SECRET
set -- $RECOVERY
REC_H=("$@")
add_user hdn "$PW_N" || bail "cannot set up hdn"

# ---------------------------------------------------------------- restarts keep the store
ensure_margin 15
S=$(now_step)
t_before() {
	login fio hd "$PW_H" "$(totp_at "$SEC_H" "$S")"
	expect_auth PAM_SUCCESS
}
check "an enrolled user logs in before the restart" t_before

t_sigterm() {
	stop_helper TERM
	[ "$HELPER_RC" = 0 ] || { diag "exit status after SIGTERM: $HELPER_RC"; return 1; }
}
check "SIGTERM: fio-helperd exits with status 0" t_sigterm

t_restart() {
	start_helper || return 1
	login fio hd "$PW_H" "$(totp_at "$SEC_H" $((S + 1)))"
	expect_auth PAM_SUCCESS || return 1
	login fio hdn "$PW_N"
	expect_auth PAM_SUCCESS
}
check "helper restarted with the same store: enrolled and password-only users still log in" t_restart

t_replay_after_restart() {
	restart_helper || return 1
	login fio hd "$PW_H" "$(totp_at "$SEC_H" $((S + 1)))"
	expect_auth PAM_AUTH_ERR
}
check "after another restart the code accepted before it is refused (the last step is stored)" t_replay_after_restart

t_kill9() {
	login fio hd "$PW_H" "${REC_H[0]}"
	expect_auth PAM_SUCCESS || return 1
	stop_helper KILL
	start_helper || { diag "fio-helperd does not start after SIGKILL (stale socket?)"; return 1; }
}
check "fio-helperd starts again after SIGKILL (stale socket file left behind)" t_kill9

t_kill9_durable() {
	login fio hd "$PW_H" "${REC_H[0]}"
	expect_auth PAM_AUTH_ERR || { diag "a recovery code consumed before SIGKILL works again"; return 1; }
	login fio hd "$PW_H" "${REC_H[1]}"
	expect_auth PAM_SUCCESS && has_line "INFO Recovery code accepted. 8 recovery codes left. Make new ones with: fioctl recovery --regenerate"
}
check "a recovery code consumed just before SIGKILL stays consumed; the count is kept" t_kill9_durable

t_sighup() {
	kill -HUP "$HELPER_PID"
	sleep 0.5
	helper_alive || return 1
	login fio hdn "$PW_N"
	expect_auth PAM_SUCCESS
}
check "SIGHUP (reload): the helper stays up and logins work" t_sighup

# ---------------------------------------------------------------- helper unreachable
t_stopped() {
	local n
	stop_helper TERM
	login fio hd "$PW_H" "123456"
	expect_auth PAM_AUTHINFO_UNAVAIL && has_line "$M_UNAVAIL" || return 1
	n=$(printf '%s\n' "$OUT" | grep -cxF "$M_UNAVAIL")
	[ "$n" -eq 1 ] || { diag "the message came $n times"; return 1; }
	[ "$ELAPSED_MS" -lt 5000 ] || { diag "took $ELAPSED_MS ms"; return 1; }
}
check "helper stopped: PAM_AUTHINFO_UNAVAIL within 5 s, one 'pam_fio: the authentication service is unavailable.'" \
	t_stopped

t_stopped_acct() {
	login -A fio hd
	expect_acct PAM_AUTHINFO_UNAVAIL
}
check "helper stopped: pam_acct_mgmt returns PAM_AUTHINFO_UNAVAIL" t_stopped_acct

t_regular_file() {
	rm -f "$SOCK"
	echo "not a socket" >"$SOCK"
	login fio hd "$PW_H" "123456"
	rm -f "$SOCK"
	expect_auth PAM_AUTHINFO_UNAVAIL
}
check "socket path is a regular file: PAM_AUTHINFO_UNAVAIL" t_regular_file

t_fake_other_uid() {
	local rc=0
	# the helper is down; its socket directory is made world-writable, as if
	# an attacker could bind the configured path
	chmod 1777 "$T/run"
	fake_server fiotu1 "$SOCK" || { chmod 0755 "$T/run"; return 1; }
	login fio hd "$PW_H" "123456"
	stop_fake
	rm -f "$SOCK"
	chmod 0755 "$T/run"
	expect_auth PAM_AUTHINFO_UNAVAIL && has_line "$M_UNAVAIL"
}
check "a look-alike server bound on the configured socket path by a non-helper uid (fiotu1), answering 'success': refused, PAM_AUTHINFO_UNAVAIL" \
	t_fake_other_uid

t_fake_helper_uid() {
	fake_server "$HELPER_USER" "$SOCK" || return 1
	login fio hd "$PW_H" "123456"
	stop_fake
	rm -f "$SOCK"
	if [ "$AUTH" = PAM_SUCCESS ]; then return 0; fi
	diag "control: the fake server run as $HELPER_USER was not believed either; the test above proves nothing"
	show_transcript
	return 1
}
check "control: the same fake server run as $HELPER_USER is believed (so the refusal above is the uid check)" \
	t_fake_helper_uid

t_symlink() {
	start_helper || return 1
	ln -s "$SOCK" "$T/work/link.sock"
	write_service symlink <<EOF
auth required $PAM_FIO_SO socket=$T/work/link.sock helper_user=$HELPER_USER
EOF
	login symlink hdn "$PW_N"
	expect_auth PAM_AUTHINFO_UNAVAIL
}
check "socket path is a symlink (even to the real helper's socket): PAM_AUTHINFO_UNAVAIL" t_symlink

t_stopped_process() {
	local rc=0
	kill -STOP "$HELPER_PID"
	login fio-t2 hdn "$PW_N"
	kill -CONT "$HELPER_PID"
	expect_auth PAM_AUTHINFO_UNAVAIL || rc=1
	[ "$ELAPSED_MS" -lt 8000 ] || { diag "took $ELAPSED_MS ms"; rc=1; }
	diag "paused helper: answer after $ELAPSED_MS ms"
	return $rc
}
check "helper paused (SIGSTOP), module timeout=2: PAM_AUTHINFO_UNAVAIL within 8 s, no hang" t_stopped_process

t_after_cont() {
	sleep 0.5
	helper_alive || return 1
	login fio hdn "$PW_N"
	expect_auth PAM_SUCCESS
}
check "after SIGCONT the helper serves logins again" t_after_cont

t_paused_mid() {
	local b=$T/work/pausebarrier pid i=0 t0 t1 rc=0
	pam_env "$PAMCONV" -b "$b" fio-t2 hd "$PW_H" "123456" >"$T/work/pause.out" 2>&1 &
	pid=$!
	while ! ls "$b".ready.* >/dev/null 2>&1 && [ $i -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	kill -STOP "$HELPER_PID"
	t0=$(date +%s%N)
	touch "$b"
	wait "$pid"
	t1=$(date +%s%N)
	kill -CONT "$HELPER_PID"
	OUT=$(cat "$T/work/pause.out")
	AUTH=$(printf '%s\n' "$OUT" | sed -n 's/^AUTH \([A-Z_]*\).*/\1/p')
	ELAPSED_MS=$(((t1 - t0) / 1000000))
	diag "helper paused after the code was typed: answer after $ELAPSED_MS ms"
	expect_auth PAM_AUTHINFO_UNAVAIL || rc=1
	[ "$ELAPSED_MS" -lt 4500 ] || { diag "timeout=2 not honoured"; rc=1; }
	return $rc
}
check "helper paused (SIGSTOP) after the code was typed, module timeout=2: PAM_AUTHINFO_UNAVAIL after about 2 s" \
	t_paused_mid

t_killed_mid() {
	local b=$T/work/midbarrier pid i=0
	pam_env "$PAMCONV" -b "$b" fio hd "$PW_H" "123456" >"$T/work/mid.out" 2>&1 &
	pid=$!
	while ! ls "$b".ready.* >/dev/null 2>&1 && [ $i -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	stop_helper KILL
	touch "$b"
	wait "$pid"
	OUT=$(cat "$T/work/mid.out")
	AUTH=$(printf '%s\n' "$OUT" | sed -n 's/^AUTH \([A-Z_]*\).*/\1/p')
	expect_auth PAM_AUTHINFO_UNAVAIL
}
check "helper killed (SIGKILL) while the user types the code: PAM_AUTHINFO_UNAVAIL" t_killed_mid

t_final() {
	start_helper || return 1
	login fio hd "$PW_H" "${REC_H[2]}"
	expect_auth PAM_SUCCESS
}
check "started again, the enrolled user logs in" t_final

done_testing
