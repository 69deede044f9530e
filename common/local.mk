# common/: protocol, codec, framing, wiping. libc only: linked into the module.
noinst_LTLIBRARIES += common/libfiocommon.la
common_libfiocommon_la_SOURCES = \
	common/fio-proto.h \
	common/fio-codec.h common/fio-codec.c \
	common/fio-frame.h common/fio-frame.c \
	common/fio-wipe.h common/fio-wipe.c \
	common/fio-client.h common/fio-client.c
