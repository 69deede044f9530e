/*
 * fuzz.h - small helpers shared by the libFuzzer targets in tests/fuzz/.
 *
 * Besides "no crash, no leak, no undefined behaviour" (ASan, LSan, UBSan), the
 * targets check properties of what the code under test returns; a violated
 * property aborts, which libFuzzer reports as a crash and saves the input.
 */
#ifndef FIO_FUZZ_H
#define FIO_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Aborts with what if cond is false. A function, not a macro: no hidden exit. */
static inline void
fuzz_require(int cond, const char *what)
{
	if (!cond) {
		fprintf(stderr, "fuzz: property violated: %s\n", what);
		abort();
	}
}

/* A NUL-terminated heap copy of data[0..size) (cut at its first NUL by the
 * string functions that read it). Aborts on no memory. */
static inline char *
fuzz_cstr(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	fuzz_require(s != NULL, "malloc");
	for (size_t i = 0; i < size; i++)
		s[i] = (char)data[i];
	s[size] = '\0';
	return s;
}

#endif /* FIO_FUZZ_H */
