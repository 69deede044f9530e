# Integration tests: real fio-helperd, real pam_fio.so under pam_wrapper,
# tests/lib/pamconv (a scripted PAM application), pamtester, oathtool.
# They run as root (they create the system user _fiotest and test users).
SH_TESTS = \
	tests/sh/test_login.sh \
	tests/sh/test_recovery.sh \
	tests/sh/test_stacks.sh \
	tests/sh/test_authz.sh \
	tests/sh/test_helper_down.sh \
	tests/sh/test_protocol.sh \
	tests/sh/test_fioctl.sh \
	tests/sh/test_lockout.sh \
	tests/sh/test_module.sh \
	tests/sh/test_sshd.sh \
	tests/sh/test_su.sh \
	tests/sh/test_policy.sh \
	tests/sh/test_sessions.sh \
	tests/sh/test_authenticators.sh \
	tests/sh/test_timing.sh \
	tests/sh/test_suspend.sh \
	tests/sh/test_activity.sh \
	tests/sh/test_passwd.sh \
	tests/sh/test_badinput.sh \
	tests/sh/test_spray.sh \
	tests/sh/test_systemd.sh
TESTS += $(SH_TESTS)
EXTRA_DIST += $(SH_TESTS) tests/lib/harness.sh tests/lib/fioproto.py tests/lib/enroll.py \
	tests/lib/pty_login.exp tests/lib/timing.py

check_PROGRAMS += tests/lib/pamconv
tests_lib_pamconv_SOURCES = tests/lib/pamconv.c
tests_lib_pamconv_CFLAGS = $(AM_CFLAGS) $(PAM_CFLAGS)
tests_lib_pamconv_LDADD = $(PAM_LIBS)
