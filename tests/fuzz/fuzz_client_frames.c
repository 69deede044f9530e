/*
 * fuzz_client_frames.c - the module's and fioctl's view of helper frames.
 *
 * The input is what a (hostile or broken) helper writes on the socket after
 * HELLO. It goes into one end of a socketpair, that end is shut for writing,
 * and fio_client_next() reads and decodes PROMPT / INFO / RECORD / VERDICT
 * frames from the other end, as pam_fio.so and fioctl do, until it returns an
 * error (at the latest the end of the stream). Every message is cleared with
 * fio_client_msg_clear().
 *
 * Properties checked beyond "no crash, leak or undefined behaviour": a decoded
 * message honours the limits and enumerations of fio-proto.h, it re-encodes to
 * exactly the payload of the frame it came from, and a failed call leaves the
 * message empty.
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fio-client.h"
#include "fio-codec.h"
#include "fio-frame.h"
#include "fio-proto.h"
#include "fuzz.h"

static void
check_text(const char *s, size_t max)
{
	size_t n;

	fuzz_require(s != NULL, "a decoded text is not NULL");
	n = strlen(s);
	fuzz_require(n <= max, "a decoded text is within its limit");
	fuzz_require(fio_utf8_valid(s, n), "a decoded text is valid UTF-8");
}

/* Checks m and encodes it again into enc. */
static int
check_and_encode(const struct fio_client_msg *m, struct fio_buf *enc)
{
	uint32_t i;
	int r;

	switch (m->type) {
	case FIO_MSG_PROMPT:
		fuzz_require(m->style == FIO_PROMPT_ECHO_OFF || m->style == FIO_PROMPT_ECHO_ON,
		             "PROMPT style is known");
		fuzz_require((m->flags & ~FIO_PROMPT_F_KNOWN) == 0, "PROMPT flags are known");
		check_text(m->text, FIO_PROMPT_MAX);
		if ((r = fio_put_u32(enc, m->id)) != 0 || (r = fio_put_u32(enc, m->style)) != 0 ||
		    (r = fio_put_u32(enc, m->flags)) != 0 ||
		    (r = fio_put_str(enc, m->text, FIO_PROMPT_MAX)) != 0)
			return r;
		return 0;
	case FIO_MSG_INFO:
		fuzz_require(m->kind == FIO_INFO_TEXT || m->kind == FIO_INFO_ERROR,
		             "INFO kind is known");
		check_text(m->text, FIO_TEXT_MAX);
		if ((r = fio_put_u32(enc, m->kind)) != 0 ||
		    (r = fio_put_str(enc, m->text, FIO_TEXT_MAX)) != 0)
			return r;
		return 0;
	case FIO_MSG_RECORD:
		fuzz_require(m->nfields <= FIO_RECORD_FIELDS_MAX, "RECORD field count");
		fuzz_require(m->text == NULL, "RECORD has no text");
		if ((r = fio_put_u32(enc, m->nfields)) != 0)
			return r;
		for (i = 0; i < m->nfields; i++) {
			check_text(m->keys[i], FIO_KEY_MAX);
			check_text(m->values[i], FIO_VALUE_MAX);
			if ((r = fio_put_str(enc, m->keys[i], FIO_KEY_MAX)) != 0 ||
			    (r = fio_put_str(enc, m->values[i], FIO_VALUE_MAX)) != 0)
				return r;
		}
		return 0;
	case FIO_MSG_VERDICT:
		fuzz_require(m->result <= FIO_RESULT_MAX, "VERDICT result is known");
		fuzz_require(m->authtok_len <= FIO_SECRET_MAX, "VERDICT authtok_len is bounded");
		if ((r = fio_put_u32(enc, m->result)) != 0 ||
		    (r = fio_put_u32(enc, m->authtok_len)) != 0)
			return r;
		return 0;
	default:
		fuzz_require(0, "fio_client_next returns only helper->client types");
		return -1;
	}
}

static void
check_empty(const struct fio_client_msg *m)
{
	static const struct fio_client_msg zero;

	fuzz_require(memcmp(m, &zero, sizeof(zero)) == 0,
	             "a failed fio_client_next leaves m empty");
}

/* Writes as much of data as the socket takes, then ends the stream. Returns
 * the number of bytes written. */
static size_t
feed(int fd, const uint8_t *data, size_t size)
{
	size_t off = 0;

	while (off < size) {
		ssize_t w = send(fd, data + off, size - off, MSG_DONTWAIT | MSG_NOSIGNAL);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			break;
		off += (size_t)w;
	}
	fuzz_require(shutdown(fd, SHUT_WR) == 0, "shutdown");
	return off;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fio_client c;
	struct fio_client_msg m;
	size_t fed, off = 0;
	int sv[2];
	int sndbuf = 1 << 20;

	fuzz_require(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0, "socketpair");
	(void)setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
	fed = feed(sv[0], data, size);

	/* as fio_client_open() leaves it after HELLO */
	memset(&c, 0, sizeof(c));
	c.fd = sv[1];
	c.helper_version = FIO_PROTO_VERSION;
	c.peer_uid = 0;
	fio_buf_init(&c.in, FIO_FRAME_MAX - FIO_FRAME_HDR);
	fio_buf_init(&c.out, FIO_FRAME_MAX - FIO_FRAME_HDR);

	for (;;) {
		struct fio_buf enc;
		uint16_t type;
		uint32_t plen;
		int r = fio_client_next(&c, &m, 1000);

		if (r != 0) {
			fuzz_require(r < 0 && fio_strerror(r) != NULL,
			             "an error code with a message");
			fuzz_require(r != -FIO_ERR_TIMEOUT, "no timeout on a closed stream");
			check_empty(&m);
			break;
		}
		/* the frame this message came from */
		fuzz_require(fed - off >= 8, "a message comes from a whole frame");
		fuzz_require(fio_frame_parse_header(data + off, &type, &plen) == 0 &&
		                     type == m.type && fed - off - 8 >= plen,
		             "the message matches its frame header");
		fio_buf_init(&enc, FIO_FRAME_MAX);
		fuzz_require(check_and_encode(&m, &enc) == 0, "a decoded message encodes again");
		fuzz_require(enc.len == plen &&
		                     (plen == 0 || memcmp(enc.data, data + off + 8, plen) == 0),
		             "a decoded message re-encodes to its own bytes");
		fio_buf_free(&enc);
		off += 8 + (size_t)plen;
		fio_client_msg_clear(&m);
		check_empty(&m);
	}
	fio_client_close(&c); /* closes sv[1], frees the buffers */
	(void)close(sv[0]);
	return 0;
}
