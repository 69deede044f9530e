#!/bin/sh
# Demo on the embedded default store: builds pam_fio, starts fio-helperd on a
# temporary socket and SQLite file, creates the account "demo", enrols an
# authenticator for it, and logs in through pamtester with the password and the
# current code (computed by oathtool, as a phone would). Then shows that the
# same code is refused the second time and that a recovery code works once.
# Run as root on Debian 12 (it installs what it needs); leaves nothing behind.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
sh scripts/deps.sh
if [ ! -f build-demo/Makefile ]; then
	autoreconf -fi >/dev/null 2>&1
	mkdir -p build-demo
	(cd build-demo && ../configure >/dev/null)
fi
(cd build-demo && make -j"$(nproc)" >/dev/null)
B="$top/build-demo"
T=$(mktemp -d /tmp/fio-demo.XXXXXX)
helper_pid=""
cleanup() {
	[ -n "$helper_pid" ] && kill "$helper_pid" 2>/dev/null && wait "$helper_pid" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT INT TERM
id _fiodemo >/dev/null 2>&1 ||
	useradd --system --no-create-home --shell /usr/sbin/nologin _fiodemo
mkdir -p "$T/state" "$T/run" "$T/pam.d"
chown _fiodemo: "$T/state" "$T/run"
chmod 0755 "$T"
cat >"$T/fio.conf" <<CONF
socket = "$T/run/helper.sock";
key_file = "$T/state/secret.key";
user = "_fiodemo";
store = { backend = "sqlite"; path = "$T/state/fio.db"; };
totp = { issuer = "pam_fio demo"; };
CONF
"$B/fio-helperd" --config "$T/fio.conf" --foreground 2>"$T/helper.log" &
helper_pid=$!
export FIO_SOCKET="$T/run/helper.sock" FIO_HELPER_USER=_fiodemo
for _ in $(seq 50); do "$B/fioctl" status >/dev/null 2>&1 && break; sleep 0.1; done
"$B/fioctl" status

echo "== fioctl user add demo"
printf 'correct horse battery staple\n' | "$B/fioctl" user add demo --password-stdin
echo "== fioctl enroll demo --secret ... (an authenticator app's secret; prints recovery codes)"
secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP
"$B/fioctl" enroll demo --secret "$secret" | tee "$T/codes.txt"
recovery=$(grep -E '^[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$' "$T/codes.txt" | head -n 1)

printf 'auth required %s socket=%s helper_user=_fiodemo\naccount required %s socket=%s helper_user=_fiodemo\n' \
	"$B/pam_fio/.libs/pam_fio.so" "$FIO_SOCKET" "$B/pam_fio/.libs/pam_fio.so" "$FIO_SOCKET" \
	>"$T/pam.d/fio-demo"
printf 'auth required pam_deny.so\naccount required pam_deny.so\n' >"$T/pam.d/other"
wrap=$(pkg-config --libs pam_wrapper | tr -d ' ')
login() { # answers...
	printf '%s\n' "$@" | LD_PRELOAD="$wrap" PAM_WRAPPER=1 PAM_WRAPPER_SERVICE_DIR="$T/pam.d" \
		pamtester fio-demo demo authenticate
}
code=$(oathtool --totp -b "$secret")
echo "== login with the password and the current code ($code)"
login 'correct horse battery staple' "$code"
echo "== the same code again (must be refused: codes work once)"
login 'correct horse battery staple' "$code" || true
echo "== a recovery code ($recovery)"
login 'correct horse battery staple' "$recovery"
echo "== the same recovery code again (must be refused)"
login 'correct horse battery staple' "$recovery" || true
echo "== demo done"
