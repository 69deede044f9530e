# helper/: fio-helperd and fioctl.
HELPER_LIBS = $(OATH_LIBS) $(CRYPTO_LIBS) $(LIBCONFIG_LIBS) $(SQLITE_LIBS) $(XCRYPT_LIBS) \
	$(QRENCODE_LIBS) $(PWQUALITY_LIBS) -lpthread
HELPER_CFLAGS = $(OATH_CFLAGS) $(CRYPTO_CFLAGS) $(LIBCONFIG_CFLAGS) $(SQLITE_CFLAGS) \
	$(XCRYPT_CFLAGS) $(QRENCODE_CFLAGS) $(PWQUALITY_CFLAGS)

# Everything but main(), so that unit tests link the same code.
noinst_LTLIBRARIES += helper/libfiohelper.la
helper_libfiohelper_la_CFLAGS = $(AM_CFLAGS) $(HELPER_CFLAGS)
helper_libfiohelper_la_SOURCES = \
	helper/log.h helper/log.c \
	helper/fio-config.h helper/config.c helper/config_impl.h helper/config_scan.c \
	helper/config_kinds.c \
	helper/crypto.h helper/crypto.c \
	helper/totp.h helper/totp.c \
	helper/recovery.h helper/recovery.c \
	helper/password.h helper/password.c \
	helper/quality.h helper/quality.c \
	helper/qr.h helper/qr.c \
	helper/store.h helper/store_sqlite.c helper/store_schema.h helper/store_schema.c \
	helper/store_impl.h helper/store_totp.c helper/store_lock.c helper/store_policy.c \
	helper/store_passwd.c \
	helper/notify.h helper/notify.c \
	helper/activity.h helper/activity.c helper/store_events.c \
	helper/policy.h helper/policy.c \
	helper/flow_policy.h helper/flow_policy.c \
	helper/flow_session.h helper/flow_session.c \
	helper/server.h helper/server.c \
	helper/sdnotify.h helper/sdnotify.c \
	helper/conn.h helper/conn_impl.h helper/conn.c \
	helper/workers.h helper/workers.c \
	helper/authz.h helper/authz.c \
	helper/lockout.h helper/lockout.c \
	helper/auth_lock.h helper/auth_lock.c \
	helper/flow_auth.h helper/flow_auth.c helper/auth_req.c \
	helper/flow_ctl.h helper/flow_ctl.c helper/flow_ctl_impl.h helper/flow_ctl_policy.c \
	helper/flow_ctl_passwd.c \
	helper/flow_enroll.h helper/flow_enroll.c \
	helper/flow_passwd.h helper/flow_passwd.c
helper_libfiohelper_la_LIBADD = common/libfiocommon.la $(HELPER_LIBS)

sbin_PROGRAMS += fio-helperd
fio_helperd_SOURCES = helper/main.c
fio_helperd_CFLAGS = $(AM_CFLAGS) $(HELPER_CFLAGS)
fio_helperd_LDADD = helper/libfiohelper.la

bin_PROGRAMS += fioctl
fioctl_SOURCES = helper/fioctl.c helper/fioctl_cmds.h helper/fioctl_cmds.c \
	helper/fioctl_policy.c helper/fioctl_enforce.c helper/fioctl_activity.c
fioctl_LDADD = common/libfiocommon.la
