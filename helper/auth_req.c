/*
 * auth_req.c - decoding AUTH, ACCT and CHAUTHTOK requests (codec only, so that the fuzz
 * target runs exactly this code).
 */
#include <stdlib.h>

#include "fio-proto.h"
#include "fio-wipe.h"
#include "flow_auth.h"

void
fio_auth_req_free(struct fio_auth_req *req)
{
	if (req == NULL)
		return;
	free(req->service);
	free(req->user);
	free(req->rhost);
	free(req->ruser);
	free(req->tty);
	fio_freezero(req->authtok, req->authtok_len + 1);
	free(req);
}

int
fio_auth_req_decode(struct fio_buf *in, int with_authtok, struct fio_auth_req **out)
{
	struct fio_auth_req *r = calloc(1, sizeof(*r));

	*out = NULL;
	if (r == NULL || fio_get_str(in, &r->service, NULL, FIO_NAME_MAX) != 0 ||
	    fio_get_str(in, &r->user, NULL, FIO_NAME_MAX) != 0 ||
	    fio_get_str(in, &r->rhost, NULL, FIO_HOST_MAX) != 0 ||
	    fio_get_str(in, &r->ruser, NULL, FIO_NAME_MAX) != 0 ||
	    fio_get_str(in, &r->tty, NULL, FIO_TTY_MAX) != 0 || fio_get_u32(in, &r->flags) != 0 ||
	    (r->flags & ~FIO_AUTH_F_KNOWN) != 0 ||
	    (with_authtok &&
	     fio_get_secret(in, &r->authtok, &r->authtok_len, FIO_SECRET_MAX) != 0) ||
	    fio_buf_done(in) != 0) {
		fio_auth_req_free(r);
		return -1;
	}
	if (r->authtok != NULL && r->authtok_len == 0) {
		fio_freezero(r->authtok, 1);
		r->authtok = NULL;
	}
	*out = r;
	return 0;
}

int
fio_chauthtok_req_decode(struct fio_buf *in, struct fio_auth_req **out, char **newtok,
                         size_t *newlen)
{
	struct fio_auth_req *r = calloc(1, sizeof(*r));
	uint32_t phase;

	*out = NULL;
	*newtok = NULL;
	*newlen = 0;
	if (r == NULL || fio_get_str(in, &r->service, NULL, FIO_NAME_MAX) != 0 ||
	    fio_get_str(in, &r->user, NULL, FIO_NAME_MAX) != 0 ||
	    fio_get_str(in, &r->rhost, NULL, FIO_HOST_MAX) != 0 ||
	    fio_get_str(in, &r->ruser, NULL, FIO_NAME_MAX) != 0 ||
	    fio_get_str(in, &r->tty, NULL, FIO_TTY_MAX) != 0 || fio_get_u32(in, &r->flags) != 0 ||
	    (r->flags & ~FIO_CHTOK_F_KNOWN) != 0 ||
	    fio_get_secret(in, &r->authtok, &r->authtok_len, FIO_SECRET_MAX) != 0 ||
	    fio_get_secret(in, newtok, newlen, FIO_SECRET_MAX) != 0 || fio_buf_done(in) != 0)
		goto bad;
	phase = r->flags & (FIO_CHTOK_F_PRELIM | FIO_CHTOK_F_UPDATE);
	if (phase != FIO_CHTOK_F_PRELIM && phase != FIO_CHTOK_F_UPDATE)
		goto bad;
	/* use_authtok only in the UPDATE phase, and then with the password */
	if ((r->flags & FIO_CHTOK_F_NEW_AUTHTOK) != 0 &&
	    (phase != FIO_CHTOK_F_UPDATE || *newlen == 0))
		goto bad;
	if ((r->flags & FIO_CHTOK_F_NEW_AUTHTOK) == 0 && *newlen != 0)
		goto bad;
	if (r->authtok != NULL && r->authtok_len == 0) {
		fio_freezero(r->authtok, 1);
		r->authtok = NULL;
	}
	*out = r;
	return 0;
bad:
	fio_freezero(*newtok, *newlen + 1);
	*newtok = NULL;
	*newlen = 0;
	fio_auth_req_free(r);
	return -1;
}
