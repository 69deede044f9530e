# pam_fio/: the thin PAM module.
pamlib_LTLIBRARIES += pam_fio/pam_fio.la
pam_fio_pam_fio_la_SOURCES = \
	pam_fio/pam_fio.c \
	pam_fio/options.h pam_fio/options.c \
	pam_fio/relay.h pam_fio/relay.c \
	pam_fio/verdict.h pam_fio/verdict.c
pam_fio_pam_fio_la_LIBADD = common/libfiocommon.la $(PAM_LIBS)
pam_fio_pam_fio_la_LDFLAGS = $(AM_LDFLAGS) -module -avoid-version -shared -no-undefined \
	-Wl,--version-script=$(srcdir)/pam_fio/pam_fio.map -Wl,-z,relro -Wl,-z,now
EXTRA_DIST += pam_fio/pam_fio.map

# Debian ships no .la for PAM modules. (pamlibdir is not an exec dir, so the
# module is installed by install-data.)
install-data-hook:
	rm -f $(DESTDIR)$(pamlibdir)/pam_fio.la
uninstall-hook:
	rm -f $(DESTDIR)$(pamlibdir)/pam_fio.so
