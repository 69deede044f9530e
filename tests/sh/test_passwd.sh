#!/bin/bash
# Passwords (DESIGN.md "Accounts and lockout"; fio-proto.h FIO_MSG_CHAUTHTOK,
# FIO_CHTOK_F_*, FIO_CTL_F_RESET/SEND/INVITE/EXPIRE): pam_sm_chauthtok through
# the helper. Root changing someone's password (no current password asked, like
# pam_unix) and a user changing their own (current password first; a wrong one
# fails and counts towards the lockout); the quality rules (length, dictionary,
# user name, the old password), "do not match", at most three tries; the old
# password stops working and the new one works (with the second factor);
# use_authtok; PAM_IGNORE for accounts without a password in the store;
# PAM_CHANGE_EXPIRED_AUTHTOK with and without a change due; fioctl passwd
# --expire (acct_mgmt: PAM_NEW_AUTHTOK_REQD), --reset [--send] codes (typed at
# "Password: ", used once, a later one replaces an earlier one, expiry, two
# changes racing with one code) and user add --invite [--send] (enrolment first
# when a 2FA policy covers the account); fioctl passwd applying the rules.
# Logins run like login(1) (pamconv -l: auth, acct_mgmt, the change when it
# says PAM_NEW_AUTHTOK_REQD, acct_mgmt again). The helper runs under
# libfaketime so that the codes' lifetimes can be crossed.
[ -n "$BASH_VERSION" ] || exec bash "$0" "$@"
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/harness.sh"

export TZ=UTC
setup

# ---------------------------------------------------------------- texts
P_CUR="PROMPT_ECHO_OFF Current password: "
P_NEW="PROMPT_ECHO_OFF New password: "
P_RETYPE="PROMPT_ECHO_OFF Retype new password: "
M_CHANGED="INFO Your password has been changed."
M_WRONG_CUR="ERROR The current password is wrong."
M_MISMATCH="ERROR Sorry, passwords do not match."
BAD_RE='^ERROR BAD PASSWORD: .+'
M_OVERDUE="Two-factor authentication is required for your account and is not set up yet. Set it up now to continue."
# Crockford base32 (no I, L, O, U), 4 groups of 5
CODE_RE='[0-9A-HJKMNP-TV-Z]{5}-[0-9A-HJKMNP-TV-Z]{5}-[0-9A-HJKMNP-TV-Z]{5}-[0-9A-HJKMNP-TV-Z]{5}'

# ---------------------------------------------------------------- unix accounts
# Non-root callers (login_as) act only on the account named like their uid.
POL_GROUP=fiopwpol
ensure_group "$POL_GROUP" || bail "cannot create the group $POL_GROUP"
ensure_unix_user fiopwl || bail "cannot set up fiopwl"
ensure_unix_user fiopwinv "$POL_GROUP" || bail "cannot set up fiopwinv"
[ -f "$PWRAP_MODDIR/pam_set_items.so" ] || bail "pam_wrapper's pam_set_items.so not found"
[ -x "$SQLITE3" ] || bail "missing: sqlite3"

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
	echo "--- stdin"
	cat
} >"\$f" && mv "\$f" "\$f.msg"
EOF
chmod 0755 "$T/notify.sh"

# notice_code EVENT USER: the code of the newest notice with that event and
# user (waits up to 10 s); empty if none.
notice_code() {
	local i=0 f
	while [ $i -lt 100 ]; do
		f=$(grep -lx "FIO_EVENT=$1" "$NOTIFY_DIR"/*.msg 2>/dev/null |
			xargs -r grep -lx "FIO_USER=$2" | xargs -r ls -t | head -n 1)
		if [ -n "$f" ]; then
			grep -oE "$CODE_RE" "$f" | head -n 1
			return 0
		fi
		sleep 0.1
		i=$((i + 1))
	done
	diag "no '$1' notice for $2; the notices seen:"
	grep -h '^FIO_EVENT=\|^FIO_USER=' "$NOTIFY_DIR"/*.msg 2>/dev/null | paste - - | sed 's/^/#   /'
}

# ---------------------------------------------------------------- config, helper
CONF="lockout = { max_failures = 4; interval = 3600; unlock_after = 900; per_source_max = 100000; };
notify = { command = [ \"$T/notify.sh\" ]; };
policy = ( { group = \"$POL_GROUP\"; grace = \"24h\"; } );"
write_config "$CONF"
set_fake_time "2026-12-01 09:00:00" || bail "cannot write the fake clock"
check "fio-helperd starts under libfaketime (2026-12-01 09:00 UTC) with lockout, notify and a policy for $POL_GROUP" \
	start_helper_faketime || bail "fio-helperd does not start"

make_passwd_service fio
make_passwd_service fioua "" "use_authtok" "password required $PWRAP_MODDIR/pam_set_items.so"
# pam_fio's IGNORE falls through to the next line; its success ends the stack
for last in deny permit; do
	write_service "fioig$last" <<EOF
auth required $PAM_FIO_SO socket=$SOCK helper_user=$HELPER_USER
account required $PAM_FIO_SO socket=$SOCK helper_user=$HELPER_USER
password [success=done ignore=ignore default=die] $PAM_FIO_SO socket=$SOCK helper_user=$HELPER_USER
password required $PAM_MODDIR/pam_$last.so
EOF
done

# ---------------------------------------------------------------- helpers
# gen_pw: a fresh password that passes the rules (noted as a secret). No two
# neighbours are consecutive characters (cracklib calls more than 4 such pairs
# "too simplistic/systematic"; random alphanumerics hit that now and then).
gen_pw() {
	local p
	p="$(head -c 400 /dev/urandom | tr -dc 'acegikmoqsuwyACEGIKMOQSUWY02468' | head -c 14)-Nx"
	note_secret "$p"
	printf '%s\n' "$p"
}

# a new step for the next TOTP code (a step is accepted once)
tick() {
	advance_fake_seconds 60
}

# pw_works USER PASSWORD / pw_fails USER PASSWORD: a login (no second factor)
# with PASSWORD succeeds / fails with "Authentication failed.". Each failure
# counts towards the lockout (max_failures 4).
pw_works() {
	login fio "$1" "$2"
	expect_auth PAM_SUCCESS || {
		# seen twice under load: a code prompt for an account without one;
		# what the helper knew then, for the next look
		diag "($1 with the password that should work)"
		fioctl user show "$1" 2>&1 | sed 's/^/#   show: /'
		fioctl lock show "$1" 2>&1 | sed 's/^/#   lock: /'
		tail -n 12 "$T/helper.log" | sed 's/^/#   helper: /'
		return 1
	}
}

pw_fails() {
	login fio "$1" "$2" 000000
	expect_auth PAM_AUTH_ERR && has_line "$M_FAILED" ||
		{ diag "($1 with a password that should fail)"; return 1; }
}

# pwhash USER: the password hash in the store
pwhash() {
	"$SQLITE3" -cmd '.timeout 5000' "$T/state/fio.db" \
		"SELECT pwhash FROM users WHERE name = '$1';" 2>/dev/null
}

# has_msg TEXT: an INFO or ERROR line with exactly TEXT
has_msg() {
	if printf '%s\n' "$OUT" | grep -qxF -e "INFO $1" -e "ERROR $1"; then return 0; fi
	diag "the transcript lacks the message '$1'"
	show_transcript
	return 1
}

# new_prompts: how many times "New password: " was asked in the transcript
new_prompts() {
	printf '%s\n' "$OUT" | grep -cxF "$P_NEW"
}

# reset_code USER [fioctl options]: fioctl passwd USER --reset; CODE is the
# code it printed (noted as a secret).
reset_code() {
	local u=$1
	shift
	run_ctl passwd "$u" --reset "$@"
	ctl_ok || return 1
	CODE=$(printf '%s\n' "$CTL_OUT" | grep -oE "$CODE_RE" | head -n 1)
	[ -n "$CODE" ] || { diag "no code in the output of fioctl passwd $u --reset"; ctl_diag; return 1; }
	note_codes "$CODE"
}

# add_pw_user NAME [fioctl user add options]: a store account with the
# password in its PW_<NAME> variable
add_pw_user() {
	local u=$1 p
	shift
	p=$(gen_pw)
	printf -v "PW_$u" '%s' "$p"
	printf '%s\n' "$p" | fioctl user add "$u" --password-stdin "$@" >"$T/work/add.out" 2>&1 || {
		diag "fioctl user add $u failed:"
		sed 's/^/# /' "$T/work/add.out"
		return 1
	}
}

for u in pwroot fiotu1 fiopwl pwtotp pwexp pwreset pwrace pwua; do
	add_pw_user "$u" || bail "cannot add $u"
done
add_pw_user pwsend --email pwsend@example.org || bail "cannot add pwsend"
import_totp pwtotp || bail "cannot enrol pwtotp"
SEC_T=$SECRET
printf '' | fioctl user add pwnone >"$T/work/add.out" 2>&1 ||
	{ sed 's/^/# /' "$T/work/add.out"; bail "cannot add pwnone (no password)"; }

# ================================================================ root changes a password
t_root_change() {
	local new
	new=$(gen_pw)
	login -c 0 fio pwroot "$new" "$new"
	expect_chtok PAM_SUCCESS && expect_prompts "$P_NEW" "$P_RETYPE" && has_line "$M_CHANGED" ||
		return 1
	pw_fails pwroot "$PW_pwroot" && pw_works pwroot "$new" || return 1
	PW_pwroot=$new
}
check "root: pam_chauthtok(0) asks no current password, only 'New password: ' twice -> PAM_SUCCESS, '${M_CHANGED#INFO }'; the old password fails at login, the new one works" \
	t_root_change

t_root_short() {
	local new
	new=$(gen_pw)
	login -c 0 fio pwroot Ab3-short "$new" "$new"
	expect_chtok PAM_SUCCESS && has_line_re "$BAD_RE" &&
		has_line_re '^ERROR BAD PASSWORD: .*shorter than 12 characters' &&
		expect_prompts "$P_NEW" "$P_NEW" "$P_RETYPE" || return 1
	pw_works pwroot "$new" || return 1
	PW_pwroot=$new
}
check "a new password under 12 characters: 'BAD PASSWORD: ... shorter than 12 characters' (no retype), asked again; the second one is taken" \
	t_root_short

t_root_long() {
	local long256 long257
	long256=$(head -c 8000 /dev/urandom | tr -dc 'acegikmoqsuwyACEGIKMOQSUWY02468' | head -c 256)
	long257="${long256}x"
	note_secret "$long256"
	login -c 0 fio pwroot "$long257" "$long256" "$long256"
	expect_chtok PAM_SUCCESS && has_line_re '^ERROR BAD PASSWORD: .*256' &&
		expect_prompts "$P_NEW" "$P_NEW" "$P_RETYPE" || return 1
	pw_works pwroot "$long256" || return 1
	PW_pwroot=$long256
}
check "password.max_length 256: 257 characters -> 'BAD PASSWORD: ... 256 ...', asked again; 256 characters are taken and work at login" \
	t_root_long

t_root_three_bad() {
	local before
	before=$(pwhash pwroot)
	# a dictionary word, the user name, a mismatch: three tries, all refused
	login -c 0 fio pwroot mississippi123 "Xy7-pwroot-Lamp" \
		"Kite-Lamp-97-sofa" "Kite-Lamp-97-sofA" "Never-Asked-4th-1" "Never-Asked-4th-1"
	expect_chtok PAM_AUTHTOK_ERR && lacks_line "$M_CHANGED" || return 1
	has_line_re '^ERROR BAD PASSWORD: .*[Dd]ictionary' &&
		has_line_re '^ERROR BAD PASSWORD: .*user ?name' && has_line "$M_MISMATCH" || return 1
	[ "$(new_prompts)" = 3 ] ||
		{ diag "expected 'New password: ' exactly 3 times"; show_transcript; return 1; }
	[ "$(pwhash pwroot)" = "$before" ] || { diag "the stored hash changed"; return 1; }
	pw_works pwroot "$PW_pwroot"
}
check "three refused tries (dictionary word, user name, mismatch): PAM_AUTHTOK_ERR after the third, the password is unchanged and still works" \
	t_root_three_bad

t_mismatch_then_ok() {
	local new
	new=$(gen_pw)
	login -c 0 fio pwroot "$new" "x$new" "$new" "$new"
	expect_chtok PAM_SUCCESS && has_line "$M_MISMATCH" &&
		expect_prompts "$P_NEW" "$P_RETYPE" "$P_NEW" "$P_RETYPE" && pw_works pwroot "$new" || return 1
	PW_pwroot=$new
}
check "a mismatch: '${M_MISMATCH#ERROR }', asked again; matching on the second try -> PAM_SUCCESS" \
	t_mismatch_then_ok

t_expired_not_due_root() {
	login -c expired fio pwroot
	expect_chtok PAM_SUCCESS && expect_prompts && lacks_line "$M_CHANGED" &&
		pw_works pwroot "$PW_pwroot"
}
check "pam_chauthtok(PAM_CHANGE_EXPIRED_AUTHTOK) with no change due: PAM_SUCCESS, nothing asked, nothing changed" \
	t_expired_not_due_root

# ================================================================ a user changes their own
t_self_wrong_current() {
	local before new
	before=$(pwhash fiotu1)
	new=$(gen_pw)
	login_as fiotu1 -c 0 fio fiotu1 "wrong-$PW_fiotu1" "$new" "$new"
	expect_chtok PAM_AUTHTOK_ERR && has_line "$M_WRONG_CUR" && expect_prompts "$P_CUR" &&
		lacks_line "$M_CHANGED" || return 1
	[ "$(pwhash fiotu1)" = "$before" ] || { diag "the stored hash changed"; return 1; }
	pw_works fiotu1 "$PW_fiotu1"
}
check "a user (fiotu1, non-root) changing their own: 'Current password: ' first; a wrong one -> '${M_WRONG_CUR#ERROR }', PAM_AUTHTOK_ERR, no new password asked, nothing changed" \
	t_self_wrong_current

t_self_no_current() {
	local new
	new=$(gen_pw)
	# the answers root would give (no current password): the first is taken as
	# the current password and is wrong
	login_as fiotu1 -c 0 fio fiotu1 "$new" "$new"
	[ "$(pam_result CHTOK)" != PAM_SUCCESS ] && [ "$(prompts | head -n 1)" = "$P_CUR" ] ||
		{ diag "a non-root caller got root's path (no current password)"; show_transcript; return 1; }
	pw_fails fiotu1 "$new" && pw_works fiotu1 "$PW_fiotu1"
}
check "a non-root caller never gets root's path: the new password alone (twice) is refused, the password is unchanged" \
	t_self_no_current

t_self_same_as_old() {
	local new
	new=$(gen_pw)
	login_as fiotu1 -c 0 fio fiotu1 "$PW_fiotu1" "$PW_fiotu1" "$new" "$new"
	expect_chtok PAM_SUCCESS && has_line_re '^ERROR BAD PASSWORD: .*same as the old' &&
		expect_prompts "$P_CUR" "$P_NEW" "$P_NEW" "$P_RETYPE" && has_line "$M_CHANGED" ||
		return 1
	pw_fails fiotu1 "$PW_fiotu1" && pw_works fiotu1 "$new" || return 1
	PW_fiotu1=$new
}
check "the user: right current password, the old one again as the new one -> 'BAD PASSWORD: ... same as the old one', asked again; a good one -> PAM_SUCCESS; old fails, new works" \
	t_self_same_as_old

t_self_expired_not_due() {
	login_as fiotu1 -c expired fio fiotu1
	expect_chtok PAM_SUCCESS && expect_prompts
}
check "the user: PAM_CHANGE_EXPIRED_AUTHTOK with no change due -> PAM_SUCCESS, nothing asked" \
	t_self_expired_not_due

t_self_other_account() {
	local before new
	before=$(pwhash pwroot)
	new=$(gen_pw)
	login_as fiotu1 -c 0 fio pwroot "$PW_pwroot" "$new" "$new"
	[ "$(pam_result CHTOK)" != PAM_SUCCESS ] && lacks_line "$M_CHANGED" || { show_transcript; return 1; }
	[ "$(pwhash pwroot)" = "$before" ] || { diag "pwroot's stored hash changed"; return 1; }
}
check "a non-root caller changing another account's password (knowing it): refused, nothing changed" \
	t_self_other_account

# raw_root_update: fiotu1 sends CHAUTHTOK(UPDATE | ROOT) itself (no module),
# with no current password, and answers every prompt with NEW. Prints the
# prompts and "VERDICT <n>".
raw_root_update() {
	cp "$LIBDIR/fioproto.py" "$T/work/fioproto.py" && chmod 0644 "$T/work/fioproto.py" || return 1
	as_user fiotu1 "$PYTHON" - "$T/work" "$SOCK" "$1" <<'EOF'
import struct, sys
sys.path.insert(0, sys.argv[1])
import fioproto as fp
sock, new = sys.argv[2], sys.argv[3]
CHAUTHTOK, UPDATE, ROOT = 7, 0x200, 0x400
c = fp.Conn(sock)
fp.do_hello(c)
c.send(fp.frame(CHAUTHTOK, fp.s("fio") + fp.s("fiotu1") + fp.s("") + fp.s("") + fp.s("")
                + fp.u32(UPDATE | ROOT) + fp.s("") + fp.s("")))
for _ in range(20):
    f = c.read_frame(10)
    if f is None:
        print("EOF")
        break
    t, p = f
    if t == fp.PROMPT:
        pid = struct.unpack(">I", p[:4])[0]
        n = struct.unpack(">I", p[12:16])[0]
        print("PROMPT", p[16:16 + n].decode(errors="replace"))
        c.send(fp.answer(pid, new))
    elif t == fp.VERDICT:
        print("VERDICT", struct.unpack(">I", p[:4])[0])
        break
EOF
}

t_raw_root_flag() {
	local new out
	new=$(gen_pw)
	out=$(raw_root_update "$new" 2>&1)
	if printf '%s\n' "$out" | grep -qx 'VERDICT 0'; then
		diag "the helper said OK:" "$out"
		return 1
	fi
	printf '%s\n' "$out" | grep -q '^VERDICT \|^EOF' || { diag "no verdict:" "$out"; return 1; }
	pw_fails fiotu1 "$new" && pw_works fiotu1 "$PW_fiotu1"
}
check "FIO_CHTOK_F_ROOT from a non-root peer is not believed: a raw UPDATE without the current password changes nothing" \
	t_raw_root_flag

# ================================================================ lockout
t_lockout() {
	local i
	for i in 1 2 3 4; do
		login_as fiopwl -c 0 fio fiopwl "wrong-$i-$PW_fiopwl"
		expect_chtok PAM_AUTHTOK_ERR && has_line "$M_WRONG_CUR" ||
			{ diag "wrong current password $i of 4"; return 1; }
	done
	[ "$(fioctl lock show fiopwl 2>&1 | sed -n 's/^failures: //p')" = 4 ] ||
		{ diag "fioctl lock show fiopwl:"; fioctl lock show fiopwl 2>&1 | sed 's/^/#   /'; return 1; }
	login fio fiopwl "$PW_fiopwl" 000000
	expect_auth PAM_AUTH_ERR &&
		has_line_re '^ERROR Too many failed attempts\. Try again in [0-9]+ minutes?\.$' || return 1
	run_ctl lock show fiopwl
	printf '%s\n' "$CTL_OUT" | grep -qx 'failures: [4-9]' &&
		! printf '%s\n' "$CTL_OUT" | grep -qx 'locked_until: -' ||
		{ diag "fioctl lock show fiopwl: expected 4+ failures and a lock"; ctl_diag; return 1; }
}
check "4 wrong current passwords (lockout.max_failures 4) lock the account: the right password at login then gets the lock message" \
	t_lockout

t_lockout_chtok() {
	local new
	new=$(gen_pw)
	login_as fiopwl -c 0 fio fiopwl "$PW_fiopwl" "$new" "$new"
	[ "$(pam_result CHTOK)" != PAM_SUCCESS ] && lacks_line "$M_CHANGED" || { show_transcript; return 1; }
	run_ctl lock clear fiopwl
	pw_works fiopwl "$PW_fiopwl"
}
check "while locked, the right current password does not change the password either (it still works once the lock is cleared)" \
	t_lockout_chtok

# ================================================================ second factor, use_authtok, ignore
t_totp_change() {
	local new
	new=$(gen_pw)
	login -c 0 fio pwtotp "$new" "$new"
	expect_chtok PAM_SUCCESS || return 1
	tick
	login fio pwtotp "$PW_pwtotp" "$(code_at_fake "$SEC_T")"
	expect_auth PAM_AUTH_ERR || { diag "the old password with a right code"; return 1; }
	tick
	login fio pwtotp "$new" "$(code_at_fake "$SEC_T")"
	expect_auth PAM_SUCCESS && expect_prompts "$P_PASS" "$P_CODE" || return 1
	PW_pwtotp=$new
}
check "an enrolled account: after the change the old password with a right code fails, the new one with a code works" \
	t_totp_change

t_use_authtok() {
	local new
	new=$(gen_pw)
	_login_run pam_env PAM_AUTHTOK="$new" "$PAMCONV" -c 0 fioua pwua
	expect_chtok PAM_SUCCESS && lacks_line "$P_NEW" && lacks_line "$P_RETYPE" || return 1
	pw_fails pwua "$PW_pwua" && pw_works pwua "$new" || return 1
	PW_pwua=$new
}
check "use_authtok: the new password is the stack's PAM_AUTHTOK (not asked) -> PAM_SUCCESS; the old fails, the new works" \
	t_use_authtok

t_use_authtok_weak() {
	_login_run pam_env PAM_AUTHTOK="mississippi123" "$PAMCONV" -c 0 fioua pwua
	expect_chtok PAM_AUTHTOK_ERR && has_line_re "$BAD_RE" && lacks_line "$P_NEW" || return 1
	pw_works pwua "$PW_pwua"
}
check "use_authtok with a weak PAM_AUTHTOK: 'BAD PASSWORD', PAM_AUTHTOK_ERR (never asks), unchanged" \
	t_use_authtok_weak

t_ignore_unknown() {
	local new
	new=$(gen_pw)
	login -c 0 fioigpermit nosuchuser "$new" "$new"
	expect_chtok PAM_SUCCESS || { diag "(pam_fio, then pam_permit)"; return 1; }
	login -c 0 fioigdeny nosuchuser "$new" "$new"
	expect_chtok PAM_AUTHTOK_ERR || { diag "(pam_fio, then pam_deny)"; return 1; }
	login -c 0 fio nosuchuser "$new" "$new"
	[ "$(pam_result CHTOK)" != PAM_SUCCESS ] || { diag "(pam_fio alone)"; show_transcript; return 1; }
	# and a known account ends the stack at pam_fio's success
	login -c 0 fioigdeny pwroot "$new" "$new"
	expect_chtok PAM_SUCCESS || return 1
	PW_pwroot=$new
}
check "an account not in the store: PAM_IGNORE (the next line decides: pam_permit -> SUCCESS, pam_deny -> AUTHTOK_ERR; pam_fio alone fails); a store account's success ends the stack" \
	t_ignore_unknown

t_ignore_nopw() {
	local new
	new=$(gen_pw)
	login -c 0 fioigpermit pwnone "$new" "$new"
	expect_chtok PAM_SUCCESS && lacks_line "$M_CHANGED" || return 1
	login -c 0 fioigdeny pwnone "$new" "$new"
	expect_chtok PAM_AUTHTOK_ERR || return 1
	run_ctl user show pwnone
	out_lacks '^password: set'
}
check "a store account without a password (and no code): PAM_IGNORE too; it still has no password" \
	t_ignore_nopw

# ================================================================ a change due (--expire)
t_expire() {
	run_ctl passwd pwexp --expire
	ctl_ok || return 1
	login -A fio pwexp
	expect_acct PAM_NEW_AUTHTOK_REQD
}
check "fioctl passwd pwexp --expire: pam_acct_mgmt returns PAM_NEW_AUTHTOK_REQD" t_expire

t_expire_pamtester() {
	local out
	[ -x "$PAMTESTER" ] || { diag "pamtester missing"; return 1; }
	out=$(pam_env "$PAMTESTER" -v fio pwexp acct_mgmt 2>&1 </dev/null)
	printf '%s\n' "$out" | grep -q 'Authentication token is no longer valid; new one required' ||
		{ diag "pamtester:" "$out"; return 1; }
}
check "pamtester acct_mgmt: 'Authentication token is no longer valid; new one required'" \
	t_expire_pamtester

t_expire_wrong_current() {
	local new
	new=$(gen_pw)
	login -l fio pwexp "$PW_pwexp" "wrong-$PW_pwexp" "$new" "$new"
	expect_auth PAM_SUCCESS && expect_acct PAM_NEW_AUTHTOK_REQD && expect_chtok PAM_AUTHTOK_ERR &&
		has_line "$M_WRONG_CUR" && expect_prompts "$P_PASS" "$P_CUR" || return 1
	login -A fio pwexp
	expect_acct PAM_NEW_AUTHTOK_REQD
}
check "login with a change due, run as root: the change (PAM_CHANGE_EXPIRED_AUTHTOK) asks the current password even from root; a wrong one fails, the change is still due" \
	t_expire_wrong_current

t_expire_change() {
	local new
	new=$(gen_pw)
	login -l fio pwexp "$PW_pwexp" "$PW_pwexp" "$new" "$new"
	expect_auth PAM_SUCCESS && expect_acct PAM_NEW_AUTHTOK_REQD && expect_chtok PAM_SUCCESS &&
		expect_acct_again PAM_SUCCESS &&
		expect_prompts "$P_PASS" "$P_CUR" "$P_NEW" "$P_RETYPE" && has_line "$M_CHANGED" || return 1
	login -A fio pwexp
	expect_acct PAM_SUCCESS || return 1
	pw_fails pwexp "$PW_pwexp" && pw_works pwexp "$new" || return 1
	PW_pwexp=$new
}
check "login like login(1): auth OK, acct NEW_AUTHTOK_REQD, current + new twice -> CHTOK OK, acct OK; no longer due; old fails, new works" \
	t_expire_change

# ================================================================ reset codes
t_reset_shown() {
	local exp_re
	# an hour from now, to the minute, in the helper's (fake) time
	exp_re=$(date -u -d "@$((FAKE_NOW + 3600))" '+%Y-%m-%d[ T]%H:%M')
	reset_code pwreset || return 1
	run_ctl --json passwd pwsend --reset
	ctl_ok || return 1
	printf '%s\n' "$CTL_OUT" | "$PYTHON" -c '
import json, re, sys
d = json.load(sys.stdin)
d = d[0] if isinstance(d, list) else d
ok = (d.get("user") == "pwsend" and re.fullmatch(sys.argv[1], d.get("code", ""))
      and re.match(sys.argv[2], str(d.get("expires", ""))))
sys.exit(0 if ok else 1)' "$CODE_RE" "$exp_re" ||
		{ diag "expected {user: pwsend, code, expires matching $exp_re}"; ctl_diag; return 1; }
	note_codes "$(printf '%s\n' "$CTL_OUT" | grep -oE "$CODE_RE")"
	login -A fio pwreset
	expect_acct PAM_NEW_AUTHTOK_REQD
}
check "fioctl passwd NAME --reset prints a code XXXXX-XXXXX-XXXXX-XXXXX (Crockford base32); --json: {user, code, expires (in 1 h)}; a change is due" \
	t_reset_shown

t_reset_non_admin() {
	run_ctl_as fiotu1 passwd fiotu1 --reset
	[ "$CTL_RC" != 0 ] && ! printf '%s\n' "$CTL_OUT" | grep -qE "$CODE_RE" || { ctl_diag; return 1; }
	login -A fio fiotu1
	expect_acct PAM_SUCCESS
}
check "a user cannot issue a reset code (even for their own account): refused, no code, no change due" \
	t_reset_non_admin

t_reset_replaced() {
	local first=$CODE
	reset_code pwreset || return 1
	[ "$CODE" != "$first" ] || { diag "the same code twice"; return 1; }
	login fio pwreset "$first" 000000
	expect_auth PAM_AUTH_ERR && has_line "$M_FAILED"
}
check "a second --reset replaces the first: the first code fails at login ('Authentication failed.')" \
	t_reset_replaced

t_reset_login() {
	local new typed
	new=$(gen_pw)
	# lower case, no dashes at the login; as shown for the current password
	typed=$(printf '%s' "$CODE" | tr -d - | tr 'A-Z' 'a-z')
	login -l fio pwreset "$typed" "$CODE" "$new" "$new"
	expect_auth PAM_SUCCESS && expect_acct PAM_NEW_AUTHTOK_REQD && expect_chtok PAM_SUCCESS &&
		expect_acct_again PAM_SUCCESS &&
		expect_prompts "$P_PASS" "$P_CUR" "$P_NEW" "$P_RETYPE" && has_line "$M_CHANGED" || return 1
	pw_works pwreset "$new" || return 1
	PW_OLD_pwreset=$PW_pwreset
	PW_pwreset=$new
}
check "the reset code at 'Password: ' (lower case, no dashes): auth OK, acct NEW_AUTHTOK_REQD, the code as current password + new twice -> changed; the new password works" \
	t_reset_login

t_reset_consumed() {
	login fio pwreset "$CODE" 000000
	expect_auth PAM_AUTH_ERR && has_line "$M_FAILED" || return 1
	login -A fio pwreset
	expect_acct PAM_SUCCESS || return 1
	pw_fails pwreset "$PW_OLD_pwreset"
}
check "the code is consumed: used again at login -> 'Authentication failed.'; no change due any more; the password from before the reset fails" \
	t_reset_consumed

t_reset_quality() {
	local new
	new=$(gen_pw)
	reset_code pwreset || return 1
	login -l fio pwreset "$CODE" "$CODE" Short-1 "$new" "$new"
	expect_chtok PAM_SUCCESS && has_line_re '^ERROR BAD PASSWORD: .*shorter than 12' &&
		[ "$(new_prompts)" = 2 ] || { show_transcript; return 1; }
	pw_works pwreset "$new" || return 1
	PW_pwreset=$new
}
check "a change after a reset code applies the quality rules too (short refused, asked again)" \
	t_reset_quality

t_reset_old_pw() {
	local new
	new=$(gen_pw)
	reset_code pwreset || return 1
	# the old password still logs in; the change is due; it is accepted as the current one
	login -l fio pwreset "$PW_pwreset" "$PW_pwreset" "$new" "$new"
	expect_auth PAM_SUCCESS && expect_acct PAM_NEW_AUTHTOK_REQD && expect_chtok PAM_SUCCESS &&
		expect_acct_again PAM_SUCCESS || return 1
	PW_pwreset=$new
	# the password was changed: the outstanding code went with it
	login fio pwreset "$CODE" 000000
	expect_auth PAM_AUTH_ERR && has_line "$M_FAILED"
}
check "after --reset the old password still logs in (change due) and is accepted as the current one; the change consumes the unused code too" \
	t_reset_old_pw

t_reset_totp() {
	local new
	new=$(gen_pw)
	reset_code pwtotp || return 1
	tick
	login -l fio pwtotp "$CODE" "$(code_at_fake "$SEC_T")" "$CODE" "$new" "$new"
	expect_auth PAM_SUCCESS && expect_acct PAM_NEW_AUTHTOK_REQD && expect_chtok PAM_SUCCESS &&
		expect_acct_again PAM_SUCCESS &&
		expect_prompts "$P_PASS" "$P_CODE" "$P_CUR" "$P_NEW" "$P_RETYPE" || return 1
	PW_pwtotp=$new
	tick
	login fio pwtotp "$new" "$(code_at_fake "$SEC_T")"
	expect_auth PAM_SUCCESS
}
check "an enrolled account: the reset code at 'Password: ' is followed by the verification code as usual; then the change; new password + code work" \
	t_reset_totp

t_reset_totp_wrong_code() {
	reset_code pwtotp || return 1
	tick
	login -l fio pwtotp "$CODE" "$(wrong_code_at_fake "$SEC_T")"
	expect_auth PAM_AUTH_ERR && has_line "$M_FAILED" && lacks_line "$P_CUR"
}
check "... and the reset code with a wrong verification code fails (the code does not bypass the second factor)" \
	t_reset_totp_wrong_code

t_reset_expiry() {
	local ok_code
	reset_code pwreset || return 1
	ok_code=$CODE
	advance_fake_seconds 3540 # 59 minutes: still valid
	login fio pwreset "$ok_code"
	expect_auth PAM_SUCCESS || { diag "(59 minutes after --reset)"; return 1; }
	reset_code pwreset || return 1
	advance_fake_seconds 3660 # 61 minutes: expired
	# what a wrong password looks like for this account
	login fio pwreset "wrong-$PW_pwreset" 000000
	expect_auth PAM_AUTH_ERR || return 1
	local wrong=$OUT
	login fio pwreset "$CODE" 000000
	expect_auth PAM_AUTH_ERR && has_line "$M_FAILED" || return 1
	[ "$(printf '%s\n' "$OUT" | grep -v '^AUTH ')" = "$(printf '%s\n' "$wrong" | grep -v '^AUTH ')" ] || {
		diag "the expired code and a wrong password differ; a wrong password:"
		printf '%s\n' "$wrong" | sed 's/^/#   /'
		show_transcript
		return 1
	}
}
check "a reset code works 59 minutes after --reset and is refused like a wrong password 61 minutes after (password.reset_ttl 1h)" \
	t_reset_expiry

t_reset_race() {
	local code n_ok=0 n_err=0 o a b pa pb i=0
	reset_code pwrace || return 1
	code=$CODE
	a=$(gen_pw)
	b=$(gen_pw)
	rm -f "$T/work/race" "$T/work/race".ready.*
	# both stop before their last answer ("Retype new password: ")
	pam_env "$PAMCONV" -l -b "$T/work/race" fio pwrace "$code" "$code" "$a" "$a" \
		>"$T/work/race.a" 2>&1 &
	pa=$!
	pam_env "$PAMCONV" -l -b "$T/work/race" fio pwrace "$code" "$code" "$b" "$b" \
		>"$T/work/race.b" 2>&1 &
	pb=$!
	while [ "$(ls "$T/work/race".ready.* 2>/dev/null | wc -l)" -lt 2 ] && [ $i -lt 150 ] &&
		proc_alive "$pa" && proc_alive "$pb"; do
		sleep 0.1
		i=$((i + 1))
	done
	touch "$T/work/race"
	wait "$pa" "$pb"
	for o in a b; do
		grep -q '^CHTOK PAM_SUCCESS' "$T/work/race.$o" && n_ok=$((n_ok + 1))
		grep '^CHTOK ' "$T/work/race.$o" | grep -qv '^CHTOK PAM_SUCCESS' && n_err=$((n_err + 1))
	done
	[ "$n_ok" = 1 ] && [ "$n_err" = 1 ] || {
		diag "expected one change to succeed and one to fail; $n_ok succeeded, $n_err failed"
		sed 's/^/#   a: /' "$T/work/race.a"
		sed 's/^/#   b: /' "$T/work/race.b"
		return 1
	}
	if grep -q '^CHTOK PAM_SUCCESS' "$T/work/race.a"; then
		pw_works pwrace "$a" && pw_fails pwrace "$b"
	else
		pw_works pwrace "$b" && pw_fails pwrace "$a"
	fi
}
check "two logins racing with one reset code up to the last answer: one change wins, the other fails; the winner's password is stored" \
	t_reset_race

t_reset_send() {
	local new
	new=$(gen_pw)
	run_ctl passwd pwsend --reset --send
	ctl_ok && ! printf '%s\n' "$CTL_OUT$CTL_ERR" | grep -qE "$CODE_RE" || return 1
	run_ctl --json passwd pwsend --reset --send
	ctl_ok && json_check '(d[0] if isinstance(d, list) else d).get("code") == "-"' || return 1
	CODE=$(notice_code password_reset pwsend)
	[ -n "$CODE" ] || return 1
	note_codes "$CODE"
	printf '%s\n' "$CODE" >"$T/work/code.txt"
	login -l fio pwsend "@FILE:$T/work/code.txt" "@FILE:$T/work/code.txt" "$new" "$new"
	expect_auth PAM_SUCCESS && expect_chtok PAM_SUCCESS && expect_acct_again PAM_SUCCESS &&
		has_line "DYNAMIC FILE" || return 1
	pw_works pwsend "$new"
}
check "--reset --send: the code is not printed ('-' in --json), the notice to the account carries it, and it works (the newest one)" \
	t_reset_send

t_reset_send_no_email() {
	run_ctl passwd pwroot --reset --send
	[ "$CTL_RC" != 0 ] && ! printf '%s\n' "$CTL_OUT$CTL_ERR" | grep -qE "$CODE_RE" || { ctl_diag; return 1; }
	login -A fio pwroot
	expect_acct PAM_SUCCESS
}
check "--reset --send for an account without an e-mail address: refused, no code, no change due" \
	t_reset_send_no_email

# ================================================================ fioctl passwd and the rules
t_ctl_weak() {
	local before
	before=$(pwhash pwroot)
	CTL_IN=mississippi123 run_ctl passwd pwroot --stdin
	[ "$CTL_RC" != 0 ] && printf '%s\n' "$CTL_OUT$CTL_ERR" | grep -q 'BAD PASSWORD: .*[Dd]ictionary' ||
		{ ctl_diag; return 1; }
	CTL_IN=Short-2 run_ctl passwd pwroot --stdin
	[ "$CTL_RC" != 0 ] && printf '%s\n' "$CTL_OUT$CTL_ERR" | grep -q 'shorter than 12' ||
		{ ctl_diag; return 1; }
	CTL_IN="Lamp-pwroot-Kite" run_ctl passwd pwroot --stdin
	[ "$CTL_RC" != 0 ] && printf '%s\n' "$CTL_OUT$CTL_ERR" | grep -qi 'user name\|username' ||
		{ ctl_diag; return 1; }
	[ "$(pwhash pwroot)" = "$before" ] || { diag "the stored hash changed"; return 1; }
	pw_works pwroot "$PW_pwroot"
}
check "fioctl passwd (admin, --stdin) applies the rules: a dictionary word, a short one, one with the user name: refused with the reason, non-zero exit, unchanged" \
	t_ctl_weak

t_ctl_good() {
	local new
	new=$(gen_pw)
	CTL_IN=$new run_ctl passwd pwroot --stdin
	ctl_ok && pw_works pwroot "$new" || return 1
	PW_pwroot=$new
}
check "fioctl passwd with a good password: accepted, it works" t_ctl_good

# ================================================================ invitations
t_invite() {
	run_ctl user add pwinv --email pwinv@example.org --invite
	ctl_ok || return 1
	INV=$(printf '%s\n' "$CTL_OUT" | grep -oE "$CODE_RE" | head -n 1)
	[ -n "$INV" ] || { diag "no code"; ctl_diag; return 1; }
	note_codes "$INV"
	run_ctl --json user add pwinvj --email pwinvj@example.org --invite
	ctl_ok && printf '%s\n' "$CTL_OUT" | "$PYTHON" -c '
import json, re, sys
d = json.load(sys.stdin)
d = d[0] if isinstance(d, list) else d
ok = (d.get("user") == "pwinvj" and re.fullmatch(sys.argv[1], d.get("code", ""))
      and d.get("expires"))
sys.exit(0 if ok else 1)' "$CODE_RE" || { diag "expected {user: pwinvj, code, expires}"; ctl_diag; return 1; }
	INVJ=$(printf '%s\n' "$CTL_OUT" | grep -oE "$CODE_RE" | head -n 1)
	note_codes "$INVJ"
	run_ctl user show pwinv
	out_lacks '^password: set'
}
check "fioctl user add NAME --email E --invite: prints an invitation code (--json: {user, code, expires}); the account has no password" \
	t_invite

t_invite_login() {
	local new
	new=$(gen_pw)
	login -l fio pwinv "$INV" "$INV" mississippi123 "$new" "$new"
	expect_auth PAM_SUCCESS && expect_acct PAM_NEW_AUTHTOK_REQD && expect_chtok PAM_SUCCESS &&
		expect_acct_again PAM_SUCCESS && has_line_re '^ERROR BAD PASSWORD: .*[Dd]ictionary' &&
		expect_prompts "$P_PASS" "$P_CUR" "$P_NEW" "$P_NEW" "$P_RETYPE" || return 1
	login fio pwinv "$INV" 000000
	expect_auth PAM_AUTH_ERR && has_line "$M_FAILED" || return 1
	pw_works pwinv "$new"
}
check "the invitation code at the first login: auth OK, acct NEW_AUTHTOK_REQD, the code as current password, the rules apply -> password set; the code then fails, the password works" \
	t_invite_login

t_invite_policy() {
	local new
	new=$(gen_pw)
	run_ctl user add fiopwinv --email fiopwinv@example.org --invite
	ctl_ok || return 1
	INV=$(printf '%s\n' "$CTL_OUT" | grep -oE "$CODE_RE" | head -n 1)
	note_codes "$INV"
	tick
	login -l fio fiopwinv "$INV" @TOTP saved "$INV" "$new" "$new"
	expect_auth PAM_SUCCESS && has_msg "$M_OVERDUE" || return 1
	has_line "DYNAMIC TOTP" && lacks_line NOSECRET && [ "$(recovery_seen)" = 10 ] || return 1
	note_secret "$(shown_secret)"
	note_codes $(shown_recovery)
	expect_acct PAM_NEW_AUTHTOK_REQD && expect_chtok PAM_SUCCESS && expect_acct_again PAM_SUCCESS ||
		return 1
	# enrolment came before the password change
	[ "$(prompts | head -n 1)" = "$P_PASS" ] && [ "$(prompts | tail -n 3 | head -n 1)" = "$P_CUR" ] ||
		{ diag "expected the enrolment between 'Password: ' and 'Current password: '"; show_transcript; return 1; }
	SEC_INV=$(shown_secret)
	tick
	login fio fiopwinv "$new" "$(code_at_fake "$SEC_INV")"
	expect_auth PAM_SUCCESS && expect_prompts "$P_PASS" "$P_CODE"
}
check "an invited member of a policy group: the invitation code, then enrolment (before access), then the password change; afterwards password + code" \
	t_invite_policy

t_invite_send() {
	local new
	new=$(gen_pw)
	run_ctl --json user add pwinvs --email pwinvs@example.org --invite --send
	ctl_ok && json_check '(d[0] if isinstance(d, list) else d).get("code") == "-"' || return 1
	INV=$(notice_code invitation pwinvs)
	[ -n "$INV" ] || return 1
	note_codes "$INV"
	login -l fio pwinvs "$INV" "$INV" "$new" "$new"
	expect_auth PAM_SUCCESS && expect_chtok PAM_SUCCESS && expect_acct_again PAM_SUCCESS || return 1
	pw_works pwinvs "$new"
}
check "--invite --send: not printed ('-' in --json); the code from the notice sets the password" \
	t_invite_send

t_invite_root_sets() {
	local new code=$INVJ
	login -A fio pwinvj
	expect_acct PAM_NEW_AUTHTOK_REQD || return 1
	# an outstanding invitation is a password of the store (no IGNORE): root
	# sets it, and that consumes the invitation
	new=$(gen_pw)
	login -c 0 fioigdeny pwinvj "$new" "$new"
	expect_chtok PAM_SUCCESS && expect_prompts "$P_NEW" "$P_RETYPE" || return 1
	login -A fio pwinvj
	expect_acct PAM_SUCCESS && pw_works pwinvj "$new" || return 1
	login fio pwinvj "$code" 000000
	expect_auth PAM_AUTH_ERR && has_line "$M_FAILED"
}
check "an invited account is due a change (acct_mgmt PAM_NEW_AUTHTOK_REQD) and not ignored: root sets its password, which consumes the invitation" \
	t_invite_root_sets

t_invite_expiry() {
	local code
	run_ctl user add pwinvx --email pwinvx@example.org --invite
	ctl_ok || return 1
	code=$(printf '%s\n' "$CTL_OUT" | grep -oE "$CODE_RE" | head -n 1)
	note_codes "$code"
	advance_fake_seconds $((7 * 86400 - 600)) # 7 days less 10 minutes: valid
	login fio pwinvx "$code"
	expect_auth PAM_SUCCESS || { diag "(the invitation 10 minutes before the end of 7 days)"; return 1; }
	run_ctl user add pwinvy --email pwinvy@example.org --invite
	ctl_ok || return 1
	code=$(printf '%s\n' "$CTL_OUT" | grep -oE "$CODE_RE" | head -n 1)
	note_codes "$code"
	advance_fake_seconds $((7 * 86400 + 600))
	login fio pwinvy "$code" 000000
	expect_auth PAM_AUTH_ERR && has_line "$M_FAILED"
}
check "an invitation code works until password.invite_ttl (7 days) and is refused after it" \
	t_invite_expiry

done_testing
