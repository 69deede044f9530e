#!/bin/bash
# The activity log (helper/activity.h): every login attempt is an event in the
# store; a successful login shows "Last login: ... N failed attempts since";
# `fioctl activity` lists a name's events in order (table and JSON), to
# administrators (any valid name, an account or not) and to the owner; --since
# filters; events older than activity.retention are pruned by the sweep.
# The helper runs under libfaketime so that times are known to the second.
[ -n "$BASH_VERSION" ] || exec bash "$0" "$@"
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/harness.sh"

export TZ=UTC
setup
set_fake_time "2026-11-23 14:05:00" || bail "cannot write the fake clock"
write_config 'activity = { retention = "1d"; };'
check "fio-helperd starts under libfaketime with activity.retention = \"1d\"" \
	start_helper_faketime || bail "fio-helperd does not start under libfaketime"
make_service fio
fresh_user actv || bail "cannot set up actv"
PW_A=$PW SEC_A=$SECRET
M_PERM="permission denied or no such user"

# ctl_run ARGS...: fioctl as root; CTL_OUT, CTL_ERR, CTL_RC
ctl_run() {
	CTL_OUT=$(fioctl "$@" 2>"$T/work/act.err")
	CTL_RC=$?
	CTL_ERR=$(cat "$T/work/act.err")
}

# auth_results: the RESULT column of the auth rows of the last table
auth_results() {
	printf '%s\n' "$CTL_OUT" | awk '$2 == "auth" { printf "%s ", $5 }'
}

expect_results() {
	local got
	got=$(auth_results)
	[ "$got" = "$1" ] && return 0
	diag "auth results: expected '$1', got '$got'" "$CTL_OUT" "$CTL_ERR"
	return 1
}

t_first() {
	FIRST_AT=$(fake_time_str)
	login -r 192.0.2.7 fio actv "$PW_A" "$(code_at_fake "$SEC_A")"
	expect_auth PAM_SUCCESS || return 1
	printf '%s\n' "$OUT" | grep -q 'Last login' || return 0
	diag "the first login says something about a last login:"
	show_transcript
	return 1
}
check "the first login (from 192.0.2.7) succeeds with no last-login line" t_first

t_mix() {
	advance_fake_time 1
	login fio actv "wrong-1-password" "123456"
	expect_auth PAM_AUTH_ERR || return 1
	login fio actv "wrong-2-password" "123456"
	expect_auth PAM_AUTH_ERR || return 1
	login fio actv "$PW_A" "$(wrong_code_at_fake "$SEC_A")"
	expect_auth PAM_AUTH_ERR || return 1
	advance_fake_seconds 60
	SECOND_AT=$(fake_time_str)
	login fio actv "$PW_A" "$(code_at_fake "$SEC_A")"
	expect_auth PAM_SUCCESS &&
		has_line "INFO Last login: $FIRST_AT from 192.0.2.7 via fio; 3 failed attempts since."
}
check "two wrong passwords and a wrong code, then a success: 'Last login: <first> from 192.0.2.7 via fio; 3 failed attempts since.'" \
	t_mix

t_clean() {
	advance_fake_seconds 60
	login fio actv "$PW_A" "$(code_at_fake "$SEC_A")"
	expect_auth PAM_SUCCESS &&
		has_line "INFO Last login: $SECOND_AT via fio; no failed attempts since."
}
check "the next success: 'Last login: <second> via fio; no failed attempts since.' (no 'from' without PAM_RHOST)" \
	t_clean

t_table() {
	fioctl lock clear actv >/dev/null 2>&1 || { diag "fioctl lock clear actv failed"; return 1; }
	ctl_run activity actv
	[ "$CTL_RC" = 0 ] || { diag "exit $CTL_RC" "$CTL_ERR"; return 1; }
	expect_results "success failure failure failure success success " || return 1
	printf '%s\n' "$CTL_OUT" | head -1 | grep -qE '^TIME +EVENT +SERVICE +RHOST +RESULT +REASON$' &&
		printf '%s\n' "$CTL_OUT" | tail -1 | grep -qE ' unlock +fioctl +- +ok' &&
		printf '%s\n' "$CTL_OUT" | grep -qE '^2026-11-23T14:05:00Z +auth +fio +192\.0\.2\.7 +success' &&
		return 0
	diag "fioctl activity actv:" "$CTL_OUT"
	return 1
}
check "fioctl activity actv: the attempts in order (success, 3 failures, 2 successes), then the admin's unlock" \
	t_table

t_json() {
	local form
	for form in "--json activity actv" "activity actv --json"; do
		ctl_run $form
		[ "$CTL_RC" = 0 ] || { diag "fioctl $form: exit $CTL_RC" "$CTL_ERR"; return 1; }
		printf '%s\n' "$CTL_OUT" | "$PYTHON" -c '
import json, sys
d = json.load(sys.stdin)
keys = {"time", "event", "service", "rhost", "tty", "result", "reason"}
assert isinstance(d, list) and all(keys <= set(e) for e in d), d
auth = [e["result"] for e in d if e["event"] == "auth"]
assert auth == ["success", "failure", "failure", "failure", "success", "success"], auth
assert d[0]["time"] == "2026-11-23T14:05:00Z" or d[0]["event"] != "auth"
assert [e for e in d if e["event"] == "auth"][0]["rhost"] == "192.0.2.7"
assert d[-1]["event"] == "unlock"
' || { diag "fioctl $form:" "$CTL_OUT"; return 1; }
	done
}
check "fioctl --json activity actv (and activity actv --json): a JSON array with the fields, in order" t_json

t_since() {
	ctl_run activity actv --since 2026-11-23T15:00Z
	[ "$CTL_RC" = 0 ] && expect_results "failure failure failure success success " || return 1
	ctl_run activity actv --since 2026-11-24
	[ "$CTL_RC" = 0 ] && [ "$CTL_OUT" = "No activity recorded." ] || {
		diag "--since 2026-11-24: exit $CTL_RC" "$CTL_OUT"
		return 1
	}
	ctl_run activity actv --since 7d
	[ "$CTL_RC" = 0 ] || { diag "--since 7d: exit $CTL_RC" "$CTL_ERR"; return 1; }
}
check "--since 2026-11-23T15:00Z leaves out the first login; --since 2026-11-24 shows nothing; --since 7d works" \
	t_since

t_bad() {
	local arg
	for arg in garbage 2026-13-01 2026-11-23T15:00 -1h 99999999999d; do
		ctl_run activity actv --since "$arg"
		[ "$CTL_RC" = 64 ] || { diag "--since $arg: exit $CTL_RC" "$CTL_ERR"; return 1; }
	done
	ctl_run activity actv extra
	[ "$CTL_RC" = 64 ] || { diag "two names: exit $CTL_RC"; return 1; }
}
check "bad input: --since garbage, a bad date, a missing Z, a sign, an overlong duration, two names: usage (exit 64)" \
	t_bad

t_unknown() {
	login fio nosuch-act "wrong-password" "123456"
	expect_auth PAM_AUTH_ERR || return 1
	ctl_run activity nosuch-act
	[ "$CTL_RC" = 0 ] && expect_results "failure "
}
check "an attempt on a name that is not an account is kept: the admin's fioctl activity nosuch-act lists it" \
	t_unknown

t_self() {
	login fio fiotu1 "wrong-password" "123456"
	expect_auth PAM_AUTH_ERR || return 1
	CTL_OUT=$(fioctl_as fiotu1 activity 2>&1)
	CTL_RC=$?
	[ "$CTL_RC" = 0 ] && expect_results "failure " || {
		diag "fiotu1's own activity: exit $CTL_RC" "$CTL_OUT"
		return 1
	}
	CTL_OUT=$(fioctl_as fiotu1 activity actv 2>&1)
	CTL_RC=$?
	[ "$CTL_RC" = 1 ] && printf '%s\n' "$CTL_OUT" | grep -q "$M_PERM" && return 0
	diag "fiotu1 asking for actv: exit $CTL_RC" "$CTL_OUT"
	return 1
}
check "a non-admin sees their own activity but not another's ('$M_PERM')" t_self

t_retention() {
	local i
	advance_fake_time 25
	login fio actv "wrong-late-password" "123456"
	expect_auth PAM_AUTH_ERR || return 1
	kill -HUP "$HELPER_PID" || return 1
	for i in $(seq 1 50); do
		ctl_run activity actv
		[ "$(auth_results)" = "failure " ] && return 0
		sleep 0.2
	done
	diag "after 25 hours and a SIGHUP (retention 1d):" "$CTL_OUT"
	return 1
}
check "retention: 25 hours later, after a SIGHUP, only the newer event is left" t_retention

done_testing
