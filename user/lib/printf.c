/*
 * printf.c - printf and friends: the kernel's formatter (kernel/lib/vsnprintf.c, which this
 * runtime compiles as it is, with snprintf and vsnprintf) writing to a file descriptor.
 *
 * Output is staged in a stack buffer and written when it is full and at the end, so each printf
 * of a short line costs one write(2), which keeps lines from concurrently running programs from
 * interleaving mid-line.
 */
#include "ulib.h"
#include "../../kernel/include/format.h"

long write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	size_t left = len;

	while (left) {
		long n = sys_write(fd, p, left);

		if (n < 0)
			return n;
		if (n == 0)
			return -EFAULT;     /* no progress: give up rather than spin */
		p += n;
		left -= (size_t)n;
	}
	return (long)len;
}

/* Where the staged bytes go, and the first write error (-errno). */
struct fd_sink {
	int fd;
	long err;
};

static void flush_fd(struct fmt_out *o)
{
	struct fd_sink *k = o->ctx;
	long r = write_all(k->fd, o->buf, o->pos);

	if (r < 0 && !k->err)
		k->err = r;
	o->pos = 0;
}

int vdprintf(int fd, const char *fmt, va_list ap)
{
	char buf[256];
	struct fd_sink k = { .fd = fd };
	struct fmt_out o = { .buf = buf, .size = sizeof(buf), .flush = flush_fd, .ctx = &k };
	int n = vformat(&o, fmt, ap);

	if (o.pos)
		flush_fd(&o);
	return k.err ? (int)k.err : n;
}

int dprintf(int fd, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vdprintf(fd, fmt, ap);
	va_end(ap);
	return n;
}

int printf(const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vdprintf(1, fmt, ap);
	va_end(ap);
	return n;
}

int puts(const char *s)
{
	return printf("%s\n", s);
}
