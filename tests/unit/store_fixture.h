/*
 * store_fixture.h - the store unit tests' fixture: a fresh temp directory per
 * test, the store's path in it, and cleanup. Included by test_store.c and
 * test_store_policy.c (after <cmocka.h> and "store.h").
 */
#ifndef FIO_TEST_STORE_FIXTURE_H
#define FIO_TEST_STORE_FIXTURE_H

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

struct fixture {
	char dir[64];
	char path[128];
	struct fio_store *st;
	char err[256];
};

static int
rm_entry(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(p);
}

/* A fixture in a new directory /tmp/PREFIX.XXXXXX; with open, the store is
 * opened there too. 0 or -1. */
static int
fixture_setup(void **state, const char *prefix, int open)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (f == NULL)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/%s.XXXXXX", prefix);
	if (mkdtemp(f->dir) == NULL) {
		free(f);
		return -1;
	}
	snprintf(f->path, sizeof(f->path), "%s/fio.db", f->dir);
	if (open && fio_store_open(f->path, &f->st, f->err, sizeof(f->err)) != FIO_STORE_OK) {
		fprintf(stderr, "open %s: %s\n", f->path, f->err);
		free(f);
		return -1;
	}
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	fio_store_close(f->st);
	if (nftw(f->dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS) != 0)
		fprintf(stderr, "cannot remove %s\n", f->dir);
	free(f);
	return 0;
}

#endif /* FIO_TEST_STORE_FIXTURE_H */
