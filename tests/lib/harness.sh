# tests/lib/harness.sh - sourced by the integration tests in tests/sh/.
#
# Gives each script: a temp dir $T (removed on exit), a config, a real
# fio-helperd run as root dropping to the system user _fiotest, a fioctl
# wrapper, PAM service files for pam_wrapper, the scripted PAM client
# tests/lib/pamconv (see pamconv.c), TOTP codes from oathtool, and TAP output.
#
# Environment (set by `make check`, see tests/local.mk; defaults for running a
# script by hand from the source tree after a build): FIO_HELPERD, FIOCTL,
# PAM_FIO_SO, PAM_WRAPPER_LIB, PAM_WRAPPER_MODULES, SAN_PRELOAD, PAMTESTER,
# OATHTOOL, FAKETIME, SQLITE3, top_srcdir, top_builddir. FIO_TEST_KEEP=1 keeps the temp dir.
#
# A missing tool or a setup failure is reported as "not ok", never skipped.
# A sanitizer report (ASan, LSan, UBSan) in the helper's log is a "not ok" too:
# checked whenever the helper is stopped and before the plan line.

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
: "${FIO_HELPERD:=$top_builddir/fio-helperd}"
: "${FIOCTL:=$top_builddir/fioctl}"
: "${PAM_FIO_SO:=$top_builddir/pam_fio/.libs/pam_fio.so}"
if [ -z "$PAM_WRAPPER_LIB" ]; then
	for PAM_WRAPPER_LIB in "$(pkg-config --variable=libdir pam_wrapper 2>/dev/null)/libpam_wrapper.so" \
		/usr/lib/*/libpam_wrapper.so /usr/lib/libpam_wrapper.so /usr/lib64/libpam_wrapper.so; do
		[ -f "$PAM_WRAPPER_LIB" ] && break
	done
fi
: "${PAMTESTER:=$(command -v pamtester)}"
: "${OATHTOOL:=$(command -v oathtool)}"
: "${SQLITE3:=$(command -v sqlite3)}"
: "${PAMCONV:=$top_builddir/tests/lib/pamconv}"
# /usr/bin/python3 first: the tests also run it as unprivileged users, who
# cannot reach an interpreter under /root (pyenv).
if [ -z "$PYTHON" ]; then
	if [ -x /usr/bin/python3 ]; then PYTHON=/usr/bin/python3; else PYTHON=$(command -v python3); fi
fi
LIBDIR=$top_srcdir/tests/lib
HELPER_USER=_fiotest
ADMIN_GROUP=fio-admin
export OATHTOOL

# ------------------------------------------------------------------ TAP
TAP_N=0
TAP_FAILED=0
TAP_DONE=

ok() {
	TAP_N=$((TAP_N + 1))
	echo "ok $TAP_N - $*"
}

not_ok() {
	TAP_N=$((TAP_N + 1))
	TAP_FAILED=$((TAP_FAILED + 1))
	echo "not ok $TAP_N - $*"
}

diag() {
	printf '%s\n' "$@" | sed 's/^/# /'
}

# check NAME COMMAND...: ok if COMMAND succeeds. COMMAND prints its own diagnostics.
check() {
	local name=$1
	shift
	if "$@"; then ok "$name"; else not_ok "$name"; fi
}

done_testing() {
	# the helper exits first: LeakSanitizer reports at exit
	stop_helper
	check_no_secrets_in_logs
	check_sanitizer_log
	TAP_DONE=1
	echo "1..$TAP_N"
}

# ------------------------------------------------------------------ sanitizer reports
SAN_SEEN=0 # lines of $T/helper.log already checked

# check_sanitizer_log: one "not ok" if the helper's log gained an
# AddressSanitizer, LeakSanitizer or UndefinedBehaviorSanitizer report since the
# last check, naming the first one; the report follows as diagnostics. Only in
# the script's own shell (a line printed in a subshell would break the count);
# there the lines stay unchecked for the next call.
check_sanitizer_log() {
	local total first count
	[ "${BASHPID:-$$}" = "$$" ] || return 0
	[ -n "$T" ] && [ -f "$T/helper.log" ] || return 0
	total=$(wc -l <"$T/helper.log")
	[ "$total" -gt "$SAN_SEEN" ] || return 0
	sed -n "$((SAN_SEEN + 1)),${total}p" "$T/helper.log" >"$T/san.new"
	SAN_SEEN=$total
	count=$(grep -cE 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:' "$T/san.new")
	[ "$count" -gt 0 ] || return 0
	first=$(grep -m 1 -E 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:' "$T/san.new" |
		sed 's/^==[0-9]*==//')
	not_ok "fio-helperd: no sanitizer report in its log ($count found; first: $first)"
	grep -m 1 -A 30 -E 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:' "$T/san.new" |
		sed 's/^/# helper: /'
}

# ------------------------------------------------------------------ temp dir, cleanup
FAKE_PIDS=
HELPER_PID=

cleanup() {
	local rc=$?
	local p
	for p in $FAKE_PIDS; do kill "$p" 2>/dev/null; done
	if [ -z "$TAP_DONE" ]; then
		[ -n "$T" ] && [ -d "$T" ] && stop_helper
		not_ok "script ended early (exit status $rc)"
		[ -n "$T" ] && [ -f "$T/helper.log" ] && tail -n 20 "$T/helper.log" | sed 's/^/# helper: /'
		check_sanitizer_log
		echo "1..$TAP_N"
	fi
	if [ -n "$HELPER_PID" ]; then
		kill -TERM "$HELPER_PID" 2>/dev/null
		sleep 0.2
		kill -KILL "$HELPER_PID" 2>/dev/null
	fi
	if [ -n "$T" ] && [ -d "$T" ] && [ "${FIO_TEST_KEEP:-0}" != 1 ]; then
		rm -rf "$T"
	elif [ -n "$T" ]; then
		echo "# kept $T"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# bail REASON: report a setup failure as "not ok" and end the script.
bail() {
	not_ok "setup: $*"
	[ -n "$T" ] && [ -d "$T" ] && stop_helper
	check_sanitizer_log
	TAP_DONE=1
	echo "1..$TAP_N"
	exit 1
}

# ------------------------------------------------------------------ prerequisites
require_setup() {
	local missing="" f
	[ "$(id -u)" = 0 ] || bail "the integration tests must run as root (they create users)"
	for f in "$FIO_HELPERD" "$FIOCTL" "$PAMCONV"; do
		[ -x "$f" ] || missing="$missing $f"
	done
	[ -f "$PAM_FIO_SO" ] || missing="$missing $PAM_FIO_SO"
	[ -f "$PAM_WRAPPER_LIB" ] || missing="$missing pam_wrapper(libpam-wrapper)"
	[ -x "$OATHTOOL" ] || missing="$missing oathtool"
	[ -x "$PYTHON" ] || missing="$missing python3"
	command -v setpriv >/dev/null || missing="$missing setpriv"
	command -v setsid >/dev/null || missing="$missing setsid"
	command -v flock >/dev/null || missing="$missing flock"
	[ -z "$missing" ] || bail "missing:$missing"
	PAM_MODDIR=
	for f in /lib/*/security /usr/lib/*/security /lib/security /usr/lib/security; do
		if [ -f "$f/pam_permit.so" ]; then PAM_MODDIR=$f; break; fi
	done
	[ -n "$PAM_MODDIR" ] || bail "pam_permit.so not found"
	PWRAP_MODDIR=${PAM_WRAPPER_MODULES:-$(dirname "$PAM_WRAPPER_LIB")/pam_wrapper}
	# a sanitized pam_fio.so in an unsanitized host needs the runtimes first
	PRELOAD=$(echo $SAN_PRELOAD "$PAM_WRAPPER_LIB")
}

# Users are created once per machine; scripts run in parallel, so under a lock.
ensure_users() {
	flock /tmp/.fiotest-users.lock sh -c '
		getent group fio-admin >/dev/null || groupadd --system fio-admin
		id -u _fiotest >/dev/null 2>&1 ||
			useradd --system --no-create-home --shell /usr/sbin/nologin _fiotest
		for u in fiotu1 fiotu2; do
			id -u "$u" >/dev/null 2>&1 ||
				useradd --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$u"
		done
		id -nG fiotu2 | grep -qw fio-admin || usermod -a -G fio-admin fiotu2
	' || bail "cannot create the test users"
	id -u _fiotest >/dev/null 2>&1 || bail "user _fiotest missing"
}

setup() {
	require_setup
	ensure_users
	T=$(mktemp -d /tmp/fiotest.XXXXXX) || bail "mktemp"
	chmod 0755 "$T"
	mkdir -p "$T/run" "$T/state" "$T/services" "$T/work"
	chown "$HELPER_USER:" "$T/run" "$T/state" || bail "chown"
	chmod 0755 "$T/run"
	chmod 0700 "$T/state"
	chmod 1777 "$T/work"
	: >"$T/secrets.txt"
	: >"$T/helper.log"
	SOCK=$T/run/helper.sock
	FIO_HASH_COST=${FIO_HASH_COST-3}
	# --debug logs the most; the secret check at the end covers it too
	HELPER_ARGS=${HELPER_ARGS---debug}
	write_config
	make_other_service
}

# write_config [EXTRA LINES]: $T/fio.conf; password.hash_cost from $FIO_HASH_COST
# (empty: the key is left out, i.e. the default cost), password.max_length from
# $FIO_PW_MAX_LENGTH (empty: the default).
write_config() {
	{
		echo "socket = \"$SOCK\";"
		echo "key_file = \"$T/state/secret.key\";"
		echo "admin_group = \"$ADMIN_GROUP\";"
		echo "user = \"$HELPER_USER\";"
		echo "store = { backend = \"sqlite\"; path = \"$T/state/fio.db\"; };"
		if [ -n "$FIO_HASH_COST$FIO_PW_MAX_LENGTH" ]; then
			echo "password = {"
			[ -n "$FIO_HASH_COST" ] && echo "  hash_cost = $FIO_HASH_COST;"
			[ -n "$FIO_PW_MAX_LENGTH" ] && echo "  max_length = $FIO_PW_MAX_LENGTH;"
			echo "};"
		fi
		echo "recovery = { kdf_iterations = 1000; };"
		[ -n "$1" ] && printf '%s\n' "$1"
	} >"$T/fio.conf"
	chmod 0644 "$T/fio.conf"
}

# ------------------------------------------------------------------ helper process
proc_alive() {
	local st
	[ -n "$1" ] && [ -r "/proc/$1/stat" ] || return 1
	st=$(sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1)
	[ -n "$st" ] && [ "$st" != Z ] && [ "$st" != X ]
}

start_helper() {
	local i=0
	echo "=== start $(date +%T)" >>"$T/helper.log"
	"$FIO_HELPERD" --config "$T/fio.conf" --foreground $HELPER_ARGS \
		>>"$T/helper.out" 2>>"$T/helper.log" </dev/null &
	HELPER_PID=$!
	while [ $i -lt 100 ]; do
		if ! proc_alive "$HELPER_PID"; then
			wait "$HELPER_PID" 2>/dev/null
			diag "fio-helperd exited with status $? during start; its log:"
			tail -n 20 "$T/helper.log" | sed 's/^/# /'
			HELPER_PID=
			return 1
		fi
		if fioctl status >/dev/null 2>&1; then
			return 0
		fi
		sleep 0.1
		i=$((i + 1))
	done
	diag "fio-helperd did not answer fioctl status within 10 s"
	tail -n 20 "$T/helper.log" | sed 's/^/# /'
	return 1
}

# stop_helper [SIGNAL]: sends SIGNAL (TERM), waits up to 10 s; HELPER_RC is the
# exit status (or "hung" after a SIGKILL).
stop_helper() {
	local sig=${1:-TERM} i=0
	HELPER_RC=
	[ -n "$HELPER_PID" ] || return 0
	kill -"$sig" "$HELPER_PID" 2>/dev/null
	while proc_alive "$HELPER_PID" && [ $i -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	if proc_alive "$HELPER_PID"; then
		kill -KILL "$HELPER_PID" 2>/dev/null
		wait "$HELPER_PID" 2>/dev/null
		HELPER_RC=hung
	else
		wait "$HELPER_PID" 2>/dev/null
		HELPER_RC=$?
	fi
	HELPER_PID=
	echo "=== stopped $(date +%T) ($HELPER_RC)" >>"$T/helper.log"
	check_sanitizer_log
}

restart_helper() {
	stop_helper && start_helper
}

helper_alive() {
	if proc_alive "$HELPER_PID"; then return 0; fi
	diag "fio-helperd is not running any more; its log:"
	tail -n 20 "$T/helper.log" | sed 's/^/# /'
	return 1
}

# ------------------------------------------------------------------ fioctl
# Always without a controlling terminal (setsid), so that nothing ever prompts
# on the terminal of whoever runs `make check`.
fioctl() {
	FIO_HELPER_USER=$HELPER_USER setsid -w "$FIOCTL" --socket "$SOCK" "$@"
}

# as_user USER COMMAND...: COMMAND with USER's uid/gid and no supplementary groups.
as_user() {
	local u=$1
	shift
	setpriv --reuid="$u" --regid="$(id -g "$u")" --clear-groups -- \
		env HOME=/ FIO_HELPER_USER=$HELPER_USER "$@"
}

# as_user_groups USER COMMAND...: the same with USER's supplementary groups.
as_user_groups() {
	local u=$1
	shift
	setpriv --reuid="$u" --regid="$(id -g "$u")" --init-groups -- \
		env HOME=/ FIO_HELPER_USER=$HELPER_USER "$@"
}

fioctl_as() {
	local u=$1
	shift
	as_user "$u" setsid -w "$FIOCTL" --socket "$SOCK" "$@"
}

# add_user NAME PASSWORD: fioctl user add with the password on stdin.
add_user() {
	note_secret "$2"
	printf '%s\n' "$2" | fioctl user add "$1" --password-stdin >"$T/work/add.out" 2>&1 || {
		diag "fioctl user add $1 failed:"
		sed 's/^/# /' "$T/work/add.out"
		return 1
	}
}

new_secret() {
	head -c 20 /dev/urandom | base32 | tr -d '=\n'
}

# import_totp NAME: fioctl enroll NAME --secret S with a fresh secret. Sets
# SECRET and RECOVERY (the ten codes, space separated).
import_totp() {
	SECRET=$(new_secret)
	note_secret "$SECRET"
	RECOVERY=
	if ! fioctl enroll "$1" --secret "$SECRET" >"$T/work/import.out" 2>&1; then
		diag "fioctl enroll $1 --secret failed:"
		sed 's/^/# /' "$T/work/import.out"
		return 1
	fi
	RECOVERY=$(grep -oE '\b[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}\b' "$T/work/import.out" | tr '\n' ' ')
	note_codes $RECOVERY
	set -- $RECOVERY
	if [ $# -ne 10 ]; then
		diag "expected 10 recovery codes from enroll --secret, got $#:"
		sed 's/^/# /' "$T/work/import.out"
		return 1
	fi
}

# user_with_totp NAME PASSWORD: add + import; SECRET/RECOVERY as above.
user_with_totp() {
	add_user "$1" "$2" && import_totp "$1"
}

# enroll_interactive [--json] NAME [enroll.py options]: runs fioctl enroll NAME
# through tests/lib/enroll.py; sets SECRET, URI, ENROLL_STEP, RECOVERY,
# WRONG_MESSAGES, ENROLL_EXIT.
enroll_interactive() {
	local json=
	if [ "$1" = --json ]; then json=--json; shift; fi
	local name=$1
	shift
	[ -f "$T/work/enroll.log" ] && cat "$T/work/enroll.log" >>"$T/enroll-all.log"
	: >"$T/work/enroll.log"
	"$PYTHON" "$LIBDIR/enroll.py" "$@" --log "$T/work/enroll.log" -- \
		env FIO_HELPER_USER=$HELPER_USER "$FIOCTL" --socket "$SOCK" $json enroll "$name" \
		>"$T/work/enroll.res" 2>&1
	SECRET=$(sed -n 's/^SECRET //p' "$T/work/enroll.res")
	URI=$(sed -n 's/^URI //p' "$T/work/enroll.res")
	ENROLL_STEP=$(sed -n 's/^STEP //p' "$T/work/enroll.res")
	RECOVERY=$(sed -n 's/^RECOVERY //p' "$T/work/enroll.res")
	WRONG_MESSAGES=$(sed -n 's/^WRONG_MESSAGES //p' "$T/work/enroll.res")
	ENROLL_EXIT=$(sed -n 's/^EXIT //p' "$T/work/enroll.res")
	[ -n "$SECRET" ] && note_secret "$SECRET"
	note_codes $RECOVERY
}

show_enroll_log() {
	sed 's/^/# /' "$T/work/enroll.res" "$T/work/enroll.log"
}

# ------------------------------------------------------------------ secrets
note_secret() {
	[ -n "$1" ] && printf '%s\n' "$1" >>"$T/secrets.txt"
}

# Recovery codes: with and without dashes.
note_codes() {
	local c
	for c in "$@"; do
		printf '%s\n%s\n' "$c" "$(printf '%s' "$c" | tr -d -)" >>"$T/secrets.txt"
	done
}

# Nothing secret in the helper's stderr/stdout: each script's last test.
check_no_secrets_in_logs() {
	local hits
	[ -n "$T" ] && [ -s "$T/secrets.txt" ] || return 0
	hits=$(grep -F -f "$T/secrets.txt" "$T/helper.log" "$T/helper.out" 2>/dev/null | head -n 5)
	if [ -z "$hits" ]; then
		ok "no password, TOTP secret or recovery code in the helper's log output ($(sort -u "$T/secrets.txt" | wc -l) secrets checked)"
	else
		not_ok "no password, TOTP secret or recovery code in the helper's log output"
		diag "found:" "$hits"
	fi
}

# ------------------------------------------------------------------ TOTP
now_step() {
	echo $(($(date +%s) / 30))
}

# totp_at SECRET STEP: the code for that 30 s time step (oathtool, RFC 6238 SHA-1).
totp_at() {
	"$OATHTOOL" --totp -b -N "@$(($2 * 30))" "$1"
}

# ensure_margin N: make sure at least N seconds remain in the current time step
# (sleeps into the next step if not), so a sequence of logins stays in one step.
ensure_margin() {
	local s rem
	s=$(date +%s)
	rem=$((30 - s % 30))
	if [ "$rem" -lt "$1" ]; then
		sleep $((rem + 1))
	fi
}

# ------------------------------------------------------------------ PAM services
# make_service NAME [MODULE OPTIONS] [LINES BEFORE] [LINES AFTER]: a pam_wrapper
# service file: auth (LINES BEFORE, pam_fio, LINES AFTER) and account (pam_fio).
# $FIO_MODULE is the module path with socket= and helper_user=.
make_service() {
	local name=$1 opts=$2 pre=$3 post=$4
	FIO_MODULE="$PAM_FIO_SO socket=$SOCK helper_user=$HELPER_USER"
	{
		[ -n "$pre" ] && printf '%s\n' "$pre"
		echo "auth required $FIO_MODULE $opts"
		[ -n "$post" ] && printf '%s\n' "$post"
		echo "account required $FIO_MODULE $opts"
	} >"$T/services/$name"
	chmod 0644 "$T/services/$name"
}

# write_service NAME: the file's content from stdin, as is.
write_service() {
	cat >"$T/services/$1"
	chmod 0644 "$T/services/$1"
}

make_other_service() {
	printf 'auth required %s/pam_deny.so\naccount required %s/pam_deny.so\n' \
		"$PAM_MODDIR" "$PAM_MODDIR" >"$T/services/other"
	chmod 0644 "$T/services/other"
}

# ------------------------------------------------------------------ fioctl results
# run_ctl ARGS...: fioctl ARGS (stdin from $CTL_IN if set, else /dev/null);
# sets CTL_OUT, CTL_ERR, CTL_RC.
run_ctl() {
	if [ -n "${CTL_IN+x}" ]; then
		printf '%s\n' "$CTL_IN" | fioctl "$@" >"$T/work/ctl.out" 2>"$T/work/ctl.err"
	else
		fioctl "$@" >"$T/work/ctl.out" 2>"$T/work/ctl.err" </dev/null
	fi
	CTL_RC=$?
	CTL_OUT=$(cat "$T/work/ctl.out")
	CTL_ERR=$(cat "$T/work/ctl.err")
	unset CTL_IN
}

# run_ctl_as USER ARGS...: the same as USER.
run_ctl_as() {
	fioctl_as "$@" >"$T/work/ctl.out" 2>"$T/work/ctl.err" </dev/null
	CTL_RC=$?
	CTL_OUT=$(cat "$T/work/ctl.out")
	CTL_ERR=$(cat "$T/work/ctl.err")
}

ctl_diag() {
	diag "fioctl exit $CTL_RC" "stdout:" "$CTL_OUT" "stderr:" "$CTL_ERR"
}

# ctl_rc N: fioctl exited with N.
ctl_rc() {
	[ "$CTL_RC" = "$1" ] || { diag "expected exit status $1"; ctl_diag; return 1; }
}

ctl_ok() {
	[ "$CTL_RC" = 0 ] || { ctl_diag; return 1; }
}

# ctl_error: non-zero exit and exactly one line on stderr starting "fioctl: "
ctl_error() {
	if [ "$CTL_RC" != 0 ] && [ "$(printf '%s\n' "$CTL_ERR" | wc -l)" -eq 1 ] &&
		[ "${CTL_ERR#fioctl: }" != "$CTL_ERR" ]; then
		return 0
	fi
	diag "expected a non-zero exit and one 'fioctl: ...' line on stderr"
	ctl_diag
	return 1
}

out_has() {
	printf '%s\n' "$CTL_OUT" | grep -qxE -- "$1" || {
		diag "no line matching '$1'"
		ctl_diag
		return 1
	}
}

out_lacks() {
	! printf '%s\n' "$CTL_OUT" | grep -qE -- "$1" || { diag "a line matching '$1' on stdout"; ctl_diag; return 1; }
}

err_is() {
	[ "$CTL_ERR" = "$1" ] || { diag "expected stderr: $1"; ctl_diag; return 1; }
}

# json_check PYTHON-EXPRESSION: CTL_OUT parses as JSON (python3 -m json.tool)
# and the expression over `d` (the parsed value) is true.
json_check() {
	printf '%s\n' "$CTL_OUT" | "$PYTHON" -m json.tool >/dev/null 2>"$T/work/json.err" || {
		diag "not JSON:" "$(cat "$T/work/json.err")"
		ctl_diag
		return 1
	}
	printf '%s\n' "$CTL_OUT" | "$PYTHON" -c "import json,sys; d=json.load(sys.stdin); sys.exit(0 if ($1) else 1)" || {
		diag "JSON does not satisfy: $1"
		ctl_diag
		return 1
	}
}

# ------------------------------------------------------------------ logins
SESS_N=0
# start_session [pamconv options] SERVICE USER [ANSWER...]: pamconv -a -s 600 as
# root in the background: authenticates, opens a session, sleeps. Waits up to
# 10 s for its "SESSION_OPEN PAM_SUCCESS". SPID is the pamconv process, which is
# the session leader; STRANSCRIPT its output.
start_session() {
	local i=0
	SESS_N=$((SESS_N + 1))
	STRANSCRIPT=$T/work/session.$SESS_N
	(exec env LD_PRELOAD="$PRELOAD" PAM_WRAPPER=1 PAM_WRAPPER_SERVICE_DIR="$T/services" \
		"$PAMCONV" -a -s 600 "$@") >"$STRANSCRIPT" 2>"$STRANSCRIPT.err" &
	SPID=$!
	# out of the job table: bash reaps it but prints no "Hangup" or "Killed"
	# (which would land on the stderr of whatever command runs at that time)
	disown "$SPID"
	FAKE_PIDS="$FAKE_PIDS $SPID" # the harness kills these when the script ends
	while [ $i -lt 100 ] && ! grep -q '^SESSION_OPEN' "$STRANSCRIPT" && proc_alive "$SPID"; do
		sleep 0.1
		i=$((i + 1))
	done
	grep -q '^SESSION_OPEN PAM_SUCCESS' "$STRANSCRIPT" && return 0
	diag "the session of $* did not open; transcript:"
	sed 's/^/#   /' "$STRANSCRIPT"
	grep -v '^PWRAP' "$STRANSCRIPT.err" | head -n 5 | sed 's/^/#   stderr: /'
	return 1
}

pam_env() {
	env LD_PRELOAD="$PRELOAD" PAM_WRAPPER=1 PAM_WRAPPER_SERVICE_DIR="$T/services" "$@"
}

# login [pamconv options] SERVICE USER [ANSWER...]: runs tests/lib/pamconv as
# root under pam_wrapper. Sets OUT (the transcript), AUTH and ACCT (the PAM
# return code names), ELAPSED_MS.
login() {
	_login_run pam_env "$PAMCONV" "$@"
}

# login_as UNIXUSER [pamconv options] SERVICE USER [ANSWER...]: the same from
# UNIXUSER's uid.
login_as() {
	local u=$1
	shift
	_login_run as_user "$u" env LD_PRELOAD="$PRELOAD" PAM_WRAPPER=1 \
		PAM_WRAPPER_SERVICE_DIR="$T/services" "$PAMCONV" "$@"
}

_login_run() {
	local t0 t1
	t0=$(date +%s%N)
	OUT=$("$@" 2>"$T/work/pamconv.err")
	LOGIN_RC=$?
	t1=$(date +%s%N)
	ELAPSED_MS=$(((t1 - t0) / 1000000))
	AUTH=$(printf '%s\n' "$OUT" | sed -n 's/^AUTH \([A-Z_]*\).*/\1/p')
	ACCT=$(printf '%s\n' "$OUT" | sed -n 's/^ACCT \([A-Z_]*\).*/\1/p')
	{
		echo "--- $* (${ELAPSED_MS} ms)"
		printf '%s\n' "$OUT"
		cat "$T/work/pamconv.err"
	} >>"$T/transcripts.log"
	return 0
}

show_transcript() {
	diag "transcript (${ELAPSED_MS} ms):"
	printf '%s\n' "$OUT" | sed 's/^/#   /'
	grep -v '^PWRAP' "$T/work/pamconv.err" | head -n 5 | sed 's/^/#   stderr: /'
}

# expect_auth CODE: the last login's pam_authenticate returned CODE.
expect_auth() {
	if [ "$AUTH" = "$1" ]; then return 0; fi
	diag "expected pam_authenticate to return $1, got ${AUTH:-nothing}"
	show_transcript
	return 1
}

expect_acct() {
	if [ "$ACCT" = "$1" ]; then return 0; fi
	diag "expected pam_acct_mgmt to return $1, got ${ACCT:-nothing}"
	show_transcript
	return 1
}

# has_line LINE: the transcript has exactly this line.
has_line() {
	if printf '%s\n' "$OUT" | grep -qxF -- "$1"; then return 0; fi
	diag "the transcript lacks the line '$1'"
	show_transcript
	return 1
}

lacks_line() {
	if ! printf '%s\n' "$OUT" | grep -qxF -- "$1"; then return 0; fi
	diag "the transcript has the line '$1', which it must not"
	show_transcript
	return 1
}

# prompts: the prompt lines of the last transcript.
prompts() {
	printf '%s\n' "$OUT" | grep '^PROMPT_'
}

# expect_prompts LINE...: the prompts of the last login were exactly these.
expect_prompts() {
	local want got
	want=$(printf '%s\n' "$@")
	got=$(prompts)
	if [ "$want" = "$got" ]; then return 0; fi
	diag "expected the prompts:" "$want" "got:" "$got"
	show_transcript
	return 1
}

P_PASS="PROMPT_ECHO_OFF Password: "
P_CODE="PROMPT_ECHO_OFF Verification code: "
P_SINGLE="PROMPT_ECHO_OFF Password and verification code: "
M_FAILED="ERROR Authentication failed."
M_UNAVAIL="ERROR pam_fio: the authentication service is unavailable."

# fresh_user NAME: a store user NAME with password "NAME-Pass-<random>" (in PW)
# and an imported authenticator secret (SECRET, RECOVERY).
fresh_user() {
	PW=$(rand_pw)
	user_with_totp "$1" "$PW"
}

# rand_pw: a fresh password that passes the quality rules: letters and digits
# that are never neighbours (cracklib calls runs like "12345" or "abcde" too
# simplistic/systematic, and $RANDOM digits hit that now and then), no user
# name, no dictionary word.
rand_pw() {
	printf '%s-Qz\n' "$(head -c 400 /dev/urandom | tr -dc 'acegikmoqsuwyACEGIKMOQSUWY02468' | head -c 14)"
}

# code_now SECRET: the code for the current step, with at least 3 s of the step left.
code_now() {
	ensure_margin 3
	totp_at "$1" "$(now_step)"
}

# wrong_code SECRET [STEP]: a 6-digit code that is none of SECRET's codes for
# the steps STEP-2..STEP+3 (STEP defaults to the current step).
wrong_code() {
	local sec=$1 s=${2:-$(now_step)} c d near=" "
	for d in -2 -1 0 1 2 3; do near="$near$(totp_at "$sec" $((s + d))) "; done
	while :; do
		c=$(printf '%06d' $(((RANDOM * 32768 + RANDOM) % 1000000)))
		case "$near" in *" $c "*) ;; *) echo "$c"; return ;; esac
	done
}

# fake_server USER SOCKPATH [MODE]: tests/lib/fioproto.py fake-server run as
# USER on SOCKPATH (its directory must let USER create the socket), in the
# background for at most 60 s; FAKE_PID is its pid.
fake_server() {
	local u=$1 path=$2 mode=${3:-ok} i=0
	rm -f "$path"
	# exec: FAKE_PID must be the server itself, not a subshell around it
	(exec setpriv --reuid="$u" --regid="$(id -g "$u")" --clear-groups -- \
		"$PYTHON" "$LIBDIR/fioproto.py" fake-server "$path" 60 "$mode") \
		>"$T/work/fake.log" 2>&1 &
	FAKE_PID=$!
	FAKE_PIDS="$FAKE_PIDS $FAKE_PID"
	while [ ! -S "$path" ] && [ $i -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	[ -S "$path" ] || {
		diag "the fake server did not start:"
		sed 's/^/# /' "$T/work/fake.log"
		return 1
	}
}

stop_fake() {
	[ -n "$FAKE_PID" ] && kill "$FAKE_PID" 2>/dev/null && wait "$FAKE_PID" 2>/dev/null
	FAKE_PID=
	return 0
}

# ------------------------------------------------------------------ extra config
# extra_config LINE...: appends lines to $T/fio.conf (after write_config, before
# start_helper or a SIGHUP).
extra_config() {
	printf '%s\n' "$@" >>"$T/fio.conf"
}

# ------------------------------------------------------------------ fake clock
# start_helper_faketime runs fio-helperd under libfaketime with a wall clock
# that stands still at the time set_fake_time / advance_fake_time write into
# $T/faketime (read again at every call: FAKETIME_NO_CACHE), so the test knows
# the helper's time to the second and can move it without a restart. The
# monotonic clock stays real (deadlines, epoll timeouts, the periodic sweep).
# Everything is UTC. FAKE_NOW is the fake time in seconds since the epoch;
# PAMCONV_TOTP_TIME (exported) makes pamconv's @TOTP answers use it.
# The clock does not move by itself: advance it between logins that use a
# TOTP code (a step is accepted once).
FAKE_NOW=

find_libfaketime() {
	local f
	[ -n "$LIBFAKETIME" ] && [ -f "$LIBFAKETIME" ] && return 0
	for f in /usr/lib/*/faketime/libfaketime.so.1 /usr/lib/faketime/libfaketime.so.1 \
		/usr/local/lib/faketime/libfaketime.so.1; do
		[ -f "$f" ] && { LIBFAKETIME=$f; return 0; }
	done
	diag "libfaketime.so.1 not found (package libfaketime)"
	return 1
}

_write_fake_time() {
	date -u -d "@$FAKE_NOW" '+%Y-%m-%d %H:%M:%S' >"$T/faketime.new" &&
		chmod 0644 "$T/faketime.new" && mv -f "$T/faketime.new" "$T/faketime" || return 1
	PAMCONV_TOTP_TIME="@$FAKE_NOW"
	export PAMCONV_TOTP_TIME
}

# set_fake_time "YYYY-MM-DD HH:MM:SS": the helper's clock (UTC), from now on.
set_fake_time() {
	FAKE_NOW=$(date -u -d "$1 UTC" +%s) || return 1
	_write_fake_time
}

# advance_fake_time HOURS / advance_fake_seconds SECONDS: moves the clock on.
advance_fake_time() {
	advance_fake_seconds $(($1 * 3600))
}

advance_fake_seconds() {
	[ -n "$FAKE_NOW" ] || { diag "advance_fake_seconds: set_fake_time first"; return 1; }
	FAKE_NOW=$((FAKE_NOW + $1))
	_write_fake_time
}

# fake_time_str [+SECONDS]: the fake time as "YYYY-MM-DD HH:MM UTC" (how the
# helper writes times in its messages), optionally SECONDS later.
fake_time_str() {
	date -u -d "@$((FAKE_NOW + ${1:-0}))" '+%Y-%m-%d %H:%M UTC'
}

# code_at_fake SECRET [STEPS]: the TOTP code at the fake time (STEPS 30 s steps later).
code_at_fake() {
	"$OATHTOOL" --totp -b -N "@$((FAKE_NOW + ${2:-0} * 30))" "$1"
}

# wrong_code_at_fake SECRET: a code that is none of SECRET's for the steps -2..+3.
wrong_code_at_fake() {
	wrong_code "$1" $((FAKE_NOW / 30))
}

# start_helper_faketime: start_helper under libfaketime (the clock of
# set_fake_time, which must have been called). The sanitizer runtimes, if any,
# stay first in LD_PRELOAD; FAKETIME (the faketime tool's path in this
# harness) would override the file, so it is removed from the environment.
start_helper_faketime() {
	local real=$FIO_HELPERD rc
	find_libfaketime || return 1
	[ -f "$T/faketime" ] || { diag "start_helper_faketime: set_fake_time first"; return 1; }
	cat >"$T/helperd-faketime" <<EOS
#!/bin/sh
exec env -u FAKETIME LD_PRELOAD="$(echo $SAN_PRELOAD "$LIBFAKETIME")" TZ=UTC \\
	FAKETIME_TIMESTAMP_FILE="$T/faketime" FAKETIME_NO_CACHE=1 \\
	FAKETIME_DONT_FAKE_MONOTONIC=1 FAKETIME_DONT_RESET=1 NO_FAKE_STAT=1 \\
	"$real" "\$@"
EOS
	chmod 0755 "$T/helperd-faketime"
	FIO_HELPERD=$T/helperd-faketime
	start_helper
	rc=$?
	FIO_HELPERD=$real
	return $rc
}

restart_helper_faketime() {
	stop_helper && start_helper_faketime
}

# ------------------------------------------------------------------ test accounts
# ensure_group NAME: a local group (names start with "fio").
ensure_group() {
	flock /tmp/.fiotest-users.lock sh -c 'getent group "$1" >/dev/null || groupadd "$1"' sh "$1" ||
		{ diag "cannot create the group $1"; return 1; }
}

# ensure_unix_user NAME [GROUP...]: a local user without home or shell, a
# member of exactly the GROUPs given (beside its primary group). Reused if it
# exists (names start with "fio").
ensure_unix_user() {
	local u=$1 groups
	shift
	groups=$(printf '%s,' "$@")
	groups=${groups%,}
	flock /tmp/.fiotest-users.lock sh -c '
		id -u "$1" >/dev/null 2>&1 ||
			useradd --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$1" ||
			exit 1
		usermod -G "$2" "$1"
	' sh "$u" "$groups" || { diag "cannot set up the user $u"; return 1; }
}

# group_add USER GROUP / group_del USER GROUP: membership changes while a test runs.
group_add() {
	flock /tmp/.fiotest-users.lock gpasswd -a "$1" "$2" >/dev/null ||
		{ diag "cannot add $1 to $2"; return 1; }
}

group_del() {
	flock /tmp/.fiotest-users.lock gpasswd -d "$1" "$2" >/dev/null 2>&1
	return 0
}

# ------------------------------------------------------------------ transcripts
# shown_secret: the base32 secret of the last "Secret key:" line in $OUT ("" if none).
shown_secret() {
	printf '%s\n' "$OUT" | grep -o 'Secret key: [A-Z2-7 ]*' | tail -n 1 |
		sed 's/^Secret key: //' | tr -d ' '
}

# shown_recovery: the recovery codes shown in $OUT, space separated.
shown_recovery() {
	printf '%s\n' "$OUT" | grep '^INFO ' | sed 's/\\n/\n/g' |
		grep -oE '\b[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}\b' | tr '\n' ' '
}

# recovery_seen: the sum of pamconv's RECOVERY_SEEN counts in $OUT.
recovery_seen() {
	printf '%s\n' "$OUT" | sed -n 's/^RECOVERY_SEEN //p' | awk '{ n += $1 } END { print n + 0 }'
}

# has_line_re REGEX: some line of the transcript matches the extended REGEX.
has_line_re() {
	if printf '%s\n' "$OUT" | grep -qE -- "$1"; then return 0; fi
	diag "the transcript lacks a line matching '$1'"
	show_transcript
	return 1
}

lacks_line_re() {
	if ! printf '%s\n' "$OUT" | grep -qE -- "$1"; then return 0; fi
	diag "the transcript has a line matching '$1', which it must not"
	show_transcript
	return 1
}

# ------------------------------------------------------------------ password changes
# make_passwd_service NAME [AUTH OPTIONS] [PASSWORD OPTIONS] [PASSWORD LINES BEFORE]:
# make_service NAME [AUTH OPTIONS] plus "password required $FIO_MODULE
# [PASSWORD OPTIONS]" (after PASSWORD LINES BEFORE, e.g. pam_set_items).
make_passwd_service() {
	make_service "$1" "$2"
	{
		[ -n "$4" ] && printf '%s\n' "$4"
		echo "password required $FIO_MODULE $3"
	} >>"$T/services/$1"
}

# pam_result TAG: the PAM code name on the last login's TAG line (pamconv's
# CHTOK, ACCT_AGAIN, SESSION_OPEN, ...); empty if none.
pam_result() {
	printf '%s\n' "$OUT" | sed -n "s/^$1 \([A-Z_]*\).*/\1/p" | tail -n 1
}

# expect_chtok CODE / expect_acct_again CODE: the last login's pam_chauthtok
# (pamconv -c, or -l after PAM_NEW_AUTHTOK_REQD) / its second pam_acct_mgmt
# (pamconv -l) returned CODE. expect_chtok also sets CHTOK.
expect_chtok() {
	CHTOK=$(pam_result CHTOK)
	if [ "$CHTOK" = "$1" ]; then return 0; fi
	diag "expected pam_chauthtok to return $1, got ${CHTOK:-nothing}"
	show_transcript
	return 1
}

expect_acct_again() {
	local got
	got=$(pam_result ACCT_AGAIN)
	if [ "$got" = "$1" ]; then return 0; fi
	diag "expected the second pam_acct_mgmt to return $1, got ${got:-nothing}"
	show_transcript
	return 1
}
