#include <stdlib.h>
#include <string.h>

#include "fio-wipe.h"

void
fio_wipe(void *p, size_t n)
{
	if (p != NULL && n > 0)
		explicit_bzero(p, n);
}

void
fio_freezero(void *p, size_t n)
{
	if (p == NULL)
		return;
	fio_wipe(p, n);
	free(p);
}

void
fio_freezero_str(char *s)
{
	if (s == NULL)
		return;
	fio_freezero(s, strlen(s) + 1);
}
