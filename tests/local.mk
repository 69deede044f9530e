# tests/: unit tests (cmocka, TAP output) and integration tests (shell, TAP output)
# that drive the built module, helper and fioctl.
TEST_EXTENSIONS = .sh
LOG_DRIVER = env AM_TAP_AWK='$(AWK)' $(SHELL) $(top_srcdir)/build-aux/tap-driver.sh
SH_LOG_DRIVER = $(LOG_DRIVER)
SH_LOG_COMPILER = $(SHELL)
AM_TESTS_ENVIRONMENT = \
	CMOCKA_MESSAGE_OUTPUT=TAP; export CMOCKA_MESSAGE_OUTPUT; \
	top_srcdir='$(abs_top_srcdir)'; export top_srcdir; \
	top_builddir='$(abs_top_builddir)'; export top_builddir; \
	FIO_HELPERD='$(abs_top_builddir)/fio-helperd'; export FIO_HELPERD; \
	FIOCTL='$(abs_top_builddir)/fioctl'; export FIOCTL; \
	PAM_FIO_SO='$(abs_top_builddir)/pam_fio/.libs/pam_fio.so'; export PAM_FIO_SO; \
	PAM_WRAPPER_LIB='$(PAM_WRAPPER_LIB)'; export PAM_WRAPPER_LIB; \
	PAM_WRAPPER_MODULES='$(PAM_WRAPPER_MODULES)'; export PAM_WRAPPER_MODULES; \
	SAN_PRELOAD='$(SAN_PRELOAD)'; export SAN_PRELOAD; \
	PAMTESTER='$(PAMTESTER)'; export PAMTESTER; \
	OATHTOOL='$(OATHTOOL)'; export OATHTOOL; \
	FAKETIME='$(FAKETIME)'; export FAKETIME; \
	SQLITE3='$(SQLITE3)'; export SQLITE3;

include tests/unit/local.mk
include tests/sh/local.mk
