#!/bin/bash
# Several authenticators per account (labels) through a real fio-helperd: a
# code of either works, each has its own replay protection, replacing one
# leaves the others, a second one keeps the recovery codes, removing one keeps
# the others and removing the last removes the codes, at most five, and label
# checks. The CTL requests carry the label in their argument (fio-proto.h);
# they are sent with tests/lib/fioproto.py (ctl below), so this does not
# depend on fioctl's --label option.
[ -n "$BASH_VERSION" ] || exec bash "$0" "$@"
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/harness.sh"

setup
check "fio-helperd starts and answers fioctl status" start_helper || bail "fio-helperd does not start"
make_service fio

CTL_USER_SHOW=4
CTL_ENROLL=7
CTL_UNENROLL=8
R_OK=0
R_USAGE=7

cat >"$T/ctl.py" <<'EOF'
"""ctl.py LIBDIR SOCK CMD USER ARG [SECRET]: one CTL request over the raw
protocol; prints each INFO as "INFO text" (newlines as \n), each RECORD as
"RECORD k=v;k=v", then "VERDICT n". Exit 0 if a VERDICT came."""
import struct
import sys

sys.path.insert(0, sys.argv[1])
import fioproto as p  # noqa: E402


def strings(payload, off, n):
    out = []
    for _ in range(n):
        ln = struct.unpack(">I", payload[off:off + 4])[0]
        out.append(payload[off + 4:off + 4 + ln].decode())
        off += 4 + ln
    return out, off


def main(sock, cmd, user, arg, secret=""):
    c = p.Conn(sock)
    c.send(p.hello(kind=p.CLIENT_CTL))
    f = c.read_frame(5)
    if f is None or f[0] != p.HELLO:
        print("NOHELLO")
        return 1
    c.send(p.frame(p.CTL, p.u32(int(cmd)) + p.u32(0) + p.s(user) + p.s(arg) + p.s(secret)))
    while True:
        f = c.read_frame(30)
        if f is None:
            print("EOF")
            return 1
        t, pl = f
        if t == p.INFO:
            text, _ = strings(pl, 4, 1)
            print("INFO " + text[0].replace("\n", "\\n"))
        elif t == p.RECORD:
            n = struct.unpack(">I", pl[:4])[0]
            kv, _ = strings(pl, 4, 2 * n)
            print("RECORD " + ";".join("%s=%s" % (kv[i], kv[i + 1]) for i in range(0, 2 * n, 2)))
        elif t == p.VERDICT:
            print("VERDICT %d" % struct.unpack(">I", pl[:4])[0])
            return 0
        else:
            print("UNEXPECTED %d" % t)
            return 1


sys.exit(main(*sys.argv[2:]))
EOF

# ctl CMD USER ARG [SECRET]: CTL_OUT (the transcript), CTL_RESULT (the verdict).
ctl() {
	CTL_OUT=$("$PYTHON" "$T/ctl.py" "$LIBDIR" "$SOCK" "$@" 2>&1)
	CTL_RESULT=$(printf '%s\n' "$CTL_OUT" | sed -n 's/^VERDICT //p')
	printf '%s\n' "--- ctl $1 $2 '$3'" "$CTL_OUT" >>"$T/ctl.log"
}

# ctl_expect RESULT LINE...: the last ctl had this verdict and these lines.
ctl_expect() {
	local want=$1 l
	shift
	if [ "$CTL_RESULT" != "$want" ]; then
		diag "expected the verdict $want, got '${CTL_RESULT}':" "$CTL_OUT"
		return 1
	fi
	for l in "$@"; do
		printf '%s\n' "$CTL_OUT" | grep -qxF -- "$l" && continue
		diag "the ctl output lacks the line '$l':" "$CTL_OUT"
		return 1
	done
}

# add_authenticator USER LABEL: imports a fresh secret (in SECRET) under LABEL.
add_authenticator() {
	SECRET=$(new_secret)
	note_secret "$SECRET"
	ctl $CTL_ENROLL "$1" "$2" "$SECRET"
	[ "$CTL_RESULT" = "$R_OK" ] || { diag "enrol $1 $2:" "$CTL_OUT"; return 1; }
}

# codes_in_out: the recovery codes in CTL_OUT, space separated.
codes_in_out() {
	printf '%s\n' "$CTL_OUT" | sed 's/\\n/\n/g' |
		grep -oE '\b[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}\b' | tr '\n' ' '
}

# show_has USER LINE...: fioctl user show USER prints these lines.
show_has() {
	local u=$1 out l
	shift
	out=$(fioctl user show "$u" 2>&1)
	for l in "$@"; do
		printf '%s\n' "$out" | grep -qxF -- "$l" && continue
		diag "fioctl user show $u lacks '$l':" "$out"
		return 1
	done
}

login_ok() {
	login fio "$1" "$2" "$3"
	expect_auth PAM_SUCCESS
}

login_refused() {
	login fio "$1" "$2" "$3"
	expect_auth PAM_AUTH_ERR
}

# ---------------------------------------------------------------- two authenticators
PW_ANN="$(rand_pw)"
user_with_totp fioann "$PW_ANN" || bail "cannot set up fioann"
SEC_ANN1=$SECRET
REC_ANN1=$RECOVERY

t_second() {
	add_authenticator fioann phone2 || return 1
	SEC_ANN2=$SECRET
	ctl_expect $R_OK 'INFO Authenticator "phone2" enrolled for fioann.' \
		'INFO Your recovery codes are unchanged.' || return 1
	[ -z "$(codes_in_out)" ] || { diag "new recovery codes were shown:" "$CTL_OUT"; return 1; }
	show_has fioann 'totp: enrolled' 'authenticators: default,phone2' 'recovery_codes_left: 10'
}
check "a second authenticator (label phone2): 'Authenticator \"phone2\" enrolled', codes unchanged, user show lists default,phone2" t_second

t_show_record() {
	ctl $CTL_USER_SHOW fioann ""
	ctl_expect $R_OK || return 1
	printf '%s\n' "$CTL_OUT" | grep -q '^RECORD .*;authenticators=default,phone2;' ||
		{ diag "no authenticators field in the RECORD:" "$CTL_OUT"; return 1; }
}
check "USER_SHOW RECORD carries authenticators=default,phone2" t_show_record

ensure_margin 20
S=$(now_step)
t_either() {
	login_ok fioann "$PW_ANN" "$(totp_at "$SEC_ANN1" "$S")" &&
		login_ok fioann "$PW_ANN" "$(totp_at "$SEC_ANN2" "$S")"
}
check "a login works with the current code of either authenticator" t_either

t_replay() {
	login_refused fioann "$PW_ANN" "$(totp_at "$SEC_ANN2" "$S")" || return 1
	login_ok fioann "$PW_ANN" "$(totp_at "$SEC_ANN1" $((S + 1)))" || return 1
	login_refused fioann "$PW_ANN" "$(totp_at "$SEC_ANN1" $((S + 1)))"
}
check "a replayed code of one is refused while the other's fresh code works (each has its own last step)" t_replay

t_recovery_kept() {
	local c
	set -- $REC_ANN1
	c=$1
	login_ok fioann "$PW_ANN" "$c" || return 1
	show_has fioann 'recovery_codes_left: 9'
}
check "a recovery code of the first set still works after the second authenticator" t_recovery_kept

# ---------------------------------------------------------------- replacing one
PW_BEA="$(rand_pw)"
user_with_totp fiobea "$PW_BEA" || bail "cannot set up fiobea"
SEC_BEA1=$SECRET
add_authenticator fiobea phone2 || bail "cannot add phone2 to fiobea"
SEC_BEA2=$SECRET

t_replace() {
	local s
	add_authenticator fiobea phone2 || return 1
	SEC_BEA3=$SECRET
	ctl_expect $R_OK \
		'INFO Authenticator "phone2" replaced for fiobea; your other authenticators still work.' \
		'INFO Your recovery codes are unchanged.' || return 1
	show_has fiobea 'authenticators: default,phone2' 'recovery_codes_left: 10' || return 1
	ensure_margin 10
	s=$(now_step)
	login_refused fiobea "$PW_BEA" "$(totp_at "$SEC_BEA2" "$s")" || return 1
	login_ok fiobea "$PW_BEA" "$(totp_at "$SEC_BEA3" "$s")" || return 1
	login_ok fiobea "$PW_BEA" "$(totp_at "$SEC_BEA1" "$s")"
}
check "replacing phone2 (same label, new secret): the old secret fails, the new one and default work" t_replace

PW_EVE="$(rand_pw)"
user_with_totp fioeve "$PW_EVE" || bail "cannot set up fioeve"
REC_EVE1=$RECOVERY
t_replace_only() {
	local c
	add_authenticator fioeve default || return 1
	ctl_expect $R_OK 'INFO Authenticator "default" replaced for fioeve.' || return 1
	set -- $(codes_in_out)
	[ $# -eq 10 ] || { diag "expected 10 new recovery codes:" "$CTL_OUT"; return 1; }
	note_codes "$@"
	set -- $REC_EVE1
	c=$1
	ensure_margin 5
	login_refused fioeve "$PW_EVE" "$c"
}
check "replacing the only authenticator makes new recovery codes (the old ones fail)" t_replace_only

# ---------------------------------------------------------------- removing one
PW_CAT="$(rand_pw)"
user_with_totp fiocat "$PW_CAT" || bail "cannot set up fiocat"
SEC_CAT1=$SECRET
add_authenticator fiocat phone2 || bail "cannot add phone2 to fiocat"
SEC_CAT2=$SECRET

t_unenroll_unknown() {
	ctl $CTL_UNENROLL fiocat nope
	ctl_expect $R_USAGE 'INFO fiocat has no authenticator "nope"' &&
		show_has fiocat 'authenticators: default,phone2'
}
check "unenroll of a label the account does not have: usage error, nothing removed" t_unenroll_unknown

t_unenroll_one() {
	local s
	ctl $CTL_UNENROLL fiocat phone2
	ctl_expect $R_OK \
		'INFO Authenticator "phone2" removed for fiocat; the other authenticators still work.' ||
		return 1
	show_has fiocat 'totp: enrolled' 'authenticators: default' 'recovery_codes_left: 10' ||
		return 1
	ensure_margin 10
	s=$(now_step)
	login_refused fiocat "$PW_CAT" "$(totp_at "$SEC_CAT2" "$s")" || return 1
	login_ok fiocat "$PW_CAT" "$(totp_at "$SEC_CAT1" "$s")"
}
check "unenrolling one label keeps the other (and the recovery codes); the removed secret fails" t_unenroll_one

t_unenroll_last() {
	ctl $CTL_UNENROLL fiocat default
	ctl_expect $R_OK \
		'INFO Authenticator "default" removed for fiocat; it was the last one, so the recovery codes were removed too.' ||
		return 1
	show_has fiocat 'totp: none' 'authenticators: ' 'recovery_codes_left: 0'
}
check "unenrolling the last authenticator removes the recovery codes" t_unenroll_last

# ---------------------------------------------------------------- limits and labels
PW_DAN="$(rand_pw)"
user_with_totp fiodan "$PW_DAN" || bail "cannot set up fiodan"

t_sixth() {
	local i
	for i in 2 3 4 5; do add_authenticator fiodan "phone$i" || return 1; done
	SECRET=$(new_secret)
	note_secret "$SECRET"
	ctl $CTL_ENROLL fiodan phone6 "$SECRET"
	ctl_expect $R_USAGE \
		'INFO fiodan already has 5 authenticators; remove one first (fioctl unenroll fiodan --label LABEL)' ||
		return 1
	show_has fiodan 'authenticators: default,phone2,phone3,phone4,phone5' || return 1
	add_authenticator fiodan phone5 # replacing at the limit is fine
}
check "a sixth authenticator is refused (usage error, nothing stored); replacing one of five works" t_sixth

t_bad_labels() {
	local l
	for l in 'bad label' 'a/b' 'x,y' "$(printf 'L%.0s' $(seq 1 33))" 'é'; do
		SECRET=$(new_secret)
		ctl $CTL_ENROLL fiodan "$l" "$SECRET"
		ctl_expect $R_USAGE \
			"INFO invalid label: 1 to 32 letters, digits, '.', '_' or '-'" || return 1
		ctl $CTL_UNENROLL fiodan "$l"
		ctl_expect $R_USAGE \
			"INFO invalid label: 1 to 32 letters, digits, '.', '_' or '-'" || return 1
	done
	show_has fiodan 'authenticators: default,phone2,phone3,phone4,phone5'
}
check "a bad label (space, '/', ',', 33 bytes, non-ASCII) is a usage error for enroll and unenroll" t_bad_labels

t_fioctl_default() {
	local out
	out=$(fioctl unenroll fiodan 2>&1) || { diag "fioctl unenroll fiodan: $out"; return 1; }
	show_has fiodan 'totp: none' 'authenticators: ' 'recovery_codes_left: 0'
}
check "fioctl unenroll without a label removes all authenticators and the codes" t_fioctl_default

t_fioctl_label() {
	local s1 s2 out
	s1=$(new_secret) && s2=$(new_secret) && note_secret "$s1" && note_secret "$s2" || return 1
	out=$(fioctl enroll fiodan --secret "$s1" 2>&1) || { diag "enroll default: $out"; return 1; }
	out=$(fioctl enroll fiodan --label tablet --secret "$s2" 2>&1) ||
		{ diag "enroll --label tablet: $out"; return 1; }
	printf '%s\n' "$out" | grep -qF 'Authenticator "tablet" enrolled' ||
		{ diag "no 'Authenticator \"tablet\" enrolled' in: $out"; return 1; }
	show_has fiodan 'authenticators: default,tablet' || return 1
	out=$(fioctl unenroll fiodan --label tablet 2>&1) ||
		{ diag "unenroll --label tablet: $out"; return 1; }
	show_has fiodan 'authenticators: default'
}
check "fioctl enroll/unenroll --label: a second authenticator added and removed by name" t_fioctl_label

done_testing
