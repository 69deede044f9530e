#!/bin/bash
# Bad input at every entry point that takes a password or a user name: the
# login (pam_fio.so under pam_wrapper), `fioctl user add`, `fioctl passwd` and
# the raw protocol (hand-made frames). Passwords of 0 bytes, 100 KB, invalid
# UTF-8 and with an embedded NUL; user names with "/", "..", a newline, empty,
# 100 KB and 1 MB. Each is refused cleanly: the exact PAM code and transcript
# (or fioctl's exit status and one "fioctl: ..." line, or the connection
# closed), the module's syslog line where the module refuses by itself, the
# helper still serving, and nothing written to the store: `sqlite3 .dump` of
# every table is the same before and after, except the activity log (events),
# which records refused attempts, and for logins that reach the helper the
# lockout counters (a failed attempt counts). The events never hold the
# payloads.
[ -n "$BASH_VERSION" ] || exec bash "$0" "$@"
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/harness.sh"

setup
# no lock may change the messages: the account fails many times here
extra_config "lockout = { max_failures = 1000; per_source_max = 1000; };"
check "fio-helperd starts" start_helper || bail "fio-helperd does not start"
make_service fio
[ -f "$PWRAP_MODDIR/pam_set_items.so" ] || bail "pam_wrapper's pam_set_items.so not found"
# use_first_pass: PAM_AUTHTOK from the environment (pam_set_items)
make_service fiotok "use_first_pass" "auth required $PWRAP_MODDIR/pam_set_items.so"
[ -x "$SQLITE3" ] || bail "missing: sqlite3"

PW_B="Wq7e-Harbor-Mist-Fog9"
user_with_totp badu "$PW_B" || bail "cannot set up badu"
SEC_B=$SECRET
GOOD_PW="Zt5k-Lantern-Qw8v-Dune" # passes the quality rules (for the name cases)
note_secret "$GOOD_PW"

# Markers inside the payloads: they must never reach the events or the log.
BIG_MARK=bigpw-MARKER-$RANDOM
NUL_MARK=nultail-MARKER-$RANDOM
note_secret "$BIG_MARK"
note_secret "$NUL_MARK"
BIG_PW=$BIG_MARK$(head -c $((102400 - ${#BIG_MARK})) /dev/zero | tr '\0' x) # 100 KB
BAD_UTF8=$(printf 'Zt5k-Lan\377\376tern-9183') # valid length, invalid UTF-8
NL_NAME=$(printf 'a\nb')
BIG_NAME=$(head -c 102400 /dev/zero | tr '\0' u) # the most one argument can hold is 128 KiB
printf '%s' "$(head -c 1048576 /dev/zero | tr '\0' u)" >"$T/work/name.1mb"

# ---------------------------------------------------------------- the store
# store_tables [EXCLUDED...]: the store's tables but those.
store_tables() {
	local q="SELECT name FROM sqlite_master WHERE type = 'table'" t
	for t in "$@"; do q="$q AND name != '$t'"; done
	"$SQLITE3" -readonly -cmd '.timeout 5000' "$T/state/fio.db" "$q ORDER BY name;"
}

# snap [EXCLUDED...]: the dump of every table but events (and EXCLUDED) into
# $T/work/snap.before. EXCLUDED is remembered for unchanged.
SNAP_EXCL=
snap() {
	SNAP_EXCL="events $*"
	store_dump >"$T/work/snap.before"
}

store_dump() {
	"$SQLITE3" -readonly -cmd '.timeout 5000' "$T/state/fio.db" ".dump $(store_tables $SNAP_EXCL | tr '\n' ' ')"
}

# unchanged: the same dump as at snap; else the difference.
unchanged() {
	store_dump >"$T/work/snap.after"
	cmp -s "$T/work/snap.before" "$T/work/snap.after" && return 0
	diag "the store changed (tables but $SNAP_EXCL):"
	diff "$T/work/snap.before" "$T/work/snap.after" | head -n 10 | cut -c1-200 | sed 's/^/#   /'
	return 1
}

# events_count: rows in the activity log.
events_count() {
	"$SQLITE3" -readonly -cmd '.timeout 5000' "$T/state/fio.db" "SELECT count(*) FROM events;"
}

# serving: the helper runs and answers.
serving() {
	helper_alive && fioctl status >/dev/null 2>&1 ||
		{ diag "fio-helperd does not answer fioctl status"; return 1; }
}

# ---------------------------------------------------------------- logins
# login_sys [pamconv options] SERVICE USER [ANSWER...]: login (harness) with
# pam_wrapper's tracing on, which prints the module's pam_syslog lines; SYSLOG
# is them, one per line ("SYSLOG(<priority>): <text>").
login_sys() {
	PAM_WRAPPER_DEBUGLEVEL=3 login "$@"
	SYSLOG=$(sed -n 's/^PWRAP_DEBUG.* - \(SYSLOG(.*\)$/\1/p' "$T/work/pamconv.err")
}

# syslog_has TEXT: the module logged a line with TEXT.
syslog_has() {
	printf '%s\n' "$SYSLOG" | grep -qF -- "$1" && return 0
	diag "the module logged no line with '$1'; its lines:" "${SYSLOG:-(none)}"
	return 1
}

# only_auth CODE: the transcript is just "AUTH CODE": no conversation at all.
only_auth() {
	expect_auth "$1" || return 1
	[ "$(printf '%s\n' "$OUT" | grep -vc '^AUTH ')" = 0 ] && return 0
	diag "expected no conversation before the verdict"
	show_transcript
	return 1
}

# references: a wrong password of badu, and a name that is not an account
login fio badu "wrong-$PW_B" 000000
REF_WRONG=$OUT
login fio nosuchbad "wrong-$PW_B" 000000
REF_UNKNOWN=$OUT

t_refs() {
	OUT=$REF_WRONG AUTH=PAM_AUTH_ERR
	expect_prompts "$P_PASS" "$P_CODE" && has_line "$M_FAILED" || return 1
	[ "$REF_WRONG" = "$REF_UNKNOWN" ] ||
		{ diag "an unknown name's transcript differs:" "$REF_UNKNOWN"; return 1; }
}
check "reference: a wrong password and an unknown name give the same transcript (both prompts, '${M_FAILED#ERROR }', PAM_AUTH_ERR)" \
	t_refs

# same_as REF: the last transcript is exactly REF.
same_as() {
	[ "$OUT" = "$1" ] && return 0
	diag "the transcript differs from the reference:" "$1"
	show_transcript
	return 1
}

# ---- passwords at the login
t_login_empty_pw() {
	snap lockout lockout_pad
	login fio badu "" "$(code_now "$SEC_B")"
	same_as "$REF_WRONG" && unchanged
}
check "login: a 0-byte password (and the right code) is a wrong password: same transcript, PAM_AUTH_ERR, the code not consumed" \
	t_login_empty_pw

t_login_big_pw() {
	local n
	snap lockout lockout_pad
	n=$(events_count)
	login_sys fio badu "$BIG_PW" 000000
	expect_auth PAM_AUTH_ERR && expect_prompts "$P_PASS" && has_line "$M_FAILED" &&
		syslog_has "answer over 512 bytes refused" && unchanged && serving || return 1
	[ "$(events_count)" -le $((n + 1)) ] || { diag "more than one event for one attempt"; return 1; }
}
check "login: a 100 KB password is refused by the module: 'Password: ' only, '${M_FAILED#ERROR }', PAM_AUTH_ERR, syslog 'answer over 512 bytes refused'; the helper serves on" \
	t_login_big_pw

t_login_513() {
	local a512 a513
	a512=$(printf '%512s' '' | tr ' ' y)
	a513=${a512}y
	snap lockout lockout_pad
	login_sys fio badu "$a513" 000000
	expect_auth PAM_AUTH_ERR && expect_prompts "$P_PASS" && syslog_has "answer over 512 bytes refused" &&
		unchanged || return 1
	# 512 bytes is the limit: a wrong password like any other
	login fio badu "$a512" 000000
	same_as "$REF_WRONG"
}
check "login: 513 bytes is refused by the module the same way; 512 bytes is an ordinary wrong password" t_login_513

t_login_big_authtok() {
	snap lockout lockout_pad
	PAM_AUTHTOK=$BIG_PW login_sys fiotok badu 000000
	only_auth PAM_AUTH_ERR && syslog_has "PAM_AUTHTOK over 512 bytes refused" && unchanged
}
check "login (use_first_pass): a 100 KB PAM_AUTHTOK from an earlier module is refused: PAM_AUTH_ERR, no prompt, syslog 'PAM_AUTHTOK over 512 bytes refused'" \
	t_login_big_authtok

t_login_bad_utf8() {
	snap lockout lockout_pad
	login fio badu "$BAD_UTF8" 000000
	same_as "$REF_WRONG" && unchanged
}
check "login: a password of invalid UTF-8 is a wrong password (same transcript, PAM_AUTH_ERR)" t_login_bad_utf8

# ---- user names at the login
t_login_names_helper() {
	local n
	snap lockout_pad
	for n in "a/b" ".." "../etc"; do
		login fio "$n" "$PW_B" 000000
		same_as "$REF_UNKNOWN" || { diag "user name '$n'"; return 1; }
	done
	unchanged
}
check "login: the names a/b, .., ../etc get the transcript of an unknown name (PAM_AUTH_ERR); nothing written" \
	t_login_names_helper

t_login_names_module() {
	local n name e0
	e0=$(events_count)
	snap
	for n in newline empty invalid-utf8 257-bytes 100KB; do
		case $n in
		newline) name=$NL_NAME ;;
		empty) name= ;;
		invalid-utf8) name=$(printf 'a\377b') ;;
		257-bytes) name=$(printf '%257s' '' | tr ' ' u) ;;
		100KB) name=$BIG_NAME ;;
		esac
		login_sys fio "$name" "$PW_B" 000000
		only_auth PAM_AUTH_ERR && syslog_has "empty, over-long or malformed user name refused" ||
			{ diag "user name: $n"; return 1; }
		login_sys -A fio "$name"
		expect_acct PAM_USER_UNKNOWN && syslog_has "empty, over-long or malformed user name refused" ||
			{ diag "pam_acct_mgmt, user name: $n"; return 1; }
	done
	[ "$(events_count)" = "$e0" ] || { diag "the helper recorded events: it was asked"; return 1; }
	unchanged
}
check "login: names with a newline, empty, invalid UTF-8, of 257 bytes and of 100 KB are refused by the module: pam_authenticate PAM_AUTH_ERR with no prompt, pam_acct_mgmt PAM_USER_UNKNOWN, a syslog line; the helper is never asked" \
	t_login_names_module

# pam_get_user asks for the name when the application gives none (login(1)):
# a 1 MB answer, through libpam itself (python ctypes; pamconv and pamtester
# take the name as an argument, which cannot be 1 MB)
cat >"$T/getuser.py" <<'EOF'
"""getuser.py SERVICE FILE...: pam_start() with no user, then pam_authenticate();
each prompt is answered with the bytes of the next FILE. Prints the messages,
then "AUTH <code>". Run under pam_wrapper (LD_PRELOAD)."""
import ctypes
import sys

ctypes.CDLL("libpam.so.0", mode=ctypes.RTLD_GLOBAL)
g = ctypes.CDLL(None)  # the global scope, so that pam_wrapper's pam_start is used


class Msg(ctypes.Structure):
    _fields_ = [("msg_style", ctypes.c_int), ("msg", ctypes.c_char_p)]


class Resp(ctypes.Structure):
    _fields_ = [("resp", ctypes.c_void_p), ("resp_retcode", ctypes.c_int)]


CONV = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_int, ctypes.POINTER(ctypes.POINTER(Msg)),
                        ctypes.POINTER(ctypes.POINTER(Resp)), ctypes.c_void_p)


class Conv(ctypes.Structure):
    _fields_ = [("conv", CONV), ("appdata_ptr", ctypes.c_void_p)]


g.calloc.restype = ctypes.c_void_p
g.calloc.argtypes = [ctypes.c_size_t, ctypes.c_size_t]
g.strdup.restype = ctypes.c_void_p
g.strdup.argtypes = [ctypes.c_char_p]
answers = [open(p, "rb").read() for p in sys.argv[2:]]
STYLES = {1: "PROMPT_ECHO_OFF", 2: "PROMPT_ECHO_ON", 3: "ERROR", 4: "INFO"}


def conv(n, msgs, resp, _data):
    rs = ctypes.cast(g.calloc(n, ctypes.sizeof(Resp)), ctypes.POINTER(Resp))
    for i in range(n):
        m = msgs[i].contents
        print("%s %s" % (STYLES.get(m.msg_style, m.msg_style), (m.msg or b"").decode(errors="replace")))
        if m.msg_style in (1, 2):
            if not answers:
                print("NOANSWER")
                return 19  # PAM_CONV_ERR (the responses leak; a test process)
            rs[i].resp = g.strdup(answers.pop(0))
    resp[0] = rs
    return 0


c = Conv(CONV(conv), None)
h = ctypes.c_void_p()
g.pam_start.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.POINTER(Conv),
                        ctypes.POINTER(ctypes.c_void_p)]
rc = g.pam_start(sys.argv[1].encode(), None, ctypes.byref(c), ctypes.byref(h))
if rc != 0:
    print("START %d" % rc)
    sys.exit(2)
g.pam_authenticate.argtypes = [ctypes.c_void_p, ctypes.c_int]
g.pam_strerror.restype = ctypes.c_char_p
g.pam_strerror.argtypes = [ctypes.c_void_p, ctypes.c_int]
rc = g.pam_authenticate(h, 0)
print("AUTH %d (%s)" % (rc, g.pam_strerror(h, rc).decode()))
sys.stdout.flush()
g.pam_end.argtypes = [ctypes.c_void_p, ctypes.c_int]
g.pam_end(h, rc)
EOF

t_login_1mb_name() {
	local e0
	e0=$(events_count)
	snap
	printf '%s' "$PW_B" >"$T/work/pw"
	# (in a sanitized build: no leak report about the interpreter at its exit)
	OUT=$(ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 PAM_WRAPPER_DEBUGLEVEL=3 \
		pam_env "$PYTHON" "$T/getuser.py" fio "$T/work/name.1mb" "$T/work/pw" 2>"$T/work/pamconv.err")
	SYSLOG=$(sed -n 's/^PWRAP_DEBUG.* - \(SYSLOG(.*\)$/\1/p' "$T/work/pamconv.err")
	# PAM_AUTH_ERR is 7 in Linux-PAM
	[ "$OUT" = "$(printf 'PROMPT_ECHO_ON login:\nAUTH 7 (Authentication failure)')" ] || {
		diag "expected the login: prompt and AUTH 7 (PAM_AUTH_ERR) only; got:" "$OUT"
		return 1
	}
	syslog_has "empty, over-long or malformed user name refused" && unchanged || return 1
	[ "$(events_count)" = "$e0" ] || { diag "the helper recorded events: it was asked"; return 1; }
}
check "login: a 1 MB name typed at pam_get_user's 'login:' prompt is refused by the module (PAM_AUTH_ERR, no password prompt, a syslog line); the helper is never asked" \
	t_login_1mb_name

t_login_after() {
	serving || return 1
	login fio badu "$PW_B" "$(code_now "$SEC_B")"
	expect_auth PAM_SUCCESS
}
check "after all that the helper serves and badu logs in with the right password and code" t_login_after

# ---------------------------------------------------------------- fioctl
# ctl_stdin FILE ARGS...: fioctl ARGS with stdin from FILE (bytes as they are).
ctl_stdin() {
	local f=$1
	shift
	fioctl "$@" <"$f" >"$T/work/ctl.out" 2>"$T/work/ctl.err"
	CTL_RC=$?
	CTL_OUT=$(cat "$T/work/ctl.out")
	CTL_ERR=$(cat "$T/work/ctl.err")
}

# refused_with REGEX: a clean refusal (non-zero exit, one "fioctl: ..." line)
# whose text matches the extended REGEX.
refused_with() {
	ctl_error || return 1
	printf '%s\n' "$CTL_ERR" | grep -qE -- "$1" && return 0
	diag "the message does not match '$1'"
	ctl_diag
	return 1
}

# the passwords on stdin, each in a file
: >"$T/work/pw.0bytes"
printf '\n' >"$T/work/pw.emptyline"
printf '%s\n' "$BIG_PW" >"$T/work/pw.100KB"
printf '%s\n' "$BAD_UTF8" >"$T/work/pw.utf8"
printf 'Zt5k-Lantern\000%s\n' "$NUL_MARK" >"$T/work/pw.nul"
printf '%s\n' "$GOOD_PW" >"$T/work/pw.good"

declare -A PW_WHY=(
	[0bytes]="a 0-byte password (empty stdin)"
	[emptyline]="an empty password (an empty line)"
	[100KB]="a 100 KB password"
	[utf8]="a password of invalid UTF-8"
	[nul]="a password with a NUL byte inside"
)
declare -A PW_MSG=(
	[0bytes]="password"
	[emptyline]="password.*empty"
	[100KB]="password.*(too long|512)"
	[utf8]="password.*UTF-8"
	[nul]="password"
)

# ---- fioctl user add
t_add_pw() {
	snap
	ctl_stdin "$T/work/pw.$1" user add newbad --password-stdin
	refused_with "${PW_MSG[$1]}" && unchanged
}
for k in 0bytes emptyline 100KB utf8 nul; do
	check "fioctl user add newbad --password-stdin: ${PW_WHY[$k]} is refused (exit non-zero, one 'fioctl: ...' line matching '${PW_MSG[$k]}'); nothing written" \
		t_add_pw "$k"
done

t_add_names() {
	local n
	snap
	for n in "a/b" ".." "../etc" "$NL_NAME" ""; do
		ctl_stdin "$T/work/pw.good" user add "$n" --password-stdin
		refused_with "^fioctl: invalid user name$" || { diag "user name '$n'"; return 1; }
	done
	ctl_stdin "$T/work/pw.good" user add "$BIG_NAME" --password-stdin
	refused_with "^fioctl: user name too long$" || { diag "a 100 KB user name"; return 1; }
	unchanged
}
check "fioctl user add NAME for a/b, .., ../etc, a newline, an empty name: 'fioctl: invalid user name'; for 100 KB: 'fioctl: user name too long'; nothing written" \
	t_add_names

t_add_1mb() {
	snap
	fioctl user add "$(cat "$T/work/name.1mb")" --password-stdin <"$T/work/pw.good" \
		>"$T/work/ctl.out" 2>"$T/work/ctl.err"
	CTL_RC=$?
	CTL_ERR=$(cat "$T/work/ctl.err")
	[ "$CTL_RC" -ne 0 ] && grep -q 'Argument list too long' "$T/work/ctl.err" ||
		{ diag "exit $CTL_RC:" "$CTL_ERR"; return 1; }
	unchanged
}
check "fioctl user add with a 1 MB name cannot even be started (execve: Argument list too long); nothing written (the socket's side: below)" \
	t_add_1mb

# ---- fioctl passwd
t_passwd_pw() {
	snap
	ctl_stdin "$T/work/pw.$1" passwd badu --stdin
	refused_with "${PW_MSG[$1]}" && unchanged
}
for k in 0bytes emptyline 100KB utf8 nul; do
	check "fioctl passwd badu --stdin: ${PW_WHY[$k]} is refused (exit non-zero, one 'fioctl: ...' line matching '${PW_MSG[$k]}'); the password is unchanged" \
		t_passwd_pw "$k"
done

t_passwd_names() {
	local n
	snap
	for n in "a/b" ".." "../etc" "$NL_NAME"; do
		ctl_stdin "$T/work/pw.good" passwd "$n" --stdin
		refused_with "^fioctl: invalid user name$" || { diag "user name '$n'"; return 1; }
	done
	ctl_stdin "$T/work/pw.good" passwd "$BIG_NAME" --stdin
	refused_with "^fioctl: user name too long$" || { diag "a 100 KB user name"; return 1; }
	unchanged
}
check "fioctl passwd NAME --stdin for a/b, .., ../etc, a newline: 'fioctl: invalid user name'; for 100 KB: 'fioctl: user name too long'; nothing written" \
	t_passwd_names

t_passwd_after() {
	login fio badu "$PW_B" "$(totp_at "$SEC_B" $(($(now_step) + 1)))"
	expect_auth PAM_SUCCESS
}
ensure_margin 5
check "badu's password still works after the refused changes" t_passwd_after

# ---------------------------------------------------------------- raw protocol
# raw.py: hand-made requests (tests/lib/fioproto.py's codec), bytes in hex.
cat >"$T/raw.py" <<'EOF'
"""raw.py LIBDIR SOCK MODE ARGS...: hand-made requests; byte arguments in hex
("" for none, "N*HEX" for HEX repeated N times).
    auth USER ANSWER...          AUTH, then these answers to the prompts
    authtok USER AUTHTOK         AUTH with use_first_pass and this PAM_AUTHTOK
    ctl CMD USER ARG SECRET      CTL (as fioctl does) with these fields
Prints each frame from the helper, then "RESULT closed" (closed without a
verdict), "RESULT verdict N" or "RESULT hung" (neither within 10 s)."""
import struct
import sys
import time

sys.path.insert(0, sys.argv[1])
import fioproto as fp  # noqa: E402

CTL = 5
AUTH_F_USE_AUTHTOK = 0x2


def b(arg):
    if "*" in arg:
        n, h = arg.split("*", 1)
        return bytes.fromhex(h) * int(n)
    return bytes.fromhex(arg)


def finish(c, answers):
    end = time.monotonic() + 10
    while time.monotonic() < end:
        f = c.read_frame(max(end - time.monotonic(), 0.01))
        if f is None:
            break
        t, p = f
        print(fp.describe(t, p))
        if t == fp.VERDICT:
            print("RESULT verdict %d" % struct.unpack(">I", p[:4])[0])
            return
        if t == fp.PROMPT:
            pid = struct.unpack(">I", p[:4])[0]
            c.send(fp.frame(fp.ANSWER, fp.u32(pid) + fp.s(answers.pop(0) if answers else b"0")))
    print("RESULT closed" if c.eof else "RESULT hung")


def main(argv):
    sock, mode, args = argv[2], argv[3], argv[4:]
    c = fp.Conn(sock)
    if mode == "auth":
        fp.do_hello(c)
        c.send(fp.auth(b(args[0])))
        finish(c, [b(a) for a in args[1:]])
    elif mode == "authtok":
        fp.do_hello(c)
        c.send(fp.auth(b(args[0]), flags=AUTH_F_USE_AUTHTOK, authtok=b(args[1])))
        finish(c, [])
    elif mode == "ctl":
        c.send(fp.hello(kind=fp.CLIENT_CTL))
        f = c.read_frame(5)
        if f is None or f[0] != fp.HELLO:
            print("RESULT nohello")
            return 1
        c.send(fp.frame(CTL, fp.u32(int(args[0])) + fp.u32(0) + fp.s(b(args[1])) +
                        fp.s(b(args[2])) + fp.s(b(args[3]))))
        finish(c, [])
    else:
        sys.stderr.write(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
EOF

hx() {
	printf '%s' "$1" | od -An -tx1 | tr -d ' \n'
}

CTL_USER_ADD=2
CTL_PASSWD=6

# raw_is WANT ARGS...: raw.py ARGS ends with "RESULT WANT" and the helper
# serves on.
raw_is() {
	local want=$1
	shift
	RAW=$("$PYTHON" "$T/raw.py" "$LIBDIR" "$SOCK" "$@" 2>&1)
	printf '%s\n' "$RAW" >>"$T/transcripts.log"
	[ "$(printf '%s\n' "$RAW" | tail -n 1)" = "RESULT $want" ] || {
		diag "expected RESULT $want; raw.py $1 said:" "$RAW"
		return 1
	}
	serving
}

# raw_says TEXT: the helper sent an INFO with TEXT.
raw_says() {
	printf '%s\n' "$RAW" | grep -qF "INFO('$1')" && return 0
	diag "no INFO('$1'):" "$RAW"
	return 1
}

PW_NUL_HEX=$(hx "$PW_B")00$(hx "$NUL_MARK")

t_raw_answer_nul() {
	snap lockout lockout_pad
	raw_is closed auth "$(hx badu)" "$PW_NUL_HEX" && unchanged
}
check "raw: badu's right password followed by a NUL and more, as the answer (SECRET): the connection is closed without a verdict" \
	t_raw_answer_nul

t_raw_authtok_nul() {
	snap lockout lockout_pad
	raw_is closed authtok "$(hx badu)" "$PW_NUL_HEX" && unchanged
}
check "raw: the same as the AUTH request's authtok (use_first_pass): closed without a verdict" t_raw_authtok_nul

t_raw_answer_long() {
	snap lockout lockout_pad
	raw_is closed auth "$(hx badu)" "513*41" && raw_is closed auth "$(hx badu)" "102400*41" && unchanged
}
check "raw: an answer of 513 bytes (over FIO_SECRET_MAX) and one of 100 KB (over the frame size): closed without a verdict" \
	t_raw_answer_long

t_raw_add_nul() {
	snap
	raw_is closed ctl $CTL_USER_ADD "$(hx rawnul)" "" "$PW_NUL_HEX" && unchanged
}
check "raw: fioctl user add with a password holding a NUL (SECRET): closed; no account" t_raw_add_nul

t_raw_add_utf8() {
	snap
	raw_is "verdict 7" ctl $CTL_USER_ADD "$(hx rawutf)" "" "$(hx "$BAD_UTF8")" &&
		raw_says "BAD PASSWORD: The password is not valid UTF-8." && unchanged
}
check "raw: fioctl user add with a password of invalid UTF-8: VERDICT USAGE, 'BAD PASSWORD: The password is not valid UTF-8.'; no account" \
	t_raw_add_utf8

t_raw_add_512() {
	snap
	raw_is "verdict 7" ctl $CTL_USER_ADD "$(hx rawlong)" "" "512*41" &&
		raw_says "password too long (at most 511 bytes)" && unchanged
}
check "raw: fioctl user add with a 512-byte password: VERDICT USAGE, 'password too long (at most 511 bytes)'; no account" \
	t_raw_add_512

t_raw_add_names() {
	local n
	snap
	for n in "a/b" ".." "../etc" "$NL_NAME" ""; do
		raw_is "verdict 7" ctl $CTL_USER_ADD "$(hx "$n")" "" "$(hx "$GOOD_PW")" &&
			raw_says "invalid user name" || { diag "user name '$n'"; return 1; }
	done
	unchanged
}
check "raw: fioctl user add for a/b, .., ../etc, a newline, an empty name (what fioctl refuses itself): VERDICT USAGE, 'invalid user name'; no account" \
	t_raw_add_names

t_raw_add_long_names() {
	snap
	raw_is closed ctl $CTL_USER_ADD "257*75" "" "$(hx "$GOOD_PW")" &&
		raw_is closed ctl $CTL_USER_ADD "1048576*75" "" "$(hx "$GOOD_PW")" && unchanged
}
check "raw: fioctl user add with a name of 257 bytes (over FIO_NAME_MAX) and of 1 MB (over the frame size): closed; no account" \
	t_raw_add_long_names

t_raw_passwd() {
	snap
	raw_is closed ctl $CTL_PASSWD "$(hx badu)" "" "$(hx "$GOOD_PW")00$(hx "$NUL_MARK")" &&
		raw_is closed ctl $CTL_PASSWD "$(hx badu)" "" "513*41" &&
		raw_is "verdict 7" ctl $CTL_PASSWD "$(hx badu)" "" "$(hx "$BAD_UTF8")" && unchanged
}
check "raw: fioctl passwd badu with a NUL inside, 513 bytes (closed) or invalid UTF-8 (VERDICT USAGE): the password is unchanged" \
	t_raw_passwd

t_raw_auth_names() {
	local c
	snap lockout_pad
	for c in nul_in_user bad_utf8_user user_over_limit user_1mb; do
		"$PYTHON" "$LIBDIR/fioproto.py" case "$SOCK" "$c" >>"$T/transcripts.log" 2>&1 ||
			{ diag "fioproto.py case $c failed (see transcripts.log)"; return 1; }
		serving || return 1
	done
	unchanged
}
check "raw: AUTH with a user name holding a NUL, of invalid UTF-8, of 257 bytes, of 1 MB: closed (fioproto.py cases); nothing written" \
	t_raw_auth_names

# ---------------------------------------------------------------- the activity log
t_events_clean() {
	local hits long
	"$SQLITE3" -readonly -cmd '.timeout 5000' "$T/state/fio.db" ".dump events" >"$T/work/events.sql"
	hits=$(grep -c -e "$BIG_MARK" -e "$NUL_MARK" "$T/work/events.sql")
	long=$("$SQLITE3" -readonly -cmd '.timeout 5000' "$T/state/fio.db" \
		"SELECT count(*) FROM events WHERE length(user) > 256 OR length(reason) > 512 OR length(service) > 256 OR length(rhost) > 256 OR length(tty) > 64;")
	[ "$hits" = 0 ] && [ "$long" = 0 ] && return 0
	diag "$hits event rows hold a payload; $long are over the field limits"
	grep -e "$BIG_MARK" -e "$NUL_MARK" "$T/work/events.sql" | head -n 3 | cut -c1-200 | sed 's/^/#   /'
	return 1
}
check "the activity log holds none of the payloads (100 KB password, what followed a NUL, 257-byte+ names)" t_events_clean

done_testing
