#!/bin/bash
# Who may ask what (SO_PEERCRED): non-root callers may only run conversations
# and self-service for their own account; anything else looks exactly like
# "no such user"; claims from non-root callers never lower what is required.
[ -n "$BASH_VERSION" ] || exec bash "$0" "$@"
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/harness.sh"

setup
check "fio-helperd starts" start_helper || bail "fio-helperd does not start"
make_service fio
make_service second "factor=second" "auth required $PAM_MODDIR/pam_permit.so"
make_service ufp "use_first_pass" "auth required $PWRAP_MODDIR/pam_set_items.so"

PW_1='Qz7r-Pass-1111'
PW_V='Qz7r-Pass-6666'
user_with_totp fiotu1 "$PW_1" || bail "cannot set up fiotu1"
SEC_1=$SECRET
set -- $RECOVERY
REC_1=("$@")
user_with_totp victim "$PW_V" || bail "cannot set up victim"
SEC_V=$SECRET
REC_V=$RECOVERY
NOPASSWD_UID=54321

# ---------------------------------------------------------------- conversations
t_other() {
	local code
	code=$(code_now "$SEC_V")
	login_as fiotu1 fio victim "$PW_V" "$code"
	OUT_OTHER=$OUT
	expect_auth PAM_AUTH_ERR && expect_prompts "$P_PASS" "$P_CODE" && has_line "$M_FAILED" || return 1
	login_as fiotu1 fio nosuchuser "$PW_V" "$code"
	OUT_NOBODY=$OUT
	if [ "$OUT_OTHER" != "$OUT_NOBODY" ]; then
		diag "another user's account:" "$OUT_OTHER" "no such user:" "$OUT_NOBODY"
		return 1
	fi
}
check "non-root caller (fiotu1) logging in as another store user with the right password and code: refused exactly like an unknown user" \
	t_other

t_other_recovery() {
	set -- $REC_V
	login_as fiotu1 fio victim "$PW_V" "$1"
	expect_auth PAM_AUTH_ERR
}
check "non-root caller with another user's password and recovery code: refused" t_other_recovery

t_nopasswd_uid() {
	_login_run setpriv --reuid=$NOPASSWD_UID --regid=$NOPASSWD_UID --clear-groups -- \
		env LD_PRELOAD="$PRELOAD" PAM_WRAPPER=1 PAM_WRAPPER_SERVICE_DIR="$T/services" \
		"$PAMCONV" fio victim "$PW_V" "$(code_now "$SEC_V")"
	expect_auth PAM_AUTH_ERR && expect_prompts "$P_PASS" "$P_CODE"
}
check "a uid with no passwd entry logging in as a store user: refused like an unknown user" t_nopasswd_uid

t_victim_root() {
	local s
	ensure_margin 5
	s=$(now_step)
	login fio victim "$PW_V" "$(totp_at "$SEC_V" $((s + 1)))"
	expect_auth PAM_SUCCESS
}
check "the same account still logs in from root (sshd-like caller)" t_victim_root

t_self() {
	login_as fiotu1 fio fiotu1 "$PW_1" "$(code_now "$SEC_1")"
	expect_auth PAM_SUCCESS && expect_prompts "$P_PASS" "$P_CODE"
}
check "non-root caller logging in as itself (store user named like the unix user): PAM_SUCCESS" t_self

t_self_second_code_only() {
	local s
	ensure_margin 5
	s=$(now_step)
	login_as fiotu1 second fiotu1 "$(totp_at "$SEC_1" $((s + 1)))"
	if [ "$AUTH" = PAM_SUCCESS ]; then
		diag "factor=second from a non-root caller skipped the password"
		show_transcript
		return 1
	fi
	has_line "$P_PASS"
}
check "factor=second claimed by a non-root caller: the password is still asked; the code alone is refused" \
	t_self_second_code_only

t_self_second_both() {
	local s
	ensure_margin 5
	s=$(now_step)
	login_as fiotu1 second fiotu1 "$PW_1" "$(totp_at "$SEC_1" $((s + 1)))"
	expect_auth PAM_SUCCESS && expect_prompts "$P_PASS" "$P_CODE"
}
check "factor=second from a non-root caller with password and code: PAM_SUCCESS" t_self_second_both

t_self_ufp_wrong() {
	_login_run as_user fiotu1 env LD_PRELOAD="$PRELOAD" PAM_WRAPPER=1 \
		PAM_WRAPPER_SERVICE_DIR="$T/services" PAM_AUTHTOK="wrong-$PW_1" \
		"$PAMCONV" ufp fiotu1 "$(code_now "$SEC_1")"
	[ "$AUTH" != PAM_SUCCESS ] || { show_transcript; return 1; }
}
check "use_first_pass with a wrong PAM_AUTHTOK from a non-root caller: refused" t_self_ufp_wrong

# ---------------------------------------------------------------- fioctl
REFUSAL="fioctl: permission denied or no such user"

# refused_like_unknown USER ARGS...: fioctl ARGS as USER, for victim and for
# nosuchuser (the word NAME in ARGS): both exit 1 with the same one line.
refused_like_unknown() {
	local u=$1 a1 a2 o1 o2 r1 r2
	shift
	a1=("${@//NAME/victim}")
	a2=("${@//NAME/nosuchuser}")
	o1=$(fioctl_as "$u" "${a1[@]}" 2>&1 </dev/null)
	r1=$?
	o2=$(fioctl_as "$u" "${a2[@]}" 2>&1 </dev/null)
	r2=$?
	if [ "$r1" = 1 ] && [ "$r2" = 1 ] && [ "$o1" = "$REFUSAL" ] && [ "$o2" = "$REFUSAL" ]; then
		return 0
	fi
	diag "fioctl ${a1[*]} as $u: exit $r1: $o1" "fioctl ${a2[*]} as $u: exit $r2: $o2"
	return 1
}

check "fioctl user show of another user as non-admin: '$REFUSAL', exit 1, same for existing and unknown users" \
	refused_like_unknown fiotu1 user show NAME
check "fioctl user del of another user as non-admin: refused like an unknown user" \
	refused_like_unknown fiotu1 user del NAME
check "fioctl unenroll of another user as non-admin: refused like an unknown user" \
	refused_like_unknown fiotu1 unenroll NAME
check "fioctl recovery --regenerate of another user as non-admin: refused like an unknown user" \
	refused_like_unknown fiotu1 recovery NAME --regenerate
check "fioctl enroll of another user as non-admin: refused like an unknown user" \
	refused_like_unknown fiotu1 enroll NAME
check "fioctl enroll --secret of another user as non-admin: refused like an unknown user" \
	refused_like_unknown fiotu1 enroll NAME --secret "$(new_secret)"
check "fioctl user show as uid 65534 (nobody): refused like an unknown user" \
	refused_like_unknown nobody user show NAME

t_passwd_other() {
	local o r
	o=$(printf 'Hijacked-Pass-1\n' | as_user fiotu1 setsid -w "$FIOCTL" --socket "$SOCK" passwd victim --stdin 2>&1)
	r=$?
	[ $r -ne 0 ] && [ "$o" = "$REFUSAL" ] || { diag "exit $r: $o"; return 1; }
}
check "fioctl passwd of another user as non-admin: refused" t_passwd_other

t_add_list() {
	local o r rc=0
	o=$(printf 'Some-Pass-1\n' | as_user fiotu1 setsid -w "$FIOCTL" --socket "$SOCK" user add mallory --password-stdin 2>&1)
	r=$?
	[ $r -ne 0 ] || { diag "user add as non-admin succeeded: $o"; rc=1; }
	o=$(fioctl_as fiotu1 user list 2>&1 </dev/null)
	r=$?
	[ $r -ne 0 ] || { diag "user list as non-admin succeeded: $o"; rc=1; }
	if fioctl user show mallory >/dev/null 2>&1; then
		diag "mallory was created"
		rc=1
	fi
	return $rc
}
check "fioctl user add and user list as non-admin: refused, nothing created" t_add_list

t_secret_self() {
	local o r
	o=$(fioctl_as fiotu1 enroll fiotu1 --secret "$(new_secret)" 2>&1 </dev/null)
	r=$?
	[ $r -ne 0 ] || { diag "enroll --secret for self as non-admin succeeded: $o"; return 1; }
}
check "fioctl enroll --secret (import) for one's own account as non-admin: refused (admin only)" t_secret_self

t_victim_intact() {
	local o
	o=$(fioctl user show victim 2>&1)
	printf '%s\n' "$o" | grep -qx 'totp: enrolled' &&
		printf '%s\n' "$o" | grep -qx 'recovery_codes_left: 10' || {
		diag "victim after the refused commands:" "$o"
		return 1
	}
	set -- $REC_V
	login fio victim "$PW_V" "$1"
	expect_auth PAM_SUCCESS
}
check "after all refused commands the victim's account is unchanged (enrolled, 10 recovery codes, the one offered by fiotu1 still works)" \
	t_victim_intact

t_admin_group() {
	local o r
	o=$(as_user_groups fiotu2 setsid -w "$FIOCTL" --socket "$SOCK" user list 2>&1 </dev/null)
	r=$?
	[ $r -eq 0 ] && printf '%s\n' "$o" | grep -qx victim || {
		diag "user list as fiotu2 (in $ADMIN_GROUP): exit $r: $o"
		return 1
	}
	o=$(as_user_groups fiotu2 setsid -w "$FIOCTL" --socket "$SOCK" user show victim 2>&1 </dev/null)
	r=$?
	[ $r -eq 0 ] && printf '%s\n' "$o" | grep -qx 'name: victim' || {
		diag "user show victim as fiotu2: exit $r: $o"
		return 1
	}
}
check "a member of $ADMIN_GROUP (fiotu2) may list and show users" t_admin_group

t_self_show() {
	local o r
	o=$(fioctl_as fiotu1 user show fiotu1 2>&1 </dev/null)
	r=$?
	[ $r -eq 0 ] && printf '%s\n' "$o" | grep -qx 'name: fiotu1' || {
		diag "user show fiotu1 as fiotu1: exit $r: $o"
		return 1
	}
}
check "fioctl user show of one's own account as non-admin (read-only, admin or self)" t_self_show

# self_ctl ANSWER-LINES -- ARGS...: fioctl ARGS as fiotu1 with the lines on stdin
self_ctl() {
	local lines=()
	while [ "$1" != -- ]; do lines+=("$1"); shift; done
	shift
	SELF_OUT=$(printf '%s\n' "${lines[@]}" | as_user fiotu1 setsid -w "$FIOCTL" --socket "$SOCK" "$@" 2>&1)
	SELF_RC=$?
}

t_self_unenroll_wrong() {
	self_ctl "wrong-$PW_1" "000000" -- unenroll fiotu1
	if [ $SELF_RC -eq 0 ]; then
		diag "unenroll of one's own account with a wrong password: exit 0: $SELF_OUT"
		return 1
	fi
	fioctl user show fiotu1 | grep -qx 'totp: enrolled' || { diag "the authenticator was removed"; return 1; }
}
check "self-service unenroll with a wrong password: refused, still enrolled" t_self_unenroll_wrong

t_self_regen_pw_only() {
	self_ctl "$PW_1" -- recovery fiotu1 --regenerate
	if [ $SELF_RC -eq 0 ]; then
		diag "recovery --regenerate with the password alone: exit 0: $SELF_OUT"
		return 1
	fi
	fioctl user show fiotu1 | grep -qx 'recovery_codes_left: 10' || { diag "codes changed"; return 1; }
}
check "self-service recovery --regenerate with the password but no second factor: refused (checklist A7)" \
	t_self_regen_pw_only

t_self_regen() {
	local new
	self_ctl "$PW_1" "${REC_1[1]}" -- recovery fiotu1 --regenerate
	new=$(printf '%s\n' "$SELF_OUT" | grep -cE '^[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$')
	note_codes $(printf '%s\n' "$SELF_OUT" | grep -oE '^[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$')
	if [ $SELF_RC -ne 0 ] || [ "$new" -ne 10 ]; then
		diag "recovery --regenerate with password and recovery code: exit $SELF_RC:" "$SELF_OUT"
		return 1
	fi
	login fio fiotu1 "$PW_1" "${REC_1[2]}"
	expect_auth PAM_AUTH_ERR
}
check "self-service recovery --regenerate after password + recovery code: ten new codes, the old ones stop working" \
	t_self_regen

done_testing
