/*
 * fuzz-config.h - what the generated config.h gives the sources, for the fuzz
 * build (scripts/fuzz.sh), which compiles them directly without configure.
 * Values as configure's defaults.
 */
#ifndef FIO_FUZZ_CONFIG_H
#define FIO_FUZZ_CONFIG_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif
#define FIO_DEFAULT_SOCKET "/run/fio/helper.sock"
#define FIO_DEFAULT_USER "_fio"
#define FIO_DEFAULT_CONFIG "/etc/fio/fio.conf"
#define FIO_DEFAULT_STATEDIR "/var/lib/fio"
#define HAVE_EXPLICIT_BZERO 1

#endif /* FIO_FUZZ_CONFIG_H */
