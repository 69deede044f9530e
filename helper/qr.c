/*
 * qr.c - a QR code for terminals with libqrencode, two modules per character
 * cell (UTF-8 half blocks).
 *
 * Colours: a terminal draws glyphs in its foreground colour on its background
 * colour, and we cannot know which is dark. We follow the common convention
 * (qrencode -t UTF8, google-authenticator): LIGHT modules and the quiet zone
 * are drawn as blocks, DARK modules as spaces. On a dark-background terminal
 * with light text (most ssh clients) the code then shows dark modules on a
 * light field, as a scanner expects. On a light-background terminal it shows
 * inverted (light on dark); most phone scanners still read that, and the
 * secret and otpauth:// URI are always printed beside it as a fallback.
 *
 * The rendered text encodes the URI, hence the TOTP secret: the caller wipes
 * it (fio_freezero_str); the module matrix is wiped here before it is freed.
 */
#include <stdlib.h>
#include <string.h>

#include <qrencode.h>

#include "fio-wipe.h"
#include "qr.h"

#define QUIET 2        /* modules of quiet zone on each side */
#define TEXT_MAX 2048u /* longer than any otpauth:// URI we make */

static const char glyph_full[] = "\xe2\x96\x88";  /* U+2588 FULL BLOCK */
static const char glyph_upper[] = "\xe2\x96\x80"; /* U+2580 UPPER HALF BLOCK */
static const char glyph_lower[] = "\xe2\x96\x84"; /* U+2584 LOWER HALF BLOCK */
#define GLYPH_BYTES 3u

/* 1 if the module at (x, y) of the padded picture is drawn (light), else 0. */
static int
drawn(const QRcode *qr, int x, int y)
{
	int size = qr->width + 2 * QUIET;

	if (x < 0 || y < 0 || x >= size || y >= size)
		return 0; /* below the last row of an odd-sized picture: terminal background */
	x -= QUIET;
	y -= QUIET;
	if (x < 0 || y < 0 || x >= qr->width || y >= qr->width)
		return 1; /* quiet zone: light */
	return (qr->data[y * qr->width + x] & 1) == 0;
}

static size_t
put_cell(char *out, size_t o, int top, int bottom)
{
	const char *g = NULL;

	if (top && bottom)
		g = glyph_full;
	else if (top)
		g = glyph_upper;
	else if (bottom)
		g = glyph_lower;
	if (g == NULL) {
		out[o] = ' ';
		return o + 1;
	}
	memcpy(out + o, g, GLYPH_BYTES);
	return o + GLYPH_BYTES;
}

static char *
render(const QRcode *qr)
{
	int size = qr->width + 2 * QUIET, x, y;
	size_t rows = (size_t)(size + 1) / 2, o = 0;
	char *out = malloc(rows * ((size_t)size * GLYPH_BYTES + 1) + 1);

	if (out == NULL)
		return NULL;
	for (y = 0; y < size; y += 2) {
		for (x = 0; x < size; x++)
			o = put_cell(out, o, drawn(qr, x, y), drawn(qr, x, y + 1));
		if (y + 2 < size)
			out[o++] = '\n';
	}
	out[o] = '\0';
	return out;
}

char *
fio_qr_render(const char *text)
{
	QRcode *qr;
	char *out;

	if (text == NULL || text[0] == '\0' || strnlen(text, TEXT_MAX + 1) > TEXT_MAX)
		return NULL;
	qr = QRcode_encodeString(text, 0, QR_ECLEVEL_L, QR_MODE_8, 1);
	if (qr == NULL)
		return NULL;
	out = render(qr);
	fio_wipe(qr->data, (size_t)qr->width * (size_t)qr->width);
	QRcode_free(qr);
	return out;
}
