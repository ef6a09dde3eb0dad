/*
 * vsnprintf.c - the kernel's printf formatting (declared in printk.h).
 *
 * Supported, as in C99:
 *   conversions  %d %i %u %x %X %o %c %s %%, and %p (always "0x" and 16 hex digits)
 *   flags        '-' (left-justify), '0' (pad with zeros), ' ' and '+' (sign of positive
 *                numbers), '#' ("0x"/"0X" before non-zero hex, a leading 0 for octal)
 *   width        digits or '*' (a negative '*' width means '-' and its absolute value)
 *   precision    '.' then digits or '*' (a negative '*' precision counts as none): the minimum
 *                number of digits for integers, the maximum number of bytes for %s
 *                (widths and precisions above 100000000 count as 100000000)
 *   length       hh h l ll j z t
 * There is no floating point (the kernel is built without SSE). %s with a NULL pointer prints
 * "(null)". An unknown conversion is printed as written, so that the mistake is visible.
 *
 * The result is always NUL-terminated when size > 0, and the return value is the length the
 * full result would have had (like C99), so "ret >= size" means it was truncated.
 *
 * The formatter itself is vformat (format.h), which can also hand its output over in pieces;
 * the ring-3 runtime (user/lib/printf.c) compiles this file as it is and prints through it.
 */
#include "printk.h"
#include "format.h"
#include "string.h"

/* Room for more bytes in o's buffer, flushing it first if it is full and can be flushed. */
static size_t room(struct fmt_out *o)
{
	if (o->pos == o->size && o->flush)
		o->flush(o);
	return o->size - o->pos;
}

/* Store s[0..n) (c repeated n times if s is NULL); what does not fit is only counted. */
static void put_bytes(struct fmt_out *o, const char *s, char c, size_t n)
{
	o->len += n;
	while (n) {
		size_t fit = MIN(n, room(o));

		if (!fit)
			return;
		if (s) {
			memcpy(o->buf + o->pos, s, fit);
			s += fit;
		} else {
			memset(o->buf + o->pos, c, fit);
		}
		o->pos += fit;
		n -= fit;
	}
}

static void put_chars(struct fmt_out *o, const char *s, size_t n)
{
	put_bytes(o, s, 0, n);
}

static void put_char(struct fmt_out *o, char c)
{
	put_bytes(o, &c, 0, 1);
}

static void put_repeat(struct fmt_out *o, char c, int n)
{
	if (n > 0)
		put_bytes(o, NULL, c, (size_t)n);
}

/* A parsed conversion specification. */
struct spec {
	bool left;          /* '-' */
	bool zero;          /* '0' */
	bool space;         /* ' ' */
	bool plus;          /* '+' */
	bool alt;           /* '#' */
	int width;          /* 0 if none */
	int precision;      /* -1 if none */
};

/*
 * Emit the field `body` (n bytes) with its prefix ("-", "0x", ...) padded to the spec's width.
 * zeros is the number of '0's that go between the prefix and the body (from the precision).
 */
static void put_field(struct fmt_out *o, const struct spec *sp, const char *prefix, int zeros,
		      const char *body, int n)
{
	int plen = (int)strlen(prefix);
	int pad = sp->width - plen - zeros - n;

	/* The '0' flag pads with zeros after the prefix; it is ignored with '-' (C99). */
	if (sp->zero && !sp->left && pad > 0) {
		zeros += pad;
		pad = 0;
	}
	if (!sp->left)
		put_repeat(o, ' ', pad);
	put_chars(o, prefix, (size_t)plen);
	put_repeat(o, '0', zeros);
	put_chars(o, body, (size_t)n);
	if (sp->left)
		put_repeat(o, ' ', pad);
}

/*
 * Format an integer. value is the magnitude; negative says whether a '-' goes in front.
 * conv is the conversion letter: d i u x X o (p is handled by the caller).
 */
static void put_number(struct fmt_out *o, struct spec sp, char conv, u64 value, bool negative)
{
	static const char lower[] = "0123456789abcdef", upper[] = "0123456789ABCDEF";
	const char *digits = conv == 'X' ? upper : lower;
	unsigned base = (conv == 'x' || conv == 'X') ? 16 : conv == 'o' ? 8 : 10;
	bool is_signed = conv == 'd' || conv == 'i';
	char tmp[24];           /* 64 bits in octal is 22 digits */
	int n = 0, zeros = 0;
	const char *prefix = "";
	bool nonzero = value != 0;

	/* Digits, least significant first; precision 0 with value 0 prints no digits at all. */
	if (value != 0 || sp.precision != 0) {
		do {
			tmp[sizeof(tmp) - 1 - n++] = digits[value % base];
			value /= base;
		} while (value);
	}

	if (sp.precision >= 0) {
		if (sp.precision > n)
			zeros = sp.precision - n;
		sp.zero = false;         /* a precision overrides the '0' flag (C99) */
	}

	if (is_signed) {
		if (negative)
			prefix = "-";
		else if (sp.plus)
			prefix = "+";
		else if (sp.space)
			prefix = " ";
	} else if (sp.alt && base == 16 && nonzero) {
		prefix = conv == 'X' ? "0X" : "0x";
	} else if (sp.alt && base == 8 && zeros == 0 && (n == 0 || tmp[sizeof(tmp) - n] != '0')) {
		zeros = 1;               /* '#' makes the first octal digit a 0 */
	}

	put_field(o, &sp, prefix, zeros, tmp + sizeof(tmp) - n, n);
}

/* Length modifiers. */
enum length { LEN_INT, LEN_CHAR, LEN_SHORT, LEN_LONG, LEN_LLONG, LEN_SIZE, LEN_PTRDIFF, LEN_MAX };

/*
 * Widths and precisions are capped at FIELD_MAX, so that the sums of field sizes cannot
 * overflow an int. (Output beyond the buffer is only counted, so big fields cost no time.)
 */
#define FIELD_MAX 100000000

/* Read the digits of a width or precision at *fmt. */
static int parse_int(const char **fmt)
{
	int v = 0;

	while (**fmt >= '0' && **fmt <= '9') {
		v = v * 10 + (**fmt - '0');
		if (v > FIELD_MAX)
			v = FIELD_MAX;
		(*fmt)++;
	}
	return v;
}

int vformat(struct fmt_out *o, const char *fmt, va_list ap)
{
	while (*fmt) {
		const char *start = fmt;
		struct spec sp = { .precision = -1 };
		enum length len = LEN_INT;
		u64 value;
		bool negative = false;

		if (*fmt != '%') {
			put_char(o, *fmt++);
			continue;
		}
		fmt++;

		/* Flags. */
		for (;; fmt++) {
			if (*fmt == '-')
				sp.left = true;
			else if (*fmt == '0')
				sp.zero = true;
			else if (*fmt == ' ')
				sp.space = true;
			else if (*fmt == '+')
				sp.plus = true;
			else if (*fmt == '#')
				sp.alt = true;
			else
				break;
		}

		/* Width. */
		if (*fmt == '*') {
			int w = va_arg(ap, int);

			fmt++;
			if (w < 0) {
				sp.left = true;
				w = w < -FIELD_MAX ? FIELD_MAX : -w;
			}
			sp.width = MIN(w, FIELD_MAX);
		} else {
			sp.width = parse_int(&fmt);
		}

		/* Precision. */
		if (*fmt == '.') {
			fmt++;
			if (*fmt == '*') {
				int p = va_arg(ap, int);

				fmt++;
				sp.precision = p < 0 ? -1 : MIN(p, FIELD_MAX);
			} else {
				sp.precision = parse_int(&fmt);
			}
		}

		/* Length. */
		switch (*fmt) {
		case 'h':
			fmt++;
			len = LEN_SHORT;
			if (*fmt == 'h') {
				fmt++;
				len = LEN_CHAR;
			}
			break;
		case 'l':
			fmt++;
			len = LEN_LONG;
			if (*fmt == 'l') {
				fmt++;
				len = LEN_LLONG;
			}
			break;
		case 'j':
			fmt++;
			len = LEN_MAX;
			break;
		case 'z':
			fmt++;
			len = LEN_SIZE;
			break;
		case 't':
			fmt++;
			len = LEN_PTRDIFF;
			break;
		}

		switch (*fmt) {
		case 'd':
		case 'i': {
			s64 v;

			switch (len) {
			case LEN_CHAR:    v = (signed char)va_arg(ap, int); break;
			case LEN_SHORT:   v = (short)va_arg(ap, int); break;
			case LEN_LONG:    v = va_arg(ap, long); break;
			case LEN_LLONG:   v = va_arg(ap, long long); break;
			case LEN_MAX:     v = va_arg(ap, s64); break;   /* intmax_t */
			case LEN_SIZE:    v = va_arg(ap, ssize_t); break;
			case LEN_PTRDIFF: v = va_arg(ap, ptrdiff_t); break;
			default:          v = va_arg(ap, int); break;
			}
			negative = v < 0;
			/* The magnitude, computed without overflowing on INT64_MIN. */
			value = negative ? (u64)0 - (u64)v : (u64)v;
			put_number(o, sp, *fmt, value, negative);
			break;
		}
		case 'u':
		case 'x':
		case 'X':
		case 'o':
			switch (len) {
			case LEN_CHAR:    value = (unsigned char)va_arg(ap, unsigned); break;
			case LEN_SHORT:   value = (unsigned short)va_arg(ap, unsigned); break;
			case LEN_LONG:    value = va_arg(ap, unsigned long); break;
			case LEN_LLONG:   value = va_arg(ap, unsigned long long); break;
			case LEN_MAX:     value = va_arg(ap, u64); break;   /* uintmax_t */
			case LEN_SIZE:    value = va_arg(ap, size_t); break;
			case LEN_PTRDIFF: value = (u64)va_arg(ap, ptrdiff_t); break;
			default:          value = va_arg(ap, unsigned); break;
			}
			put_number(o, sp, *fmt, value, false);
			break;
		case 'p': {
			/* Always "0x" and all 16 digits: columns line up in logs and dumps. */
			static const char hex[] = "0123456789abcdef";
			char digits[16];

			value = (uintptr_t)va_arg(ap, void *);
			for (int i = 15; i >= 0; i--, value >>= 4)
				digits[i] = hex[value & 15];
			sp.zero = false;
			put_field(o, &sp, "0x", 0, digits, 16);
			break;
		}
		case 's': {
			const char *s = va_arg(ap, const char *);
			size_t n;

			if (!s)
				s = "(null)";
			/* With a precision, s need not be NUL-terminated: never read past it. */
			n = sp.precision >= 0 ? strnlen(s, (size_t)sp.precision) : strlen(s);
			if (n > INT32_MAX)
				n = INT32_MAX;
			sp.zero = false;
			put_field(o, &sp, "", 0, s, (int)n);
			break;
		}
		case 'c': {
			char c = (char)va_arg(ap, int);

			sp.zero = false;
			put_field(o, &sp, "", 0, &c, 1);
			break;
		}
		case '%':
			put_char(o, '%');
			break;
		default:
			/*
			 * Unknown conversion, or the format ended inside the specification: print
			 * what was written. The terminating NUL itself is not consumed.
			 */
			put_chars(o, start, (size_t)(fmt - start));
			if (*fmt)
				put_char(o, *fmt);
			else
				continue;
			break;
		}
		fmt++;
	}

	return o->len > INT32_MAX ? INT32_MAX : (int)o->len;
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	/* The last byte is kept for the NUL. */
	struct fmt_out o = { .buf = buf, .size = size ? size - 1 : 0 };
	int n = vformat(&o, fmt, ap);

	if (size)
		buf[o.pos] = '\0';
	return n;
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
