/*
 * qr.h - a QR code for terminals, drawn with libqrencode.
 */
#ifndef FIO_QR_H
#define FIO_QR_H

/* Encodes text (an otpauth:// URI) with error correction level L and renders it
 * with UTF-8 half blocks (two modules per character cell vertically), dark on
 * light, with a quiet zone of 2 modules, one line per text row separated by
 * '\n'. Returns a malloc'ed string or NULL. The result fits in FIO_TEXT_MAX
 * for URIs up to ~200 bytes. */
char *fio_qr_render(const char *text);

#endif /* FIO_QR_H */
