#!/bin/sh
# Installs what pam_fio needs to build, test and run its demo on Debian 12.
# Runs apt-get only when something is missing; needs root for that.
set -eu
PKGS="build-essential autoconf automake libtool pkg-config
libpam0g-dev liboath-dev oathtool libssl-dev libconfig-dev libsqlite3-dev sqlite3
libcrypt-dev libqrencode-dev libpwquality-dev cracklib-runtime libcmocka-dev libpam-wrapper libpamtest0-dev pamtester
faketime python3 expect util-linux passwd procps openssh-server openssh-client"
# the fuzzers (scripts/fuzz.sh: clang, libFuzzer) and the valgrind pass of test-all.sh
PKGS="$PKGS clang libclang-rt-14-dev valgrind"
# the Debian packages (scripts/test-package.sh) and the systemd test
# (systemd-socket-activate, systemd-analyze; systemd need not run as PID 1)
PKGS="$PKGS debhelper lintian systemd"
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing="$missing $p"
done
if [ -n "$missing" ]; then
	if [ "$(id -u)" -ne 0 ]; then
		echo "deps.sh: missing packages:$missing (run as root to install them)" >&2
		exit 1
	fi
	export DEBIAN_FRONTEND=noninteractive
	apt-get update
	# shellcheck disable=SC2086
	apt-get install -y --no-install-recommends $missing
fi
