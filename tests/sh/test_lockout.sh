#!/bin/bash
# Lockout (DESIGN.md "Accounts and lockout", checklist L1-L6, T6, E1, G1):
# the lock at the threshold, a correct login refused while locked, unknown
# names locking the same way, the per-source limit, parallel attempts at the
# threshold, the second-factor hard cap, fioctl lock show/clear, root, and the
# lock surviving a restart and releasing after the cool-down (libfaketime).
[ -n "$BASH_VERSION" ] || exec bash "$0" "$@"
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/harness.sh"

setup
LOCK_CONF="lockout = { max_failures = 5; interval = 900; unlock_after = 900; per_source_max = 8; max_consecutive = 3; };"
write_config "$LOCK_CONF"
check "fio-helperd starts with a lockout group in its config" start_helper ||
	bail "fio-helperd does not start"
make_service fio
# pam_set_items copies PAM_RHOST from the environment (pam_wrapper)
[ -f "$PWRAP_MODDIR/pam_set_items.so" ] || bail "pam_wrapper's pam_set_items.so not found"
make_service fiorh "" "auth required $PWRAP_MODDIR/pam_set_items.so"

M_LOCKED="ERROR Too many failed attempts. Try again in 15 minutes."
M_CAPPED="ERROR Too many failed codes. Use a recovery code, or ask an administrator to clear the lock."

# The helper's clock runs OFFSET seconds ahead once it is restarted under
# libfaketime (at the end); codes are computed for its clock.
OFFSET=0
code_off() {
	local s
	ensure_margin 3
	s=$((($(date +%s) + OFFSET) / 30))
	totp_at "$1" "$s"
}


# fails N SERVICE USER: N logins with a wrong password, each refused with
# "Authentication failed."
fails() {
	local n=$1 svc=$2 u=$3 i
	for i in $(seq 1 "$n"); do
		login "$svc" "$u" "wrong-$i-password" "123456"
		expect_auth PAM_AUTH_ERR && has_line "$M_FAILED" || {
			diag "wrong attempt $i of $n for $u"
			return 1
		}
	done
}

# has_lock_message: the lock message, with any number of minutes
has_lock_message() {
	if printf '%s\n' "$OUT" | grep -qxE 'ERROR Too many failed attempts\. Try again in [0-9]+ minutes?\.'; then
		return 0
	fi
	diag "the transcript lacks the lock message"
	show_transcript
	return 1
}

expect_locked() {
	expect_auth PAM_AUTH_ERR && expect_prompts "$P_PASS" "$P_CODE" && has_lock_message &&
		lacks_line "$M_FAILED"
}

# lock_field USER KEY: KEY from `fioctl lock show USER`
lock_field() {
	fioctl lock show "$1" 2>&1 | sed -n "s/^$2: //p"
}

fresh_user lena || bail "cannot set up lena"
PW_LENA=$PW SEC_LENA=$SECRET

# ---------------------------------------------------------------- the threshold (L1)
t_threshold() {
	fails 5 fio lena || return 1
	login fio lena "$PW_LENA" "$(code_off "$SEC_LENA")"
	OUT_LOCKED_KNOWN=$OUT
	expect_locked && has_line "$M_LOCKED"
}
check "5 wrong passwords lock the account: then the right password and code fail with '${M_LOCKED#ERROR }' (same prompts)" \
	t_threshold

t_still_locked() {
	local i
	for i in 1 2; do
		login fio lena "$PW_LENA" "$(code_off "$SEC_LENA")"
		expect_locked || return 1
	done
	[ "$(lock_field lena failures)" = 5 ] || { diag "failures: $(lock_field lena failures)"; return 1; }
}
check "attempts while locked are refused the same way and count nothing more (failures stay 5)" t_still_locked

# ---------------------------------------------------------------- unknown names (E1)
t_unknown() {
	fails 5 fio nosuchlena || return 1
	login fio nosuchlena "some-Password-1" "123456"
	expect_locked || return 1
	if [ "$OUT" != "$OUT_LOCKED_KNOWN" ]; then
		diag "locked unknown name:" "$OUT" "locked account:" "$OUT_LOCKED_KNOWN"
		return 1
	fi
}
check "an unknown name locks after 5 tries with the same message and an identical transcript" t_unknown

# ---------------------------------------------------------------- fioctl lock show
t_show() {
	local out
	out=$(fioctl lock show lena 2>&1)
	if printf '%s\n' "$out" | grep -qx 'user: lena' &&
		printf '%s\n' "$out" | grep -qx 'failures: 5' &&
		printf '%s\n' "$out" | grep -qE '^locked_until: [0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z$' &&
		printf '%s\n' "$out" | grep -qx 'consecutive: 0'; then
		return 0
	fi
	diag "fioctl lock show lena:" "$out"
	return 1
}
check "fioctl lock show lena: user, failures 5, locked_until (ISO 8601), consecutive 0" t_show

t_show_all_json() {
	local out
	out=$(fioctl --json lock show 2>&1)
	if printf '%s\n' "$out" | "$PYTHON" -c '
import json, sys
recs = json.load(sys.stdin)
lena = [r for r in recs if r["user"] == "lena"]
assert len(lena) == 1 and lena[0]["failures"] == "5" and lena[0]["locked_until"] != "-"
assert set(lena[0]) == {"user", "failures", "locked_until", "consecutive"}
'; then
		return 0
	fi
	diag "fioctl --json lock show:" "$out"
	return 1
}
check "fioctl --json lock show: a JSON array that lists lena as locked" t_show_all_json

t_show_nonadmin() {
	local out rc
	out=$(fioctl_as fiotu1 lock show lena 2>&1)
	rc=$?
	[ $rc -ne 0 ] && printf '%s\n' "$out" | grep -q 'permission denied' && return 0
	diag "exit $rc: $out"
	return 1
}
check "fioctl lock show by a non-administrator is refused" t_show_nonadmin

# ---------------------------------------------------------------- a success resets (L5)
t_reset() {
	local pw sec
	fresh_user mona || return 1
	pw=$PW sec=$SECRET
	fails 4 fio mona || return 1
	[ "$(lock_field mona failures)" = 4 ] || { diag "failures: $(lock_field mona failures)"; return 1; }
	login fio mona "$pw" "$(code_off "$sec")"
	expect_auth PAM_SUCCESS || return 1
	[ "$(lock_field mona failures)" = 0 ] || { diag "after success: $(lock_field mona failures)"; return 1; }
	fails 4 fio mona || return 1
	ensure_margin 5
	login fio mona "$pw" "$(totp_at "$sec" $((($(date +%s) + OFFSET) / 30 + 1)))"
	expect_auth PAM_SUCCESS
}
check "a success resets the counter: 4 failures, success, 4 failures, success" t_reset

# ---------------------------------------------------------------- clear; non-admin refused (L3)
t_clear() {
	local pw sec out rc
	fresh_user cleo || return 1
	pw=$PW sec=$SECRET
	fails 5 fio cleo || return 1
	login fio cleo "$pw" "$(code_off "$sec")"
	expect_locked || return 1
	out=$(fioctl_as fiotu1 lock clear cleo 2>&1)
	rc=$?
	if [ $rc -eq 0 ] || ! printf '%s\n' "$out" | grep -q 'permission denied'; then
		diag "non-admin fioctl lock clear: exit $rc: $out"
		return 1
	fi
	login fio cleo "$pw" "$(code_off "$sec")"
	expect_locked || { diag "still locked after the refused clear?"; return 1; }
	out=$(fioctl lock clear cleo 2>&1) || { diag "fioctl lock clear cleo: $out"; return 1; }
	[ "$(lock_field cleo failures)" = 0 ] && [ "$(lock_field cleo locked_until)" = - ] ||
		{ diag "after clear:" "$(fioctl lock show cleo 2>&1)"; return 1; }
	ensure_margin 5
	login fio cleo "$pw" "$(totp_at "$sec" $((($(date +%s) + OFFSET) / 30 + 1)))"
	expect_auth PAM_SUCCESS
}
check "fioctl lock clear by a non-administrator is refused; by an administrator it releases the lock" t_clear

t_clear_audit() {
	grep -q 'event=unlock user="cleo".*result=ok' "$T/helper.log" &&
		grep -q 'event=lock user="cleo"' "$T/helper.log" && return 0
	diag "no 'lock'/'unlock' audit lines for cleo:" "$(grep 'cleo' "$T/helper.log" | tail -n 5)"
	return 1
}
check "the lock and the unlock are audit lines (event=lock, event=unlock)" t_clear_audit

# ---------------------------------------------------------------- per source (L2, L3)
fresh_user sami || bail "cannot set up sami"
PW_SAMI=$PW SEC_SAMI=$SECRET

t_source() {
	local i nfail=0 nlock=0
	for i in $(seq 1 50); do
		PAM_RHOST=203.0.113.7 login fiorh "spray$i" "Summer2024!" "123456"
		if printf '%s\n' "$OUT" | grep -qxF "$M_FAILED"; then
			nfail=$((nfail + 1))
		elif has_lock_message 2>/dev/null >&2; then
			nlock=$((nlock + 1))
		else
			show_transcript
			return 1
		fi
	done
	if [ $nfail -ne 8 ] || [ $nlock -ne 42 ]; then
		diag "spray of 50 names from one rhost: $nfail failed, $nlock locked (want 8 and 42)"
		return 1
	fi
	PAM_RHOST=203.0.113.7 login fiorh sami "$PW_SAMI" "$(code_off "$SEC_SAMI")"
	expect_locked || { diag "the right login from the locked source"; return 1; }
	PAM_RHOST=198.51.100.9 login fiorh sami "$PW_SAMI" "$(code_off "$SEC_SAMI")"
	expect_auth PAM_SUCCESS || { diag "the right login from another source"; return 1; }
}
check "a spray of 50 names from one rhost: 8 tried, 42 refused as locked; the source stays locked for a real account while another rhost logs in" \
	t_source

t_source_victims() {
	fresh_user vic || return 1
	PAM_RHOST=203.0.113.7 login fiorh vic "wrong" "123456"
	expect_locked || return 1
	[ "$(lock_field vic failures)" = 0 ] || { diag "vic failures: $(lock_field vic failures)"; return 1; }
}
check "attempts from a locked source count nothing against the account they name" t_source_victims

# ---------------------------------------------------------------- parallel at the threshold (L4, T6)
t_parallel() {
	local pw sec i b pids=() waited=0 nfail nlock nok
	fresh_user para || return 1
	pw=$PW sec=$SECRET
	fails 4 fio para || return 1
	b=$T/work/barrier.$RANDOM
	rm -f "$T"/work/par.*
	for i in $(seq 1 20); do
		pam_env "$PAMCONV" -b "$b" fio para "$pw" "$(wrong_code "$sec" $((($(date +%s) + OFFSET) / 30)))" >"$T/work/par.$i" 2>/dev/null &
		pids+=($!)
	done
	while [ "$(ls "$b".ready.* 2>/dev/null | wc -l)" -lt 20 ] && [ $waited -lt 400 ]; do
		sleep 0.05
		waited=$((waited + 1))
	done
	touch "$b"
	wait "${pids[@]}"
	cat "$T"/work/par.* >>"$T/transcripts.log"
	nok=$(cat "$T"/work/par.* | grep -c '^AUTH PAM_SUCCESS')
	nfail=$(cat "$T"/work/par.* | grep -cxF "$M_FAILED")
	nlock=$(cat "$T"/work/par.* | grep -cxE 'ERROR Too many failed attempts\. Try again in [0-9]+ minutes?\.')
	rm -f "$b" "$b".ready.*
	if [ "$nok" -ne 0 ] || [ "$nfail" -gt 1 ] || [ $((nfail + nlock)) -ne 20 ]; then
		diag "20 parallel attempts at 4 of 5: $nok succeeded, $nfail failed, $nlock locked"
		return 1
	fi
	# exactly one attempt had its code checked
	[ "$(lock_field para consecutive)" = "$nfail" ] ||
		{ diag "consecutive code failures: $(lock_field para consecutive), want $nfail"; return 1; }
	login fio para "$pw" "$(code_off "$sec")"
	expect_locked
}
check "20 parallel wrong codes at 4 failures of 5: none succeeds, at most one reaches the code check, the account is locked" \
	t_parallel

# ---------------------------------------------------------------- hard cap (G1)
t_cap() {
	local pw sec rec i
	fresh_user capu || return 1
	pw=$PW sec=$SECRET rec=${RECOVERY%% *}
	for i in 1 2 3; do
		login fio capu "$pw" "$(wrong_code "$sec" $((($(date +%s) + OFFSET) / 30)))"
		expect_auth PAM_AUTH_ERR && has_line "$M_FAILED" || return 1
	done
	[ "$(lock_field capu consecutive)" = 3 ] || { diag "consecutive: $(lock_field capu consecutive)"; return 1; }
	login fio capu "$pw" "$(code_off "$sec")"
	expect_auth PAM_AUTH_ERR && expect_prompts "$P_PASS" "$P_CODE" && has_line "$M_CAPPED" &&
		lacks_line "$M_FAILED" || { diag "the right TOTP code at the cap"; return 1; }
	login fio capu "$pw" "$rec"
	expect_auth PAM_SUCCESS || { diag "a recovery code at the cap"; return 1; }
	[ "$(lock_field capu consecutive)" = 0 ] || { diag "after recovery: $(lock_field capu consecutive)"; return 1; }
	ensure_margin 5
	login fio capu "$pw" "$(totp_at "$sec" $((($(date +%s) + OFFSET) / 30 + 1)))"
	expect_auth PAM_SUCCESS
}
check "3 wrong codes with the right password (max_consecutive = 3): the right TOTP code is refused with '${M_CAPPED#ERROR }'; a recovery code gets in and lifts the cap" \
	t_cap

t_cap_no_oracle() {
	local pw sec i
	fresh_user capv || return 1
	pw=$PW sec=$SECRET
	for i in 1 2 3; do
		login fio capv "$pw" "$(wrong_code "$sec" $((($(date +%s) + OFFSET) / 30)))"
		expect_auth PAM_AUTH_ERR || return 1
	done
	login fio capv "wrong-$pw" "$(code_off "$sec")"
	expect_auth PAM_AUTH_ERR && has_line "$M_FAILED" && lacks_line "$M_CAPPED" || return 1
	fioctl lock clear capv >/dev/null 2>&1 || { diag "fioctl lock clear capv failed"; return 1; }
	[ "$(lock_field capv consecutive)" = 0 ] || return 1
	ensure_margin 5
	login fio capv "$pw" "$(totp_at "$sec" $((($(date +%s) + OFFSET) / 30 + 1)))"
	expect_auth PAM_SUCCESS
}
check "at the cap a wrong password gets the plain 'Authentication failed.' (no password oracle); fioctl lock clear lifts the cap" \
	t_cap_no_oracle

# ---------------------------------------------------------------- root
# reload_helper: SIGHUP, then wait (up to 5 s) for "configuration reloaded".
reload_helper() {
	local n i=0
	n=$(grep -c 'configuration reloaded' "$T/helper.log")
	kill -HUP "$HELPER_PID"
	while [ "$(grep -c 'configuration reloaded' "$T/helper.log")" -le "$n" ]; do
		[ $i -lt 50 ] || { diag "no 'configuration reloaded' after SIGHUP"; return 1; }
		sleep 0.1
		i=$((i + 1))
	done
}

t_root() {
	local pw sec
	fresh_user root || return 1
	pw=$PW sec=$SECRET
	fails 5 fio root || return 1
	login fio root "$pw" "$(code_off "$sec")"
	expect_locked || { diag "root is not exempt by default"; return 1; }
	write_config "${LOCK_CONF%\};*} exempt_root = true; };"
	reload_helper || return 1
	ensure_margin 5
	login fio root "$pw" "$(totp_at "$sec" $((($(date +%s) + OFFSET) / 30 + 1)))"
	expect_auth PAM_SUCCESS || { diag "with exempt_root = true (after SIGHUP)"; return 1; }
	write_config "$LOCK_CONF"
	reload_helper
}
check "root locks like anyone by default; lockout.exempt_root = true (SIGHUP) exempts it" t_root

# ---------------------------------------------------------------- restart, cool-down (L6)
t_restart() {
	restart_helper || return 1
	login fio lena "$PW_LENA" "$(code_off "$SEC_LENA")"
	expect_locked || { diag "lena after a restart"; return 1; }
	[ "$(lock_field capu consecutive)" = 0 ] && [ "$(lock_field para consecutive)" -le 1 ]
}
check "locks persist across a helper restart" t_restart

LIBFAKETIME=
for f in /usr/lib/*/faketime/libfaketime.so.1 /usr/lib/faketime/libfaketime.so.1 \
	/usr/local/lib/faketime/libfaketime.so.1; do
	[ -f "$f" ] && { LIBFAKETIME=$f; break; }
done

t_cooldown() {
	local real=$FIO_HELPERD
	[ -n "$LIBFAKETIME" ] || { diag "libfaketime.so.1 not found (libfaketime)"; return 1; }
	stop_helper
	# the sanitizer runtime, if any, must come first in LD_PRELOAD
	cat >"$T/helperd-16m" <<EOF
#!/bin/sh
LD_PRELOAD="$(echo $SAN_PRELOAD $LIBFAKETIME)" FAKETIME="+16m" exec "$real" "\$@"
EOF
	chmod 0755 "$T/helperd-16m"
	FIO_HELPERD=$T/helperd-16m
	start_helper || { FIO_HELPERD=$real; return 1; }
	FIO_HELPERD=$real
	OFFSET=960
	login fio lena "$PW_LENA" "$(code_off "$SEC_LENA")"
	expect_auth PAM_SUCCESS || return 1
	[ "$(lock_field lena failures)" = 0 ] && [ "$(lock_field lena locked_until)" = - ]
}
check "16 minutes later (helper restarted under libfaketime +16m) the lock has released: lena logs in, her counter is reset" \
	t_cooldown

t_after_cooldown_relocks() {
	fails 5 fio lena || return 1
	login fio lena "$PW_LENA" "$(code_off "$SEC_LENA")"
	expect_locked
}
check "after the release, 5 new failures lock again" t_after_cooldown_relocks

# ---------------------------------------------------------------- hard-cap notice (G1)
# The failure that reaches the cap sends one "second_factor_capped" notice to
# the account's address through notify.command and logs a "lock" event; no
# code is in it. max_failures is high here so that the cool-down stays out of
# the way (reloaded by SIGHUP).
NOTIFY_DIR=$T/notify
mkdir -p "$NOTIFY_DIR" && chown "$HELPER_USER:" "$NOTIFY_DIR" || bail "notify dir"
cat >"$T/notify.sh" <<EOS
#!/bin/sh
# one file per notice: the environment, then the message from stdin
f=\$(mktemp "$NOTIFY_DIR/n.XXXXXX") || exit 1
{
	echo "FIO_EVENT=\$FIO_EVENT"
	echo "FIO_USER=\$FIO_USER"
	echo "FIO_EMAIL=\$FIO_EMAIL"
	echo "FIO_SUBJECT=\$FIO_SUBJECT"
	echo "FIO_MESSAGE=\$FIO_MESSAGE"
	echo "--- stdin"
	cat
} >"\$f" && mv "\$f" "\$f.msg"
EOS
chmod 0755 "$T/notify.sh"
CAP_CONF="lockout = { max_failures = 100; interval = 900; unlock_after = 900; per_source_max = 100; max_consecutive = 3; };
notify = { command = [ \"$T/notify.sh\" ]; };"
CAP_CODES=$T/work/cap-codes.txt
: >"$CAP_CODES"

# notices_for EVENT USER: the notice files with that event and user.
notices_for() {
	grep -lx "FIO_EVENT=$1" "$NOTIFY_DIR"/*.msg 2>/dev/null | xargs -r grep -lx "FIO_USER=$2"
}

# wait_notice EVENT USER: waits up to 10 s for one.
wait_notice() {
	local i=0
	while [ $i -lt 100 ]; do
		[ -n "$(notices_for "$1" "$2")" ] && return 0
		sleep 0.1
		i=$((i + 1))
	done
	diag "no '$1' notice for $2; the notices seen:"
	grep -h '^FIO_EVENT=\|^FIO_USER=' "$NOTIFY_DIR"/*.msg 2>/dev/null | paste - - | sed 's/^/#   /'
	return 1
}

cap_wrong() { # SECRET: a wrong code at the helper's clock, remembered
	local c
	c=$(wrong_code "$1" $((($(date +%s) + OFFSET) / 30)))
	echo "$c" >>"$CAP_CODES"
	echo "$c"
}

t_cap_notice_setup() {
	write_config "$CAP_CONF" && reload_helper || return 1
	note_secret "$1"
	printf '%s\n' "$1" | fioctl user add capn --email capn@example.org --password-stdin \
		>"$T/work/add.out" 2>&1 || { diag "fioctl user add capn:" "$(cat "$T/work/add.out")"; return 1; }
	import_totp capn
}
PW_CAPN="Tulip-Orbit-Kw9x-Fen"
if t_cap_notice_setup "$PW_CAPN"; then
	ok "SIGHUP with a notify command and max_consecutive = 3; capn (with an e-mail address) enrolled"
else
	bail "cannot set up capn"
fi
SEC_CAPN=$SECRET REC_CAPN=${RECOVERY%% *}

t_cap_notice_before() {
	local i
	for i in 1 2; do
		login fio capn "$PW_CAPN" "$(cap_wrong "$SEC_CAPN")"
		expect_auth PAM_AUTH_ERR && has_line "$M_FAILED" || return 1
	done
	sleep 0.5 # a notice is sent before the verdict; give the command time to write
	[ -z "$(notices_for second_factor_capped capn)" ] ||
		{ diag "a notice before the cap was reached"; return 1; }
}
check "2 wrong codes (of 3): no notice yet" t_cap_notice_before

t_cap_notice_sent() {
	login fio capn "$PW_CAPN" "$(cap_wrong "$SEC_CAPN")"
	expect_auth PAM_AUTH_ERR && has_line "$M_FAILED" || return 1
	wait_notice second_factor_capped capn
}
check "the 3rd wrong code reaches the cap: a second_factor_capped notice for capn" t_cap_notice_sent

t_cap_notice_once() {
	local c n
	c=$(code_off "$SEC_CAPN")
	echo "$c" >>"$CAP_CODES"
	login fio capn "$PW_CAPN" "$c"
	expect_auth PAM_AUTH_ERR && has_line "$M_CAPPED" || return 1
	login fio capn "$PW_CAPN" "$(cap_wrong "$SEC_CAPN")"
	expect_auth PAM_AUTH_ERR && has_line "$M_CAPPED" || return 1
	login fio capn "wrong-$PW_CAPN" "$(cap_wrong "$SEC_CAPN")"
	expect_auth PAM_AUTH_ERR && has_line "$M_FAILED" || return 1
	sleep 0.5
	n=$(notices_for second_factor_capped capn | wc -l)
	[ "$n" = 1 ] || { diag "$n second_factor_capped notices for capn, want 1"; return 1; }
	[ "$(lock_field capn consecutive)" = 3 ] ||
		{ diag "consecutive: $(lock_field capn consecutive), want 3"; return 1; }
}
check "at the cap (the right code, a wrong one, a wrong password) nothing more is sent: one notice; consecutive stays 3" \
	t_cap_notice_once

t_cap_notice_text() {
	local f host hits
	f=$(notices_for second_factor_capped capn | head -n 1)
	[ -n "$f" ] || { diag "no second_factor_capped notice for capn"; return 1; }
	host=$(hostname)
	grep -qx "FIO_EMAIL=capn@example.org" "$f" &&
		grep -qx "To: capn@example.org" "$f" &&
		grep -qx "Subject: pam_fio: codes blocked on $host" "$f" &&
		grep -qx "Auto-Submitted: auto-generated" "$f" &&
		grep -q "wrong verification codes in a row" "$f" &&
		grep -q "recovery code" "$f" &&
		grep -q "fioctl lock clear capn" "$f" || {
		diag "the notice lacks an expected line:"
		sed 's/^/#   /' "$f"
		return 1
	}
	hits=$(grep -F -f "$T/secrets.txt" "$f"; grep -w -F -f "$CAP_CODES" "$f")
	[ -z "$hits" ] || { diag "secret material in the notice:" "$hits"; return 1; }
}
check "the notice: To capn@example.org, 'Subject: pam_fio: codes blocked on HOST', what happened and how to get out (recovery code, fioctl lock clear capn); no code, password or secret" \
	t_cap_notice_text

t_cap_notice_show() {
	local out
	out=$(fioctl lock show capn 2>&1)
	printf '%s\n' "$out" | grep -qx 'consecutive: 3' || { diag "fioctl lock show capn:" "$out"; return 1; }
	run_ctl --json activity capn
	json_check '[e for e in d if e["event"] == "lock" and e["reason"] == "second-factor hard cap"]' &&
		json_check 'len([e for e in d if e["reason"] == "second-factor hard cap"]) == 1'
}
check "fioctl lock show capn: consecutive 3; fioctl activity capn: one 'lock' event 'second-factor hard cap'" \
	t_cap_notice_show

t_cap_notice_recovery() {
	login fio capn "$PW_CAPN" "$REC_CAPN"
	expect_auth PAM_SUCCESS || { diag "a recovery code at the cap"; return 1; }
	[ "$(lock_field capn consecutive)" = 0 ] ||
		{ diag "after recovery: $(lock_field capn consecutive)"; return 1; }
	ensure_margin 5
	login fio capn "$PW_CAPN" "$(totp_at "$SEC_CAPN" $((($(date +%s) + OFFSET) / 30 + 1)))"
	expect_auth PAM_SUCCESS || { diag "a TOTP code after the recovery code"; return 1; }
	write_config "$LOCK_CONF" && reload_helper
}
check "a recovery code still logs capn in and lifts the cap; TOTP codes work again" t_cap_notice_recovery

done_testing
