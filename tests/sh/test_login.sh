#!/bin/bash
# Password + TOTP logins through pam_fio.so under pam_wrapper against a real
# fio-helperd: success, replay, the TOTP window, wrong password, wrong code,
# unknown user, accounts without a second factor, acct_mgmt, answer sizes.
[ -n "$BASH_VERSION" ] || exec bash "$0" "$@"
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/harness.sh"

FIO_PW_MAX_LENGTH=511 # the quality rules' ceiling, so that 511 bytes can be stored
setup
check "fio-helperd starts (as root, dropping to $HELPER_USER) and answers fioctl status" start_helper ||
	bail "fio-helperd does not start"
make_service fio
write_service acct-only <<EOF
account required $PAM_FIO_SO socket=$SOCK helper_user=$HELPER_USER
EOF
write_service acct-permit <<EOF
account required $PAM_FIO_SO socket=$SOCK helper_user=$HELPER_USER
account required $PAM_MODDIR/pam_permit.so
EOF

PW_A='Qz7r-Pass-4711'
PW_B='Qz7r-Pass-0815'
PW_C='Qz7r-Pass-2323'
PW_D='Qz7r-Pass-9999'
PW_E='Qz7r-Pass-1234'
PW_F='Qz7r-Pass-5678'
PW_P='Qz7r-Pass-4242'
PW_FMT='Qz7r-Pass-3131'
# 512 bytes that pass the quality rules (no palindrome, no dictionary word)
PW_LONG=$(python3 -c 'import base64, hashlib
d = b"".join(hashlib.sha256(b"fio-long-%d" % i).digest() for i in range(12))
print(base64.b64encode(d).decode()[:512])')

user_with_totp alice "$PW_A" || bail "cannot set up alice"
SEC_A=$SECRET
user_with_totp bob "$PW_B" || bail "cannot set up bob"
SEC_B=$SECRET
add_user carol "$PW_C" || bail "cannot set up carol"
user_with_totp dave "$PW_D" || bail "cannot set up dave"
SEC_D=$SECRET
user_with_totp eve "$PW_E" || bail "cannot set up eve"
SEC_E=$SECRET
user_with_totp frank "$PW_F" || bail "cannot set up frank"
SEC_F=$SECRET
user_with_totp pat "$PW_P" || bail "cannot set up pat"
SEC_P=$SECRET

# ---------------------------------------------------------------- pamtester
t_pamtester() {
	local s out
	ensure_margin 5
	s=$(now_step)
	out=$(printf '%s\n%s\n' "$PW_P" "$(totp_at "$SEC_P" "$s")" |
		pam_env "$PAMTESTER" -v fio pat authenticate 2>&1)
	if printf '%s\n' "$out" | grep -q 'successfully authenticated'; then return 0; fi
	diag "pamtester output:" "$out"
	return 1
}
if [ -x "$PAMTESTER" ]; then
	check "pamtester: password and current TOTP code (answers piped on stdin) authenticate" t_pamtester
else
	not_ok "pamtester: not installed"
fi

# ---------------------------------------------------------------- alice: window and replay
ensure_margin 20
S=$(now_step)

t_minus3() {
	login fio alice "$PW_A" "$(totp_at "$SEC_A" $((S - 3)))"
	expect_auth PAM_AUTH_ERR && has_line "$M_FAILED"
}
check "a code from 3 steps ago is refused (PAM_AUTH_ERR, 'Authentication failed.')" t_minus3

t_minus2() {
	login fio alice "$PW_A" "$(totp_at "$SEC_A" $((S - 2)))"
	expect_auth PAM_AUTH_ERR
}
check "a code from 2 steps ago is refused (window 1)" t_minus2

t_minus1() {
	login fio alice "$PW_A" "$(totp_at "$SEC_A" $((S - 1)))"
	expect_auth PAM_SUCCESS && expect_prompts "$P_PASS" "$P_CODE" && lacks_line "$M_FAILED"
}
check "password + code of the previous step: PAM_SUCCESS after 'Password: ' then 'Verification code: ' (both echo off)" t_minus1

t_replay1() {
	login fio alice "$PW_A" "$(totp_at "$SEC_A" $((S - 1)))"
	expect_auth PAM_AUTH_ERR && has_line "$M_FAILED"
}
check "the same code is refused the second time" t_replay1

t_current() {
	login fio alice "$PW_A" "$(totp_at "$SEC_A" "$S")"
	expect_auth PAM_SUCCESS
}
check "then the current step's code is accepted" t_current

t_replay2() {
	login fio alice "$PW_A" "$(totp_at "$SEC_A" "$S")"
	expect_auth PAM_AUTH_ERR
}
check "the current code is refused when replayed" t_replay2

t_plus2() {
	login fio alice "$PW_A" "$(totp_at "$SEC_A" $((S + 2)))"
	expect_auth PAM_AUTH_ERR
}
check "a code 2 steps in the future is refused" t_plus2

t_plus1() {
	login fio alice "$PW_A" "$(totp_at "$SEC_A" $((S + 1)))"
	expect_auth PAM_SUCCESS
}
check "a code 1 step in the future is accepted (window 1)" t_plus1

# ---------------------------------------------------------------- frank: older than last accepted
t_older() {
	local s
	ensure_margin 10
	s=$(now_step)
	login fio frank "$PW_F" "$(totp_at "$SEC_F" "$s")"
	expect_auth PAM_SUCCESS || return 1
	login fio frank "$PW_F" "$(totp_at "$SEC_F" $((s - 1)))"
	expect_auth PAM_AUTH_ERR
}
check "after the current code, an unused code of the previous step is refused (last step is monotonic)" t_older

# ---------------------------------------------------------------- wrong password, wrong code, unknown user

ensure_margin 12
S=$(now_step)
t_wrong_pw() {
	login fio bob "wrong-$PW_B" "$(totp_at "$SEC_B" "$S")"
	OUT_WRONG_PW=$OUT
	expect_auth PAM_AUTH_ERR && expect_prompts "$P_PASS" "$P_CODE" && has_line "$M_FAILED"
}
check "wrong password: still asked for the code, then 'Authentication failed.' and PAM_AUTH_ERR" t_wrong_pw

t_right_after_wrong() {
	login fio bob "$PW_B" "$(totp_at "$SEC_B" $((S + 1)))"
	expect_auth PAM_SUCCESS
}
check "the right password after a wrong one logs in" t_right_after_wrong

t_wrong_code() {
	login fio dave "$PW_D" "$(wrong_code "$SEC_D" "$S")"
	OUT_WRONG_CODE=$OUT
	expect_auth PAM_AUTH_ERR && expect_prompts "$P_PASS" "$P_CODE" && has_line "$M_FAILED"
}
check "wrong code: 'Authentication failed.' and PAM_AUTH_ERR" t_wrong_code

t_unknown() {
	login fio nosuchuser "some-Password-1" "$(totp_at "$SEC_D" "$S")"
	OUT_UNKNOWN=$OUT
	expect_auth PAM_AUTH_ERR && expect_prompts "$P_PASS" "$P_CODE" && has_line "$M_FAILED"
}
check "unknown user: asked for password and code like anyone, then 'Authentication failed.'" t_unknown

t_same_conversation() {
	if [ "$OUT_UNKNOWN" = "$OUT_WRONG_PW" ] && [ "$OUT_UNKNOWN" = "$OUT_WRONG_CODE" ]; then
		return 0
	fi
	diag "unknown user:" "$OUT_UNKNOWN" "wrong password:" "$OUT_WRONG_PW" \
		"wrong code:" "$OUT_WRONG_CODE"
	return 1
}
check "unknown user, wrong password and wrong code give identical conversations (messages, calls, result)" \
	t_same_conversation

t_wrong_code_right_after() {
	login fio dave "$PW_D" "$(totp_at "$SEC_D" "$S")"
	expect_auth PAM_SUCCESS
}
check "the right code after a wrong one logs in" t_wrong_code_right_after

t_spaced() {
	local c
	ensure_margin 5
	c=$(totp_at "$SEC_E" "$(now_step)")
	login fio eve "$PW_E" "${c:0:3} ${c:3:3}"
	expect_auth PAM_SUCCESS
}
check "a code typed as '123 456' is accepted" t_spaced

# refused_forms FORM...: each form of a valid code for the next step ({C} the
# code, {A} and {B} its first and last three digits, {5} its first five) is refused for user fmt.
refused_forms() {
	local c f rc=0
	ensure_margin 5
	c=$(totp_at "$SEC_FMT" $(($(now_step) + 1)))
	for f in "$@"; do
		f=${f//\{C\}/$c}
		f=${f//\{A\}/${c:0:3}}
		f=${f//\{B\}/${c:3:3}}
		f=${f//\{5\}/${c:0:5}}
		login fio fmt "$PW_FMT" "$f"
		if [ "$AUTH" != PAM_AUTH_ERR ]; then
			diag "code form '$f' gave $AUTH"
			rc=1
		fi
	done
	return $rc
}
user_with_totp fmt "$PW_FMT" || bail "cannot set up fmt"
SEC_FMT=$SECRET
check "malformed codes are refused: '+123456', 7 digits, 5 digits, doubled, trailing letter" \
	refused_forms "+{C}" "{C}0" "{5}" "{C}{C}" "{C}x"
check "codes with surrounding or doubled spaces are refused (checklist T5: exactly 6 digits, optionally one internal space)" \
	refused_forms " {C}" "{C} " "{A}  {B}"
check "a code typed as '123-456' is refused (spec: 6 digits, '123 456' also accepted; nothing else)" \
	refused_forms "{A}-{B}"

# ---------------------------------------------------------------- no second factor
t_nofactor() {
	login fio carol "$PW_C"
	expect_auth PAM_SUCCESS && expect_prompts "$P_PASS"
}
check "a user with no second factor logs in with the password alone (one prompt)" t_nofactor

t_nofactor_wrong() {
	login fio carol "wrong-$PW_C" "000000"
	expect_auth PAM_AUTH_ERR && has_line "$M_FAILED"
}
check "a user with no second factor and a wrong password: PAM_AUTH_ERR" t_nofactor_wrong

t_empty_pw() {
	login fio carol "" "000000"
	expect_auth PAM_AUTH_ERR
}
check "an empty password is refused" t_empty_pw

t_511() {
	add_user long511 "${PW_LONG:1}" || return 1
	login fio long511 "${PW_LONG:1}"
	expect_auth PAM_SUCCESS || return 1
	login fio long511 "${PW_LONG}" "000000"
	expect_auth PAM_AUTH_ERR || { diag "511 bytes + 1 must not be truncated to the password"; return 1; }
	login fio long511 "${PW_LONG}p" "000000"
	expect_auth PAM_AUTH_ERR
}
check "a 511-byte password works; the same plus one or two bytes is refused (PAM_AUTH_ERR), not truncated" t_511

# libxcrypt hashes at most 511 bytes (CRYPT_MAX_PASSPHRASE_SIZE with its NUL):
# a 512-byte password may be refused, but as a clear usage error, not as
# "the helper is unavailable" (which says the service is broken).
t_512() {
	local out rc
	out=$(printf '%s\n' "$PW_LONG" | fioctl user add long512 --password-stdin 2>&1)
	rc=$?
	if [ $rc -eq 0 ]; then
		login fio long512 "$PW_LONG"
		expect_auth PAM_SUCCESS
		return
	fi
	case "$out" in
	*unavailable*) diag "fioctl user add with a 512-byte password: exit $rc: $out"; return 1 ;;
	esac
	diag "refused: $out"
}
check "a 512-byte password at fioctl user add: accepted and working, or refused with a clear error (not 'helper unavailable')" \
	t_512

t_huge() {
	login fio carol "$(head -c 4000 /dev/zero | tr '\0' x)" "000000"
	expect_auth PAM_AUTH_ERR && helper_alive
}
check "a 4000-byte answer is refused and the helper stays up" t_huge

t_code_as_password() {
	local s
	ensure_margin 5
	s=$(now_step)
	login fio eve "$(totp_at "$SEC_E" $((s + 1)))" "$PW_E"
	expect_auth PAM_AUTH_ERR
}
check "code and password swapped: refused" t_code_as_password

# ---------------------------------------------------------------- acct_mgmt
t_acct_known() {
	login -A acct-only alice
	expect_acct PAM_SUCCESS
}
check "pam_acct_mgmt for a user in the store: PAM_SUCCESS" t_acct_known

t_acct_unknown() {
	login -A acct-permit nosuchuser
	expect_acct PAM_SUCCESS || return 1
	login -A acct-only nosuchuser
	if [ "$ACCT" = PAM_SUCCESS ]; then
		diag "pam_fio alone said PAM_SUCCESS for a user it does not know"
		return 1
	fi
}
check "pam_acct_mgmt for a user not in the store: PAM_IGNORE (the next module decides)" t_acct_unknown

done_testing
