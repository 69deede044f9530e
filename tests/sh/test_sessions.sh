#!/bin/bash
# Sessions and `fioctl enforce` (DESIGN.md "Mandatory 2FA policy",
# helper/policy.h): pam_sm_open_session registers the caller as the session
# leader and close_session removes it; `fioctl sessions` for an admin and for
# a user's own account only; a temporary pass (fioctl pass grant/revoke, its
# --hours bounds); enforce as root only (fioctl and the helper refuse others),
# --dry-run changing nothing, a compliant user's session kept, the session of
# a user whose pass was revoked ended (leader gone, row gone, audited), a dead
# leader pruned quietly, a leader whose start time does not match never
# signalled, an unknown start time never acted on, pid 1 never signalled,
# SIGKILL for a leader that ignores SIGHUP, the helper stopped (exit 2);
# user sso / user add --sso in `fioctl policy status`.
# Some cases are staged by editing the helper's sessions table with sqlite3.
[ -n "$BASH_VERSION" ] || exec bash "$0" "$@"
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/harness.sh"

export TZ=UTC
setup
# every account must have 2FA, no grace: an account without a factor is overdue
write_config 'policy = ( { all = true; grace = "0"; } );'
check "fio-helperd starts with a policy that requires 2FA of every account" start_helper ||
	bail "fio-helperd does not start"
make_service fio
echo "session required $FIO_MODULE" >>"$T/services/fio"
[ -x "$SQLITE3" ] || bail "missing: sqlite3"
grep -q 'SESSION_OPEN' "$top_srcdir/tests/lib/pamconv.c" || bail "tests/lib/pamconv has no -s option"

# kill_leader PID: SIGKILL, then wait until it is gone (reaped or a zombie).
kill_leader() {
	local i=0
	kill -KILL "$1" 2>/dev/null
	while proc_alive "$1" && [ $i -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	! proc_alive "$1"
}

alive() {
	proc_alive "$1" || { diag "process $1 ($2) is gone"; return 1; }
}

gone() {
	! proc_alive "$1" || { diag "process $1 ($2) still runs"; return 1; }
}

# session_id PID: the id of the session whose leader is PID (fioctl --json
# sessions as root); empty if there is none.
session_id() {
	fioctl --json sessions 2>/dev/null </dev/null | "$PYTHON" -c '
import json, sys
for r in json.load(sys.stdin):
    if r.get("pid") == sys.argv[1]:
        print(r.get("id"))
        break' "$1"
}

has_session() {
	[ -n "$(session_id "$1")" ] || { diag "no session with leader $1 ($2)"; return 1; }
}

no_session() {
	[ -z "$(session_id "$1")" ] || { diag "a session with leader $1 ($2) is still listed"; return 1; }
}

# start_time PID: field 22 of /proc/PID/stat.
start_time() {
	sed 's/^.*) //' "/proc/$1/stat" | cut -d' ' -f20
}

# db SQL: runs SQL on the helper's store.
db() {
	"$SQLITE3" -cmd '.timeout 5000' "$T/state/fio.db" "$1"
}

# audit_ended USER: the number of audit lines for a session of USER ended by enforce.
audit_ended() {
	grep -cE "fio-audit: event=session_ended? user=\"$1\"" "$T/helper.log"
}

# raw_ctl UNIXUSER CMD USER ARG: one CTL request over the raw protocol (no
# fioctl) as UNIXUSER; prints the VERDICT's result number, or "none".
raw_ctl() {
	as_user "$1" "$PYTHON" -c '
import sys
sys.path.insert(0, sys.argv[1])
import fioproto as f
c = f.Conn(sys.argv[2])
c.send(f.hello(kind=f.CLIENT_CTL))
c.read_frame(5)
c.send(f.frame(f.CTL, f.u32(int(sys.argv[3])) + f.u32(0) + f.s(sys.argv[4]) + f.s(sys.argv[5]) + f.s("")))
while True:
    fr = c.read_frame(10)
    if fr is None:
        print("none")
        break
    if fr[0] == f.VERDICT:
        print(int.from_bytes(fr[1][:4], "big"))
        break' "$LIBDIR" "$SOCK" "$2" "$3" "$4"
}
CTL_ENFORCE_LIST=13 CTL_SESSION_END=14
RESULT_PERM=8

# ---------------------------------------------------------------- accounts
fresh_user fiotu1 || bail "cannot set up fiotu1"
PW_1=$PW SEC_1=$SECRET
PW_P="$(rand_pw)"
add_user pat "$PW_P" || bail "cannot set up pat"

t_pass_hours_bounds() {
	local h rc=0
	for h in 0 1000 -1 abc 1.5 ''; do
		run_ctl pass grant pat --hours "$h"
		ctl_rc 64 || { diag "--hours '$h'"; rc=1; }
	done
	return $rc
}
check "fioctl pass grant --hours 0, 1000, -1, abc, 1.5, '': usage error (exit 64)" t_pass_hours_bounds

t_pass_grant() {
	run_ctl pass grant pat --hours 1
	ctl_rc 0 && out_has 'pass for pat until [0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]+Z'
}
check "fioctl pass grant pat --hours 1: 'pass for pat until TIME'" t_pass_grant

t_policy_pass() {
	run_ctl policy status pat
	ctl_rc 0 && out_has 'USER +STATE +DEADLINE +PASS_UNTIL +POLICY' &&
		out_has 'pat +pass +[^ ]+ +[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]+Z +[^ ]+'
}
check "fioctl policy status pat: header, then pat in state pass with PASS_UNTIL" t_policy_pass

# ---------------------------------------------------------------- sessions
t_open_compliant() {
	start_session -t pts/7 -r 192.0.2.7 fio fiotu1 "$PW_1" "$(code_now "$SEC_1")" || return 1
	S1=$SPID
	grep -q '^AUTH PAM_SUCCESS' "$STRANSCRIPT" && has_session "$S1" "fiotu1's session"
}
check "fiotu1 (enrolled) logs in; open_session registers the session" t_open_compliant

t_open_pass() {
	start_session fio pat "$PW_P" || return 1
	S2=$SPID
	start_session fio pat "$PW_P" || return 1
	S5=$SPID
	has_session "$S2" "pat's first session" && has_session "$S5" "pat's second session"
}
check "pat (pass) logs in twice with the password alone; both sessions registered" t_open_pass

t_list_admin() {
	local id1
	id1=$(session_id "$S1")
	run_ctl sessions
	ctl_rc 0 && out_has 'ID +USER +SERVICE +TTY +RHOST +PID +STARTED' &&
		out_has "$id1 +fiotu1 +fio +pts/7 +192\.0\.2\.7 +$S1 +[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]+Z" &&
		out_has "[0-9]+ +pat +fio +- +- +$S2 +[^ ]+"
}
check "fioctl sessions (root): header, then a row per session (ID USER SERVICE TTY RHOST PID STARTED, '-' if empty)" t_list_admin

t_list_json() {
	run_ctl --json sessions
	ctl_rc 0 && json_check "isinstance(d, list) and {r['pid'] for r in d} >= {'$S1', '$S2', '$S5'} and all(set(r) >= {'id', 'user', 'service', 'tty', 'rhost', 'pid', 'started'} for r in d) and [(r['tty'], r['rhost']) for r in d if r['pid'] == '$S1'] == [('pts/7', '192.0.2.7')]"
}
check "fioctl --json sessions: an array of {id, user, service, tty, rhost, pid, started}" t_list_json

t_list_self() {
	run_ctl_as fiotu1 sessions fiotu1
	ctl_rc 0 && out_has "[0-9]+ +fiotu1 +fio +.* +$S1 +[^ ]+" && out_lacks ' pat '
}
check "fiotu1 lists their own sessions (fioctl sessions fiotu1), and no one else's" t_list_self

t_list_other() {
	run_ctl_as fiotu1 sessions pat
	ctl_rc 1 && err_is "fioctl: permission denied or no such user" && out_lacks "$S2"
}
check "fiotu1 cannot list pat's sessions: 'permission denied or no such user'" t_list_other

t_close() {
	local pid i=0
	start_session fio pat "$PW_P" || return 1
	pid=$SPID
	has_session "$pid" "pat's third session" || return 1
	kill -USR1 "$pid" # pamconv: end the sleep, close the session, exit
	while proc_alive "$pid" && [ $i -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	grep -q '^SESSION_CLOSE PAM_SUCCESS' "$STRANSCRIPT" ||
		{ diag "no SESSION_CLOSE PAM_SUCCESS:"; sed 's/^/#   /' "$STRANSCRIPT"; return 1; }
	no_session "$pid" "a closed session"
}
check "close_session removes the session" t_close

# ---------------------------------------------------------------- enforce: who may
t_enforce_nonroot() {
	run_ctl_as fiotu2 enforce
	ctl_rc 1 && err_is "fioctl: enforce must be run as root"
}
check "fioctl enforce as a non-root admin: 'fioctl: enforce must be run as root', exit 1" t_enforce_nonroot

t_enforce_helper_refuses() {
	local r1 r2
	r1=$(raw_ctl fiotu2 $CTL_ENFORCE_LIST "" "")
	r2=$(raw_ctl fiotu2 $CTL_SESSION_END pat "$(session_id "$S2") gone")
	[ "$r1" = $RESULT_PERM ] && [ "$r2" = $RESULT_PERM ] && has_session "$S2" "pat's first session" ||
		{ diag "ENFORCE_LIST: $r1, SESSION_END: $r2 (want $RESULT_PERM)"; return 1; }
}
check "the helper refuses ENFORCE_LIST and SESSION_END from a non-root admin (PERM)" t_enforce_helper_refuses

# ---------------------------------------------------------------- enforce: gone leaders
t_dead_leader() {
	local id
	start_session fio pat "$PW_P" || return 1
	S4=$SPID
	id=$(session_id "$S4")
	kill_leader "$S4" || return 1
	has_session "$S4" "a killed leader, before enforce" || return 1
	run_ctl enforce
	ctl_rc 0 && out_lacks "session $id " && [ -z "$CTL_ERR" ] || { ctl_diag; return 1; }
	no_session "$S4" "a killed leader" && alive "$S1" fiotu1 && alive "$S2" pat &&
		has_session "$S1" fiotu1 && has_session "$S2" pat && [ "$(audit_ended pat)" = 0 ]
}
check "enforce prunes the session of a leader killed with SIGKILL, quietly; the others are kept" t_dead_leader

t_keep_all() {
	run_ctl enforce
	ctl_rc 0 && [ -z "$CTL_OUT" ] && alive "$S1" fiotu1 && alive "$S2" pat && alive "$S5" pat
}
check "enforce with compliant sessions only (enrolled, pass): prints nothing, ends nothing" t_keep_all

# ---------------------------------------------------------------- enforce: a revoked pass
t_revoke() {
	run_ctl pass revoke pat
	ctl_rc 0 || return 1
	run_ctl policy status pat
	ctl_rc 0 && out_has 'pat +(pass_expired|overdue) +.*'
}
check "fioctl pass revoke pat: pat is no longer in state pass" t_revoke

t_dry_run() {
	local id2
	id2=$(session_id "$S2")
	run_ctl enforce --dry-run
	ctl_rc 0 && out_has "would end session $id2 of pat \(pid $S2\): .+" && out_lacks '^ended ' &&
		alive "$S2" pat && alive "$S5" pat && has_session "$S2" pat && has_session "$S5" pat &&
		[ "$(audit_ended pat)" = 0 ]
}
check "enforce --dry-run: 'would end session ID of pat (pid PID): REASON'; nothing signalled, nothing dropped" t_dry_run

t_mismatch() {
	local id5
	id5=$(session_id "$S5")
	# the pid now "belongs" to another process: another start time
	db "UPDATE sessions SET pid_start = pid_start + 1 WHERE id = $id5;" || return 1
	run_ctl enforce --dry-run
	ctl_rc 0 && out_lacks "session $id5 "
}
check "enforce --dry-run: a session whose leader's start time differs is not to be ended" t_mismatch

t_enforce() {
	local id1 id2 id5 t0 t1
	id1=$(session_id "$S1")
	id2=$(session_id "$S2")
	id5=$(session_id "$S5")
	t0=$(date +%s)
	run_ctl enforce --wait 5
	t1=$(date +%s)
	ctl_rc 0 && out_has "ended session $id2 of pat \(pid $S2\): .+" && out_lacks "session $id5 " &&
		out_lacks "session $id1 " || return 1
	gone "$S2" "pat's ended session" && alive "$S1" "fiotu1's session" &&
		alive "$S5" "the leader whose start time differs" || return 1
	no_session "$S2" "the ended session" && no_session "$S5" "the mismatched session" &&
		has_session "$S1" "fiotu1's session" || return 1
	[ "$(audit_ended pat)" = 1 ] || { diag "expected one session-ended audit line for pat:"; grep 'fio-audit' "$T/helper.log" | tail -n 5 | sed 's/^/#   /'; return 1; }
	[ $((t1 - t0)) -le 6 ] || { diag "enforce took $((t1 - t0)) s"; return 1; }
}
check "enforce: pat's session ended (leader gone, row gone, audited), the mismatched pid not signalled, fiotu1's kept" t_enforce

t_again() {
	run_ctl enforce
	ctl_rc 0 && [ -z "$CTL_OUT" ] && alive "$S1" fiotu1
}
check "enforce again: nothing left to do" t_again
kill_leader "$S5"

# ---------------------------------------------------------------- enforce: unverifiable leaders
t_unknown_start() {
	local id6
	run_ctl pass grant pat
	ctl_rc 0 || return 1
	start_session fio pat "$PW_P" || return 1
	S6=$SPID
	id6=$(session_id "$S6")
	run_ctl pass revoke pat
	ctl_rc 0 || return 1
	db "UPDATE sessions SET pid_start = 0 WHERE id = $id6;" || return 1
	run_ctl enforce --wait 1
	ctl_rc 1 && out_lacks "session $id6 " &&
		printf '%s\n' "$CTL_ERR" | grep -q "^fioctl: not ending session $id6 of pat (pid $S6): " || { ctl_diag; return 1; }
	alive "$S6" "a leader whose start time is unknown" && has_session "$S6" pat
}
check "enforce: a session whose leader's start time is unknown is not ended (warning, exit 1)" t_unknown_start

t_pid1() {
	local id6
	id6=$(session_id "$S6")
	db "UPDATE sessions SET pid = 1, pid_start = $(start_time 1) WHERE id = $id6;" || return 1
	run_ctl enforce --dry-run
	# put the real leader back at once: no later enforce may see pid 1
	db "UPDATE sessions SET pid = $S6, pid_start = $(start_time "$S6") WHERE id = $id6;" ||
		bail "cannot restore session $id6"
	ctl_rc 1 && out_lacks "session $id6 " &&
		printf '%s\n' "$CTL_ERR" | grep -q "^fioctl: not ending session $id6 of pat (pid 1): refusing" || { ctl_diag; return 1; }
}
check "enforce --dry-run: a session led by pid 1 is refused (warning, exit 1)" t_pid1

t_wait0() {
	local id6
	id6=$(session_id "$S6")
	run_ctl enforce --wait 0
	ctl_rc 0 && out_has "ended session $id6 of pat \(pid $S6\): .+" && gone "$S6" pat &&
		no_session "$S6" pat && alive "$S1" fiotu1
}
check "enforce --wait 0 ends the session at once" t_wait0

t_sigkill() {
	local hpid id i=0
	# a leader that ignores SIGHUP (the disposition survives exec)
	(trap '' HUP && exec sleep 600) &
	hpid=$!
	disown "$hpid"
	FAKE_PIDS="$FAKE_PIDS $hpid"
	while [ "$(start_time "$hpid" 2>/dev/null)" = "" ] && [ $i -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	db "INSERT INTO sessions (user_id, service, pid, pid_start, started)
	    SELECT id, 'fio', $hpid, $(start_time "$hpid"), strftime('%s', 'now') FROM users
	    WHERE name = 'pat';" || return 1
	id=$(session_id "$hpid")
	[ -n "$id" ] || { diag "the inserted session is not listed"; return 1; }
	run_ctl enforce --wait 1
	ctl_rc 0 && out_has "ended session $id of pat \(pid $hpid\): .+" && gone "$hpid" "the leader that ignores SIGHUP" &&
		no_session "$hpid" "the SIGKILLed leader" && alive "$S1" fiotu1
}
check "enforce --wait 1: a leader that ignores SIGHUP gets SIGKILL after the wait" t_sigkill

# ---------------------------------------------------------------- SSO
t_sso_roundtrip() {
	add_user ssob "$(rand_pw)" || return 1
	run_ctl policy status ssob
	ctl_rc 0 && out_has 'ssob +overdue +.*' || return 1
	run_ctl user sso ssob on
	ctl_rc 0 || return 1
	run_ctl policy status ssob
	ctl_rc 0 && out_has 'ssob +sso +.*' || return 1
	run_ctl --json policy status ssob
	ctl_rc 0 && json_check "d['user'] == 'ssob' and d['state'] == 'sso'" || return 1
	run_ctl user sso ssob off
	ctl_rc 0 || return 1
	run_ctl policy status ssob
	ctl_rc 0 && out_has 'ssob +overdue +.*'
}
check "fioctl user sso NAME on / off: policy status shows sso, then overdue again" t_sso_roundtrip

t_sso_add() {
	rand_pw | fioctl user add ssoc --sso --password-stdin >/dev/null 2>&1 || return 1
	run_ctl policy status
	ctl_rc 0 && out_has 'ssoc +sso +.*' && out_has 'fiotu1 +enrolled +.*' && out_has 'ssob +overdue +.*'
}
check "fioctl user add --sso: the account is in state sso (policy status lists every account)" t_sso_add

t_sso_usage() {
	run_ctl user sso ssob maybe
	ctl_rc 64
}
check "fioctl user sso NAME maybe: usage error" t_sso_usage

# ---------------------------------------------------------------- the helper down
t_unreachable() {
	stop_helper
	run_ctl enforce
	ctl_rc 2 && printf '%s\n' "$CTL_ERR" | grep -qx "fioctl: cannot reach fio-helperd at $SOCK: .*" &&
		alive "$S1" fiotu1 || { ctl_diag; return 1; }
}
check "enforce with the helper stopped: exit 2, 'fioctl: cannot reach fio-helperd at SOCKET: ...'" t_unreachable

kill_leader "$S1"
done_testing
