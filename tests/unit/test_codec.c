/*
 * test_codec.c - the wire codec and framing: round trips, truncation at every
 * offset, limits, NUL, UTF-8, trailing bytes, frame headers, deadlines.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "fio-codec.h"
#include "fio-frame.h"
#include "fio-proto.h"
#include "fio-wipe.h"

static void
test_roundtrip(void **state)
{
	struct fio_buf b;
	uint16_t v16;
	uint32_t v32;
	uint64_t v64;
	char *s = NULL, *sec = NULL;
	size_t len;

	(void)state;
	fio_buf_init(&b, FIO_FRAME_MAX);
	assert_int_equal(fio_put_u16(&b, 0xbeef), 0);
	assert_int_equal(fio_put_u32(&b, 0xdeadbeef), 0);
	assert_int_equal(fio_put_u64(&b, 0x0102030405060708ull), 0);
	assert_int_equal(fio_put_str(&b, "héllo", FIO_NAME_MAX), 0);
	assert_int_equal(fio_put_str(&b, NULL, FIO_NAME_MAX), 0);
	assert_int_equal(fio_get_u16(&b, &v16), 0);
	assert_int_equal(v16, 0xbeef);
	assert_int_equal(fio_get_u32(&b, &v32), 0);
	assert_int_equal(v32, 0xdeadbeef);
	assert_int_equal(fio_get_u64(&b, &v64), 0);
	assert_true(v64 == 0x0102030405060708ull);
	assert_int_equal(fio_get_str(&b, &s, &len, FIO_NAME_MAX), 0);
	assert_string_equal(s, "héllo");
	assert_int_equal(len, strlen("héllo"));
	assert_int_equal(fio_get_secret(&b, &sec, &len, FIO_SECRET_MAX), 0);
	assert_string_equal(sec, "");
	assert_int_equal(fio_buf_done(&b), 0);
	free(s);
	fio_freezero(sec, len + 1);
	fio_buf_free(&b);
}

/* Every prefix of a valid message fails to decode with SHORT, leaving the
 * outputs empty and the position unchanged. */
static void
test_truncation_every_offset(void **state)
{
	struct fio_buf full, cut;
	(void)state;

	fio_buf_init(&full, FIO_FRAME_MAX);
	assert_int_equal(fio_put_u32(&full, 7), 0);
	assert_int_equal(fio_put_str(&full, "alice", FIO_NAME_MAX), 0);
	assert_int_equal(fio_put_u64(&full, 42), 0);
	for (size_t n = 0; n < full.len; n++) {
		uint32_t v = 1;
		uint64_t w = 1;
		char *s = (char *)1;
		int r;

		fio_buf_init(&cut, FIO_FRAME_MAX);
		assert_int_equal(fio_buf_put(&cut, full.data, n), 0);
		r = fio_get_u32(&cut, &v);
		if (r == 0)
			r = fio_get_str(&cut, &s, NULL, FIO_NAME_MAX);
		else
			s = NULL;
		if (r == 0) {
			free(s);
			s = NULL;
			r = fio_get_u64(&cut, &w);
			assert_true(w == 0);
		}
		assert_int_equal(r, -FIO_ERR_SHORT);
		assert_null(s);
		fio_buf_free(&cut);
	}
	fio_buf_free(&full);
}

static void
put_raw_str(struct fio_buf *b, const char *p, uint32_t n)
{
	assert_int_equal(fio_put_u32(b, n), 0);
	assert_int_equal(fio_buf_put(b, p, n), 0);
}

static void
test_string_checks(void **state)
{
	struct fio_buf b;
	char *s = NULL;
	size_t pos;
	(void)state;

	fio_buf_init(&b, FIO_FRAME_MAX);
	put_raw_str(&b, "ali\0ce", 6); /* NUL inside */
	assert_int_equal(fio_get_str(&b, &s, NULL, FIO_NAME_MAX), -FIO_ERR_NUL);
	assert_null(s);
	assert_int_equal(b.pos, 0);
	assert_int_equal(fio_get_secret(&b, &s, NULL, FIO_SECRET_MAX), -FIO_ERR_NUL);
	fio_buf_reset(&b);

	put_raw_str(&b, "\xc3\x28", 2); /* invalid UTF-8 */
	assert_int_equal(fio_get_str(&b, &s, NULL, FIO_NAME_MAX), -FIO_ERR_UTF8);
	/* ...but a secret may hold any non-NUL bytes */
	assert_int_equal(fio_get_secret(&b, &s, NULL, FIO_SECRET_MAX), 0);
	fio_freezero_str(s);
	s = NULL;
	fio_buf_reset(&b);

	put_raw_str(&b, "abcdef", 6); /* over the field limit */
	pos = b.pos;
	assert_int_equal(fio_get_str(&b, &s, NULL, 5), -FIO_ERR_TOOBIG);
	assert_int_equal(b.pos, pos);
	fio_buf_reset(&b);

	assert_int_equal(fio_put_u32(&b, 0xffffffffu), 0); /* huge claimed length */
	assert_int_equal(fio_get_str(&b, &s, NULL, FIO_TEXT_MAX), -FIO_ERR_TOOBIG);
	assert_null(s);
	fio_buf_reset(&b);

	assert_int_equal(fio_put_str(&b, "x", 1), 0);
	assert_int_equal(fio_put_u16(&b, 1), 0);
	assert_int_equal(fio_get_str(&b, &s, NULL, 1), 0);
	assert_int_equal(fio_buf_done(&b), -FIO_ERR_TRAILING);
	free(s);
	assert_int_equal(fio_put_strn(&b, "a\0b", 3, 10), -FIO_ERR_NUL);
	assert_int_equal(fio_put_str(&b, "abcdef", 5), -FIO_ERR_TOOBIG);
	fio_buf_free(&b);
}

static void
test_utf8(void **state)
{
	(void)state;
	assert_true(fio_utf8_valid("plain", 5));
	assert_true(fio_utf8_valid("\xe2\x82\xac", 3));      /* euro sign */
	assert_true(fio_utf8_valid("\xf0\x9f\x98\x80", 4));  /* emoji */
	assert_false(fio_utf8_valid("\xc0\xaf", 2));         /* overlong */
	assert_false(fio_utf8_valid("\xed\xa0\x80", 3));     /* surrogate */
	assert_false(fio_utf8_valid("\xf4\x90\x80\x80", 4)); /* > U+10FFFF */
	assert_false(fio_utf8_valid("\xe2\x82", 2));         /* cut short */
	assert_false(fio_utf8_valid("\x80", 1));             /* lone continuation */
	assert_false(fio_utf8_valid("a\0b", 3));
}

static void
test_buffer_ceiling(void **state)
{
	struct fio_buf b;
	char big[100];
	(void)state;

	memset(big, 'a', sizeof(big));
	fio_buf_init(&b, 64);
	assert_int_equal(fio_buf_put(&b, big, 64), 0);
	assert_int_equal(fio_buf_put(&b, big, 1), -FIO_ERR_TOOBIG);
	assert_int_equal(fio_buf_reserve(&b, SIZE_MAX), -FIO_ERR_TOOBIG);
	fio_buf_free(&b);
}

static void
test_frame_header(void **state)
{
	unsigned char h[8];
	uint16_t type;
	uint32_t plen;
	(void)state;

	memcpy(h, "\x00\x00\x00\x04\x00\x01\x00\x00", 8);
	assert_int_equal(fio_frame_parse_header(h, &type, &plen), 0);
	assert_int_equal(type, 1);
	assert_int_equal(plen, 0);
	memcpy(h, "\x00\x00\x00\x03\x00\x01\x00\x00", 8); /* below the minimum */
	assert_int_equal(fio_frame_parse_header(h, &type, &plen), -FIO_ERR_TOOBIG);
	memcpy(h, "\x00\x00\x40\x01\x00\x01\x00\x00", 8); /* FIO_FRAME_MAX + 1 */
	assert_int_equal(fio_frame_parse_header(h, &type, &plen), -FIO_ERR_TOOBIG);
	memcpy(h, "\xff\xff\xff\xff\x00\x01\x00\x00", 8);
	assert_int_equal(fio_frame_parse_header(h, &type, &plen), -FIO_ERR_TOOBIG);
	memcpy(h, "\x00\x00\x00\x04\x00\x01\x00\x01", 8); /* reserved must be 0 */
	assert_int_equal(fio_frame_parse_header(h, &type, &plen), -FIO_ERR_FORMAT);
	assert_int_equal(type, 0);
}

static void
test_frame_io(void **state)
{
	struct fio_buf p, in;
	uint16_t type;
	uint32_t v;
	int sv[2];
	(void)state;

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	fio_buf_init(&p, FIO_FRAME_MAX);
	fio_buf_init(&in, FIO_FRAME_MAX);
	assert_int_equal(fio_put_u32(&p, 99), 0);
	assert_int_equal(fio_frame_write(sv[0], FIO_MSG_HELLO, &p, fio_now_ms() + 1000), 0);
	assert_int_equal(fio_frame_read(sv[1], &type, &in, fio_now_ms() + 1000), 0);
	assert_int_equal(type, FIO_MSG_HELLO);
	assert_int_equal(fio_get_u32(&in, &v), 0);
	assert_int_equal(v, 99);
	/* nothing sent: the first-byte deadline passes */
	assert_int_equal(fio_frame_read(sv[1], &type, &in, fio_now_ms() + 50), -FIO_ERR_TIMEOUT);
	/* a started frame that never completes: the frame deadline passes */
	assert_int_equal(write(sv[0], "\x00\x00\x00\x10\x00", 5), 5);
	assert_int_equal(fio_frame_read(sv[1], &type, &in, fio_now_ms() + 50), -FIO_ERR_TIMEOUT);
	/* the peer closes */
	close(sv[0]);
	assert_int_equal(fio_frame_read(sv[1], &type, &in, fio_now_ms() + 1000), -FIO_ERR_EOF);
	close(sv[1]);
	fio_buf_free(&p);
	fio_buf_free(&in);
}

static void
test_random_blobs(void **state)
{
	(void)state;
	srand(1234);
	for (int i = 0; i < 20000; i++) {
		unsigned char blob[64];
		struct fio_buf b;
		size_t n = (size_t)(rand() % (int)sizeof(blob));
		char *s = NULL;
		uint32_t v;

		for (size_t k = 0; k < n; k++)
			blob[k] = (unsigned char)rand();
		fio_buf_init(&b, FIO_FRAME_MAX);
		assert_int_equal(fio_buf_put(&b, blob, n), 0);
		while (fio_get_u32(&b, &v) == 0 && fio_get_str(&b, &s, NULL, 32) == 0) {
			assert_true(strlen(s) <= 32);
			free(s);
			s = NULL;
		}
		assert_null(s);
		fio_buf_free(&b);
	}
}

static void
test_strerror(void **state)
{
	(void)state;
	assert_string_equal(fio_strerror(-FIO_ERR_VERSION), "protocol version mismatch");
	assert_string_equal(fio_strerror(FIO_ERR_EOF), "connection closed by peer");
	assert_string_equal(fio_strerror(9999), "unknown error");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_roundtrip),
	        cmocka_unit_test(test_truncation_every_offset),
	        cmocka_unit_test(test_string_checks),
	        cmocka_unit_test(test_utf8),
	        cmocka_unit_test(test_buffer_ceiling),
	        cmocka_unit_test(test_frame_header),
	        cmocka_unit_test(test_frame_io),
	        cmocka_unit_test(test_random_blobs),
	        cmocka_unit_test(test_strerror),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
