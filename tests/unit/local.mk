# Unit tests (cmocka). Each prints TAP (CMOCKA_MESSAGE_OUTPUT=TAP).
if HAVE_CMOCKA
UNIT_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(HELPER_CFLAGS)
UNIT_LDADD = helper/libfiohelper.la $(CMOCKA_LIBS)
UNIT_TESTS = \
	tests/unit/test_codec \
	tests/unit/test_crypto \
	tests/unit/test_totp \
	tests/unit/test_recovery \
	tests/unit/test_password \
	tests/unit/test_store \
	tests/unit/test_config \
	tests/unit/test_lockout \
	tests/unit/test_store_policy \
	tests/unit/test_notify \
	tests/unit/test_quality
check_PROGRAMS += $(UNIT_TESTS)
TESTS += $(UNIT_TESTS)
tests_unit_test_codec_SOURCES = tests/unit/test_codec.c
tests_unit_test_codec_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_codec_LDADD = $(UNIT_LDADD)
tests_unit_test_crypto_SOURCES = tests/unit/test_crypto.c
tests_unit_test_crypto_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_crypto_LDADD = $(UNIT_LDADD)
tests_unit_test_totp_SOURCES = tests/unit/test_totp.c
tests_unit_test_totp_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_totp_LDADD = $(UNIT_LDADD)
tests_unit_test_recovery_SOURCES = tests/unit/test_recovery.c
tests_unit_test_recovery_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_recovery_LDADD = $(UNIT_LDADD)
tests_unit_test_password_SOURCES = tests/unit/test_password.c
tests_unit_test_password_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_password_LDADD = $(UNIT_LDADD)
tests_unit_test_store_SOURCES = tests/unit/test_store.c tests/unit/store_fixture.h
tests_unit_test_store_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_store_LDADD = $(UNIT_LDADD)
tests_unit_test_config_SOURCES = tests/unit/test_config.c
tests_unit_test_config_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_config_LDADD = $(UNIT_LDADD)
tests_unit_test_lockout_SOURCES = tests/unit/test_lockout.c
tests_unit_test_lockout_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_lockout_LDADD = $(UNIT_LDADD)
tests_unit_test_store_policy_SOURCES = tests/unit/test_store_policy.c tests/unit/store_fixture.h
tests_unit_test_store_policy_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_store_policy_LDADD = $(UNIT_LDADD)
tests_unit_test_notify_SOURCES = tests/unit/test_notify.c
tests_unit_test_notify_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_notify_LDADD = $(UNIT_LDADD)
tests_unit_test_quality_SOURCES = tests/unit/test_quality.c
tests_unit_test_quality_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_quality_LDADD = $(UNIT_LDADD)
endif
