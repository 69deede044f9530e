#!/bin/bash
# Mandatory 2FA (DESIGN.md "Mandatory 2FA policy", helper/policy.h): the grace
# window and its notice, enrolment inside the login (offered in grace, forced
# when overdue, for members added later), SSO users left to their identity
# provider, temporary passes, pam_acct_mgmt's refusal, abandoned enrolments,
# enroll_at_login = false, per-service exceptions, remembered sources, the
# recovery-code notice, bad policy config (start and SIGHUP) and the notify
# command. The helper runs under libfaketime with a clock the test moves
# (start_helper_faketime); TOTP codes come from oathtool for that clock.
[ -n "$BASH_VERSION" ] || exec bash "$0" "$@"
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/harness.sh"

export TZ=UTC
setup

# the user-visible texts of helper/policy.h
M_GRACE_RE='^INFO Two-factor authentication is required for your account\. You have .+ left to set it up \(until .+\)\.$'
M_OFFER_RE='^PROMPT_ECHO_(ON|OFF) Set up two-factor authentication now\? \[y/N\] $'
M_LATER="You can set it up later with: fioctl enroll"
M_OVERDUE="Two-factor authentication is required for your account and is not set up yet. Set it up now to continue."
M_OVERDUE_ADMIN="Two-factor authentication is required for your account and is not set up. Ask your administrator to set it up."
M_ACCT_OVERDUE="Two-factor authentication is required for your account and is not set up. Log in with your password to set it up, or ask your administrator."
M_PASS_EXPIRED="Your temporary pass has ended and your old authenticator and recovery codes no longer work."
P_ENROLL_RE='^PROMPT_ECHO_(ON|OFF) Verification code: $'
M_NOT_RIGHT="ERROR That code is not right. Try again."
M_NOTHING_STORED="ERROR That code is not right. Nothing was stored."
P_SAVED="Press Enter once you have saved the recovery codes: "
M_IGNORED="INFO pam_fio returned PAM_IGNORE"

# ---------------------------------------------------------------- accounts
POL_GROUP=fiopol
SSO_GROUP=fiosso
ensure_group "$POL_GROUP" && ensure_group "$SSO_GROUP" || bail "cannot create the test groups"
# fiopc is made a member only once the policy is in force
for u in fiopa fiopb fiopd fiopf fiopg fioph fiopi fiops fiopr; do
	ensure_unix_user "$u" "$POL_GROUP" || bail "cannot set up $u"
done
ensure_unix_user fiope "$POL_GROUP" "$SSO_GROUP" || bail "cannot set up fiope"
ensure_unix_user fiopc || bail "cannot set up fiopc"

# ---------------------------------------------------------------- notify command
NOTIFY_DIR=$T/notify
mkdir -p "$NOTIFY_DIR" && chown "$HELPER_USER:" "$NOTIFY_DIR" || bail "notify dir"
cat >"$T/notify.sh" <<EOF
#!/bin/sh
# one file per notice: the event, the user, then the message from stdin
f=\$(mktemp "$NOTIFY_DIR/n.XXXXXX") || exit 1
{
	echo "FIO_EVENT=\$FIO_EVENT"
	echo "FIO_USER=\$FIO_USER"
	echo "FIO_SUBJECT=\$FIO_SUBJECT"
	echo "--- stdin"
	cat
} >"\$f" && mv "\$f" "\$f.msg"
EOF
chmod 0755 "$T/notify.sh"

# notice_for EVENT USER: some notice with that event and user (waits up to 10 s).
notice_for() {
	local i=0
	while [ $i -lt 100 ]; do
		if grep -lx "FIO_EVENT=$1" "$NOTIFY_DIR"/*.msg 2>/dev/null |
			xargs -r grep -lx "FIO_USER=$2" | grep -q .; then
			return 0
		fi
		sleep 0.1
		i=$((i + 1))
	done
	diag "no '$1' notice for $2; the notices seen:"
	grep -h '^FIO_EVENT=\|^FIO_USER=' "$NOTIFY_DIR"/*.msg 2>/dev/null | paste - - | sed 's/^/#   /'
	return 1
}

# ---------------------------------------------------------------- config
BASE_CONF="lockout = { max_failures = 1000; per_source_max = 100000; };
remember = \"1h\";
notify = { command = [ \"$T/notify.sh\" ]; };"
POLICY_CONF="policy = ( { group = \"$POL_GROUP\"; grace = \"24h\"; except = [ \"fiosudo\" ]; } );
sso_group = \"$SSO_GROUP\";"

set_fake_time "2026-11-23 10:00:00" || bail "cannot write the fake clock"
T0=$FAKE_NOW
write_config "$BASE_CONF"
check "fio-helperd starts under libfaketime (clock 2026-11-23 10:00:00 UTC), no policy yet" \
	start_helper_faketime || bail "fio-helperd does not start under libfaketime"

t_clock() {
	local out
	# the helper's clock shows in a record it writes: an account's created time
	rand_pw | fioctl user add fioclock --password-stdin >/dev/null 2>&1
	out=$(fioctl user show fioclock 2>&1)
	if printf '%s\n' "$out" | grep -q '^created: 2026-11-23T10:00'; then return 0; fi
	diag "fioctl user show fioclock (expected created 2026-11-23T10:00...):" "$out"
	return 1
}
check "the helper's wall clock is the fake one (an account created now says 2026-11-23T10:00)" t_clock

declare -A PW SEC REC
for u in fiopa fiopb fiope fiopf fiopg fioph fiopi fiops fiopr; do
	PW[$u]="$(rand_pw)"
	add_user "$u" "${PW[$u]}" || bail "cannot add $u"
done
PW[fiopd]="$(rand_pw)"
note_secret "${PW[fiopd]}"
printf '%s\n' "${PW[fiopd]}" | fioctl user add fiopd --password-stdin --sso >"$T/work/sso.out" 2>&1 ||
	{ sed 's/^/# /' "$T/work/sso.out"; bail "fioctl user add fiopd --sso failed"; }
for u in fiopf fiops fiopr; do
	import_totp "$u" || bail "cannot enrol $u"
	SEC[$u]=$SECRET
	REC[$u]=$RECOVERY
done

# the policy applies from the restart on: every member in the store gets 24 h
stop_helper
write_config "$BASE_CONF
$POLICY_CONF"
group_del fiopc "$POL_GROUP"
check "fio-helperd starts with a policy for group $POL_GROUP (grace 24h, except fiosudo), sso_group $SSO_GROUP" \
	start_helper_faketime || bail "fio-helperd does not start with the policy"

make_service fio
make_service fiosudo
# pam_fio's IGNORE shows as the pam_echo line; its success skips it
write_service fiosso <<EOF
auth [success=1 ignore=ignore default=die] $PAM_FIO_SO socket=$SOCK helper_user=$HELPER_USER
auth optional $PAM_MODDIR/pam_echo.so pam_fio returned PAM_IGNORE
auth required $PAM_MODDIR/pam_permit.so
account required $PAM_MODDIR/pam_permit.so
EOF

# helpers on the transcript
has_msg() { # TEXT: an INFO or ERROR line with exactly TEXT
	if printf '%s\n' "$OUT" | grep -qxF -e "INFO $1" -e "ERROR $1"; then return 0; fi
	diag "the transcript lacks the message '$1'"
	show_transcript
	return 1
}
lacks_msg() {
	if ! printf '%s\n' "$OUT" | grep -qxF -e "INFO $1" -e "ERROR $1"; then return 0; fi
	diag "the transcript has the message '$1', which it must not"
	show_transcript
	return 1
}
totp_state() { # USER: "enrolled" or "none" from fioctl user show
	fioctl user show "$1" 2>&1 | sed -n 's/^totp: //p'
}
expect_totp_state() { # USER STATE
	local st
	st=$(totp_state "$1")
	[ "$st" = "$2" ] && return 0
	diag "fioctl user show $1: totp is '$st', expected '$2':"
	fioctl user show "$1" 2>&1 | sed 's/^/#   /'
	return 1
}
# enrolled_in_login: the enrolment transcript showed a secret, the URI, the code
# prompt and ten recovery codes; SHOWN and CODES are set (and noted as secrets).
enrolled_in_login() {
	SHOWN=$(shown_secret)
	note_secret "$SHOWN"
	CODES=$(shown_recovery)
	note_codes $CODES
	[ -n "$SHOWN" ] || { diag "no 'Secret key:' in the transcript"; show_transcript; return 1; }
	has_line_re '^INFO .*otpauth://totp/[^ ]*secret=' && has_line_re "$P_ENROLL_RE" || return 1
	lacks_line NOSECRET || return 1
	[ "$(recovery_seen)" = 10 ] || {
		diag "expected 10 recovery codes shown, RECOVERY_SEEN says $(recovery_seen)"
		show_transcript
		return 1
	}
}
# a new step for the next code (a step is accepted once)
tick() {
	advance_fake_seconds 60
}
CODES_USED=$T/work/codes.txt
: >"$CODES_USED"
code_for() { # SECRET: the code at the fake time, remembered for the notify check
	local c
	c=$(code_at_fake "$1")
	echo "$c" >>"$CODES_USED"
	echo "$c"
}

tick # 10:01
# ---------------------------------------------------------------- grace
t_grace() {
	login fio fiopa "${PW[fiopa]}" n
	expect_auth PAM_SUCCESS || return 1
	has_line "INFO Two-factor authentication is required for your account. You have 23 hours 59 minutes left to set it up (until 2026-11-24 10:00 UTC)." &&
		has_line_re "$M_OFFER_RE" && has_msg "$M_LATER" || return 1
	[ "$(prompts | head -n 1)" = "$P_PASS" ] && [ "$(prompts | wc -l)" = 2 ] || {
		diag "expected the prompts 'Password: ' and the offer"
		show_transcript
		return 1
	}
	lacks_line_re "Verification code"
}
check "in grace: password only, then 'You have 23 hours 59 minutes left ... (until 2026-11-24 10:00 UTC)', the offer; 'n' -> PAM_SUCCESS and '$M_LATER'" \
	t_grace

t_grace_once() {
	login -a fio fiopa "${PW[fiopa]}" n
	expect_auth PAM_SUCCESS && expect_acct PAM_SUCCESS || return 1
	[ "$(printf '%s\n' "$OUT" | grep -cE "$M_GRACE_RE")" = 1 ] || {
		diag "expected the grace notice exactly once in auth + acct"
		show_transcript
		return 1
	}
}
check "in grace, auth + acct_mgmt: both PAM_SUCCESS and the grace notice shown once" t_grace_once

t_acct_grace() {
	login -A fio fiopa
	expect_acct PAM_SUCCESS
}
check "pam_acct_mgmt alone accepts an account in grace" t_acct_grace

t_notify_opened() {
	notice_for grace_opened fiopa && notice_for grace_opened fiopb
}
check "notify: a grace_opened notice for each member when the policy first applied" t_notify_opened

t_notify_sso() {
	local f bad=
	sleep 1 # the notices of one sweep run at once: let the last ones finish
	for f in "$NOTIFY_DIR"/*.msg; do
		grep -qx 'FIO_USER=fiop[de]' "$f" && bad="$bad $(sed -n 's/^FIO_EVENT=//p' "$f")/$(sed -n 's/^FIO_USER=//p' "$f")"
	done
	[ -z "$bad" ] && return 0
	diag "notices for SSO accounts (exempt from the policy):$bad"
	return 1
}
check "notify: no 2FA notice for the SSO accounts (fiopd marked SSO, fiope in sso_group)" t_notify_sso

# policy_state USER: the state fioctl --json policy status USER reports
policy_state() {
	fioctl --json policy status "$1" 2>&1 | "$PYTHON" -c '
import json, sys
d = json.load(sys.stdin)
if isinstance(d, list):
    d = d[0]
print(d.get("state", "?"))' 2>/dev/null
}
t_policy_status() {
	local u want got rc=0
	for u in fiopa:grace fiopd:sso fiope:sso fiopf:enrolled fioclock:none; do
		want=${u#*:}
		got=$(policy_state "${u%%:*}")
		[ "$got" = "$want" ] || { diag "policy status ${u%%:*}: '$got', expected '$want'"; rc=1; }
	done
	[ $rc = 0 ] || fioctl policy status 2>&1 | sed 's/^/#   /'
	return $rc
}
check "fioctl policy status: grace, sso (flag and group), enrolled, none (not a member)" t_policy_status

t_wrong_pw_grace() {
	login fio fiopa "wrong-${PW[fiopa]}" n
	expect_auth PAM_AUTH_ERR && has_line "$M_FAILED" && lacks_line_re "$M_GRACE_RE" &&
		lacks_line_re "$M_OFFER_RE"
}
check "a wrong password in grace: 'Authentication failed.', no grace notice, no offer" t_wrong_pw_grace

# ---------------------------------------------------------------- enrolment in grace
t_enrol_grace() {
	login fio fiopb "${PW[fiopb]}" y @TOTP saved
	expect_auth PAM_SUCCESS && has_line_re "$M_GRACE_RE" && has_line_re "$M_OFFER_RE" &&
		has_line "DYNAMIC TOTP" && enrolled_in_login || return 1
	SEC[fiopb]=$SHOWN
	CODES_B=$CODES
	expect_totp_state fiopb enrolled
}
check "in grace, 'y' at the offer enrols inside the login: secret, URI, code -> PAM_SUCCESS, 10 recovery codes, fioctl user show: totp enrolled" \
	t_enrol_grace

t_saved_prompt() {
	# the codes arrive in the same pam_conv call as the prompt that confirms them
	printf '%s\n' "$OUT" | grep -B2 -xF "PROMPT_ECHO_ON $P_SAVED" | grep -q '^RECOVERY_SEEN 10$' ||
		{ diag "the recovery codes did not come with '$P_SAVED'"; show_transcript; return 1; }
}
check "... the ten codes come with the prompt '$P_SAVED' (one pam_conv call)" t_saved_prompt

t_notify_enrolled() {
	notice_for enrolled fiopb
}
check "notify: an 'enrolled' notice after the enrolment in the login" t_notify_enrolled

tick # 10:02
t_after_enrol() {
	login fio fiopb "${PW[fiopb]}" "$(code_for "${SEC[fiopb]}")"
	expect_auth PAM_SUCCESS && expect_prompts "$P_PASS" "$P_CODE" && lacks_line_re "$M_GRACE_RE"
}
check "after enrolling in the login, the next login asks password and code (no grace notice)" t_after_enrol

t_acct_enrolled() {
	login -A fio fiopb
	expect_acct PAM_SUCCESS
}
check "pam_acct_mgmt accepts an enrolled member" t_acct_enrolled

# ---------------------------------------------------------------- a member added later
PW[fiopc]="$(rand_pw)"
add_user fiopc "${PW[fiopc]}" || bail "cannot add fiopc"
group_add fiopc "$POL_GROUP" || bail "cannot add fiopc to $POL_GROUP"

tick # 10:03
t_new_member_blocked() {
	login fio fiopc "${PW[fiopc]}"
	[ "$AUTH" != PAM_SUCCESS ] || { diag "PAM_SUCCESS without enrolling"; show_transcript; return 1; }
	lacks_line_re "$M_GRACE_RE" && lacks_line_re "$M_OFFER_RE" && has_msg "$M_OVERDUE" &&
		has_line_re "$P_ENROLL_RE" && has_line NOANSWER || return 1
	note_secret "$(shown_secret)"
	expect_totp_state fiopc none
}
check "a member added after the policy applied: no grace; the first login goes to enrolment and gives no access without it" \
	t_new_member_blocked

t_new_member_enrols() {
	login fio fiopc "${PW[fiopc]}" @TOTP saved
	expect_auth PAM_SUCCESS && has_msg "$M_OVERDUE" && lacks_line_re "$M_GRACE_RE" &&
		enrolled_in_login && expect_totp_state fiopc enrolled
}
check "... and enrolling in that login (correct code) gives access" t_new_member_enrols

# ---------------------------------------------------------------- SSO
t_sso_flag() {
	login fiosso fiopd "${PW[fiopd]}"
	expect_auth PAM_SUCCESS && has_line "$M_IGNORED" && lacks_line_re "$M_GRACE_RE" &&
		lacks_msg "$M_OVERDUE"
}
check "an account marked SSO (user add --sso) in the policy group: pam_fio returns PAM_IGNORE" t_sso_flag

t_sso_group() {
	login fiosso fiope "${PW[fiope]}"
	expect_auth PAM_SUCCESS && has_line "$M_IGNORED" && lacks_line_re "$M_GRACE_RE"
}
check "a member of sso_group ($SSO_GROUP) in the policy group: pam_fio returns PAM_IGNORE" t_sso_group

t_sso_alone() {
	login fio fiope "${PW[fiope]}"
	expect_auth PAM_PERM_DENIED
}
check "with pam_fio alone in the stack, the SSO member gets libpam's result for 'every module ignored' (PAM_PERM_DENIED)" \
	t_sso_alone

t_not_sso() {
	login fiosso fiopa "${PW[fiopa]}" n
	expect_auth PAM_SUCCESS && lacks_line "$M_IGNORED" && has_line_re "$M_GRACE_RE"
}
check "the same stack for a member who is not SSO: pam_fio decides (grace notice, no IGNORE)" t_not_sso

# ---------------------------------------------------------------- per-service exception
tick # 10:04
t_except() {
	login fiosudo fiops "${PW[fiops]}"
	expect_auth PAM_SUCCESS && expect_prompts "$P_PASS"
}
check "except = [\"fiosudo\"]: an enrolled member logging in via fiosudo gets no code prompt" t_except

t_except_other() {
	login fio fiops "${PW[fiops]}" "$(code_for "${SEC[fiops]}")"
	expect_auth PAM_SUCCESS && expect_prompts "$P_PASS" "$P_CODE"
}
check "... and via another service is asked for the code" t_except_other

# ---------------------------------------------------------------- remembered sources
tick # 10:05
t_remember_first() {
	login -r 192.0.2.10 fio fiopr "${PW[fiopr]}" "$(code_for "${SEC[fiopr]}")"
	expect_auth PAM_SUCCESS && expect_prompts "$P_PASS" "$P_CODE"
}
check "remember = 1h: a full 2FA login from rhost 192.0.2.10" t_remember_first

tick # 10:06
t_remember_same() {
	login -r 192.0.2.10 fio fiopr "${PW[fiopr]}"
	expect_auth PAM_SUCCESS && expect_prompts "$P_PASS"
}
check "... the next login from 192.0.2.10 asks no code" t_remember_same

t_remember_other() {
	login -r 192.0.2.20 fio fiopr "${PW[fiopr]}" "$(code_for "${SEC[fiopr]}")"
	expect_auth PAM_SUCCESS && expect_prompts "$P_PASS" "$P_CODE"
}
check "... one from 192.0.2.20 does" t_remember_other

t_remember_local() {
	tick
	login fio fiopr "${PW[fiopr]}" "$(code_for "${SEC[fiopr]}")"
	expect_auth PAM_SUCCESS && expect_prompts "$P_PASS" "$P_CODE"
}
check "... and so does one without PAM_RHOST (remember_local = false)" t_remember_local

t_remember_expired() {
	advance_fake_time 2
	login -r 192.0.2.10 fio fiopr "${PW[fiopr]}" "$(code_for "${SEC[fiopr]}")"
	expect_auth PAM_SUCCESS && expect_prompts "$P_PASS" "$P_CODE"
}
check "... 2 hours later 192.0.2.10 is asked for the code again" t_remember_expired

# ---------------------------------------------------------------- recovery code notice
t_recovery() {
	set -- $CODES_B
	[ $# = 10 ] || { diag "fiopb's recovery codes were not captured"; return 1; }
	login fio fiopb "${PW[fiopb]}" "$1"
	expect_auth PAM_SUCCESS &&
		has_line_re '^INFO Recovery code accepted\. 9 recovery codes left\..*fioctl recovery'
}
check "a recovery-code login says how many are left (9) and how to make new ones (fioctl recovery)" t_recovery

# ---------------------------------------------------------------- pass
t_pass() {
	local out until
	out=$(fioctl pass grant fiopf --hours 2 2>&1) || { diag "fioctl pass grant:" "$out"; return 1; }
	until=$(fake_time_str 7200)
	login fio fiopf "${PW[fiopf]}"
	expect_auth PAM_SUCCESS && expect_prompts "$P_PASS" &&
		has_line "INFO A temporary pass lets you log in without a verification code until $until (2 hours left). Set up two-factor authentication before it ends: fioctl enroll"
}
check "fioctl pass grant --hours 2 for an enrolled member: password alone logs in, with the pass notice (until, 2 hours left)" \
	t_pass

t_notify_pass() {
	notice_for pass_granted fiopf
}
check "notify: a pass_granted notice" t_notify_pass

t_pass_expired() {
	local old new
	advance_fake_time 3
	old=$(code_for "${SEC[fiopf]}")
	login fio fiopf "${PW[fiopf]}" "$old" @TOTP saved
	expect_auth PAM_SUCCESS && has_msg "$M_OVERDUE" && enrolled_in_login || return 1
	if ! printf '%s\n' "$OUT" | grep -qxF "INFO $M_PASS_EXPIRED"; then
		diag "(no '$M_PASS_EXPIRED' in this login: the periodic sweep ended the pass first)"
	fi
	new=$SHOWN
	[ "$new" != "${SEC[fiopf]}" ] || { diag "the enrolment showed the old secret again"; return 1; }
	# the old secret's current code was refused at the confirmation prompt
	has_line "$M_NOT_RIGHT" || return 1
	SEC[fiopf]=$new
}
check "3 hours later the pass has ended: the old secret's code is refused and the login enrols a new one first" \
	t_pass_expired

t_old_recovery() {
	set -- ${REC[fiopf]}
	[ $# = 10 ] || { diag "fiopf's first recovery codes were not captured"; return 1; }
	login fio fiopf "${PW[fiopf]}" "$1"
	expect_auth PAM_AUTH_ERR && expect_prompts "$P_PASS" "$P_CODE"
}
check "... and a recovery code of the old set no longer works" t_old_recovery

# ---------------------------------------------------------------- the window ends
tick
# Sessions opened during the window, as a public-key login would (account and
# session only): fiopa has not enrolled, fiopb has.
make_service fiosess
echo "session required $FIO_MODULE" >>"$T/services/fiosess"
t_sessions_in_grace() {
	start_session -S 600 fiosess fiopa || return 1
	SPID_A=$SPID
	start_session -S 600 fiosess fiopb || return 1
	SPID_B=$SPID
	fioctl sessions fiopa | grep -q fiosess && fioctl sessions fiopb | grep -q fiosess
}
check "in grace, a member who has not enrolled (fiopa) and one who has (fiopb) open sessions (account + session, as with a public key)" \
	t_sessions_in_grace
# The sweep that sends the timed notices runs once a minute of real time and
# after every SIGHUP: the test moves the clock, then sends SIGHUP.
t_notify_warning() {
	# one hour before the window of 2026-11-24 10:00 ends (notify.warn_before 2h)
	FAKE_NOW=$(date -u -d '2026-11-24 09:00:00' +%s) && _write_fake_time &&
		kill -HUP "$HELPER_PID" && notice_for grace_warning fiopa
}
check "notify: a grace_warning notice when less than notify.warn_before is left (fiopa, not enrolled)" 	t_notify_warning

t_no_warning_enrolled() {
	sleep 1
	if grep -lx "FIO_EVENT=grace_warning" "$NOTIFY_DIR"/*.msg 2>/dev/null |
		xargs -r grep -lx "FIO_USER=fiopb" | grep -q .; then
		diag "fiopb enrolled and still got a grace_warning notice"
		return 1
	fi
}
check "... and none for a member who enrolled (fiopb)" t_no_warning_enrolled

t_notify_overdue() {
	FAKE_NOW=$(date -u -d '2026-11-24 10:05:00' +%s) && _write_fake_time &&
		kill -HUP "$HELPER_PID" && notice_for overdue fiopa
}
check "notify: an overdue notice once the window has ended without enrolment" t_notify_overdue

t_enforce_expired() {
	local out i=0
	out=$(fioctl enforce --wait 3 2>&1) || { diag "fioctl enforce: $out"; return 1; }
	printf '%s\n' "$out" | grep -q "^ended session [0-9]* of fiopa (pid $SPID_A): 2FA not set up within the grace window" ||
		{ diag "enforce did not say it ended fiopa's session:" "$out"; return 1; }
	while proc_alive "$SPID_A" && [ $i -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	proc_alive "$SPID_A" && { diag "fiopa's session leader $SPID_A still runs"; return 1; }
	proc_alive "$SPID_B" || { diag "fiopb's (compliant) session leader $SPID_B was ended"; return 1; }
	fioctl sessions fiopa | grep -q fiosess && { diag "fiopa's session is still listed"; return 1; }
	fioctl sessions fiopb | grep -q fiosess || { diag "fiopb's session is no longer listed"; return 1; }
	notice_for sessions_ended fiopa
}
check "fioctl enforce ends the session of the member whose window expired (leader gone, row gone, sessions_ended notice) and leaves the enrolled member's session alone" \
	t_enforce_expired

t_acct_overdue() {
	advance_fake_time 25
	login -A fio fiopa
	expect_acct PAM_PERM_DENIED && has_msg "$M_ACCT_OVERDUE"
}
check "25 hours after the policy applied, pam_acct_mgmt refuses the member who did not enrol (PAM_PERM_DENIED, '$M_ACCT_OVERDUE')" \
	t_acct_overdue

t_acct_enrolled_late() {
	login -A fio fiopb
	expect_acct PAM_SUCCESS
}
check "... and still accepts the enrolled one" t_acct_enrolled_late

t_wrong_pw_overdue() {
	login fio fiopa "wrong-${PW[fiopa]}" @TOTP @TOTP
	expect_auth PAM_AUTH_ERR && lacks_line_re 'Secret key:|otpauth://' && lacks_msg "$M_OVERDUE" &&
		lacks_line_re "$P_ENROLL_RE" && expect_totp_state fiopa none
}
check "a wrong password when overdue: refused, and no enrolment (no secret shown, nothing stored)" t_wrong_pw_overdue

t_overdue_enrols() {
	login fio fiopa "${PW[fiopa]}" @WRONG @TOTP saved
	expect_auth PAM_SUCCESS && has_msg "$M_OVERDUE" && lacks_line_re "$M_GRACE_RE" &&
		lacks_line_re "$M_OFFER_RE" && has_line "$M_NOT_RIGHT" && enrolled_in_login || return 1
	[ "$(printf '%s\n' "$OUT" | grep -c '^DYNAMIC ')" = 2 ] || { show_transcript; return 1; }
	SEC[fiopa]=$SHOWN
	expect_totp_state fiopa enrolled
}
check "the overdue member's login routes to enrolment (notice, secret, URI, code prompt), refuses a wrong code and succeeds after a correct one" \
	t_overdue_enrols

tick
t_overdue_after() {
	login fio fiopa "${PW[fiopa]}" "$(code_for "${SEC[fiopa]}")"
	expect_auth PAM_SUCCESS && expect_prompts "$P_PASS" "$P_CODE" || return 1
	tick
	login fio fiopa "${PW[fiopa]}" "$(wrong_code_at_fake "${SEC[fiopa]}")"
	expect_auth PAM_AUTH_ERR && expect_prompts "$P_PASS" "$P_CODE"
}
check "... then the next login asks password and code: the right code works, a wrong one fails" t_overdue_after

# ---------------------------------------------------------------- abandoned enrolment
t_abandon_drop() {
	local first
	login fio fiopg "${PW[fiopg]}"
	[ "$AUTH" != PAM_SUCCESS ] && has_line NOANSWER || { show_transcript; return 1; }
	first=$(shown_secret)
	note_secret "$first"
	[ -n "$first" ] || { diag "no secret was shown"; show_transcript; return 1; }
	expect_totp_state fiopg none || return 1
	tick
	# the right code, then no answer to the "saved" prompt
	login fio fiopg "${PW[fiopg]}" @TOTP
	[ "$AUTH" != PAM_SUCCESS ] && has_line "PROMPT_ECHO_ON $P_SAVED" && has_line NOANSWER ||
		{ show_transcript; return 1; }
	note_secret "$(shown_secret)"
	expect_totp_state fiopg none || return 1
	[ "$(fioctl user show fiopg 2>&1 | sed -n 's/^recovery_codes_left: //p')" = 0 ] ||
		{ diag "recovery codes were stored"; return 1; }
	tick
	login fio fiopg "${PW[fiopg]}" @TOTP saved
	expect_auth PAM_SUCCESS && enrolled_in_login || return 1
	[ "$SHOWN" != "$first" ] || { diag "the last enrolment showed the first secret"; return 1; }
}
check "enrolment abandoned at the code prompt, then at the 'saved' prompt after a right code: no factor or code stored either time; the next login enrols from scratch with a new secret" \
	t_abandon_drop

t_abandon_wrong() {
	local first
	login fio fioph "${PW[fioph]}" @WRONG @WRONG @WRONG
	[ "$AUTH" != PAM_SUCCESS ] && has_line "$M_NOTHING_STORED" || { show_transcript; return 1; }
	first=$(shown_secret)
	note_secret "$first"
	expect_totp_state fioph none || return 1
	[ "$(fioctl user show fioph 2>&1 | sed -n 's/^recovery_codes_left: //p')" = 0 ] ||
		{ diag "recovery codes were stored"; return 1; }
	tick
	login fio fioph "${PW[fioph]}" @TOTP saved
	expect_auth PAM_SUCCESS && enrolled_in_login || return 1
	[ "$SHOWN" != "$first" ] || { diag "the second enrolment showed the same secret"; return 1; }
}
check "three wrong confirmation codes: 'Nothing was stored.', no factor, no recovery codes; the next login enrols with a new secret" \
	t_abandon_wrong

# ---------------------------------------------------------------- enroll_at_login = false
t_no_enrol_at_login() {
	stop_helper
	write_config "$BASE_CONF
$POLICY_CONF
enroll_at_login = false;"
	start_helper_faketime || return 1
	login fio fiopi "${PW[fiopi]}" @TOTP
	local rc=0
	[ "$AUTH" != PAM_SUCCESS ] || { diag "PAM_SUCCESS for an overdue account"; rc=1; }
	has_msg "$M_OVERDUE_ADMIN" && lacks_line_re 'Secret key:|otpauth://' &&
		lacks_line_re "$P_ENROLL_RE" || rc=1
	expect_totp_state fiopi none || rc=1
	stop_helper
	write_config "$BASE_CONF
$POLICY_CONF"
	start_helper_faketime || rc=1
	return $rc
}
check "enroll_at_login = false: an overdue login is refused with '$M_OVERDUE_ADMIN', no secret shown" \
	t_no_enrol_at_login

# ---------------------------------------------------------------- bad config
# bad_start SNIPPET KEYWORD: fio-helperd with the base config plus SNIPPET on
# a known line must exit at once with one line "…fio.conf:LINE: …KEYWORD…".
bad_start() {
	local snippet=$1 kw=$2 line rc out lines
	mkdir -p "$T/bad"
	{
		sed "s|^socket = .*|socket = \"$T/run/bad.sock\";|" "$T/fio.conf" | grep -v '^policy\|^sso_group'
	} >"$T/bad/fio.conf"
	line=$(($(wc -l <"$T/bad/fio.conf") + 1))
	printf '%s\n' "$snippet" >>"$T/bad/fio.conf"
	chmod 0644 "$T/bad/fio.conf"
	timeout 10 "$FIO_HELPERD" --config "$T/bad/fio.conf" --foreground >"$T/bad/out" 2>&1 </dev/null
	rc=$?
	out=$(cat "$T/bad/out")
	if [ $rc = 0 ] || [ $rc = 124 ]; then
		diag "fio-helperd started (status $rc) with: $snippet" "$out"
		return 1
	fi
	lines=$(printf '%s\n' "$out" | grep -c 'fio\.conf:')
	if printf '%s\n' "$out" | grep 'fio\.conf:'"$line"':' | grep -qiE -- "$kw" && [ "$lines" = 1 ]; then
		return 0
	fi
	diag "expected one line naming fio.conf:$line: and '$kw' (status $rc); got:" "$out"
	return 1
}

t_bad_group() {
	bad_start 'policy = ( { group = "fionosuchgroup"; grace = "24h"; } );' 'group'
}
check "bad config: a policy naming an unknown group stops start-up with 'fio.conf:LINE:' and the key" t_bad_group

t_bad_duration() {
	bad_start "policy = ( { group = \"$POL_GROUP\"; grace = \"24x\"; } );" 'grace'
}
check "bad config: grace = \"24x\" stops start-up with 'fio.conf:LINE:' and the key" t_bad_duration

t_bad_sms() {
	bad_start "policy = ( { group = \"$POL_GROUP\"; methods = [ \"sms\" ]; } );" 'methods|sms'
}
check "bad config: methods = [\"sms\"] stops start-up with 'fio.conf:LINE:' and the key" t_bad_sms

t_bad_reload() {
	local line rc=0 before
	cp "$T/fio.conf" "$T/fio.conf.good"
	# without the exception and without sso_group, and one bad value
	write_config "$BASE_CONF"
	line=$(($(wc -l <"$T/fio.conf") + 1))
	extra_config "policy = ( { group = \"$POL_GROUP\"; grace = \"24x\"; } );"
	before=$(wc -l <"$T/helper.log")
	kill -HUP "$HELPER_PID"
	sleep 1
	helper_alive || return 1
	if ! sed -n "$((before + 1)),\$p" "$T/helper.log" | grep "fio\.conf:$line:" | grep -q grace; then
		diag "no 'fio.conf:$line: ... grace' in the log after SIGHUP:"
		sed -n "$((before + 1)),\$p" "$T/helper.log" | tail -n 5 | sed 's/^/#   /'
		rc=1
	fi
	tick
	login fiosudo fiops "${PW[fiops]}"
	expect_auth PAM_SUCCESS && expect_prompts "$P_PASS" || rc=1
	login fiosso fiope "${PW[fiope]}"
	expect_auth PAM_SUCCESS && has_line "$M_IGNORED" || rc=1
	cp "$T/fio.conf.good" "$T/fio.conf"
	kill -HUP "$HELPER_PID"
	sleep 1
	helper_alive || rc=1
	return $rc
}
check "SIGHUP with a bad file: the error names fio.conf:LINE and the key, the old config stays (fiosudo exception, sso_group)" \
	t_bad_reload

# ---------------------------------------------------------------- notices hold no secrets
t_notify_clean() {
	local hits
	cat "$NOTIFY_DIR"/*.msg >"$T/work/notices.txt" 2>/dev/null
	[ -s "$T/work/notices.txt" ] || { diag "no notices at all"; return 1; }
	hits=$(grep -F -f "$T/secrets.txt" "$T/work/notices.txt" | head -n 3)
	[ -s "$CODES_USED" ] && hits="$hits$(grep -w -F -f "$CODES_USED" "$T/work/notices.txt" | head -n 3)"
	hits="$hits$(grep -i 'otpauth://\|secret key' "$T/work/notices.txt" | head -n 3)"
	[ -z "$hits" ] && return 0
	diag "secret material in the notices:" "$hits"
	return 1
}
check "notify: no password, secret, TOTP or recovery code in any notice ($(ls "$NOTIFY_DIR" | wc -l) notices)" \
	t_notify_clean

done_testing
