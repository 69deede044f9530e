#!/bin/bash
# PAM stacks: factor=second, use_first_pass, try_first_pass, single_prompt,
# PAM_AUTHTOK after success, cancelled conversations, options.
#
# How PAM_AUTHTOK gets in and out: pam_wrapper ships two test modules.
# pam_set_items.so (stacked before pam_fio) copies the process environment
# variable PAM_AUTHTOK into the PAM item, as an earlier module such as
# pam_unix would leave it; pam_get_items.so (stacked after pam_fio) copies the
# PAM items into the PAM environment, where pamconv -e PAM_AUTHTOK prints them
# (an application cannot read PAM_AUTHTOK itself).
[ -n "$BASH_VERSION" ] || exec bash "$0" "$@"
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/harness.sh"

setup
check "fio-helperd starts" start_helper || bail "fio-helperd does not start"
SET_ITEMS="auth required $PWRAP_MODDIR/pam_set_items.so"
GET_ITEMS="auth optional $PWRAP_MODDIR/pam_get_items.so"
[ -f "$PWRAP_MODDIR/pam_set_items.so" ] && [ -f "$PWRAP_MODDIR/pam_get_items.so" ] ||
	bail "pam_wrapper's pam_set_items.so/pam_get_items.so not found in $PWRAP_MODDIR"

make_service plain "" "" "$GET_ITEMS"
make_service second "factor=second" "auth required $PAM_MODDIR/pam_permit.so" "$GET_ITEMS"
make_service second-after-deny "factor=second" "auth required $PAM_MODDIR/pam_deny.so"
make_service nullok "factor=second nullok" "auth required $PAM_MODDIR/pam_permit.so"
make_service ufp "use_first_pass" "$SET_ITEMS" "$GET_ITEMS"
make_service tfp "try_first_pass" "$SET_ITEMS" "$GET_ITEMS"
make_service single "single_prompt" "" "$GET_ITEMS"
make_service badopt "frobnicate=1"
write_service debian <<EOF
auth [success=1 default=ignore] $PAM_FIO_SO socket=$SOCK helper_user=$HELPER_USER
auth requisite $PAM_MODDIR/pam_deny.so
auth required $PAM_MODDIR/pam_permit.so
EOF

# ---------------------------------------------------------------- PAM_AUTHTOK after success
t_authtok_plain() {
	fresh_user u_plain || return 1
	login -e PAM_AUTHTOK plain u_plain "$PW" "$(code_now "$SECRET")"
	expect_auth PAM_SUCCESS && has_line "ENV PAM_AUTHTOK=$PW"
}
check "after password + code, PAM_AUTHTOK holds the password (never the code) for later modules" t_authtok_plain

t_authtok_recovery() {
	fresh_user u_rec || return 1
	set -- $RECOVERY
	login -e PAM_AUTHTOK plain u_rec "$PW" "$1"
	expect_auth PAM_SUCCESS && has_line "ENV PAM_AUTHTOK=$PW"
}
check "after password + recovery code, PAM_AUTHTOK holds the password" t_authtok_recovery

t_authtok_fail() {
	fresh_user u_fail || return 1
	login -e PAM_AUTHTOK plain u_fail "$PW" "000000x"
	expect_auth PAM_AUTH_ERR || return 1
	if printf '%s\n' "$OUT" | grep -q "^ENV PAM_AUTHTOK=000000x"; then
		diag "the code ended up in PAM_AUTHTOK"
		return 1
	fi
}
check "after a failure, the code is not in PAM_AUTHTOK" t_authtok_fail

# ---------------------------------------------------------------- factor=second
t_second() {
	fresh_user u_sec || return 1
	login second u_sec "$(code_now "$SECRET")"
	expect_auth PAM_SUCCESS && expect_prompts "$P_CODE"
}
check "factor=second (root caller, pam_permit before it): only 'Verification code: ' is asked, PAM_SUCCESS" t_second

t_second_wrong() {
	fresh_user u_sec2 || return 1
	login second u_sec2 "$PW"
	expect_auth PAM_AUTH_ERR && expect_prompts "$P_CODE" && has_line "$M_FAILED"
}
check "factor=second with a wrong code (the password typed instead): PAM_AUTH_ERR" t_second_wrong

t_second_unknown() {
	login second nosuchuser "123456"
	expect_auth PAM_AUTH_ERR && expect_prompts "$P_CODE"
}
check "factor=second for an unknown user: asked for the code, then PAM_AUTH_ERR" t_second_unknown

# nullok (the pam-auth-update profile): an NSS account that is not in the store
# and that no policy covers is left to the modules before pam_fio
t_nullok_nss() {
	ensure_unix_user fionull || return 1
	login nullok fionull
	# pam_fio said PAM_IGNORE: pam_permit before it decides the stack
	expect_auth PAM_SUCCESS && expect_prompts "" || return 1
	run_ctl activity fionull
	ctl_ok && out_has ".* auth +nullok .* ignore +no second factor \(nullok\)"
}
check "factor=second nullok: an NSS account without a second factor is left to pam_unix (PAM_IGNORE), nothing asked" \
	t_nullok_nss

t_nullok_enrolled() {
	fresh_user u_null || return 1
	login nullok u_null "000000"
	expect_auth PAM_AUTH_ERR && expect_prompts "$P_CODE" || return 1
	login nullok u_null "$(code_now "$SECRET")"
	expect_auth PAM_SUCCESS && expect_prompts "$P_CODE"
}
check "factor=second nullok: an enrolled account is still asked for its code (wrong: PAM_AUTH_ERR)" \
	t_nullok_enrolled

t_nullok_unknown() {
	login nullok nosuchuser "123456"
	expect_auth PAM_AUTH_ERR && expect_prompts "$P_CODE"
}
check "factor=second nullok: a name NSS does not know is still asked for a code and refused" \
	t_nullok_unknown

t_nullok_nonroot() {
	ensure_unix_user fionull || return 1
	# from a caller other than root, factor=second and nullok are ignored: the
	# password is asked (the account has none in the store: refused)
	login_as fionull nullok fionull "x-Pass-word-1" "123456"
	[ "$AUTH" != PAM_SUCCESS ] && [ "$AUTH" != PAM_IGNORE ] && expect_prompts "$P_PASS" "$P_CODE"
}
check "nullok from a non-root caller is ignored: password and code asked, refused" t_nullok_nonroot

t_second_after_deny() {
	fresh_user u_sec3 || return 1
	login second-after-deny u_sec3 "$(code_now "$SECRET")"
	if [ "$AUTH" = PAM_SUCCESS ]; then
		diag "the stack succeeded although pam_deny failed before pam_fio factor=second"
		show_transcript
		return 1
	fi
}
check "factor=second after a failing module: the stack fails" t_second_after_deny

# ---------------------------------------------------------------- use_first_pass / try_first_pass
t_ufp() {
	local code
	fresh_user u_ufp || return 1
	code=$(code_now "$SECRET")
	OUT=
	_login_run pam_env PAM_AUTHTOK="$PW" "$PAMCONV" -e PAM_AUTHTOK ufp u_ufp "$code"
	expect_auth PAM_SUCCESS && expect_prompts "$P_CODE" && has_line "ENV PAM_AUTHTOK=$PW"
}
check "use_first_pass: the password comes from PAM_AUTHTOK (set by an earlier module), only the code is asked" t_ufp

t_ufp_wrong() {
	local code
	fresh_user u_ufp2 || return 1
	code=$(code_now "$SECRET")
	_login_run pam_env PAM_AUTHTOK="wrong-$PW" "$PAMCONV" ufp u_ufp2 "$PW" "$code"
	expect_auth PAM_AUTH_ERR && lacks_line "$P_PASS"
}
check "use_first_pass with a wrong PAM_AUTHTOK: no password prompt, PAM_AUTH_ERR" t_ufp_wrong

t_ufp_none() {
	local code
	fresh_user u_ufp3 || return 1
	code=$(code_now "$SECRET")
	_login_run pam_env "$PAMCONV" ufp u_ufp3 "$code"
	if [ "$AUTH" = PAM_SUCCESS ] || [ "$AUTH" = PAM_IGNORE ]; then
		diag "use_first_pass without PAM_AUTHTOK and only a code gave $AUTH"
		show_transcript
		return 1
	fi
}
check "use_first_pass with no PAM_AUTHTOK and only a code: refused" t_ufp_none

t_tfp_right() {
	local code
	fresh_user u_tfp || return 1
	code=$(code_now "$SECRET")
	_login_run pam_env PAM_AUTHTOK="$PW" "$PAMCONV" tfp u_tfp "$code"
	expect_auth PAM_SUCCESS && expect_prompts "$P_CODE"
}
check "try_first_pass with the right PAM_AUTHTOK: only the code is asked" t_tfp_right

# try_first_pass with a wrong PAM_AUTHTOK: the spec does not say whether the
# module asks again (pam_unix style, checklist M4) or goes on to the code and
# fails (no second password prompt that would tell the password was wrong).
# Either way: never success on the wrong stacked password, and if it asks
# again, the typed password + code log in and become PAM_AUTHTOK.
t_tfp_wrong() {
	local code
	fresh_user u_tfp2 || return 1
	code=$(code_now "$SECRET")
	_login_run pam_env PAM_AUTHTOK="wrong-$PW" "$PAMCONV" -e PAM_AUTHTOK tfp u_tfp2 "$PW" "$code"
	if printf '%s\n' "$OUT" | grep -qxF "$P_PASS"; then
		diag "the module asked for the password again"
		expect_auth PAM_SUCCESS && has_line "ENV PAM_AUTHTOK=$PW"
	else
		diag "the module went on to the code without asking again"
		_login_run pam_env PAM_AUTHTOK="wrong-$PW" "$PAMCONV" -e PAM_AUTHTOK tfp u_tfp2 "$code"
		expect_auth PAM_AUTH_ERR && expect_prompts "$P_CODE" && has_line "$M_FAILED"
	fi
}
check "try_first_pass with a wrong PAM_AUTHTOK: refused on the stacked password alone; a re-prompt (if any) works" \
	t_tfp_wrong

# ---------------------------------------------------------------- single_prompt
t_single() {
	fresh_user u_single || return 1
	login -e PAM_AUTHTOK single u_single "$PW$(code_now "$SECRET")"
	expect_auth PAM_SUCCESS && expect_prompts "$P_SINGLE" && has_line "ENV PAM_AUTHTOK=$PW"
}
check "single_prompt: one prompt 'Password and verification code: ', password+code in one answer; PAM_AUTHTOK is the password" \
	t_single

t_single_wrong() {
	fresh_user u_single2 || return 1
	login single u_single2 "${PW}000000"
	expect_auth PAM_AUTH_ERR && expect_prompts "$P_SINGLE" && has_line "$M_FAILED"
}
check "single_prompt with a wrong code: PAM_AUTH_ERR" t_single_wrong

t_single_pw_only() {
	fresh_user u_single3 || return 1
	login single u_single3 "$PW"
	expect_auth PAM_AUTH_ERR
}
check "single_prompt with the password alone (no code) for an enrolled user: PAM_AUTH_ERR" t_single_pw_only

t_single_wrong_pw() {
	fresh_user u_single4 || return 1
	login single u_single4 "x$PW$(code_now "$SECRET")"
	expect_auth PAM_AUTH_ERR
}
check "single_prompt with a wrong password and a right code: PAM_AUTH_ERR" t_single_wrong_pw

# ---------------------------------------------------------------- cancelled conversation
t_cancel_plain() {
	fresh_user u_cancel || return 1
	login plain u_cancel "$PW"
	if [ "$AUTH" = PAM_SUCCESS ] || [ "$AUTH" = PAM_IGNORE ]; then
		diag "no answer at the code prompt gave $AUTH"
		show_transcript
		return 1
	fi
	has_line NOANSWER
}
check "conversation error (EOF/Ctrl-C) at 'Verification code: ': neither PAM_SUCCESS nor PAM_IGNORE" t_cancel_plain

t_debian_ok() {
	fresh_user u_deb || return 1
	login debian u_deb "$PW" "$(code_now "$SECRET")"
	expect_auth PAM_SUCCESS
}
check "Debian common-auth style stack ([success=1 default=ignore] pam_fio, requisite pam_deny, pam_permit): password + code succeed" \
	t_debian_ok

t_debian_cancel() {
	fresh_user u_deb2 || return 1
	login debian u_deb2 "$PW"
	if [ "$AUTH" = PAM_SUCCESS ]; then
		diag "the Debian-style stack let a cancelled login through"
		show_transcript
		return 1
	fi
}
check "the same stack with the code prompt cancelled: denied" t_debian_cancel

t_debian_unknown() {
	login debian nosuchuser "x" "123456"
	if [ "$AUTH" = PAM_SUCCESS ]; then
		diag "the Debian-style stack let an unknown user through"
		return 1
	fi
}
check "the same stack with an unknown user: denied" t_debian_unknown

# ---------------------------------------------------------------- options, user
t_badopt() {
	login badopt nosuchuser "x" "123456"
	expect_auth PAM_SERVICE_ERR
}
check "an unknown module option: PAM_SERVICE_ERR" t_badopt

t_empty_user() {
	login plain "" "x" "123456"
	if [ "$AUTH" = PAM_SUCCESS ] || [ "$AUTH" = PAM_IGNORE ]; then
		diag "an empty user name gave $AUTH"
		return 1
	fi
}
check "an empty user name is refused" t_empty_user

done_testing
