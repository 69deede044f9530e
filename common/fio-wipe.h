/*
 * fio-wipe.h - wiping secrets. libc only (explicit_bzero), so that pam_fio.so
 * links no crypto library.
 */
#ifndef FIO_WIPE_H
#define FIO_WIPE_H

#include <stddef.h>

/* Overwrites n bytes at p with zeros in a way the compiler cannot remove. */
void fio_wipe(void *p, size_t n);
/* Wipes n bytes at p, then frees p. p may be NULL. */
void fio_freezero(void *p, size_t n);
/* Wipes strlen(s) + 1 bytes, then frees. s may be NULL. */
void fio_freezero_str(char *s);

#define FIO_MUST_BE_ARRAY(a)                                                                       \
	(0 * sizeof(char[1 - 2 * __builtin_types_compatible_p(__typeof__(a), __typeof__(&(a)[0]))]))
/* Wipes a whole array; fails to compile if given a pointer. */
#define FIO_WIPE_ARRAY(a) fio_wipe((a), sizeof(a) + FIO_MUST_BE_ARRAY(a))

#endif /* FIO_WIPE_H */
