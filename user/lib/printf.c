/*
 * printf.c - a small printf family.
 *
 * One formatter, format(), writes into a `struct out`. An out either fills a caller's buffer
 * (snprintf: truncates, always NUL-terminates, returns the untruncated length as C does) or
 * stages output in a stack buffer that is flushed to a file descriptor when full and at the end
 * (dprintf, printf). Each printf call therefore costs one write(2) for short lines, which keeps
 * lines from concurrently running programs from interleaving mid-line.
 */
#include "ulib.h"

struct out {
	char  *buf;
	size_t cap;         /* usable bytes in buf */
	size_t pos;         /* bytes currently in buf */
	size_t total;       /* bytes produced so far */
	int    fd;          /* -1: string output; otherwise flush to this descriptor */
	long   err;         /* first write error, as -errno */
};

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

static void flush(struct out *o)
{
	if (o->fd >= 0 && o->pos) {
		long r = write_all(o->fd, o->buf, o->pos);

		if (r < 0 && !o->err)
			o->err = r;
		o->pos = 0;
	}
}

static void put(struct out *o, char c)
{
	if (o->pos == o->cap)
		flush(o);           /* string outputs just drop what does not fit */
	if (o->pos < o->cap)
		o->buf[o->pos++] = c;
	o->total++;
}

static void put_n(struct out *o, const char *s, size_t n)
{
	while (n--)
		put(o, *s++);
}

static void pad(struct out *o, char c, int n)
{
	while (n-- > 0)
		put(o, c);
}

/* Conversion state for one % directive. */
struct spec {
	bool left;          /* '-' */
	bool zero;          /* '0' */
	bool alt;           /* '#': 0x prefix for non-zero %x */
	int  width;
	int  prec;          /* -1: none */
};

/*
 * Emit a field: `prefix` (sign or "0x"), then `body`, padded to the width. Zero padding goes
 * between prefix and body, space padding before the prefix or, left-justified, after the body.
 */
static void field(struct out *o, const struct spec *sp, const char *prefix,
		  const char *body, size_t len)
{
	int plen = (int)strlen(prefix);
	int padn = sp->width - plen - (int)len;

	if (!sp->left && !sp->zero)
		pad(o, ' ', padn);
	put_n(o, prefix, (size_t)plen);
	if (!sp->left && sp->zero)
		pad(o, '0', padn);
	put_n(o, body, len);
	if (sp->left)
		pad(o, ' ', padn);
}

static void number(struct out *o, const struct spec *sp, unsigned long long v,
		   unsigned base, bool upper, const char *prefix)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24];
	size_t i = sizeof(tmp);

	do {
		tmp[--i] = digits[v % base];
		v /= base;
	} while (v);
	field(o, sp, prefix, tmp + i, sizeof(tmp) - i);
}

static void format(struct out *o, const char *fmt, va_list ap)
{
	for (; *fmt; fmt++) {
		struct spec sp = { .prec = -1 };
		int lng = 0;            /* number of 'l' (z counts as one) */
		unsigned long long u;
		long long s;
		const char *str;
		char c;

		if (*fmt != '%') {
			put(o, *fmt);
			continue;
		}
		fmt++;

		/* flags */
		for (;; fmt++) {
			if (*fmt == '-')
				sp.left = true;
			else if (*fmt == '0')
				sp.zero = true;
			else if (*fmt == '#')
				sp.alt = true;
			else
				break;
		}
		/* width */
		if (*fmt == '*') {
			sp.width = va_arg(ap, int);
			if (sp.width < 0) {
				sp.left = true;
				sp.width = -sp.width;
			}
			fmt++;
		} else {
			while (*fmt >= '0' && *fmt <= '9')
				sp.width = sp.width * 10 + (*fmt++ - '0');
		}
		/* precision (used by %s) */
		if (*fmt == '.') {
			fmt++;
			sp.prec = 0;
			if (*fmt == '*') {
				sp.prec = va_arg(ap, int);
				fmt++;
			} else {
				while (*fmt >= '0' && *fmt <= '9')
					sp.prec = sp.prec * 10 + (*fmt++ - '0');
			}
		}
		/* length */
		if (*fmt == 'z') {
			lng = sizeof(size_t) == sizeof(long) ? 1 : 0;
			fmt++;
		} else {
			while (*fmt == 'l' && lng < 2) {
				lng++;
				fmt++;
			}
		}

		switch (*fmt) {
		case 'd':
		case 'i':
			s = lng == 2 ? va_arg(ap, long long) :
			    lng == 1 ? va_arg(ap, long) : va_arg(ap, int);
			/* negate in unsigned arithmetic so that the minimum value works too */
			u = s < 0 ? -(unsigned long long)s : (unsigned long long)s;
			number(o, &sp, u, 10, false, s < 0 ? "-" : "");
			break;
		case 'u':
		case 'x':
		case 'X':
			u = lng == 2 ? va_arg(ap, unsigned long long) :
			    lng == 1 ? va_arg(ap, unsigned long) : va_arg(ap, unsigned int);
			number(o, &sp, u, *fmt == 'u' ? 10 : 16, *fmt == 'X',
			       sp.alt && u && *fmt != 'u' ? (*fmt == 'X' ? "0X" : "0x") : "");
			break;
		case 'p':
			u = (uintptr_t)va_arg(ap, void *);
			number(o, &sp, u, 16, false, "0x");
			break;
		case 's':
			str = va_arg(ap, const char *);
			if (!str)
				str = "(null)";
			sp.zero = false;
			field(o, &sp, "", str,
			      sp.prec >= 0 ? strnlen(str, (size_t)sp.prec) : strlen(str));
			break;
		case 'c':
			c = (char)va_arg(ap, int);
			sp.zero = false;
			field(o, &sp, "", &c, 1);
			break;
		case '%':
			put(o, '%');
			break;
		case '\0':
			return;             /* lone '%' at the end */
		default:
			/* unknown conversion: print it as written so the mistake is visible */
			put(o, '%');
			put(o, *fmt);
			break;
		}
	}
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct out o = { .buf = buf, .cap = size ? size - 1 : 0, .fd = -1 };

	format(&o, fmt, ap);
	if (size)
		buf[o.pos] = '\0';
	return (int)o.total;
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

int vdprintf(int fd, const char *fmt, va_list ap)
{
	char buf[256];
	struct out o = { .buf = buf, .cap = sizeof(buf), .fd = fd };

	format(&o, fmt, ap);
	flush(&o);
	return o.err ? (int)o.err : (int)o.total;
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
