#!/bin/bash
# Account suspension (fioctl user suspend / resume, fio-proto.h
# FIO_CTL_USER_SUSPEND): `fioctl user show` says suspended with the reason, the
# suspension is audited; pam_acct_mgmt refuses the account (PAM_ACCT_EXPIRED)
# with a clear message; a login with the right password and code fails with
# that message, a wrong password only with "Authentication failed."; a
# self-service re-authentication fails too; `fioctl enforce` ends the
# suspended account's sessions ("account suspended") and keeps the others';
# resume lets the account in again; bad input (an unknown user, a reason too
# long or with a newline) and a non-admin caller change nothing.
[ -n "$BASH_VERSION" ] || exec bash "$0" "$@"
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/harness.sh"

export TZ=UTC
setup
check "fio-helperd starts" start_helper || bail "fio-helperd does not start"
make_service fio
echo "session required $FIO_MODULE" >>"$T/services/fio"
[ -x "$SQLITE3" ] || bail "missing: sqlite3"

M_SUSPENDED="ERROR This account is suspended. Contact your administrator."

alive() {
	proc_alive "$1" || { diag "process $1 ($2) is gone"; return 1; }
}

gone() {
	local i=0
	while proc_alive "$1" && [ $i -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	! proc_alive "$1" || { diag "process $1 ($2) still runs"; return 1; }
}

# session_id PID: the id of the session whose leader is PID; empty if none.
session_id() {
	fioctl --json sessions 2>/dev/null </dev/null | "$PYTHON" -c '
import json, sys
for r in json.load(sys.stdin):
    if r.get("pid") == sys.argv[1]:
        print(r.get("id"))
        break' "$1"
}

# suspended NAME: the store's flag (sqlite3), "1" or "0".
suspended() {
	"$SQLITE3" -cmd '.timeout 5000' "$T/state/fio.db" \
		"SELECT suspended FROM users WHERE name = '$1';"
}

# show_is NAME SUSPENDED REASON: fioctl --json user show NAME says so.
show_is() {
	run_ctl --json user show "$1"
	ctl_rc 0 && printf '%s\n' "$CTL_OUT" | "$PYTHON" -c '
import json, sys
d = json.load(sys.stdin)
sys.exit(0 if d.get("suspended") == sys.argv[1] and d.get("suspend_reason") == sys.argv[2] else 1)' \
		"$2" "$3" || { diag "expected suspended=$2 suspend_reason='$3'"; ctl_diag; return 1; }
}

# ---------------------------------------------------------------- accounts, sessions
fresh_user fiotu1 || bail "cannot set up fiotu1"
PW_A=$PW SEC_A=$SECRET
set -- $RECOVERY
REC_A1=$1 REC_A2=$2
fresh_user susb || bail "cannot set up susb"
PW_B=$PW SEC_B=$SECRET

t_sessions_open() {
	# -S: a session without pam_authenticate (as after a publickey login)
	start_session -S 600 fio fiotu1 || return 1
	SA=$SPID
	start_session -S 600 fio susb || return 1
	SB=$SPID
	[ -n "$(session_id "$SA")" ] && [ -n "$(session_id "$SB")" ] ||
		{ diag "the sessions are not registered"; return 1; }
}
check "fiotu1 and susb open sessions (registered)" t_sessions_open

t_show_default() {
	show_is fiotu1 no "" && run_ctl user show fiotu1 && out_has 'suspended: no'
}
check "fioctl user show: suspended 'no', suspend_reason '' by default" t_show_default

# ---------------------------------------------------------------- bad input, who may
t_unknown() {
	run_ctl user suspend nosuchuser --reason x
	ctl_rc 1 && err_is "fioctl: permission denied or no such user"
}
check "fioctl user suspend of an unknown user: 'permission denied or no such user'" t_unknown

t_bad_reason() {
	local long nl
	long=$(printf 'x%.0s' $(seq 300))
	nl=$(printf 'a\nb')
	run_ctl user suspend fiotu1 --reason "$long"
	ctl_rc 64 || return 1
	run_ctl user suspend fiotu1 --reason "$nl"
	ctl_rc 64 || return 1
	run_ctl user suspend fiotu1 extra
	ctl_rc 64 || return 1
	run_ctl user resume fiotu1 --reason x
	ctl_rc 64 && [ "$(suspended fiotu1)" = 0 ]
}
check "a 300-byte reason, a reason with a newline, extra words: usage error (64), nothing changed" t_bad_reason

t_reason_max() {
	local r200
	r200=$(printf 'y%.0s' $(seq 200))
	run_ctl user suspend susb --reason "$r200"
	ctl_rc 0 && show_is susb yes "$r200" || return 1
	run_ctl user resume susb
	ctl_rc 0 && show_is susb no ""
}
check "a 200-byte reason is accepted (and resume clears it)" t_reason_max

t_non_admin() {
	run_ctl_as fiotu1 user suspend susb --reason mine
	ctl_rc 1 && err_is "fioctl: permission denied or no such user" || return 1
	run_ctl_as fiotu1 user resume susb
	ctl_rc 1 && [ "$(suspended susb)" = 0 ]
}
check "a non-admin cannot suspend or resume (exit 1, nothing changed)" t_non_admin

# ---------------------------------------------------------------- suspend
t_suspend() {
	run_ctl user suspend fiotu1 --reason 'left the "team"'
	ctl_rc 0 &&
		out_has 'fiotu1 is suspended: logins are refused and `fioctl enforce` ends the open sessions\.' &&
		show_is fiotu1 yes 'left the "team"' || return 1
	run_ctl user show fiotu1
	out_has 'suspended: yes' && out_has 'suspend_reason: left the "team"'
}
check "fioctl user suspend fiotu1 --reason TEXT: user show says suspended, with the reason" t_suspend

t_audit() {
	grep -q 'fio-audit: event=user_suspend user="fiotu1" caller_uid=0 .*reason="left the \\x22team\\x22"' "$T/helper.log" ||
		{ diag "no user_suspend audit line:"; grep 'fio-audit' "$T/helper.log" | tail -n 3 | sed 's/^/#   /'; return 1; }
}
check "the suspension is audited (event=user_suspend, with the reason)" t_audit

t_acct() {
	login -A fio fiotu1
	expect_acct PAM_ACCT_EXPIRED && has_line "$M_SUSPENDED"
}
check "pam_acct_mgmt of a suspended account: PAM_ACCT_EXPIRED with the suspension message" t_acct

t_login_right() {
	login -a fio fiotu1 "$PW_A" "$(code_now "$SEC_A")"
	expect_auth PAM_AUTH_ERR && has_line "$M_SUSPENDED" && lacks_line "$M_FAILED"
}
check "right password and code on a suspended account: PAM_AUTH_ERR with the suspension message" t_login_right

t_login_wrong() {
	login -a fio fiotu1 "wrong-$PW_A" "$(wrong_code "$SEC_A")"
	expect_auth PAM_AUTH_ERR && has_line "$M_FAILED" && lacks_line "$M_SUSPENDED"
}
check "a wrong password on a suspended account: only 'Authentication failed.'" t_login_wrong

t_reauth() {
	local out rc
	out=$(printf '%s\n%s\n' "$PW_A" "$REC_A1" |
		as_user fiotu1 setsid -w "$FIOCTL" --socket "$SOCK" recovery --regenerate 2>&1)
	rc=$?
	[ $rc -ne 0 ] && printf '%s\n' "$out" | grep -q 'This account is suspended' &&
		! printf '%s\n' "$out" | grep -qE '\b[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}\b' ||
		{ diag "exit $rc:" "$out"; return 1; }
}
check "self-service (fioctl recovery --regenerate) of a suspended account fails after re-authentication" t_reauth

t_enforce() {
	local ida idb
	ida=$(session_id "$SA")
	idb=$(session_id "$SB")
	[ -n "$ida" ] && [ -n "$idb" ] || { diag "sessions missing before enforce"; return 1; }
	run_ctl enforce --wait 2
	ctl_rc 0 && out_has "ended session $ida of fiotu1 \(pid $SA\): account suspended" &&
		out_lacks "session $idb " || return 1
	gone "$SA" "fiotu1's session" && alive "$SB" "susb's session" || return 1
	[ -z "$(session_id "$SA")" ] && [ -n "$(session_id "$SB")" ] ||
		{ diag "session rows after enforce are wrong"; return 1; }
	grep -q 'fio-audit: event=session_ended user="fiotu1" .*reason="account suspended"' "$T/helper.log" ||
		{ diag "no session_ended audit line"; return 1; }
}
check "fioctl enforce --wait 2 ends fiotu1's session (account suspended), keeps susb's" t_enforce

t_session_refused() {
	login -a -S 600 fio fiotu1
	expect_acct PAM_ACCT_EXPIRED && ! printf '%s\n' "$OUT" | grep -q '^SESSION_OPEN' ||
		{ show_transcript; return 1; }
}
check "a new session of the suspended account is refused by pam_acct_mgmt" t_session_refused

# ---------------------------------------------------------------- resume
t_resume() {
	run_ctl user resume fiotu1
	ctl_rc 0 && out_has 'fiotu1 is no longer suspended\.' && show_is fiotu1 no "" &&
		grep -q 'fio-audit: event=user_resume user="fiotu1" caller_uid=0 ' "$T/helper.log"
}
check "fioctl user resume fiotu1: no longer suspended, reason gone, audited" t_resume

t_acct_again() {
	login -A fio fiotu1
	expect_acct PAM_SUCCESS && lacks_line "$M_SUSPENDED"
}
check "pam_acct_mgmt accepts the resumed account" t_acct_again

t_login_again() {
	# the code of this step was used above: a recovery code
	login -a fio fiotu1 "$PW_A" "$REC_A2"
	expect_auth PAM_SUCCESS && expect_acct PAM_SUCCESS && lacks_line "$M_SUSPENDED"
}
check "the resumed account logs in again (auth and acct PAM_SUCCESS)" t_login_again

t_resume_other_kept() {
	login -a fio susb "$PW_B" "$(code_now "$SEC_B")"
	expect_auth PAM_SUCCESS && expect_acct PAM_SUCCESS
}
check "another account was never affected" t_resume_other_kept

kill -KILL "$SB" 2>/dev/null
done_testing
