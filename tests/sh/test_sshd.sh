#!/bin/bash
# End to end with OpenSSH: a real sshd (own config, own host key, 127.0.0.1 and
# a free high port) whose PAM service stacks the built pam_fio.so, and the real
# ssh client driven on a pseudo-terminal by expect (tests/lib/pty_login.exp).
#
# PAM service files live in the test tree, never in /etc/pam.d: sshd runs with
# LD_PRELOAD=libpam_wrapper.so, PAM_WRAPPER=1 and PAM_WRAPPER_SERVICE_DIR. That
# works inside sshd because the PAM calls are made by the privileged monitor
# (root, not chrooted), which is sshd itself and inherits the environment
# through sshd's re-exec (sshd -D execs itself with -R per connection and
# keeps its environment). sshd's service name is always "sshd", so each sshd
# here gets a service directory of its own with an "sshd" file in it. The
# session sshd starts for the user gets a fresh environment (no LD_PRELOAD).
#
# Covers issue 6 item 3 and security-research rows X1-X3: password + TOTP over
# keyboard-interactive runs a command; wrong code, replay across two sessions,
# wrong password; a recovery code works once; helper down before the login
# and killed during it (denied promptly, the user is told, the next login works
# after a restart); many wrong codes on one connection; publickey + code with
# factor=second and replay across sessions; enrolment of a new member of a
# 2FA policy group inside the ssh login (secret, URI and QR code shown with the
# code prompt, the recovery codes with the "saved" prompt), then password +
# code; nothing secret in sshd's log.
#
# Missing sshd, ssh, ssh-keygen or expect is a failure, not a skip.
[ -n "$BASH_VERSION" ] || exec bash "$0" "$@"
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/harness.sh"

: "${SSHD:=/usr/sbin/sshd}"
: "${SSH:=$(command -v ssh)}"
: "${SSH_KEYGEN:=$(command -v ssh-keygen)}"
: "${EXPECT:=$(command -v expect)}"
PTY_LOGIN=$LIBDIR/pty_login.exp
E2E_USER=fioe2e  # keyboard-interactive: password + code
E2E_KUSER=fioe2k # publickey + code (factor=second)
E2E_NUSER=fioe2n # a new member of the policy group: enrols in its first login
POL_GROUP=fioe2pol

setup
missing=
[ -x "$SSHD" ] || missing="$missing sshd(openssh-server)"
[ -x "$SSH" ] || missing="$missing ssh(openssh-client)"
[ -x "$SSH_KEYGEN" ] || missing="$missing ssh-keygen(openssh-client)"
[ -x "$EXPECT" ] || missing="$missing expect"
[ -z "$missing" ] || bail "missing:$missing (scripts/deps.sh installs them)"

# Real local accounts to log in as: sshd needs a passwd entry, a home and a
# shell. Created once per machine, under the harness's lock (scripts run in
# parallel; test_su.sh uses fioe2e too).
flock /tmp/.fiotest-users.lock sh -c '
	for u in '"$E2E_USER $E2E_KUSER $E2E_NUSER"'; do
		id -u "$u" >/dev/null 2>&1 || useradd -m -s /bin/sh "$u" || exit 1
	done' || bail "cannot create the local users $E2E_USER, $E2E_KUSER and $E2E_NUSER"
# the policy group. $E2E_NUSER stays a member across runs (never removed: a
# run in another build dir may be using it); what is new after the policy
# applied is its store account, made once the helper runs with the policy.
ensure_group "$POL_GROUP" || bail "cannot create the group $POL_GROUP"
flock /tmp/.fiotest-users.lock sh -c 'id -nG "$1" | grep -qw "$2" || gpasswd -a "$1" "$2" >/dev/null' \
	sh "$E2E_NUSER" "$POL_GROUP" || bail "cannot add $E2E_NUSER to $POL_GROUP"

# ---------------------------------------------------------------- sshd
SSHD_PIDS=
stop_sshds() {
	local p
	for p in $SSHD_PIDS; do kill -TERM "$p" 2>/dev/null; done
	SSHD_PIDS=
}
# the harness's cleanup (which reports an early end) runs after ours, with the
# exit status it would have seen
trap 'rc=$?; stop_sshds; (exit $rc); cleanup' EXIT

free_port() {
	"$PYTHON" -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

mkdir -p "$T/ssh" && chmod 0755 "$T/ssh"
"$SSH_KEYGEN" -q -t ed25519 -N '' -C fio-e2e-host -f "$T/ssh/host_ed25519" ||
	bail "ssh-keygen (host key) failed"
"$SSH_KEYGEN" -q -t ed25519 -N '' -C fio-e2e-client -f "$T/ssh/client_ed25519" ||
	bail "ssh-keygen (client key) failed"
cp "$T/ssh/client_ed25519.pub" "$T/ssh/authorized_keys"
chmod 0644 "$T/ssh/authorized_keys"
# sshd's privilege separation directory (compiled in; normally made by the
# package's init script or systemd unit, which do not run here)
[ -d /run/sshd ] || install -d -m 0755 /run/sshd || bail "cannot create /run/sshd"

# In the sanitizer build the ASan and UBSan runtimes are preloaded into sshd
# with pam_wrapper (the sanitized pam_fio.so needs them first). ASan's leak
# check stays off in sshd: LeakSanitizer runs at exit and stops the world with
# syscalls that sshd's seccomp sandbox kills in the pre-authentication child
# ("preauth child terminated by signal 31", the login fails), and it would
# report sshd's own deliberate leaks. The module's leaks are checked by the
# pamconv tests; memory errors and UBSan reports still land in sshd's log
# and fail the test below.
SAN_OPTIONS_E2E="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"

# start_sshd NAME METHODS [EXTRA CONFIG LINES]: an sshd using the PAM service
# file $T/pam-NAME/sshd; SSHD_PORT, SSHD_LOG. Every sshd logs at DEBUG3 to
# $T/sshd-NAME.log (-e), the most sshd ever logs, for the secret check.
start_sshd() {
	local name=$1 methods=$2 extra=$3 i pid try
	SSHD_LOG=$T/sshd-$name.log
	for try in 1 2 3; do
		SSHD_PORT=$(free_port) || return 1
		cat >"$T/sshd-$name.conf" <<EOF
ListenAddress 127.0.0.1:$SSHD_PORT
HostKey $T/ssh/host_ed25519
PidFile $T/sshd-$name.pid
UsePAM yes
KbdInteractiveAuthentication yes
PasswordAuthentication no
AuthenticationMethods $methods
PermitRootLogin no
StrictModes no
LogLevel DEBUG3
UseDNS no
PrintMotd no
PrintLastLog no
X11Forwarding no
AllowTcpForwarding no
MaxAuthTries 6
LoginGraceTime 60
AllowUsers $E2E_USER $E2E_KUSER $E2E_NUSER
$extra
EOF
		"$SSHD" -t -f "$T/sshd-$name.conf" >"$T/work/sshd-t.out" 2>&1 || {
			diag "sshd -t refuses the configuration:"
			sed 's/^/# /' "$T/work/sshd-t.out"
			return 1
		}
		: >"$SSHD_LOG"
		env LD_PRELOAD="$PRELOAD" PAM_WRAPPER=1 PAM_WRAPPER_SERVICE_DIR="$T/pam-$name" \
			ASAN_OPTIONS="$SAN_OPTIONS_E2E" \
			"$SSHD" -D -e -f "$T/sshd-$name.conf" </dev/null >>"$SSHD_LOG" 2>&1 &
		pid=$!
		SSHD_PIDS="$SSHD_PIDS $pid"
		i=0
		while [ $i -lt 100 ]; do
			if grep -q "Server listening on 127.0.0.1 port $SSHD_PORT" "$SSHD_LOG"; then
				return 0
			fi
			proc_alive "$pid" || break
			sleep 0.1
			i=$((i + 1))
		done
		kill "$pid" 2>/dev/null
		# lost the port to someone else between free_port and the bind: again
		grep -q 'Address already in use' "$SSHD_LOG" && continue
		break
	done
	diag "sshd did not start listening; its log:"
	tail -n 20 "$SSHD_LOG" | sed 's/^/# /'
	return 1
}

# the PAM service sshd uses, in a directory of its own
make_sshd_service() {
	local dir=$T/pam-$1 opts=$2
	mkdir -p "$dir"
	cat >"$dir/sshd" <<EOF
auth     required $PAM_FIO_SO socket=$SOCK helper_user=$HELPER_USER $opts
account  required $PAM_MODDIR/pam_permit.so
session  required $PAM_MODDIR/pam_permit.so
password required $PAM_MODDIR/pam_deny.so
EOF
	cp "$T/services/other" "$dir/other"
	chmod 0644 "$dir/sshd" "$dir/other"
}

# ---------------------------------------------------------------- ssh logins
# ssh_login PORT USER PASSWORD CODE [ssh options]: ssh USER@127.0.0.1 echo E2E-OK
# on a pty through pty_login.exp; OUT is the transcript, SSH_RC ssh's exit
# status, NPW/NCODE/NSAVED the prompts answered, ELAPSED_MS, ENROL_STEP (CODE
# @ENROL: the step of the code pty_login.exp made from the secret shown). With
# no options only keyboard-interactive is offered and only once. The
# transcript is appended to $E2E_TRANSCRIPTS (default $T/ssh-transcripts.log).
ssh_login() {
	local port=$1 user=$2 pw=$3 code=$4 res
	# every password and code typed is checked against the logs at the end
	note_secret "$pw"
	[ "$code" = @ENROL ] || note_secret "$code"
	shift 4
	[ $# -gt 0 ] || set -- -o PreferredAuthentications=keyboard-interactive \
		-o PubkeyAuthentication=no -o NumberOfPasswordPrompts=1
	OUT=$(E2E_PASSWORD=$pw E2E_CODE=$code "$EXPECT" -f "$PTY_LOGIN" 40 \
		"$SSH" -F /dev/null -p "$port" -o StrictHostKeyChecking=no \
		-o UserKnownHostsFile=/dev/null -o GlobalKnownHostsFile=/dev/null \
		-o ConnectTimeout=10 -o IdentitiesOnly=yes "$@" \
		"$user@127.0.0.1" echo E2E-OK 2>&1)
	OUT=$(printf '%s\n' "$OUT" | tr -d '\r')
	res=$(printf '%s\n' "$OUT" | grep '^E2E-RESULT ' | tail -n 1)
	SSH_RC=$(printf '%s\n' "$res" | sed -n 's/.* exit=\([-0-9]*\).*/\1/p')
	NPW=$(printf '%s\n' "$res" | sed -n 's/.* password_prompts=\([0-9]*\).*/\1/p')
	NCODE=$(printf '%s\n' "$res" | sed -n 's/.* code_prompts=\([0-9]*\).*/\1/p')
	ELAPSED_MS=$(printf '%s\n' "$res" | sed -n 's/.* elapsed_ms=\([0-9]*\).*/\1/p')
	NSAVED=$(printf '%s\n' "$res" | sed -n 's/.* saved_prompts=\([0-9]*\).*/\1/p')
	ENROL_STEP=$(printf '%s\n' "$res" | sed -n 's/.* enrol_step=\([-0-9]*\).*/\1/p')
	{
		echo "--- ssh $user@127.0.0.1:$port $* (${ELAPSED_MS} ms)"
		printf '%s\n' "$OUT"
	} >>"${E2E_TRANSCRIPTS:-$T/ssh-transcripts.log}"
}

show_ssh() {
	diag "ssh transcript:"
	printf '%s\n' "$OUT" | sed 's/^/#   /'
	diag "sshd log (last lines):"
	grep -v 'debug[23]:' "$SSHD_LOG" | tail -n 12 | sed 's/^/#   /'
}

# logged_in: the remote command ran (its output, ssh exit 0)
logged_in() {
	if [ "$SSH_RC" = 0 ] && printf '%s\n' "$OUT" | grep -qx 'E2E-OK'; then return 0; fi
	diag "expected a login that runs 'echo E2E-OK' (ssh exit 0), got exit ${SSH_RC:-?}"
	show_ssh
	return 1
}

# denied [WHY]: no command ran, ssh says WHY ("Permission denied") and exits 255
denied() {
	local why=${1:-Permission denied}
	if [ "$SSH_RC" = 255 ] && ! printf '%s\n' "$OUT" | grep -qx 'E2E-OK' &&
		printf '%s\n' "$OUT" | grep -qF "$why"; then
		return 0
	fi
	diag "expected '$why' and ssh exit 255 without the command running, got exit ${SSH_RC:-?}"
	show_ssh
	return 1
}

# told LINE: the user saw this line on the terminal
told() {
	if printf '%s\n' "$OUT" | grep -qxF -- "$1"; then return 0; fi
	diag "the ssh user was not shown the line '$1'"
	show_ssh
	return 1
}
M_FAILED="Authentication failed."
M_UNAVAIL="pam_fio: the authentication service is unavailable."

# prompted PW CODE: the password and the code prompts were each answered so often
prompted() {
	if [ "$NPW" = "$1" ] && [ "$NCODE" = "$2" ]; then return 0; fi
	diag "expected $1 'Password:' and $2 'Verification code:' prompts, got ${NPW:-?} and ${NCODE:-?}"
	show_ssh
	return 1
}

# pick_step LAST: the step whose code the next login uses, for a user whose
# last accepted step is LAST: the oldest step of the window (now-1) that is
# newer than LAST; if that is past now+1, waits until it is inside the window.
pick_step() {
	local last=$1 s
	while :; do
		ensure_margin 5
		s=$(($(now_step) - 1))
		[ $s -gt "$last" ] || s=$((last + 1))
		[ $s -le $(($(now_step) + 1)) ] && break
		sleep 1
	done
	echo "$s"
}


# ---------------------------------------------------------------- setup
# mandatory 2FA for $POL_GROUP, no grace window: a member without a factor
# enrols in the login before access
extra_config "policy = ( { group = \"$POL_GROUP\"; grace = \"0\"; } );"
check "fio-helperd starts (as root, dropping to $HELPER_USER) with a 2FA policy for $POL_GROUP (grace 0) and answers fioctl status" start_helper ||
	bail "fio-helperd does not start"
PW_E="$(rand_pw)"
user_with_totp "$E2E_USER" "$PW_E" || bail "cannot add $E2E_USER to the store"
SEC_E=$SECRET
set -- $RECOVERY
REC1=$1
REC2=$2
PW_K="$(rand_pw)"
user_with_totp "$E2E_KUSER" "$PW_K" || bail "cannot add $E2E_KUSER to the store"
SEC_K=$SECRET
LAST_E=0
LAST_K=0

make_sshd_service kbd
check "sshd (LD_PRELOAD=pam_wrapper, its own PAM service dir) starts on 127.0.0.1, port chosen free" \
	start_sshd kbd keyboard-interactive "PubkeyAuthentication no" ||
	bail "sshd does not start"
PORT=$SSHD_PORT
KBD_LOG=$SSHD_LOG

# ---------------------------------------------------------------- password + code
# the replay below should be refused as a replay, not as too old: same step
ensure_margin 8
t_ok() {
	local s
	s=$(pick_step $LAST_E)
	CODE1=$(totp_at "$SEC_E" "$s")
	ssh_login "$PORT" "$E2E_USER" "$PW_E" "$CODE1"
	logged_in && prompted 1 1 && LAST_E=$s
}
check "ssh: 'Password:' then 'Verification code:' (keyboard-interactive), password + TOTP code: logged in, the command prints E2E-OK" \
	t_ok

t_audit() {
	if grep -q "event=auth user=\"$E2E_USER\" caller_uid=0 service=\"sshd\" rhost=\"127.0.0.1\".*result=success" \
		"$T/helper.log"; then
		return 0
	fi
	diag "no audit line for a successful sshd login from 127.0.0.1 in the helper's log:"
	grep 'fio-audit' "$T/helper.log" | tail -n 5 | sed 's/^/# /'
	return 1
}
check "the helper saw the login through sshd's PAM items (audit: caller_uid=0 service=\"sshd\" rhost=\"127.0.0.1\" result=success)" \
	t_audit

t_replay() {
	ssh_login "$PORT" "$E2E_USER" "$PW_E" "$CODE1"
	denied && prompted 1 1
}
check "the same code in a second ssh session: Permission denied" t_replay

t_wrong_code() {
	local c
	c=$(wrong_code "$SEC_E")
	ssh_login "$PORT" "$E2E_USER" "$PW_E" "$c"
	denied && prompted 1 1 && told "$M_FAILED"
}
check "a wrong code: the user sees 'Authentication failed.', Permission denied, nothing runs" t_wrong_code

t_wrong_pw() {
	local s
	s=$(pick_step $LAST_E)
	CODE2=$(totp_at "$SEC_E" "$s")
	ssh_login "$PORT" "$E2E_USER" "wrong-$PW_E" "$CODE2"
	denied && prompted 1 1 || return 1
	# the code was not used up by the failed login
	ssh_login "$PORT" "$E2E_USER" "$PW_E" "$CODE2"
	logged_in && LAST_E=$s
}
check "a wrong password with a valid code: Permission denied; the same code then logs in with the right password" \
	t_wrong_pw

# ---------------------------------------------------------------- recovery codes
t_recovery() {
	ssh_login "$PORT" "$E2E_USER" "$PW_E" "$REC1"
	logged_in && prompted 1 1
}
check "a recovery code at 'Verification code:' logs in" t_recovery

t_recovery_again() {
	ssh_login "$PORT" "$E2E_USER" "$PW_E" "$REC1"
	denied
}
check "the same recovery code a second time: Permission denied" t_recovery_again

t_recovery_lower() {
	ssh_login "$PORT" "$E2E_USER" "$PW_E" "$(printf '%s' "$REC2" | tr -d - | tr 'A-Z' 'a-z')"
	logged_in
}
check "another recovery code typed without dashes in lower case logs in" t_recovery_lower

# ---------------------------------------------------------------- enrolment in the login
# A store account made after the policy applied (the local account is in the
# group already): its first login must enrol. pty_login.exp reads the secret off the screen and
# types its code (E2E_CODE=@ENROL). A UTF-8 locale for ssh, which otherwise
# escapes the QR code's block characters. The transcript shows the secret
# and the recovery codes by design: it goes to a file of its own.
M_OVERDUE="Two-factor authentication is required for your account and is not set up yet. Set it up now to continue."
P_SAVED="Press Enter once you have saved the recovery codes: "
PW_N="$(rand_pw)"
add_user "$E2E_NUSER" "$PW_N" || bail "cannot add $E2E_NUSER to the store"

# shown_secret_ssh: the secret of the "Secret key: XXXX XXXX ..." line in OUT
shown_secret_ssh() {
	printf '%s\n' "$OUT" | grep -o 'Secret key: [A-Z2-7 ]*' | tail -n 1 |
		sed 's/^Secret key: //' | tr -d ' '
}
# line_no FIXED-STRING: the number of OUT's first line holding it (0: none)
line_no() {
	printf '%s\n' "$OUT" | grep -nF -m 1 -- "$1" | cut -d: -f1 | grep . || echo 0
}

t_enrol() {
	local uri n_qr l_code l_codes l_saved l_ok
	E2E_TRANSCRIPTS=$T/ssh-enrol.log LC_ALL=C.UTF-8 \
		ssh_login "$PORT" "$E2E_NUSER" "$PW_N" @ENROL
	SHOWN_N=$(shown_secret_ssh)
	note_secret "$SHOWN_N"
	CODES_N=$(printf '%s\n' "$OUT" |
		grep -oE '\b[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}\b' | sort -u | tr '\n' ' ')
	note_codes $CODES_N
	if [ "${ENROL_STEP:--1}" -ge 0 ] && [ -n "$SHOWN_N" ]; then
		ENROL_CODE=$(totp_at "$SHOWN_N" "$ENROL_STEP")
		note_secret "$ENROL_CODE"
	fi
	logged_in && prompted 1 1 || return 1
	[ "$NSAVED" = 1 ] || { diag "expected one '$P_SAVED' prompt, got ${NSAVED:-?}"; show_ssh; return 1; }
	printf '%s\n' "$OUT" | grep -qF "$M_OVERDUE" ||
		{ diag "no '$M_OVERDUE'"; show_ssh; return 1; }
	# the secret grouped in fours, the otpauth URI with the same secret
	printf '%s\n' "$OUT" | grep -qE '^Secret key: [A-Z2-7]{4}( [A-Z2-7]{1,4})+$' ||
		{ diag "no 'Secret key:' line with the secret in groups"; show_ssh; return 1; }
	uri=$(printf '%s\n' "$OUT" | grep -o 'otpauth://totp/[^ ]*' | head -n 1)
	case "$uri" in
	*"secret=$SHOWN_N"*) ;;
	*) diag "the otpauth URI '$uri' does not carry the secret shown"; return 1 ;;
	esac
	# the QR code: rows of full and half blocks (U+2588, U+2580, U+2584)
	n_qr=$(printf '%s\n' "$OUT" | grep -c -e '█' -e '▀' -e '▄')
	[ "$n_qr" -ge 10 ] || { diag "expected a QR code of block characters, found $n_qr rows"; show_ssh; return 1; }
	# in order: the secret and QR code with the code prompt, then the ten
	# recovery codes with the "saved" prompt, then the command's output
	set -- $CODES_N
	[ $# = 10 ] || { diag "expected 10 recovery codes, found $#"; show_ssh; return 1; }
	l_code=$(line_no "Verification code:")
	l_codes=$(line_no "$1")
	l_saved=$(line_no "$P_SAVED")
	l_ok=$(printf '%s\n' "$OUT" | grep -nx -m 1 E2E-OK | cut -d: -f1)
	if ! [ "$(line_no 'Secret key:')" -lt "$l_code" ] || ! [ "$l_code" -lt "$l_codes" ] ||
		! [ "$l_codes" -lt "$l_saved" ] || ! [ "$l_saved" -lt "${l_ok:-0}" ]; then
		diag "expected secret < 'Verification code:' < recovery codes < '$P_SAVED' < E2E-OK, lines $(line_no 'Secret key:') $l_code $l_codes $l_saved ${l_ok:-none}"
		show_ssh
		return 1
	fi
}
check "a new member of $POL_GROUP (added after the policy applied), first ssh login: after the password the keyboard-interactive text shows the 2FA notice, the secret in groups, the otpauth:// URI and a QR code of block characters with 'Verification code:'; the code made from the secret shown is accepted, ten recovery codes come with '$P_SAVED', Enter, and the command runs" \
	t_enrol

# (the confirmation code is echoed: that prompt is echo on, pam_fio(8))
t_enrol_echo() {
	local hits
	hits=$(grep -F -e "$PW_N" "$T/ssh-enrol.log" | head -n 3)
	[ -z "$hits" ] && return 0
	diag "echoed on the terminal:" "$hits"
	return 1
}
check "... the password typed there is not echoed" t_enrol_echo

t_enrol_state() {
	local out
	out=$(fioctl user show "$E2E_NUSER" 2>&1)
	printf '%s\n' "$out" | grep -qx 'totp: enrolled' &&
		printf '%s\n' "$out" | grep -qx 'recovery_codes_left: 10' && return 0
	diag "fioctl user show $E2E_NUSER (expected totp: enrolled, recovery_codes_left: 10):" "$out"
	return 1
}
check "fioctl user show: totp enrolled, 10 recovery codes left" t_enrol_state

t_enrol_next() {
	local s
	[ -n "$SHOWN_N" ] && [ "${ENROL_STEP:--1}" -ge 0 ] || { diag "the enrolment did not happen"; return 1; }
	# the confirmed step is used: the next code must be of a later one
	s=$(pick_step "$ENROL_STEP")
	ssh_login "$PORT" "$E2E_NUSER" "$PW_N" "$(totp_at "$SHOWN_N" "$s")"
	logged_in && prompted 1 1 || return 1
	if printf '%s\n' "$OUT" | grep -qE 'Secret key:|otpauth://|saved the recovery codes'; then
		diag "the second login showed enrolment text"
		show_ssh
		return 1
	fi
}
check "the next ssh login of that member asks 'Password:' and 'Verification code:'; a fresh code of the enrolled secret logs in (no enrolment text)" \
	t_enrol_next

t_enrol_replay() {
	ssh_login "$PORT" "$E2E_NUSER" "$PW_N" "$ENROL_CODE"
	denied && prompted 1 1
}
check "... and the code that confirmed the enrolment is refused afterwards (Permission denied)" t_enrol_replay

# ---------------------------------------------------------------- helper down (X3)
stop_helper
t_down() {
	local s
	s=$(pick_step $LAST_E)
	ssh_login "$PORT" "$E2E_USER" "$PW_E" "$(totp_at "$SEC_E" "$s")"
	denied || return 1
	if [ "$ELAPSED_MS" -gt 10000 ]; then
		diag "the denial took ${ELAPSED_MS} ms (more than 10 s)"
		return 1
	fi
}
check "helper stopped: the ssh login is denied within 10 s" t_down
t_down_msg() {
	told "$M_UNAVAIL" && prompted 0 0
}
check "helper stopped: the ssh user sees '$M_UNAVAIL' (and no prompt)" t_down_msg

check "the helper starts again" start_helper || bail "fio-helperd does not start again"

# killed while the user is at the code prompt: pty_login.exp runs
# E2E_BEFORE_CODE before it answers
t_killed() {
	local s
	s=$(pick_step $LAST_E)
	E2E_BEFORE_CODE="kill -KILL $HELPER_PID" \
		ssh_login "$PORT" "$E2E_USER" "$PW_E" "$(totp_at "$SEC_E" "$s")"
	stop_helper
	denied && told "$M_UNAVAIL" || return 1
	if [ "$ELAPSED_MS" -gt 10000 ]; then
		diag "the denial took ${ELAPSED_MS} ms (more than 10 s)"
		return 1
	fi
}
# (stderr: bash's "Killed" notice for the helper's job goes nowhere)
check "helper killed (SIGKILL) while the user is at 'Verification code:': denied within 10 s, the user sees '$M_UNAVAIL'" \
	t_killed 2>/dev/null

t_after_restart() {
	local s
	start_helper || return 1
	s=$(pick_step $LAST_E)
	ssh_login "$PORT" "$E2E_USER" "$PW_E" "$(totp_at "$SEC_E" "$s")"
	logged_in && LAST_E=$s
}
check "after a restart of the helper the next ssh login works" t_after_restart

# ---------------------------------------------------------------- many wrong codes on one connection (X1)
# Last for $E2E_USER: once the lockout of DESIGN.md ("Accounts and lockout")
# exists, these failures may lock the account.
audited_failures() {
	grep 'fio-audit: ' "$T/helper.log" | grep "user=\"$E2E_USER\" caller_uid=0 service=\"sshd\"" |
		grep -vc 'result=success'
}

t_many_wrong() {
	local c
	c=$(wrong_code "$SEC_E")
	FAILS_BEFORE=$(audited_failures)
	E2E_MAX_ANSWERS=20 ssh_login "$PORT" "$E2E_USER" "$PW_E" "$c" \
		-o PreferredAuthentications=keyboard-interactive -o PubkeyAuthentication=no \
		-o NumberOfPasswordPrompts=20
	denied "Too many authentication failures" || return 1
	# Every attempt is a full password + code conversation (one
	# pam_authenticate each). pam_fio has no per-connection cap or failure
	# delay of its own: sshd's MaxAuthTries (6 here) is what ends the
	# connection. (A locked account may skip the code prompt: NCODE <= NPW.)
	diag "attempts on one connection: $NPW, in $ELAPSED_MS ms"
	if [ "$NPW" -ge 1 ] && [ "$NPW" -le 6 ] && [ "$NCODE" -le "$NPW" ]; then
		return 0
	fi
	diag "expected 1 to 6 attempts on one connection (MaxAuthTries 6), got $NPW passwords and $NCODE codes"
	show_ssh
	return 1
}
check "a client that keeps sending wrong codes gets at most MaxAuthTries attempts on one connection, then 'Too many authentication failures'" \
	t_many_wrong

t_many_counted() {
	local n
	n=$(($(audited_failures) - FAILS_BEFORE))
	if [ "$n" -ge "$NPW" ]; then return 0; fi
	diag "expected $NPW more refusals in the helper's audit lines, found $n"
	return 1
}
check "each of those attempts is an audited failure in the helper" t_many_counted

# ---------------------------------------------------------------- publickey + code (X2)
make_sshd_service key factor=second
check "a second sshd: AuthenticationMethods publickey,keyboard-interactive with pam_fio factor=second" \
	start_sshd key publickey,keyboard-interactive \
	"PubkeyAuthentication yes
AuthorizedKeysFile $T/ssh/authorized_keys" ||
	bail "the publickey sshd does not start"
KPORT=$SSHD_PORT
KEY_LOG=$SSHD_LOG
KEY_OPTS="-i $T/ssh/client_ed25519 -o PreferredAuthentications=publickey,keyboard-interactive -o NumberOfPasswordPrompts=1"

t_key_ok() {
	local s
	s=$(pick_step $LAST_K)
	KCODE=$(totp_at "$SEC_K" "$s")
	ssh_login "$KPORT" "$E2E_KUSER" "$PW_K-never-asked" "$KCODE" $KEY_OPTS
	logged_in && prompted 0 1 && LAST_K=$s
}
check "key + code: only 'Verification code:' is asked (no password), then logged in" t_key_ok

t_key_replay() {
	ssh_login "$KPORT" "$E2E_KUSER" "$PW_K-never-asked" "$KCODE" $KEY_OPTS
	denied && prompted 0 1
}
check "key + the same code in a second ssh session: Permission denied" t_key_replay

t_key_nokey() {
	local s
	s=$(pick_step $LAST_K)
	ssh_login "$KPORT" "$E2E_KUSER" "$PW_K" "$(totp_at "$SEC_K" "$s")"
	denied && prompted 0 0
}
check "without the key, keyboard-interactive alone is not offered: Permission denied" t_key_nokey

# ---------------------------------------------------------------- nothing secret
stop_sshds
t_sshd_logs() {
	local f hits=
	for f in "$KBD_LOG" "$KEY_LOG"; do
		[ -s "$f" ] || { diag "$f is empty"; return 1; }
	done
	# whole words: a 6-digit code must not be found inside a longer number
	hits=$(grep -wF -f "$T/secrets.txt" "$KBD_LOG" "$KEY_LOG" | head -n 5)
	if [ -z "$hits" ]; then
		diag "checked $(sort -u "$T/secrets.txt" | wc -l) secrets against $(cat "$KBD_LOG" "$KEY_LOG" | wc -l) lines of sshd log (LogLevel DEBUG3)"
		return 0
	fi
	diag "found:" "$hits"
	return 1
}
check "sshd's logs (DEBUG3) hold no password, code, TOTP secret or recovery code" t_sshd_logs

t_sanitizers() {
	local hits
	hits=$(grep -E 'ERROR: AddressSanitizer|runtime error:|preauth child terminated by signal' \
		"$KBD_LOG" "$KEY_LOG" | head -n 5)
	[ -z "$hits" ] && return 0
	diag "found:" "$hits"
	return 1
}
check "no sanitizer report and no crashed sshd child in sshd's logs" t_sanitizers

t_transcripts() {
	local hits
	hits=$(grep -wF -f "$T/secrets.txt" "$T/ssh-transcripts.log" | head -n 5)
	[ -z "$hits" ] && return 0
	diag "echoed on the terminal:" "$hits"
	return 1
}
check "no password or code is echoed on the user's terminal" t_transcripts

done_testing
