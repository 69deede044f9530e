#!/bin/bash
# fioctl: status, user add/show/list/del, passwd, enroll (interactive without a
# terminal, --json, wrong codes), unenroll, --json output, errors; the
# default password hash cost.
[ -n "$BASH_VERSION" ] || exec bash "$0" "$@"
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/harness.sh"

setup
check "fio-helperd starts" start_helper || bail "fio-helperd does not start"
make_service fio

# ---------------------------------------------------------------- status
t_status() {
	run_ctl status
	ctl_ok && [ "$CTL_OUT" = "fio-helperd: ok (protocol 1, store sqlite)" ] || {
		diag "unexpected status output"
		ctl_diag
		return 1
	}
}
check "fioctl status: 'fio-helperd: ok (protocol 1, store sqlite)'" t_status

t_status_env() {
	local out
	out=$(FIO_SOCKET=$SOCK FIO_HELPER_USER=$HELPER_USER setsid -w "$FIOCTL" status 2>&1)
	[ "$out" = "fio-helperd: ok (protocol 1, store sqlite)" ] || { diag "$out"; return 1; }
}
check "fioctl status with the socket from FIO_SOCKET" t_status_env

t_status_json() {
	run_ctl --json status
	ctl_ok && json_check 'isinstance(d, dict)'
}
check "fioctl --json status parses as a JSON object" t_status_json

# ---------------------------------------------------------------- user add / show
PW_A='fioctl-Wren9-1'
PW_A2='fioctl-Wren9-2'
PW_B='fioctl-Moss7-1'
note_secret "$PW_A"
note_secret "$PW_A2"
note_secret "$PW_B"

t_add() {
	CTL_IN=$PW_A run_ctl user add alice --email alice@example.org --password-stdin
	ctl_ok
}
check "fioctl user add alice --email --password-stdin" t_add

t_show() {
	run_ctl user show alice
	ctl_ok && out_has 'name: alice' && out_has 'email: alice@example.org' && out_has 'password: set' &&
		out_has 'totp: none' && out_has 'recovery_codes_left: 0' &&
		out_has 'created: [0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?)?(Z|[+-][0-9]{2}:?[0-9]{2})?'
}
check "fioctl user show: name, email, password: set, totp: none, recovery_codes_left: 0, created: ISO 8601" t_show

t_show_json() {
	run_ctl --json user show alice
	ctl_ok && json_check 'isinstance(d, dict) and d.get("name") == "alice" and d.get("email") == "alice@example.org"'
}
check "fioctl --json user show: one JSON object with name and email" t_show_json

t_add_dup() {
	CTL_IN=x-Pass-1 run_ctl user add alice --password-stdin
	ctl_error
}
check "fioctl user add of an existing user: non-zero exit, one 'fioctl: ...' line" t_add_dup

t_add_badname() {
	local n rc=0
	for n in '../etc' 'a b' '-rf' 'x/y' ''; do
		CTL_IN=x-Pass-1 run_ctl user add "$n" --password-stdin
		ctl_error || { diag "name '$n' accepted"; rc=1; }
	done
	return $rc
}
check "fioctl user add with invalid names ('../etc', 'a b', '-rf', 'x/y', ''): refused" t_add_badname

t_add_nopw() {
	run_ctl user add bob
	ctl_ok || return 1
	run_ctl user show bob
	out_has 'password: none' || return 1
	login fio bob "" "000000"
	expect_auth PAM_AUTH_ERR
}
check "fioctl user add without --password-stdin and without a terminal: no password, cannot log in" t_add_nopw

t_list() {
	run_ctl user list
	ctl_ok && out_has alice && out_has bob
}
check "fioctl user list: one name per line" t_list

t_list_json() {
	run_ctl --json user list
	ctl_ok && json_check 'isinstance(d, list) and {(x if isinstance(x, str) else x.get("name")) for x in d} >= {"alice", "bob"}'
}
check "fioctl --json user list: a JSON array with alice and bob" t_list_json

# ---------------------------------------------------------------- passwd
t_login_a() {
	login fio alice "$PW_A"
	expect_auth PAM_SUCCESS
}
check "alice (no second factor) logs in with her password" t_login_a

t_passwd() {
	CTL_IN=$PW_A2 run_ctl passwd alice --stdin
	ctl_ok || return 1
	login fio alice "$PW_A2"
	expect_auth PAM_SUCCESS || return 1
	login fio alice "$PW_A" "000000"
	expect_auth PAM_AUTH_ERR
}
check "fioctl passwd --stdin: the new password works, the old one fails" t_passwd

t_passwd_bob() {
	CTL_IN=$PW_B run_ctl passwd bob --stdin
	ctl_ok || return 1
	run_ctl user show bob
	out_has 'password: set' || return 1
	login fio bob "$PW_B"
	expect_auth PAM_SUCCESS
}
check "fioctl passwd gives a password-less account a password that works" t_passwd_bob

t_passwd_unknown() {
	CTL_IN=x-Pass-1 run_ctl passwd nosuchuser --stdin
	ctl_error
}
check "fioctl passwd of an unknown user: non-zero exit, one 'fioctl: ...' line" t_passwd_unknown

# ---------------------------------------------------------------- enroll
PW_C='fioctl-Fern3-1'
add_user carol "$PW_C" || bail "cannot add carol"

t_enroll() {
	local rc=0 n out
	ensure_margin 8
	enroll_interactive carol
	[ "$ENROLL_EXIT" = 0 ] || { diag "exit $ENROLL_EXIT"; show_enroll_log; return 1; }
	SEC_C=$SECRET
	STEP_C=$ENROLL_STEP
	out=$(cat "$T/work/enroll.log")
	set -- $RECOVERY
	[ $# -eq 10 ] || { diag "$# recovery codes"; rc=1; }
	for n in 'Recovery codes (each works once; store them safely):' 'Authenticator "default" enrolled for carol.'; do
		printf '%s\n' "$out" | grep -qxF "$n" || { diag "missing line '$n'"; rc=1; }
	done
	[ $rc = 0 ] || show_enroll_log
	return $rc
}
check "fioctl enroll (no terminal, code on stdin): exit 0, ten recovery codes, 'Authenticator "default" enrolled for carol.'" t_enroll

t_enroll_text() {
	local out rc=0 grouped
	out=$(cat "$T/work/enroll.log")
	grouped=$(printf '%s' "$SEC_C" | sed 's/..../& /g; s/ $//')
	printf '%s\n' "$out" | grep -qF "$grouped" || { diag "secret not shown in groups of 4 ('$grouped')"; rc=1; }
	case "$URI" in
	otpauth://totp/pam_fio:carol\?* | otpauth://totp/pam_fio%3Acarol\?* | otpauth://totp/pam_fio%3acarol\?*) ;;
	*) diag "URI label: $URI"; rc=1 ;;
	esac
	for p in "secret=$SEC_C" "issuer=pam_fio" "digits=6" "period=30"; do
		case "&${URI#*\?}&" in *"&$p&"*) ;; *) diag "URI lacks $p: $URI"; rc=1 ;; esac
	done
	# a QR code: at least 10 lines drawn with block characters, ANSI colours or '##'
	[ "$(printf '%s\n' "$out" | grep -cF -e '█' -e '▀' -e '▄' -e $'\033[' -e '##')" -ge 10 ] ||
		{ diag "no QR code drawn"; rc=1; }
	[ $rc = 0 ] || show_enroll_log
	return $rc
}
check "enroll shows the secret in groups of 4, otpauth://totp/pam_fio:carol?secret=..&issuer=pam_fio&digits=6&period=30, and a QR code" \
	t_enroll_text

t_enroll_show() {
	run_ctl user show carol
	out_has 'totp: enrolled' && out_has 'recovery_codes_left: 10'
}
check "after enrolment: totp: enrolled, recovery_codes_left: 10" t_enroll_show

t_enroll_replay() {
	[ -n "$STEP_C" ] || return 1
	login fio carol "$PW_C" "$(totp_at "$SEC_C" "$STEP_C")"
	expect_auth PAM_AUTH_ERR || { diag "the enrolment confirmation code was accepted again at login"; return 1; }
	login fio carol "$PW_C" "$(totp_at "$SEC_C" $((STEP_C + 1)))"
	expect_auth PAM_SUCCESS
}
check "the code that confirmed the enrolment is refused at the next login; the next step's code works" t_enroll_replay

t_enroll_wrong() {
	add_user dave "fioctl-Birch4-1" || return 1
	enroll_interactive dave --wrong 3 --no-right
	if [ "$ENROLL_EXIT" = 0 ]; then
		diag "enroll with three wrong codes exited 0"
		show_enroll_log
		return 1
	fi
	[ "${WRONG_MESSAGES:-0}" -ge 2 ] || {
		diag "'That code is not right. Try again.' seen $WRONG_MESSAGES times"
		show_enroll_log
		return 1
	}
	run_ctl user show dave
	out_has 'totp: none' && out_has 'recovery_codes_left: 0'
}
check "fioctl enroll with a wrong code three times: 'That code is not right. Try again.', failure, nothing stored (totp: none)" \
	t_enroll_wrong

t_enroll_json() {
	local rc=0 log
	add_user erin "fioctl-Ash5x-1" || return 1
	enroll_interactive --json erin
	[ "$ENROLL_EXIT" = 0 ] || { diag "exit $ENROLL_EXIT"; show_enroll_log; return 1; }
	set -- $RECOVERY
	[ $# -eq 10 ] || { diag "$# recovery codes in the JSON record"; rc=1; }
	log=$(sed -n '/^--- stdout$/,/^--- stderr$/p' "$T/work/enroll.log" | sed '1d;$d')
	printf '%s\n' "$log" | "$PYTHON" -c '
import json, sys
objs = [json.loads(l) for l in sys.stdin if l.strip()]
a = [o for o in objs if "secret" in o and "uri" in o]
b = [o for o in objs if "recovery_codes" in o]
sys.exit(0 if a and b and len(b[0]["recovery_codes"].split()) == 10 else 1)
' || { diag "stdout is not JSON objects {secret, uri} and {recovery_codes}"; rc=1; }
	[ $rc = 0 ] || show_enroll_log
	run_ctl --json user show erin
	json_check 'd.get("totp") == "enrolled"' || rc=1
	return $rc
}
check "fioctl --json enroll: JSON objects {secret, uri} and {recovery_codes: 10 codes}; stdout is JSON only" t_enroll_json

t_enroll_again_refused_or_replaces() {
	# enrolling an already enrolled user must not leave two secrets working
	local old=$SEC_C
	ensure_margin 8
	enroll_interactive carol
	if [ "$ENROLL_EXIT" = 0 ]; then
		login fio carol "$PW_C" "$(totp_at "$old" $(($(now_step) + 1)))"
		[ "$AUTH" != PAM_SUCCESS ] || { diag "the old secret still works after re-enrolment"; return 1; }
		SEC_C=$SECRET
	fi
	return 0
}
check "re-enrolling an enrolled user either is refused or replaces the old secret" t_enroll_again_refused_or_replaces

# ---------------------------------------------------------------- unenroll
t_unenroll() {
	run_ctl unenroll carol
	ctl_ok || return 1
	run_ctl user show carol
	out_has 'totp: none' || return 1
	login fio carol "$PW_C"
	expect_auth PAM_SUCCESS && expect_prompts "$P_PASS"
}
check "fioctl unenroll: totp: none, and the user logs in with the password alone" t_unenroll

# ---------------------------------------------------------------- del
t_del() {
	run_ctl user del bob
	ctl_ok || return 1
	run_ctl user show bob
	ctl_error || return 1
	run_ctl user list
	if printf '%s\n' "$CTL_OUT" | grep -qx bob; then diag "bob still listed"; return 1; fi
	login fio bob "$PW_B" "000000"
	expect_auth PAM_AUTH_ERR
}
check "fioctl user del: gone from show and list, cannot log in" t_del

t_del_unknown() {
	run_ctl user del nosuchuser
	ctl_error
}
check "fioctl user del of an unknown user: non-zero exit, one 'fioctl: ...' line" t_del_unknown

t_usage() {
	run_ctl frobnicate
	ctl_error || return 1
	run_ctl user show
	ctl_error
}
check "unknown command and a missing argument: non-zero exit, one 'fioctl: ...' line" t_usage

# ---------------------------------------------------------------- default hash cost
t_default_cost() {
	local dump h3 h5
	FIO_HASH_COST=
	write_config
	restart_helper || return 1
	add_user dflt "fioctl-Default-1" || return 1
	login fio dflt "fioctl-Default-1"
	expect_auth PAM_SUCCESS || return 1
	if [ ! -x "$SQLITE3" ]; then diag "sqlite3 not installed"; return 1; fi
	dump=$(as_user "$HELPER_USER" "$SQLITE3" "$T/state/fio.db" .dump 2>&1)
	h5=$(printf '%s\n' "$dump" | grep "'dflt'" | grep -oE '\$y\$[^$]+\$' | head -n 1)
	h3=$(printf '%s\n' "$dump" | grep "'alice'" | grep -oE '\$y\$[^$]+\$' | head -n 1)
	diag "yescrypt parameters: cost 3 (alice) $h3, default (dflt) $h5"
	[ -n "$h5" ] && [ -n "$h3" ] && [ "$h5" != "$h3" ] || {
		diag "expected yescrypt (\$y\$) hashes with different parameters"
		return 1
	}
}
check "default password.hash_cost: a new user's yescrypt hash uses other parameters than cost 3, and logs in" \
	t_default_cost

t_helper_down() {
	stop_helper
	run_ctl status
	ctl_error
}
check "fioctl with the helper stopped: non-zero exit, one 'fioctl: ...' line" t_helper_down

done_testing
