#!/bin/bash
# End to end on the console path: the real su(1) (util-linux) on a
# pseudo-terminal driven by expect (tests/lib/pty_login.exp), with PAM services
# "su" and "su-l" that stack the built pam_fio.so, against a real fio-helperd.
#
# The service files live in the test tree: su runs under pam_wrapper
# (LD_PRELOAD, PAM_WRAPPER_SERVICE_DIR). su is setuid root, and the dynamic
# loader ignores LD_PRELOAD in a setuid program started by another user
# (AT_SECURE), so su is started by root here. That still is a full test of the
# module: util-linux su calls pam_authenticate for root too (only runuser(1)
# skips it); root usually gets in without a password because of pam_rootok in
# /etc/pam.d/su, and the stack here has no pam_rootok, only pam_fio, so the
# password and the code are asked for as for anyone. su's conversation
# function is libpam_misc's misc_conv, the one login(1) and most console
# programs use.
#
# Missing su or expect is a failure, not a skip.
[ -n "$BASH_VERSION" ] || exec bash "$0" "$@"
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/harness.sh"

: "${SU:=$(command -v su)}"
: "${EXPECT:=$(command -v expect)}"
PTY_LOGIN=$LIBDIR/pty_login.exp
E2E_USER=fioe2e

setup
missing=
[ -x "$SU" ] || missing="$missing su(util-linux)"
[ -x "$EXPECT" ] || missing="$missing expect"
[ -z "$missing" ] || bail "missing:$missing (scripts/deps.sh installs them)"

# A real local account with a home and a shell (test_sshd.sh uses it too),
# created under the harness's lock.
flock /tmp/.fiotest-users.lock sh -c '
	id -u '"$E2E_USER"' >/dev/null 2>&1 || useradd -m -s /bin/sh '"$E2E_USER"'
' || bail "cannot create the local user $E2E_USER"

for svc in su su-l; do
	write_service "$svc" <<EOF
auth     required $PAM_FIO_SO socket=$SOCK helper_user=$HELPER_USER
account  required $PAM_MODDIR/pam_permit.so
session  required $PAM_MODDIR/pam_permit.so
password required $PAM_MODDIR/pam_deny.so
EOF
done

# In the sanitizer build the ASan and UBSan runtimes are preloaded into su with
# pam_wrapper (the sanitized pam_fio.so needs them first). ASan's leak check
# is off there: su itself leaks (8 bytes from strdup, reported at exit, which
# turns su's exit status into 1). The module's leaks are checked by the
# pamconv tests; memory errors and UBSan reports still show in the transcript
# and fail the last test.
SAN_OPTIONS_E2E="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"

M_FAILED="Authentication failed."
M_UNAVAIL="pam_fio: the authentication service is unavailable."

# su_login PASSWORD CODE [su options]: root runs `su [options] -c CMD fioe2e`
# on a pty under pam_wrapper; CMD prints "SU-USER=<id -un>". OUT, SU_RC,
# NPW, NCODE, ELAPSED_MS.
su_login() {
	local pw=$1 code=$2 res
	# every password and code typed is checked against the logs at the end
	note_secret "$pw"
	note_secret "$code"
	shift 2
	OUT=$(E2E_PASSWORD=$pw E2E_CODE=$code "$EXPECT" -f "$PTY_LOGIN" 30 \
		env LD_PRELOAD="$PRELOAD" PAM_WRAPPER=1 PAM_WRAPPER_SERVICE_DIR="$T/services" \
		ASAN_OPTIONS="$SAN_OPTIONS_E2E" "$SU" "$@" -c 'echo SU-USER=$(id -un)' "$E2E_USER" 2>&1)
	OUT=$(printf '%s\n' "$OUT" | tr -d '\r' | grep -v '^PWRAP')
	res=$(printf '%s\n' "$OUT" | grep '^E2E-RESULT ' | tail -n 1)
	SU_RC=$(printf '%s\n' "$res" | sed -n 's/.* exit=\([-0-9]*\).*/\1/p')
	NPW=$(printf '%s\n' "$res" | sed -n 's/.* password_prompts=\([0-9]*\).*/\1/p')
	NCODE=$(printf '%s\n' "$res" | sed -n 's/.* code_prompts=\([0-9]*\).*/\1/p')
	ELAPSED_MS=$(printf '%s\n' "$res" | sed -n 's/.* elapsed_ms=\([0-9]*\).*/\1/p')
	{
		echo "--- su $* $E2E_USER (${ELAPSED_MS} ms)"
		printf '%s\n' "$OUT"
	} >>"$T/su-transcripts.log"
}

show_su() {
	diag "su transcript:"
	printf '%s\n' "$OUT" | sed 's/^/#   /'
}

# switched: the command ran as the user, su exited 0
switched() {
	if [ "$SU_RC" = 0 ] && printf '%s\n' "$OUT" | grep -qx "SU-USER=$E2E_USER"; then return 0; fi
	diag "expected su to run the command as $E2E_USER (exit 0), got exit ${SU_RC:-?}"
	show_su
	return 1
}

# refused: su said "Authentication failure" (or WHAT), exit 1, nothing ran
refused() {
	local what=${1:-su: Authentication failure}
	if [ "$SU_RC" = 1 ] && ! printf '%s\n' "$OUT" | grep -q '^SU-USER=' &&
		printf '%s\n' "$OUT" | grep -qxF -- "$what"; then
		return 0
	fi
	diag "expected su to fail with '$what' (exit 1) and run nothing, got exit ${SU_RC:-?}"
	show_su
	return 1
}

told() {
	if printf '%s\n' "$OUT" | grep -qxF -- "$1"; then return 0; fi
	diag "su's user was not shown the line '$1'"
	show_su
	return 1
}

prompted() {
	if [ "$NPW" = "$1" ] && [ "$NCODE" = "$2" ]; then return 0; fi
	diag "expected $1 'Password:' and $2 'Verification code:' prompts, got ${NPW:-?} and ${NCODE:-?}"
	show_su
	return 1
}


# ---------------------------------------------------------------- tests
check "fio-helperd starts (as root, dropping to $HELPER_USER) and answers fioctl status" start_helper ||
	bail "fio-helperd does not start"
PW="$(rand_pw)"
user_with_totp "$E2E_USER" "$PW" || bail "cannot add $E2E_USER to the store"
SEC=$SECRET
set -- $RECOVERY
REC1=$1

# the replay below should be refused as a replay, not as too old: same step
ensure_margin 8
S=$(now_step)
CODE1=$(totp_at "$SEC" $((S - 1)))
CODE2=$(totp_at "$SEC" "$S")

t_ok() {
	su_login "$PW" "$CODE1"
	switched && prompted 1 1
}
check "su: 'Password:' then 'Verification code:', password + TOTP code: the command runs as $E2E_USER" t_ok

t_audit() {
	if grep -q "event=auth user=\"$E2E_USER\" caller_uid=0 service=\"su\".*result=success" \
		"$T/helper.log"; then
		return 0
	fi
	diag "no audit line for a successful su login in the helper's log:"
	grep 'fio-audit' "$T/helper.log" | tail -n 5 | sed 's/^/# /'
	return 1
}
check "the helper saw the login as service \"su\" from uid 0 (audit line)" t_audit

t_replay() {
	su_login "$PW" "$CODE1"
	refused && prompted 1 1 && told "$M_FAILED"
}
check "the same code again: 'Authentication failed.' then 'su: Authentication failure', exit 1" t_replay

t_wrong_code() {
	local c
	c=$(wrong_code "$SEC")
	su_login "$PW" "$c"
	refused && prompted 1 1 && told "$M_FAILED"
}
check "a wrong code: 'su: Authentication failure', nothing runs" t_wrong_code

t_wrong_pw() {
	su_login "wrong-$PW" "$CODE2"
	refused && prompted 1 1
}
check "a wrong password with a valid code: 'su: Authentication failure'" t_wrong_pw

t_login_shell() {
	su_login "$PW" "$CODE2" -l
	switched && prompted 1 1 || return 1
	grep -q "event=auth user=\"$E2E_USER\" caller_uid=0 service=\"su-l\".*result=success" \
		"$T/helper.log" && return 0
	diag "no audit line for a successful login with service \"su-l\""
	return 1
}
check "su -l (service su-l): password + the current code runs the command as $E2E_USER" t_login_shell

t_recovery() {
	su_login "$PW" "$REC1"
	switched && prompted 1 1
}
check "a recovery code at 'Verification code:' works" t_recovery

t_recovery_again() {
	su_login "$PW" "$REC1"
	refused
}
check "the same recovery code a second time: 'su: Authentication failure'" t_recovery_again

stop_helper
t_down() {
	su_login "$PW" "$(wrong_code "$SEC")"
	refused "su: Authentication service cannot retrieve authentication info" &&
		told "$M_UNAVAIL" && prompted 0 0 || return 1
	if [ "$ELAPSED_MS" -gt 10000 ]; then
		diag "su took ${ELAPSED_MS} ms to fail (more than 10 s)"
		return 1
	fi
}
check "helper stopped: the user sees '$M_UNAVAIL', su fails within 10 s without a prompt" t_down

t_restart() {
	local s
	start_helper || return 1
	ensure_margin 5
	s=$(now_step)
	[ "$s" -gt "$S" ] || s=$((S + 1))
	su_login "$PW" "$(totp_at "$SEC" "$s")"
	switched
}
check "after a restart of the helper su works again" t_restart

t_transcripts() {
	local hits
	hits=$(grep -wF -f "$T/secrets.txt" "$T/su-transcripts.log" | head -n 5)
	[ -z "$hits" ] && return 0
	diag "echoed on the terminal:" "$hits"
	return 1
}
check "no password or code is echoed on the terminal" t_transcripts

t_sanitizers() {
	local hits
	hits=$(grep -E 'ERROR: AddressSanitizer|ERROR: LeakSanitizer|runtime error:' \
		"$T/su-transcripts.log" | head -n 5)
	[ -z "$hits" ] && return 0
	diag "found:" "$hits"
	return 1
}
check "no sanitizer report in any su run" t_sanitizers

done_testing
