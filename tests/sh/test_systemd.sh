#!/bin/bash
# systemd integration without systemd as PID 1: socket activation through
# systemd-socket-activate (the helper gets LISTEN_PID, LISTEN_FDS and
# LISTEN_FDNAMES and fd 3, as from fio-helperd.socket), readiness through a
# NOTIFY_SOCKET that a small python3 datagram listener here plays (READY=1,
# RELOADING=1/READY=1 around SIGHUP, STOPPING=1 on SIGTERM; it checks the
# sender's pid with SO_PASSCRED, as systemd's NotifyAccess=main does), the
# refusals (a passed fd that is not a listening Unix stream socket; malformed
# variables), LISTEN_PID of another process ignored, and `systemd-analyze
# verify` of the units in conf/systemd with their ExecStart= pointed at the
# built programs.
#
# Missing systemd-socket-activate or systemd-analyze (package systemd) is a
# failure, not a skip.
[ -n "$BASH_VERSION" ] || exec bash "$0" "$@"
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/harness.sh"

: "${SOCKET_ACTIVATE:=$(command -v systemd-socket-activate)}"
: "${SYSTEMD_ANALYZE:=$(command -v systemd-analyze)}"

setup
missing=
[ -x "$SOCKET_ACTIVATE" ] || missing="$missing systemd-socket-activate(systemd)"
[ -x "$SYSTEMD_ANALYZE" ] || missing="$missing systemd-analyze(systemd)"
[ -z "$missing" ] || bail "missing:$missing (scripts/deps.sh installs them)"

# ---------------------------------------------------------------- NOTIFY_SOCKET
# notify.py ADDR LOG SECONDS: receives datagrams on ADDR (a path, or @name for
# the abstract namespace) for at most SECONDS; writes one line per datagram to
# LOG: "<sender pid> <the message, newlines as |>".
cat >"$T/notify.py" <<'EOF'
import os, socket, struct, sys, time
addr, log, secs = sys.argv[1], sys.argv[2], float(sys.argv[3])
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
if addr.startswith("@"):
    s.bind("\0" + addr[1:])
else:
    s.bind(addr)
    os.chmod(addr, 0o666)  # the helper sends as its own user
end = time.monotonic() + secs
with open(log + ".tmp", "w") as f:
    pass
os.rename(log + ".tmp", log)  # the log exists: the socket is bound
while time.monotonic() < end:
    s.settimeout(max(0.05, end - time.monotonic()))
    try:
        msg, anc, _, _ = s.recvmsg(4096, socket.CMSG_SPACE(12))
    except socket.timeout:
        continue
    pid = 0
    for level, kind, data in anc:
        if level == socket.SOL_SOCKET and kind == socket.SCM_CREDENTIALS:
            pid = struct.unpack("iII", data[:12])[0]
    with open(log, "a") as f:
        f.write("%d %s\n" % (pid, msg.decode("utf-8", "replace").replace("\n", "|")))
EOF

NOTIFY_PID=
# start_notify ADDR: the listener for 120 s; NOTIFY_LOG is its log.
start_notify() {
	local i=0
	NOTIFY_ADDR=$1
	NOTIFY_LOG=$T/notify.$RANDOM.log
	"$PYTHON" "$T/notify.py" "$NOTIFY_ADDR" "$NOTIFY_LOG" 120 2>"$T/notify.err" &
	NOTIFY_PID=$!
	FAKE_PIDS="$FAKE_PIDS $NOTIFY_PID"
	while [ ! -f "$NOTIFY_LOG" ] && [ $i -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	[ -f "$NOTIFY_LOG" ] || { diag "the notify listener did not start:" "$(cat "$T/notify.err")"; return 1; }
}

stop_notify() {
	[ -n "$NOTIFY_PID" ] && kill "$NOTIFY_PID" 2>/dev/null && wait "$NOTIFY_PID" 2>/dev/null
	NOTIFY_PID=
	return 0
}

# wait_notify REGEX [SECONDS]: a line of NOTIFY_LOG matches (within 5 s).
wait_notify() {
	local i=0 n=$((${2:-5} * 10))
	while [ $i -lt $n ]; do
		grep -qE -- "$1" "$NOTIFY_LOG" 2>/dev/null && return 0
		sleep 0.1
		i=$((i + 1))
	done
	diag "no notification matching '$1' within ${2:-5} s; received:"
	sed 's/^/#   /' "$NOTIFY_LOG" 2>/dev/null
	return 1
}

# ---------------------------------------------------------------- starting the helper
# The sanitizers' settings pass through systemd-socket-activate, which gives
# its child a fresh environment.
san_env() {
	local v
	for v in ASAN_OPTIONS UBSAN_OPTIONS LSAN_OPTIONS; do
		[ -n "${!v}" ] && printf -- '-E %s=%s\n' "$v" "${!v}"
	done
}

# start_activated SOCKPATH [systemd-socket-activate options]: systemd-socket-activate
# listens on SOCKPATH and execs the helper (same pid: HELPER_PID) at the first
# connection, with NOTIFY_SOCKET=$NOTIFY_ADDR.
start_activated() {
	local path=$1 i=0
	shift
	rm -f "$path"
	echo "=== start (socket-activated on $path) $(date +%T)" >>"$T/helper.log"
	# shellcheck disable=SC2046
	"$SOCKET_ACTIVATE" -l "$path" -E NOTIFY_SOCKET="$NOTIFY_ADDR" $(san_env) "$@" \
		"$FIO_HELPERD" --config "$T/fio.conf" --foreground $HELPER_ARGS \
		>>"$T/helper.out" 2>>"$T/helper.log" </dev/null &
	HELPER_PID=$!
	while [ ! -S "$path" ] && [ $i -lt 50 ] && proc_alive "$HELPER_PID"; do
		sleep 0.1
		i=$((i + 1))
	done
	[ -S "$path" ] && return 0
	diag "systemd-socket-activate did not listen on $path; the log:"
	tail -n 10 "$T/helper.log" | sed 's/^/# /'
	return 1
}

# is_helper PID: PID runs the helper's binary (not systemd-socket-activate).
is_helper() {
	[ "$(readlink "/proc/$1/exe" 2>/dev/null)" = "$(readlink -f "$FIO_HELPERD")" ]
}

# passfd.py KIND [ARGS...] -- COMMAND...: puts a socket (or file) of KIND on
# fd 3, sets LISTEN_PID to its own pid (kept by exec), LISTEN_FDS (1, or 2 for
# "two") and LISTEN_FDNAMES, then execs COMMAND. LISTEN_FDS_VALUE overrides
# LISTEN_FDS.
cat >"$T/passfd.py" <<'EOF'
import os, socket, sys
kind, rest = sys.argv[1], sys.argv[2:]
sep = rest.index("--")
args, cmd = rest[:sep], rest[sep + 1:]
keep = []
def unix(kind_, path=None, listen=False):
    s = socket.socket(socket.AF_UNIX, kind_)
    if path:
        if os.path.exists(path):
            os.unlink(path)
        s.bind(path)
    if listen:
        s.listen(16)
    keep.append(s)
    return s.fileno()
if kind == "file":
    fds = [os.open("/dev/null", os.O_RDONLY)]
elif kind == "unix-dgram":
    fds = [unix(socket.SOCK_DGRAM, args[0])]
elif kind == "unix-unlistened":
    fds = [unix(socket.SOCK_STREAM, args[0])]
elif kind == "tcp-listening":
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    s.listen(16)
    keep.append(s)
    fds = [s.fileno()]
elif kind == "two":
    fds = [unix(socket.SOCK_STREAM, args[0], True), unix(socket.SOCK_STREAM, args[1], True)]
elif kind == "none":
    fds = []
else:
    sys.exit("passfd.py: unknown kind " + kind)
for i, fd in enumerate(fds):
    os.dup2(fd, 3 + i, inheritable=True)
os.environ["LISTEN_PID"] = str(os.getpid())
os.environ["LISTEN_FDS"] = os.environ.get("LISTEN_FDS_VALUE", str(len(fds)))
os.environ["LISTEN_FDNAMES"] = ":".join("fd%d" % i for i in range(len(fds)))
os.execv(cmd[0], cmd)
EOF

# start_refused KIND [ARGS...]: the helper with fd 3 from passfd.py; it must
# exit with status 1 within 10 s. REFUSED_RC is its status, REFUSED_LOG its log.
start_refused() {
	local i=0 pid
	REFUSED_LOG=$T/refused.$1.log
	"$PYTHON" "$T/passfd.py" "$@" -- "$FIO_HELPERD" --config "$T/fio.conf" --foreground \
		$HELPER_ARGS >/dev/null 2>"$REFUSED_LOG" </dev/null &
	pid=$!
	while proc_alive "$pid" && [ $i -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	if proc_alive "$pid"; then
		kill -KILL "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
		REFUSED_RC=hung
	else
		wait "$pid"
		REFUSED_RC=$?
	fi
	cat "$REFUSED_LOG" >>"$T/helper.log"
	[ "$REFUSED_RC" = 1 ] && return 0
	diag "expected exit status 1, got $REFUSED_RC; its log:"
	sed 's/^/#   /' "$REFUSED_LOG"
	return 1
}

refused_says() {
	grep -qF -- "$1" "$REFUSED_LOG" && return 0
	diag "its log lacks: $1"
	sed 's/^/#   /' "$REFUSED_LOG"
	return 1
}

# ================================================================ socket activation
start_notify "$T/notify.sock" || bail "the NOTIFY_SOCKET listener did not start"
start_activated "$SOCK" --fdname=fio-helperd.socket || bail "systemd-socket-activate did not start"

t_waits() {
	sleep 0.3
	if is_helper "$HELPER_PID" || [ -s "$NOTIFY_LOG" ]; then
		diag "the helper ran before the first connection"
		return 1
	fi
}
check "systemd-socket-activate holds the socket; nothing runs the helper before the first client" t_waits

t_first_client() {
	local i=0
	# the first connection starts the helper; a slow start (sanitizers) may
	# outlast fioctl's own deadline, so ask again for up to 10 s
	run_ctl status
	while [ "$CTL_RC" != 0 ] && [ $i -lt 20 ] && proc_alive "$HELPER_PID"; do
		sleep 0.5
		i=$((i + 1))
		run_ctl status
	done
	ctl_ok || return 1
	is_helper "$HELPER_PID" || { diag "pid $HELPER_PID is not fio-helperd"; return 1; }
	grep -qF 'using the listening socket passed by the service manager (fd 3, fio-helperd.socket)' \
		"$T/helper.log" || { diag "no log line about the passed socket"; tail -n 5 "$T/helper.log" | sed 's/^/# /'; return 1; }
}
check "the first client (fioctl status) starts the helper on the passed socket and is answered" t_first_client

t_ready() {
	wait_notify "^$HELPER_PID READY=1\|STATUS=serving on $SOCK\$" || return 1
	[ "$(grep -c 'READY=1' "$NOTIFY_LOG")" = 1 ] || { diag "READY=1 more than once"; return 1; }
}
check "READY=1 (with STATUS=serving on ...) from the helper's own pid, once" t_ready

t_login() {
	fresh_user sd_user1 || return 1
	make_service sd
	login -a sd sd_user1 "$PW" "$(code_now "$SECRET")"
	expect_auth PAM_SUCCESS && expect_acct PAM_SUCCESS
}
check "a login with password and code through the activated socket: PAM_SUCCESS" t_login

t_reload() {
	kill -HUP "$HELPER_PID"
	wait_notify "^$HELPER_PID RELOADING=1\|MONOTONIC_USEC=[0-9]+\$" || return 1
	wait_notify "^$HELPER_PID READY=1" || return 1
	# READY=1 twice now (start, reload), the second after RELOADING=1
	awk '/RELOADING=1/ { r = NR } /READY=1/ { last = NR } END { exit !(r && last > r) }' \
		"$NOTIFY_LOG" || { diag "READY=1 did not follow RELOADING=1:"; sed 's/^/#   /' "$NOTIFY_LOG"; return 1; }
	run_ctl status
	ctl_ok
}
check "SIGHUP: RELOADING=1 with MONOTONIC_USEC, then READY=1; still serving" t_reload

t_reload_bad() {
	local n
	n=$(grep -c 'READY=1' "$NOTIFY_LOG")
	cp "$T/fio.conf" "$T/fio.conf.good"
	extra_config "no_such_key = 1;"
	kill -HUP "$HELPER_PID"
	wait_notify "^$HELPER_PID RELOADING=1" || return 1
	local i=0
	while [ "$(grep -c 'READY=1' "$NOTIFY_LOG")" -le "$n" ] && [ $i -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	cp "$T/fio.conf.good" "$T/fio.conf"
	[ "$(grep -c 'READY=1' "$NOTIFY_LOG")" -gt "$n" ] || { diag "no READY=1 after a refused reload"; sed 's/^/#   /' "$NOTIFY_LOG"; return 1; }
	run_ctl status
	ctl_ok
}
check "SIGHUP with a bad file: the old configuration stays and READY=1 still follows" t_reload_bad

t_stop() {
	stop_helper TERM
	[ "$HELPER_RC" = 0 ] || { diag "exit status $HELPER_RC"; return 1; }
	wait_notify "^[0-9]+ STOPPING=1" 1 || return 1
	if [ ! -S "$SOCK" ]; then
		diag "the helper removed $SOCK, which belongs to the service manager"
		return 1
	fi
}
check "SIGTERM: STOPPING=1, exit 0, and the passed socket's path is left to the service manager" t_stop
stop_notify

t_other_path() {
	local other=$T/run/other.sock
	start_notify "@fio-test-notify-$$-$RANDOM" || return 1
	start_activated "$other" || return 1
	FIO_HELPER_USER=$HELPER_USER setsid -w "$FIOCTL" --socket "$other" status >/dev/null 2>&1 ||
		{ diag "fioctl --socket $other status failed"; return 1; }
	grep -q "the socket passed by the service manager (unnamed) is $other, not $SOCK" "$T/helper.log" ||
		{ diag "no warning about the path"; tail -n 5 "$T/helper.log" | sed 's/^/# /'; return 1; }
	wait_notify "^$HELPER_PID READY=1\|STATUS=serving on $other\$" || return 1
	grep -qF "listening on $other (store" "$T/helper.log" ||
		{ diag "the helper does not log the passed socket's path"; return 1; }
	stop_helper
	stop_notify
}
check "a passed socket at another path: a warning naming both paths, served all the same; READY=1 over an abstract NOTIFY_SOCKET" t_other_path

# ================================================================ LISTEN_PID of another process
t_foreign_pid() {
	local real=$FIO_HELPERD rc
	cat >"$T/foreign-pid" <<EOS
#!/bin/sh
exec env LISTEN_PID=1 LISTEN_FDS=1 LISTEN_FDNAMES=bogus "$real" "\$@" 3</dev/null
EOS
	chmod 0755 "$T/foreign-pid"
	FIO_HELPERD=$T/foreign-pid
	start_helper
	rc=$?
	FIO_HELPERD=$real
	[ $rc = 0 ] || return 1
	grep -qF 'LISTEN_FDS is meant for process 1, not this one: ignored' "$T/helper.log" ||
		{ diag "no log line about the ignored LISTEN_FDS"; return 1; }
	fresh_user sd_user2 || return 1
	login sd sd_user2 "$PW" "$(code_now "$SECRET")"
	expect_auth PAM_SUCCESS || return 1
	stop_helper
	[ "$HELPER_RC" = 0 ] || { diag "exit status $HELPER_RC"; return 1; }
	[ ! -e "$SOCK" ] || { diag "the helper left its own socket $SOCK behind"; return 1; }
}
check "LISTEN_PID of another process: ignored; the helper binds its socket itself and removes it at exit" t_foreign_pid

# ================================================================ refusals
t_refuse() { # KIND [ARGS...]
	rm -f "$SOCK"
	start_refused "$@" || return 1
	refused_says "fd 3 passed by the service manager (LISTEN_FDS, fd0) is not a listening Unix stream socket; refusing to start" || return 1
	[ ! -e "$SOCK" ] || { diag "the helper bound $SOCK although it was given a socket"; return 1; }
}
check "a passed /dev/null instead of a socket: refused with a clear error, exit 1" t_refuse file
check "a passed Unix datagram socket: refused" t_refuse unix-dgram "$T/run/dgram.sock"
check "a passed Unix stream socket that does not listen: refused" t_refuse unix-unlistened "$T/run/unl.sock"
check "a passed listening TCP socket: refused" t_refuse tcp-listening

t_two() {
	start_refused two "$T/run/a.sock" "$T/run/b.sock" &&
		refused_says "the service manager passed 2 sockets (LISTEN_FDS); fio-helperd takes exactly one"
}
check "two passed sockets: refused" t_two

t_bad_count() {
	LISTEN_FDS_VALUE=x1 start_refused none &&
		refused_says 'LISTEN_FDS="x1" is not a number from 0 to 16'
}
check "LISTEN_FDS for this pid but not a number: refused" t_bad_count

# fd 3 is whatever the helper opened first (its syslog socket, say) or not
# open at all: either way it is not taken for the listening socket.
t_no_fd() {
	LISTEN_FDS_VALUE=1 start_refused none || return 1
	grep -qE 'fd 3 (passed by the service manager .* is not a listening Unix stream socket|is not open)' \
		"$REFUSED_LOG" || { diag "no error about fd 3:"; sed 's/^/#   /' "$REFUSED_LOG"; return 1; }
}
check "LISTEN_FDS=1 for this pid but no fd passed: refused" t_no_fd

# ================================================================ the unit files
t_verify() {
	local d=$T/units u
	mkdir -p "$d"
	for u in "$top_srcdir"/conf/systemd/*.service "$top_srcdir"/conf/systemd/*.socket \
		"$top_srcdir"/conf/systemd/*.timer; do
		sed -e "s#/usr/sbin/fio-helperd#$FIO_HELPERD#g" -e "s#/usr/bin/fioctl#$FIOCTL#g" \
			"$u" >"$d/$(basename "$u")"
	done
	[ -f "$d/fio-helperd.service" ] && [ -f "$d/fio-helperd.socket" ] &&
		[ -f "$d/fio-enforce.service" ] && [ -f "$d/fio-enforce.timer" ] ||
		{ diag "units missing in conf/systemd:" "$(ls "$d")"; return 1; }
	# --man=no: the man pages are installed only by the packages
	# (scripts/test-package.sh verifies the installed units with them)
	(cd "$d" && "$SYSTEMD_ANALYZE" verify --man=no ./*.service ./*.socket ./*.timer) \
		>"$T/verify.out" 2>&1 && [ ! -s "$T/verify.out" ] && return 0
	diag "systemd-analyze verify:" "$(cat "$T/verify.out")"
	return 1
}
check "systemd-analyze verify: fio-helperd.service, fio-helperd.socket, fio-enforce.service, fio-enforce.timer" t_verify

# systemd's own score of the sandbox (0 best, 10 worst; 1.4 when written).
t_security() {
	local level
	"$SYSTEMD_ANALYZE" security --offline=true "$T/units/fio-helperd.service" >"$T/security.out" 2>&1
	level=$(sed -n 's/^.*Overall exposure level for fio-helperd.service: \([0-9.]*\).*$/\1/p' "$T/security.out")
	if [ -n "$level" ] && awk -v l="$level" 'BEGIN { exit !(l <= 2.0) }'; then
		diag "exposure level $level"
		return 0
	fi
	diag "systemd-analyze security --offline=true: exposure '${level:-none}' (at most 2.0 wanted):"
	grep -E 'Overall|✗' "$T/security.out" | sed 's/^/#   /'
	return 1
}
check "systemd-analyze security --offline=true: fio-helperd.service's exposure level is at most 2.0" t_security

t_unit_settings() {
	local u=$top_srcdir/conf/systemd/fio-helperd.service s=$top_srcdir/conf/systemd/fio-helperd.socket k
	for k in 'Type=notify' 'User=_fio' 'Group=_fio' 'NoNewPrivileges=yes' 'ProtectSystem=strict' \
		'ProtectHome=yes' 'PrivateTmp=yes' 'RestrictAddressFamilies=AF_UNIX' 'CapabilityBoundingSet=' \
		'SystemCallFilter=@system-service' 'StateDirectory=fio' 'StateDirectoryMode=0700' \
		'ExecReload=/bin/kill -HUP $MAINPID' 'ExecStart=/usr/sbin/fio-helperd'; do
		grep -qxF -- "$k" "$u" || { diag "fio-helperd.service lacks the line $k"; return 1; }
	done
	for k in 'ListenStream=/run/fio/helper.sock' 'SocketMode=0666'; do
		grep -qxF -- "$k" "$s" || { diag "fio-helperd.socket lacks the line $k"; return 1; }
	done
}
check "fio-helperd.service: notify, _fio, the hardening the issue asks for; the socket at /run/fio/helper.sock, 0666" t_unit_settings

done_testing
