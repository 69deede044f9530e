#!/bin/bash
# scripts/test-package.sh - the Debian packages end to end on this machine:
# Debian 12, as root; systemd need not be PID 1 (CI has none).
#
#  1. builds libpam-fio and fio-helperd with `dpkg-buildpackage -us -uc -b` from
#     a copy of the work tree (`git ls-files -co --exclude-standard`: committed
#     and uncommitted files, not the ignored build products);
#  2. runs lintian on the .changes: an error fails, warnings are shown;
#  3. installs both .debs with apt-get and checks what the maintainer scripts
#     did (the _fio user, /var/lib/fio, the conffile, the units, nothing enabled
#     in /etc/pam.d) and `systemd-analyze verify` on the installed units;
#  4. starts the installed /usr/sbin/fio-helperd the classic way (as root, with
#     the installed /etc/fio/fio.conf; it drops to _fio by itself);
#  5. enables the "fio" profile with the real pam-auth-update, in a private
#     mount namespace over copies of /etc/pam.d, /var/lib/pam and debconf's
#     database (so the machine's PAM configuration is never touched), and makes
#     a pam_wrapper service of the common-auth, common-account and
#     common-session it generated;
#  6. logs in through that service with pamtester against the installed
#     pam_fio.so: a local user with a password (pam_unix) and an authenticator
#     enrolled with the installed fioctl (the code from oathtool);
#  7. purges both packages and checks that nothing is left but what Debian
#     policy keeps (the system user _fio and the group fio-admin).
#
# Prints TAP. DEB_BUILD_OPTIONS defaults to "nocheck" (the unit tests run in
# test-all.sh already); PKGTEST_CHECK=1 runs them at build time too.
# PKGTEST_KEEP=1 keeps the temp dir. Refuses to run if the packages are
# installed and were not left by an earlier run of this script.
[ -n "$BASH_VERSION" ] || exec bash "$0" "$@"
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
export DEBIAN_FRONTEND=noninteractive LC_ALL=C.UTF-8
PKGS="libpam-fio fio-helperd"
TUSER=fiopkgtest
SOCK=/run/fio/helper.sock
MARK=/var/lib/fio/.fio-pkgtest # our store, not an administrator's
# /usr/bin/python3 first: it also runs as nobody, who cannot reach /root (pyenv)
PY=/usr/bin/python3
[ -x "$PY" ] || PY=$(command -v python3)

N=0
FAILED=0
W=
HELPER_PID=
INSTALLED=
ok() { N=$((N + 1)); echo "ok $N - $*"; }
not_ok() { N=$((N + 1)); FAILED=$((FAILED + 1)); echo "not ok $N - $*"; }
diag() { printf '%s\n' "$@" | sed 's/^/# /'; }
check() {
	local name=$1
	shift
	if "$@"; then ok "$name"; else not_ok "$name"; return 1; fi
}
bail() {
	not_ok "setup: $*"
	exit 1
}

stop_helper() {
	local i=0
	[ -n "$HELPER_PID" ] || return 0
	kill -TERM "$HELPER_PID" 2>/dev/null
	while kill -0 "$HELPER_PID" 2>/dev/null && [ $i -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	kill -KILL "$HELPER_PID" 2>/dev/null && diag "fio-helperd did not stop on SIGTERM"
	wait "$HELPER_PID" 2>/dev/null
	HELPER_RC=$?
	HELPER_PID=
}

# pkgs_present: dpkg knows either package in any state but not-installed
pkgs_present() {
	dpkg-query -W -f='${Status}\n' $PKGS 2>/dev/null | grep -qv 'not-installed$'
}

purge() {
	apt-get purge -y $PKGS >"$W/purge.log" 2>&1
}

cleanup() {
	local rc=$?
	stop_helper
	if [ -n "$INSTALLED" ] && pkgs_present; then
		purge || { diag "apt-get purge failed:"; tail -n 20 "$W/purge.log" | sed 's/^/# /'; }
	fi
	userdel "$TUSER" >/dev/null 2>&1
	if [ -n "$W" ] && [ "${PKGTEST_KEEP:-0}" != 1 ]; then
		rm -rf "$W"
	elif [ -n "$W" ]; then
		echo "# kept $W"
	fi
	echo "1..$N"
	[ "$FAILED" -eq 0 ] && [ $rc -eq 0 ] || exit 1
	exit 0
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------- prerequisites
[ "$(id -u)" = 0 ] || bail "run as root (it installs packages and creates users)"
missing=
for c in git dpkg-buildpackage dh lintian apt-get pamtester oathtool unshare setsid setpriv useradd chpasswd; do
	command -v "$c" >/dev/null || missing="$missing $c"
done
PWRAP=$(ls /usr/lib/*/libpam_wrapper.so 2>/dev/null | head -n 1)
[ -n "$PWRAP" ] || missing="$missing libpam_wrapper.so(libpam-wrapper)"
[ -x "$PY" ] || missing="$missing python3"
command -v pam-auth-update >/dev/null || missing="$missing pam-auth-update(libpam-runtime)"
[ -z "$missing" ] || bail "missing:$missing (scripts/deps.sh installs them)"
[ -d "$top/.git" ] || [ -f "$top/.git" ] || bail "$top is not a git checkout"
if pkgs_present; then
	if [ -f "$MARK" ] || [ ! -e /var/lib/fio/fio.db ]; then
		diag "libpam-fio/fio-helperd are installed (left by an earlier run): purging them first"
		INSTALLED=1
		W=$(mktemp -d /tmp/fio-pkgtest.XXXXXX)
		purge || bail "cannot purge the packages left by an earlier run"
	else
		bail "libpam-fio or fio-helperd is installed here with a store in /var/lib/fio; not touching it"
	fi
fi
if [ -S "$SOCK" ] && "$PY" -c 'import socket,sys; s=socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])' "$SOCK" 2>/dev/null; then
	bail "something already listens on $SOCK"
fi
[ -n "$W" ] || W=$(mktemp -d /tmp/fio-pkgtest.XXXXXX)
chmod 0755 "$W"

# ---------------------------------------------------------------- 1. build
t_build() {
	local t0=$SECONDS opts="nocheck"
	[ "${PKGTEST_CHECK:-0}" = 1 ] && opts=""
	mkdir -p "$W/src"
	(cd "$top" && git ls-files -co --exclude-standard -z) |
		(cd "$top" && tar --null -T - -cf -) | tar -xf - -C "$W/src" ||
		{ diag "cannot copy the work tree"; return 1; }
	if ! (cd "$W/src" && DEB_BUILD_OPTIONS="$opts parallel=$(nproc)" \
		dpkg-buildpackage -us -uc -b) >"$W/build.log" 2>&1; then
		diag "dpkg-buildpackage failed; the end of its log:"
		tail -n 40 "$W/build.log" | sed 's/^/#   /'
		return 1
	fi
	DEB_LIB=$(ls "$W"/libpam-fio_*.deb 2>/dev/null)
	DEB_HELPER=$(ls "$W"/fio-helperd_*.deb 2>/dev/null)
	CHANGES=$(ls "$W"/pam-fio_*.changes 2>/dev/null)
	[ -f "$DEB_LIB" ] && [ -f "$DEB_HELPER" ] && [ -f "$CHANGES" ] ||
		{ diag "missing .debs or .changes:" "$(ls "$W")"; return 1; }
	diag "built in $((SECONDS - t0)) s: $(cd "$W" && ls ./*.deb | tr '\n' ' ')"
}
check "dpkg-buildpackage -us -uc -b builds libpam-fio and fio-helperd (debhelper 13, autoreconf)" t_build ||
	true
[ -f "${DEB_LIB:-}" ] || exit 1

# ---------------------------------------------------------------- 2. lintian
t_lintian() {
	local rc
	lintian --fail-on error --display-info "$CHANGES" >"$W/lintian.out" 2>"$W/lintian.err"
	rc=$?
	diag "lintian: $(grep -c '^E:' "$W/lintian.out") errors, $(grep -c '^W:' "$W/lintian.out") warnings, $(grep -c '^I:' "$W/lintian.out") infos"
	sed 's/^/#   /' "$W/lintian.out"
	[ $rc -eq 0 ] && return 0
	grep -v 'root privileges' "$W/lintian.err" | sed 's/^/#   /'
	return 1
}
check "lintian: no errors" t_lintian

# ---------------------------------------------------------------- 3. contents
has_file() { # DEB PATH-REGEX
	dpkg-deb -c "$1" | awk '{ print $NF }' | grep -qxE -- "\./$2" && return 0
	diag "$(basename "$1") lacks $2"
	return 1
}
t_contents() {
	has_file "$DEB_LIB" 'lib/[a-z0-9_]+-linux-gnu[a-z0-9_]*/security/pam_fio\.so' &&
		has_file "$DEB_LIB" 'usr/share/pam-configs/fio' &&
		has_file "$DEB_LIB" 'usr/share/man/man8/pam_fio\.8\.gz' &&
		has_file "$DEB_HELPER" 'usr/sbin/fio-helperd' &&
		has_file "$DEB_HELPER" 'usr/bin/fioctl' &&
		has_file "$DEB_HELPER" 'etc/fio/fio\.conf' &&
		has_file "$DEB_HELPER" 'usr/share/man/man8/fio-helperd\.8\.gz' &&
		has_file "$DEB_HELPER" 'usr/share/man/man8/fioctl\.8\.gz' &&
		has_file "$DEB_HELPER" 'usr/share/man/man5/fio\.conf\.5\.gz' &&
		has_file "$DEB_HELPER" 'lib/systemd/system/fio-helperd\.service' &&
		has_file "$DEB_HELPER" 'lib/systemd/system/fio-helperd\.socket' &&
		has_file "$DEB_HELPER" 'lib/systemd/system/fio-enforce\.service' &&
		has_file "$DEB_HELPER" 'lib/systemd/system/fio-enforce\.timer' || return 1
	if dpkg-deb -c "$DEB_LIB" | grep -q 'fio-helperd\|fioctl'; then
		diag "libpam-fio carries the helper's files"
		return 1
	fi
}
check "libpam-fio: the module in /lib/<multiarch>/security, the profile, pam_fio(8); fio-helperd: daemon, fioctl, fio.conf, man pages, units" t_contents

# ---------------------------------------------------------------- 4. install
t_install() {
	local t0=$SECONDS
	INSTALLED=1 # even half-installed: purged at exit
	if ! apt-get install -y --no-install-recommends "$DEB_LIB" "$DEB_HELPER" >"$W/install.log" 2>&1; then
		diag "apt-get install failed:"
		tail -n 30 "$W/install.log" | sed 's/^/#   /'
		return 1
	fi
	dpkg-query -W -f='${Status} ${Package}\n' $PKGS | grep -c 'install ok installed' | grep -qx 2 ||
		{ diag "not both installed:" "$(dpkg-query -W -f='${Status} ${Package}\n' $PKGS)"; return 1; }
	dpkg -L $PKGS | sort -u >"$W/files.list"
	diag "installed in $((SECONDS - t0)) s"
}
check "apt-get install of both .debs; the maintainer scripts succeed without systemd as PID 1" t_install ||
	exit 1

t_user() {
	local st
	id -u _fio >/dev/null 2>&1 || { diag "no user _fio"; return 1; }
	[ "$(id -u _fio)" -lt 1000 ] || { diag "_fio is not a system user: uid $(id -u _fio)"; return 1; }
	[ "$(id -gn _fio)" = _fio ] || { diag "_fio's group is $(id -gn _fio)"; return 1; }
	getent group fio-admin >/dev/null || { diag "no group fio-admin"; return 1; }
	st=$(stat -c '%U:%G %a' /var/lib/fio 2>/dev/null)
	[ "$st" = "_fio:_fio 700" ] || { diag "/var/lib/fio is '$st'"; return 1; }
	dpkg-query -W -f='${Conffiles}\n' fio-helperd | grep -q '^ /etc/fio/fio.conf ' ||
		{ diag "/etc/fio/fio.conf is not a conffile"; return 1; }
}
check "postinst: system user and group _fio, group fio-admin, /var/lib/fio _fio:_fio 0700; /etc/fio/fio.conf a conffile" t_user

t_pam_untouched() {
	local f
	grep -qx 'Default: no' /usr/share/pam-configs/fio || { diag "the profile is not Default: no"; return 1; }
	for f in /etc/pam.d/common-auth /etc/pam.d/common-account /etc/pam.d/common-session; do
		if grep -q pam_fio "$f"; then
			diag "$f has pam_fio after the install alone:" "$(grep pam_fio "$f")"
			return 1
		fi
	done
}
check "the profile is off until enabled: Default: no, /etc/pam.d/common-* unchanged" t_pam_untouched

t_units() {
	local man=--man=no u units="fio-helperd.service fio-helperd.socket fio-enforce.service fio-enforce.timer"
	command -v systemd-analyze >/dev/null || { diag "systemd-analyze missing (package systemd)"; return 1; }
	command -v man >/dev/null && man=--man=yes
	(cd /lib/systemd/system && systemd-analyze verify $man $units) >"$W/verify.out" 2>&1
	if [ $? -ne 0 ] || [ -s "$W/verify.out" ]; then
		diag "systemd-analyze verify $man:" "$(cat "$W/verify.out")"
		return 1
	fi
	# dh_installsystemd enabled them (symlinks, as deb-systemd-helper makes them
	# without a running systemd)
	for u in sockets.target.wants/fio-helperd.socket multi-user.target.wants/fio-helperd.service \
		timers.target.wants/fio-enforce.timer; do
		[ -L "/etc/systemd/system/$u" ] || { diag "not enabled: /etc/systemd/system/$u"; return 1; }
	done
	[ "$man" = --man=yes ] || diag "man(1) missing: Documentation= not checked"
}
check "systemd-analyze verify on the installed units; socket, service and timer enabled" t_units

# ---------------------------------------------------------------- 5. the installed helper
t_start() {
	local i=0 user
	echo "pam_fio package test: this store may be purged by scripts/test-package.sh" >"$MARK"
	/usr/sbin/fio-helperd --foreground >"$W/helper.out" 2>"$W/helper.log" </dev/null &
	HELPER_PID=$!
	while [ $i -lt 100 ]; do
		kill -0 "$HELPER_PID" 2>/dev/null || { diag "fio-helperd exited:" "$(tail -n 10 "$W/helper.log")"; HELPER_PID=; return 1; }
		setsid -w fioctl status >/dev/null 2>&1 </dev/null && break
		sleep 0.1
		i=$((i + 1))
	done
	[ $i -lt 100 ] || { diag "fioctl status got no answer in 10 s:" "$(tail -n 10 "$W/helper.log")"; return 1; }
	user=$(ps -o user= -p "$HELPER_PID")
	[ "$user" = _fio ] || { diag "fio-helperd runs as '$user'"; return 1; }
	[ "$(stat -c '%U %a' /var/lib/fio/secret.key 2>/dev/null)" = "_fio 600" ] ||
		{ diag "key file: $(ls -l /var/lib/fio/secret.key 2>&1)"; return 1; }
	[ "$(stat -c '%U %a' /run/fio 2>/dev/null)" = "_fio 755" ] && [ -S "$SOCK" ] ||
		{ diag "socket: $(ls -ld /run/fio "$SOCK" 2>&1)"; return 1; }
	# world-connectable: a screen locker runs as the user
	setpriv --reuid=nobody --regid=nogroup --clear-groups -- "$PY" -c \
		'import socket, sys; socket.socket(socket.AF_UNIX).connect(sys.argv[1])' "$SOCK" ||
		{ diag "nobody cannot connect to $SOCK: $(ls -ld /run/fio "$SOCK" 2>&1)"; return 1; }
}
check "the installed fio-helperd started as root with the installed fio.conf: runs as _fio, made its key (0600) and $SOCK (any user may connect)" t_start

# ---------------------------------------------------------------- 6. pam-auth-update --enable fio, privately
t_profile() {
	local p=$W/pamroot
	mkdir -p "$p/pam.d" "$p/lib-pam" "$p/debconf"
	cp -a /etc/pam.d/. "$p/pam.d/" && cp -a /var/lib/pam/. "$p/lib-pam/" &&
		cp -a /var/cache/debconf/. "$p/debconf/" || { diag "cannot copy the PAM configuration"; return 1; }
	# --force: the copies are ours to overwrite even if the machine's were edited
	unshare -m sh -c '
		mount --make-rprivate / &&
		mount --bind "$1/pam.d" /etc/pam.d &&
		mount --bind "$1/lib-pam" /var/lib/pam &&
		mount --bind "$1/debconf" /var/cache/debconf &&
		pam-auth-update --force --enable fio' sh "$p" >"$W/pam-auth-update.log" 2>&1 ||
		{ diag "pam-auth-update --enable fio failed:" "$(cat "$W/pam-auth-update.log")"; return 1; }
	# in common-auth after the primary block's pam_permit: pam_fio runs only
	# once pam_unix accepted the password
	awk '/pam_permit\.so/ { permit = NR } /pam_fio\.so/ { fio = NR; line = $0 }
		END { exit !(permit && fio > permit && line ~ /factor=second/) }' "$p/pam.d/common-auth" ||
		{ diag "common-auth:" "$(grep -v '^#' "$p/pam.d/common-auth")"; return 1; }
	grep -qE '^account[[:space:]]+required[[:space:]]+pam_fio\.so' "$p/pam.d/common-account" ||
		{ diag "common-account:" "$(grep -v '^#' "$p/pam.d/common-account")"; return 1; }
	grep -qE '^session[[:space:]]+optional[[:space:]]+pam_fio\.so' "$p/pam.d/common-session" ||
		{ diag "common-session:" "$(grep -v '^#' "$p/pam.d/common-session")"; return 1; }
	if grep -q pam_fio "$p/pam.d/common-session-noninteractive"; then
		diag "pam_fio in common-session-noninteractive (cron)"
		return 1
	fi
	if grep -q pam_fio /etc/pam.d/common-auth; then
		diag "the machine's own common-auth changed"
		return 1
	fi
	mkdir -p "$W/services"
	grep -vh '^[[:space:]]*#' "$p/pam.d/common-auth" "$p/pam.d/common-account" \
		"$p/pam.d/common-session" | grep . >"$W/services/fio-pkgtest"
	printf 'auth required pam_deny.so\naccount required pam_deny.so\n' >"$W/services/other"
	diag "the service (common-auth, -account, -session as pam-auth-update wrote them):"
	sed 's/^/#   /' "$W/services/fio-pkgtest"
}
check "pam-auth-update --enable fio (private namespace): pam_fio factor=second after pam_unix in common-auth, account required, session optional (interactive only)" t_profile

pamt() { # ANSWERS... -- pamtester ARGS
	local ans=
	while [ "$1" != -- ]; do ans="$ans$1
"; shift; done
	shift
	printf '%s' "$ans" | LD_PRELOAD="$PWRAP" PAM_WRAPPER=1 PAM_WRAPPER_SERVICE_DIR="$W/services" \
		pamtester -v fio-pkgtest "$TUSER" "$@" >"$W/pamtester.out" 2>&1
	PT_RC=$?
	grep -v '^PWRAP' "$W/pamtester.out" >>"$W/pamtester.all"
}
pt_diag() {
	diag "pamtester exit $PT_RC:"
	grep -v '^PWRAP' "$W/pamtester.out" | sed 's/^/#   /'
}

t_account() {
	PW="Pkg-$(head -c 12 /dev/urandom | base64 | tr -dc 'A-Za-z0-9')"
	userdel "$TUSER" >/dev/null 2>&1
	useradd --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$TUSER" &&
		printf '%s:%s\n' "$TUSER" "$PW" | chpasswd || { diag "cannot create $TUSER"; return 1; }
	setsid -w fioctl user add "$TUSER" </dev/null >"$W/ctl.out" 2>&1 ||
		{ diag "fioctl user add:" "$(cat "$W/ctl.out")"; return 1; }
	SECRET=$(head -c 20 /dev/urandom | base32 | tr -d '=\n')
	setsid -w fioctl enroll "$TUSER" --secret "$SECRET" </dev/null >"$W/ctl.out" 2>&1 ||
		{ diag "fioctl enroll --secret:" "$(cat "$W/ctl.out")"; return 1; }
	RECOVERY=$(grep -oE '\b[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}\b' "$W/ctl.out" | head -n 1)
	[ -n "$RECOVERY" ] || { diag "no recovery code shown"; return 1; }
}
check "installed fioctl: a local user with a password (pam_unix) gets an authenticator and recovery codes" t_account

code_now() { # with at least 3 s left in the step
	local s=$(( $(date +%s) % 30 ))
	[ "$s" -lt 27 ] || sleep $((31 - s))
	oathtool --totp -b "$SECRET"
}

t_login() {
	pamt "$PW" "$(code_now)" -- authenticate acct_mgmt open_session close_session
	[ "$PT_RC" = 0 ] || { pt_diag; return 1; }
	grep -q 'Verification code' "$W/pamtester.out" || { diag "no code was asked"; pt_diag; return 1; }
}
check "pamtester, installed pam_fio.so: password + TOTP code; authenticate, acct_mgmt, open_session, close_session succeed" t_login

t_wrong_code() {
	local c
	c=$(code_now)
	c=$(printf '%06d' $(((10#$c + 500000) % 1000000)))
	pamt "$PW" "$c" -- authenticate
	[ "$PT_RC" != 0 ] || { diag "a wrong code was accepted"; pt_diag; return 1; }
}
check "pamtester: the right password and a wrong code fail" t_wrong_code

t_wrong_password() {
	pamt "not-$PW" "$(code_now)" -- authenticate
	[ "$PT_RC" != 0 ] || { diag "a wrong password was accepted"; pt_diag; return 1; }
	if grep -q 'Verification code' "$W/pamtester.out"; then
		diag "pam_fio ran after pam_unix refused the password"
		pt_diag
		return 1
	fi
}
check "pamtester: a wrong password fails in pam_unix; pam_fio is not reached" t_wrong_password

t_recovery() {
	pamt "$PW" "$RECOVERY" -- authenticate
	[ "$PT_RC" = 0 ] || { pt_diag; return 1; }
	pamt "$PW" "$RECOVERY" -- authenticate
	[ "$PT_RC" != 0 ] || { diag "a recovery code worked twice"; pt_diag; return 1; }
}
check "pamtester: a recovery code works once" t_recovery

t_stop() {
	stop_helper
	[ "$HELPER_RC" = 0 ] || { diag "exit status $HELPER_RC:" "$(tail -n 5 "$W/helper.log")"; return 1; }
	[ ! -e "$SOCK" ] || { diag "$SOCK left behind"; return 1; }
	if grep -qF -e "$PW" -e "$SECRET" -e "$RECOVERY" "$W/helper.log" "$W/helper.out" "$W/pamtester.all"; then
		diag "a password, secret or recovery code in the logs"
		return 1
	fi
}
check "SIGTERM: the installed helper stops (exit 0), removes its socket; no secret in its log" t_stop

# ---------------------------------------------------------------- 7. purge
t_purge() {
	local left=
	purge || { diag "apt-get purge failed:"; tail -n 20 "$W/purge.log" | sed 's/^/#   /'; return 1; }
	INSTALLED=
	if pkgs_present; then
		diag "still known to dpkg:" "$(dpkg-query -W -f='${Package} ${Status}\n' $PKGS 2>&1)"
		return 1
	fi
	while read -r f; do
		[ -e "$f" ] || [ -L "$f" ] || continue
		[ -d "$f" ] && [ ! -L "$f" ] && [ -n "$(ls -A "$f" 2>/dev/null)" ] && continue # shared dirs
		case "$f" in /|/etc|/lib|/usr|/usr/*bin|/usr/share|/usr/share/man|/usr/share/man/*|/lib/systemd|/lib/systemd/system|/lib/*/security|/lib/*-linux-*|/usr/share/doc) continue ;; esac
		left="$left $f"
	done <"$W/files.list"
	for f in /etc/fio /var/lib/fio /run/fio /etc/systemd/system/*/fio-* \
		/var/lib/systemd/deb-systemd-helper-enabled/*fio-* \
		/var/lib/systemd/deb-systemd-helper-enabled/*/fio-*; do
		[ -e "$f" ] || [ -L "$f" ] && left="$left $f"
	done
	[ -z "$left" ] || { diag "left behind:$left"; return 1; }
	if grep -q pam_fio /etc/pam.d/common-*; then
		diag "pam_fio still in /etc/pam.d/common-*"
		return 1
	fi
	id -u _fio >/dev/null 2>&1 && diag "kept, as Debian policy says: the system user _fio and the group fio-admin"
	return 0
}
check "apt-get purge: no file of either package left, /etc/fio, /var/lib/fio, /run/fio and the unit symlinks gone" t_purge
