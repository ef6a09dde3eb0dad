/*
 * format.h - the printf formatter (kernel/lib/vsnprintf.c) for output that is not one string.
 *
 * Self-contained (C headers only) so that the ring-3 runtime, which compiles the same
 * vsnprintf.c, includes it too: its printf is this formatter writing to a file descriptor.
 */
#ifndef PORTCULLIS_FORMAT_H
#define PORTCULLIS_FORMAT_H

#include <stdarg.h>
#include <stddef.h>

/*
 * Where vformat puts its bytes: staged in buf[0..size); when buf is full, flush(out) takes them
 * and sets pos to 0. Without flush the rest is only counted (truncation, as vsnprintf does). A
 * flushing output needs size > 0.
 */
struct fmt_out {
	char *buf;
	size_t size;                            /* bytes of buf */
	size_t pos;                             /* bytes staged in buf */
	size_t len;                             /* bytes produced in all, stored or not */
	void (*flush)(struct fmt_out *out);     /* NULL: truncate */
	void *ctx;                              /* for flush */
};

/* Format into out (see vsnprintf.c for the conversions); returns the bytes produced, at most
 * INT32_MAX. The caller flushes what is left staged. */
int vformat(struct fmt_out *out, const char *fmt, va_list ap);

#endif
