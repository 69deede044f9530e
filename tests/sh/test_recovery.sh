#!/bin/bash
# Recovery codes: each works once, canonical forms, regeneration, and logins
# racing with one code (exactly one wins).
[ -n "$BASH_VERSION" ] || exec bash "$0" "$@"
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/harness.sh"

setup
# every refusal here must be a verified one: no lockout in the way (test_lockout.sh)
write_config "lockout = { max_failures = 1000; };"
check "fio-helperd starts" start_helper || bail "fio-helperd does not start"
make_service fio

PW_R='Qz7r-Pass-31337'
PW_S='Qz7r-Pass-27182'
user_with_totp rita "$PW_R" || bail "cannot set up rita"
set -- $RECOVERY
CODES=("$@")
user_with_totp sam "$PW_S" || bail "cannot set up sam"
SEC_S=$SECRET
set -- $RECOVERY
CODES_S=("$@")

t_format() {
	local c idx="" rc=0
	[ ${#CODES[@]} -eq 10 ] || { diag "got ${#CODES[@]} codes"; return 1; }
	for c in "${CODES[@]}"; do
		if ! [[ $c =~ ^[0-9ABCDEFGHJKMNPQRSTVWXYZ]{4}(-[0-9ABCDEFGHJKMNPQRSTVWXYZ]{4}){3}$ ]]; then
			diag "code '$c' is not 4 dash-separated groups of 4 from the alphabet"
			rc=1
		fi
		idx="$idx${c:0:1}"$'\n'
	done
	if [ "$(printf '%s' "$idx" | sort -u | wc -l)" -ne 10 ]; then
		diag "the first characters (public indexes) are not distinct: $(printf '%s' "$idx" | tr '\n' ' ')"
		rc=1
	fi
	[ "$(printf '%s\n' "${CODES[@]}" | sort -u | wc -l)" -eq 10 ] || { diag "codes repeat"; rc=1; }
	return $rc
}
check "enrolment prints ten distinct recovery codes XXXX-XXXX-XXXX-XXXX with distinct index characters" t_format

t_first_use() {
	login fio rita "$PW_R" "${CODES[0]}"
	expect_auth PAM_SUCCESS && expect_prompts "$P_PASS" "$P_CODE" &&
		has_line "INFO Recovery code accepted. 9 recovery codes left. Make new ones with: fioctl recovery --regenerate"
}
check "a recovery code at the code prompt logs in: 'Recovery code accepted. 9 recovery codes left.'" t_first_use

t_second_use() {
	login fio rita "$PW_R" "${CODES[0]}"
	expect_auth PAM_AUTH_ERR && has_line "$M_FAILED"
}
check "the same recovery code is refused the second time ('Authentication failed.')" t_second_use

t_lower_nodash() {
	local c
	c=$(printf '%s' "${CODES[1]}" | tr -d - | tr '[:upper:]' '[:lower:]')
	login fio rita "$PW_R" "$c"
	expect_auth PAM_SUCCESS && has_line "INFO Recovery code accepted. 8 recovery codes left. Make new ones with: fioctl recovery --regenerate"
}
check "a recovery code in lower case without dashes is accepted" t_lower_nodash

t_extra_prefix() {
	local c=${CODES[2]} rc=0
	login fio rita "$PW_R" "${c}7"
	expect_auth PAM_AUTH_ERR || rc=1
	login fio rita "$PW_R" "${c:0:18}"
	expect_auth PAM_AUTH_ERR || rc=1
	login fio rita "$PW_R" "${c:1}"
	expect_auth PAM_AUTH_ERR || rc=1
	return $rc
}
check "a recovery code plus a character, or a prefix or suffix of one, is refused" t_extra_prefix

t_wrong_pw_recovery() {
	login fio rita "wrong-$PW_R" "${CODES[3]}"
	expect_auth PAM_AUTH_ERR && lacks_line "INFO Recovery code accepted. 7 recovery codes left. Make new ones with: fioctl recovery --regenerate"
}
check "a valid recovery code after a wrong password: PAM_AUTH_ERR" t_wrong_pw_recovery

t_as_password() {
	login fio rita "${CODES[4]}" "${CODES[4]}"
	expect_auth PAM_AUTH_ERR
}
check "a recovery code typed as the password is refused" t_as_password

t_still_works() {
	login fio rita "$PW_R" "${CODES[2]}"
	expect_auth PAM_SUCCESS
}
check "the code whose variants were refused still works" t_still_works

t_left() {
	local out
	out=$(fioctl user show rita 2>&1)
	if printf '%s\n' "$out" | grep -qE '^recovery_codes_left: [0-9]+$'; then
		# codes 0, 1 and 2 were used; 3 and 4 maybe (wrong password / as password)
		case "$(printf '%s\n' "$out" | sed -n 's/^recovery_codes_left: //p')" in
		5 | 6 | 7) return 0 ;;
		esac
	fi
	diag "fioctl user show rita:" "$out"
	return 1
}
check "fioctl user show counts the codes left" t_left

# ---------------------------------------------------------------- TOTP and recovery mixed
t_totp_still() {
	ensure_margin 5
	login fio sam "$PW_S" "${CODES_S[0]}"
	expect_auth PAM_SUCCESS || return 1
	login fio sam "$PW_S" "$(totp_at "$SEC_S" "$(now_step)")"
	expect_auth PAM_SUCCESS
}
check "after a recovery code, the authenticator code still works" t_totp_still

# ---------------------------------------------------------------- regeneration
regenerate() {
	local out
	out=$(fioctl recovery "$1" --regenerate 2>&1) || {
		diag "fioctl recovery $1 --regenerate failed:" "$out"
		return 1
	}
	NEW=$(printf '%s\n' "$out" | grep -oE '\b[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}\b' | tr '\n' ' ')
	note_codes $NEW
	set -- $NEW
	[ $# -eq 10 ] || { diag "expected 10 codes, got $#:" "$out"; return 1; }
}

t_regen() {
	local old=("${CODES[@]}")
	regenerate rita || return 1
	set -- $NEW
	CODES=("$@")
	login fio rita "$PW_R" "${old[9]}"
	expect_auth PAM_AUTH_ERR || { diag "an unused code of the old set still works"; return 1; }
	login fio rita "$PW_R" "${CODES[9]}"
	expect_auth PAM_SUCCESS
}
check "recovery --regenerate: ten new codes; an unused old one stops working, a new one works" t_regen

# ---------------------------------------------------------------- races
# race N CODE: N concurrent logins for rita, all released at the code prompt at
# once. Sets WINS and LOSSES (PAM_AUTH_ERR results).
race() {
	local n=$1 code=$2 i b pids=() waited=0
	b=$T/work/barrier.$RANDOM$RANDOM
	rm -f "$T"/work/race.*
	for i in $(seq 1 "$n"); do
		pam_env "$PAMCONV" -b "$b" fio rita "$PW_R" "$code" >"$T/work/race.$i" 2>/dev/null &
		pids+=($!)
	done
	while [ "$(ls "$b".ready.* 2>/dev/null | wc -l)" -lt "$n" ] && [ $waited -lt 300 ]; do
		sleep 0.05
		waited=$((waited + 1))
	done
	touch "$b"
	wait "${pids[@]}"
	WINS=$(cat "$T"/work/race.* | grep -c '^AUTH PAM_SUCCESS')
	LOSSES=$(cat "$T"/work/race.* | grep -c '^AUTH PAM_AUTH_ERR')
	cat "$T"/work/race.* >>"$T/transcripts.log"
	rm -f "$b" "$b".ready.*
}

t_race2() {
	local round bad=0 code
	for round in $(seq 1 20); do
		regenerate rita || return 1
		set -- $NEW
		code=$1
		race 2 "$code"
		if [ "$WINS" -ne 1 ] || [ "$LOSSES" -ne 1 ]; then
			diag "round $round: $WINS successes, $LOSSES refusals:"
			sed 's/^/#   /' "$T"/work/race.*
			bad=$((bad + 1))
		fi
	done
	[ $bad -eq 0 ]
}
check "two concurrent logins with one recovery code: exactly one succeeds (20 rounds, fresh codes)" t_race2

t_race5() {
	local round bad=0
	regenerate rita || return 1
	set -- $NEW
	for round in 1 2 3 4 5; do
		race 5 "$1"
		if [ "$WINS" -ne 1 ] || [ "$LOSSES" -ne 4 ]; then
			diag "round $round: $WINS successes, $LOSSES refusals"
			sed 's/^/#   /' "$T"/work/race.*
			bad=$((bad + 1))
		fi
		shift
	done
	[ $bad -eq 0 ]
}
check "five concurrent logins with one recovery code: exactly one succeeds (5 rounds)" t_race5

t_helper_ok() {
	helper_alive && login fio rita "$PW_R" "$(printf '%s' "$NEW" | cut -d' ' -f10)" &&
		expect_auth PAM_SUCCESS
}
check "the helper is still up and a recovery login works after the races" t_helper_ok

# ---------------------------------------------------------------- at rest
t_dump() {
	local dump hex hits rc=0
	if [ ! -x "$SQLITE3" ]; then
		diag "sqlite3 not installed"
		return 1
	fi
	dump=$(as_user "$HELPER_USER" "$SQLITE3" "$T/state/fio.db" .dump 2>&1) || {
		diag "sqlite3 .dump failed: $dump"
		return 1
	}
	[ -n "$dump" ] || { diag "empty dump"; return 1; }
	hits=$(printf '%s\n' "$dump" | grep -F -f "$T/secrets.txt" | head -n 3)
	if [ -n "$hits" ]; then
		diag "secrets in clear in the store:" "$hits"
		rc=1
	fi
	hex=$(printf '%s' "$SEC_S" | base32 -d | od -An -tx1 | tr -d ' \n')
	if printf '%s\n' "$dump" | tr '[:upper:]' '[:lower:]' | grep -qF "$hex"; then
		diag "the raw TOTP secret of sam is in the store in hex"
		rc=1
	fi
	return $rc
}
check "the store holds no password, TOTP secret or recovery code in clear (sqlite3 .dump)" t_dump

done_testing
