/*
 * test_string.c - kernel/lib/string.c and kernel/lib/vsnprintf.c.
 *
 * The memory routines are checked against a byte-by-byte model over many sizes and
 * alignments; vsnprintf against glibc for every combination of flags, width, precision and
 * length where C defines the result, and by hand for the kernel's own choices (%p, NULL %s,
 * unknown conversions, truncation).
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>

#include "unit.h"

#include "printk.h"
#include "format.h"
#include "string.h"

/* ---- memory ------------------------------------------------------------------------------- */

#define ARENA 256

/* Fill a buffer with a pattern that differs at every position. */
static void fill(unsigned char *p, size_t n, unsigned seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (unsigned char)(i * 7 + seed * 13 + 1);
}

START_TEST(test_memcpy_sizes_and_alignments)
{
	unsigned char src[ARENA], dst[ARENA], want[ARENA];

	for (size_t so = 0; so < 9; so++)
		for (size_t doff = 0; doff < 9; doff++)
			for (size_t n = 0; n <= 80; n++) {
				fill(src, sizeof(src), 1);
				fill(dst, sizeof(dst), 2);
				memcpy(want, dst, sizeof(want));     /* kernel memcpy, checked below too */
				for (size_t i = 0; i < n; i++)
					want[doff + i] = src[so + i];
				if (memcpy(dst + doff, src + so, n) != dst + doff)
					ck_abort_msg("memcpy returned the wrong pointer");
				for (size_t i = 0; i < ARENA; i++)
					if (dst[i] != want[i])
						ck_abort_msg("so=%zu do=%zu n=%zu: byte %zu", so, doff, n, i);
			}
}
END_TEST

START_TEST(test_memmove_overlap)
{
	unsigned char buf[ARENA], model[ARENA];

	/* Every distance in both directions, every small length, aligned and not. */
	for (size_t from = 0; from < 40; from++)
		for (size_t to = 0; to < 40; to++)
			for (size_t n = 0; n <= 64; n += (n < 20 ? 1 : 7)) {
				fill(buf, sizeof(buf), 3);
				for (size_t i = 0; i < ARENA; i++)
					model[i] = buf[i];
				/* The model copies through a temporary, which is what memmove means. */
				unsigned char tmp[ARENA];
				for (size_t i = 0; i < n; i++)
					tmp[i] = model[from + i];
				for (size_t i = 0; i < n; i++)
					model[to + i] = tmp[i];

				if (memmove(buf + to, buf + from, n) != buf + to)
					ck_abort_msg("memmove returned the wrong pointer");
				for (size_t i = 0; i < ARENA; i++)
					if (buf[i] != model[i])
						ck_abort_msg("from=%zu to=%zu n=%zu: byte %zu", from, to, n, i);
			}
}
END_TEST

START_TEST(test_memset)
{
	unsigned char buf[ARENA];

	for (size_t off = 0; off < 9; off++)
		for (size_t n = 0; n <= 70; n++) {
			fill(buf, sizeof(buf), 4);
			if (memset(buf + off, 0x1a5, n) != buf + off)     /* stores (u8)c */
				ck_abort_msg("memset returned the wrong pointer");
			for (size_t i = 0; i < ARENA; i++) {
				unsigned char want = (i >= off && i < off + n) ? 0xa5 :
						     (unsigned char)(i * 7 + 4 * 13 + 1);
				if (buf[i] != want)
					ck_abort_msg("off=%zu n=%zu: byte %zu", off, n, i);
			}
		}
}
END_TEST

START_TEST(test_memcmp)
{
	unsigned char a[32] = "abcdef", b[32] = "abcdef";

	ck_assert_int_eq(memcmp(a, b, 6), 0);
	ck_assert_int_eq(memcmp(a, b, 0), 0);
	b[3] = 'x';
	ck_assert_int_lt(memcmp(a, b, 6), 0);
	ck_assert_int_gt(memcmp(b, a, 6), 0);
	ck_assert_int_eq(memcmp(a, b, 3), 0);
	/* Bytes compare as unsigned: 0x80 is greater than 0x01. */
	a[0] = 0x80;
	b[0] = 0x01;
	ck_assert_int_gt(memcmp(a, b, 1), 0);
	ck_assert_int_lt(memcmp(b, a, 1), 0);
}
END_TEST

/* ---- strings ------------------------------------------------------------------------------ */

START_TEST(test_strlen_strnlen)
{
	char exact[5] = { 'h', 'e', 'l', 'l', 'o' };   /* no NUL: strnlen must stop at max */

	ck_assert_uint_eq(strlen(""), 0);
	ck_assert_uint_eq(strlen("hello"), 5);
	ck_assert_uint_eq(strnlen("hello", 10), 5);
	ck_assert_uint_eq(strnlen("hello", 3), 3);
	ck_assert_uint_eq(strnlen("hello", 0), 0);
	ck_assert_uint_eq(strnlen(exact, sizeof(exact)), 5);
}
END_TEST

START_TEST(test_strcmp_strncmp)
{
	ck_assert_int_eq(strcmp("", ""), 0);
	ck_assert_int_eq(strcmp("abc", "abc"), 0);
	ck_assert_int_lt(strcmp("abc", "abd"), 0);
	ck_assert_int_gt(strcmp("abd", "abc"), 0);
	ck_assert_int_lt(strcmp("ab", "abc"), 0);
	ck_assert_int_gt(strcmp("abc", "ab"), 0);
	ck_assert_int_gt(strcmp("\xe9", "e"), 0);           /* unsigned char comparison */

	ck_assert_int_eq(strncmp("abcx", "abcy", 3), 0);
	ck_assert_int_lt(strncmp("abcx", "abcy", 4), 0);
	ck_assert_int_eq(strncmp("abc", "xyz", 0), 0);
	ck_assert_int_eq(strncmp("abc", "abc", 100), 0);    /* stops at the NUL */
	ck_assert_int_lt(strncmp("ab", "abc", 3), 0);
	ck_assert_int_gt(strncmp("\x80", "\x7f", 1), 0);
}
END_TEST

START_TEST(test_strchr_strrchr)
{
	const char *s = "a/b/c\xe9";

	ck_assert_ptr_eq(strchr(s, '/'), s + 1);
	ck_assert_ptr_eq(strrchr(s, '/'), s + 3);
	ck_assert_ptr_eq(strchr(s, 'a'), s);
	ck_assert_ptr_eq(strrchr(s, 'a'), s);
	ck_assert_ptr_null(strchr(s, 'z'));
	ck_assert_ptr_null(strrchr(s, 'z'));
	ck_assert_ptr_eq(strchr(s, '\0'), s + 6);           /* the terminator is findable */
	ck_assert_ptr_eq(strrchr(s, '\0'), s + 6);
	ck_assert_ptr_eq(strchr(s, 0xe9), s + 5);           /* c is converted to char */
	ck_assert_ptr_eq(strchr(s, (char)0xe9), s + 5);
	ck_assert_ptr_null(strchr("", 'a'));
}
END_TEST

START_TEST(test_strlcpy)
{
	char buf[8];

	ck_assert_uint_eq(strlcpy(buf, "abc", sizeof(buf)), 3);
	ck_assert_str_eq(buf, "abc");
	ck_assert_uint_eq(strlcpy(buf, "abcdefghij", sizeof(buf)), 10);    /* truncated */
	ck_assert_str_eq(buf, "abcdefg");
	ck_assert_uint_eq(strlcpy(buf, "abcdefg", sizeof(buf)), 7);        /* exactly fits */
	ck_assert_str_eq(buf, "abcdefg");
	ck_assert_uint_eq(strlcpy(buf, "xyz", 1), 3);
	ck_assert_str_eq(buf, "");
	buf[0] = 'Q';
	ck_assert_uint_eq(strlcpy(buf, "xyz", 0), 3);                      /* writes nothing */
	ck_assert_int_eq(buf[0], 'Q');
}
END_TEST

START_TEST(test_strlcat)
{
	char buf[8] = "ab";

	ck_assert_uint_eq(strlcat(buf, "cd", sizeof(buf)), 4);
	ck_assert_str_eq(buf, "abcd");
	ck_assert_uint_eq(strlcat(buf, "efghij", sizeof(buf)), 10);        /* truncated */
	ck_assert_str_eq(buf, "abcdefg");
	ck_assert_uint_eq(strlcat(buf, "x", sizeof(buf)), 8);              /* full: no room */
	ck_assert_str_eq(buf, "abcdefg");

	/* No NUL within size: nothing is written, size + strlen(src) is returned. */
	char raw[4] = { 'w', 'x', 'y', 'z' };
	ck_assert_uint_eq(strlcat(raw, "ab", sizeof(raw)), 6);
	ck_assert_int_eq(memcmp(raw, "wxyz", 4), 0);
	ck_assert_uint_eq(strlcat(raw, "ab", 0), 2);
}
END_TEST

/* ---- parse_u64 ------------------------------------------------------------------------------ */

/* Parse s in base; return ok, and the value and the number of bytes consumed. */
static bool parse(const char *s, int base, u64 *v, size_t *used)
{
	const char *end = NULL;
	bool ok;

	*v = 0xfeedface;        /* must be left alone on failure */
	ok = parse_u64(s, &end, base, v);
	*used = (size_t)(end - s);
	return ok;
}

START_TEST(test_parse_u64_valid)
{
	u64 v;
	size_t used;

	ck_assert(parse("0", 10, &v, &used) && v == 0 && used == 1);
	ck_assert(parse("12345", 10, &v, &used) && v == 12345 && used == 5);
	ck_assert(parse("42abc", 10, &v, &used) && v == 42 && used == 2);
	ck_assert(parse("18446744073709551615", 10, &v, &used) && v == UINT64_MAX && used == 20);
	ck_assert(parse("ff", 16, &v, &used) && v == 255 && used == 2);
	ck_assert(parse("0xFF", 16, &v, &used) && v == 255 && used == 4);
	ck_assert(parse("0x1f", 0, &v, &used) && v == 31 && used == 4);
	ck_assert(parse("0X1F", 0, &v, &used) && v == 31 && used == 4);
	ck_assert(parse("017", 0, &v, &used) && v == 15 && used == 3);
	ck_assert(parse("019", 0, &v, &used) && v == 1 && used == 2);      /* 9 is not octal */
	ck_assert(parse("0", 0, &v, &used) && v == 0 && used == 1);
	ck_assert(parse("99", 0, &v, &used) && v == 99 && used == 2);
	ck_assert(parse("0xg", 0, &v, &used) && v == 0 && used == 1);      /* "0", stop at x */
	ck_assert(parse("0x", 16, &v, &used) && v == 0 && used == 1);
	ck_assert(parse("1011", 2, &v, &used) && v == 11 && used == 4);
	ck_assert(parse("zZ", 36, &v, &used) && v == 35 * 36 + 35 && used == 2);
	ck_assert(parse("ffffffffffffffff", 16, &v, &used) && v == UINT64_MAX);
	ck_assert(parse("1777777777777777777777", 8, &v, &used) && v == UINT64_MAX);
	ck_assert(parse("0010", 10, &v, &used) && v == 10);

	/* end may be NULL. */
	ck_assert(parse_u64("77", NULL, 10, &v) && v == 77);
}
END_TEST

START_TEST(test_parse_u64_invalid)
{
	u64 v;
	size_t used;

	/* No digits: false, end == s, *out untouched. */
	ck_assert(!parse("", 10, &v, &used) && used == 0 && v == 0xfeedface);
	ck_assert(!parse("abc", 10, &v, &used) && used == 0 && v == 0xfeedface);
	ck_assert(!parse("-1", 10, &v, &used) && used == 0);
	ck_assert(!parse("+1", 10, &v, &used) && used == 0);
	ck_assert(!parse(" 1", 10, &v, &used) && used == 0);
	ck_assert(!parse("2", 2, &v, &used) && used == 0);
	ck_assert(!parse("x1", 16, &v, &used) && used == 0);

	/* Overflow: false, end past all the digits, *out untouched. */
	ck_assert(!parse("18446744073709551616", 10, &v, &used) && used == 20 && v == 0xfeedface);
	ck_assert(!parse("99999999999999999999999x", 10, &v, &used) && used == 23);
	ck_assert(!parse("0x10000000000000000", 0, &v, &used) && used == 19);

	/* Bad bases. */
	ck_assert(!parse("1", 1, &v, &used) && used == 0);
	ck_assert(!parse("1", 37, &v, &used) && used == 0);
	ck_assert(!parse("1", -1, &v, &used) && used == 0);
}
END_TEST

/* ---- vsnprintf: by hand ------------------------------------------------------------------- */

/* Format with the kernel's snprintf into a big buffer; check the text and the return value. */
#define EXPECT_FMT(want, ...) do {                                                     \
		char b_[256];                                                          \
		int n_ = snprintf(b_, sizeof(b_), __VA_ARGS__);                        \
		ck_assert_str_eq(b_, want);                                            \
		ck_assert_int_eq(n_, (int)strlen(want));                               \
	} while (0)

START_TEST(test_printf_basic)
{
	EXPECT_FMT("", "%s", "");
	EXPECT_FMT("plain text", "plain text");
	EXPECT_FMT("100%", "100%%");
	EXPECT_FMT("x=42 y=-7 z=ff", "x=%d y=%i z=%x", 42, -7, 255);
	EXPECT_FMT("[hello]", "[%s]", "hello");
	EXPECT_FMT("[A]", "[%c]", 'A');
	EXPECT_FMT("-9223372036854775808", "%lld", (long long)INT64_MIN);
	EXPECT_FMT("18446744073709551615", "%llu", (unsigned long long)UINT64_MAX);
	EXPECT_FMT("1777777777777777777777", "%llo", (unsigned long long)UINT64_MAX);
	EXPECT_FMT("-2147483648", "%d", INT_MIN);
	EXPECT_FMT("DEADBEEF", "%X", 0xdeadbeefu);
	EXPECT_FMT("-1 255 65535", "%hhd %hhu %hu", 255, 255, -1);
	EXPECT_FMT("-1 4294967295", "%zd %u", (ssize_t)-1, UINT_MAX);
	EXPECT_FMT("-5 18446744073709551615", "%td %ju", (ptrdiff_t)-5, (uintmax_t)UINT64_MAX);
}
END_TEST

START_TEST(test_printf_pointer)
{
	EXPECT_FMT("0x0000000000000000", "%p", NULL);
	EXPECT_FMT("0x00000000deadbeef", "%p", (void *)0xdeadbeefUL);
	EXPECT_FMT("0xffffffff80100000", "%p", (void *)0xffffffff80100000UL);
	EXPECT_FMT("[  0x0000000000001000]", "[%20p]", (void *)0x1000UL);
	EXPECT_FMT("[0x0000000000001000  ]", "[%-20p]", (void *)0x1000UL);
	EXPECT_FMT("[0x0000000000001000]", "[%5p]", (void *)0x1000UL);
}
END_TEST

START_TEST(test_printf_null_string)
{
	const char *null = NULL;

	/* GCC rightly warns that C leaves this undefined; the kernel defines it. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-overflow"
	EXPECT_FMT("(null)", "%s", null);
	EXPECT_FMT("[  (null)]", "[%8s]", null);
	EXPECT_FMT("(nu", "%.3s", null);
#pragma GCC diagnostic pop
}
END_TEST

START_TEST(test_printf_precision_reads_no_further)
{
	char unterminated[3] = { 'a', 'b', 'c' };   /* ASan catches a read of a 4th byte */

	EXPECT_FMT("abc", "%.3s", unterminated);
	EXPECT_FMT("ab", "%.*s", 2, unterminated);
}
END_TEST

START_TEST(test_printf_star)
{
	EXPECT_FMT("[   42]", "[%*d]", 5, 42);
	EXPECT_FMT("[42   ]", "[%*d]", -5, 42);          /* negative width: left-justified */
	EXPECT_FMT("[00042]", "[%.*d]", 5, 42);
	EXPECT_FMT("[42]", "[%.*d]", -3, 42);            /* negative precision: none */
	EXPECT_FMT("[  hel]", "[%*.*s]", 5, 3, "hello");
}
END_TEST

/* Things C leaves undefined, where the kernel's choice is documented in vsnprintf.c. */
START_TEST(test_printf_unknown_conversions)
{
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat"
#pragma GCC diagnostic ignored "-Wformat-extra-args"
	EXPECT_FMT("%q", "%q");
	EXPECT_FMT("a%-5qb", "a%-5qb");
	EXPECT_FMT("abc%", "abc%");
	EXPECT_FMT("x%l", "x%l");
	EXPECT_FMT("x%5.2", "x%5.2");
	EXPECT_FMT("%f", "%f", 1.0);
	EXPECT_FMT("[   ab]", "[%05s]", "ab");           /* '0' pads numbers only */
#pragma GCC diagnostic pop
}
END_TEST

START_TEST(test_printf_truncation)
{
	char buf[16];

	/* size 0: nothing written (buf may be NULL), full length returned. */
	ck_assert_int_eq(snprintf(NULL, 0, "hello %d", 12345), 11);
	memset(buf, 'Z', sizeof(buf));
	ck_assert_int_eq(snprintf(buf, 0, "hello"), 5);
	ck_assert_int_eq(buf[0], 'Z');

	/* size 1: just the NUL. */
	ck_assert_int_eq(snprintf(buf, 1, "hello"), 5);
	ck_assert_str_eq(buf, "");
	ck_assert_int_eq(buf[1], 'Z');

	/* Cut inside a number, a string, padding; nothing past size is touched. */
	memset(buf, 'Z', sizeof(buf));
	ck_assert_int_eq(snprintf(buf, 5, "hello world"), 11);
	ck_assert_str_eq(buf, "hell");
	ck_assert_int_eq(buf[5], 'Z');
	ck_assert_int_eq(snprintf(buf, 6, "%d", -123456789), 10);
	ck_assert_str_eq(buf, "-1234");
	ck_assert_int_eq(snprintf(buf, 6, "%10d", 1), 10);
	ck_assert_str_eq(buf, "     ");
	ck_assert_int_eq(snprintf(buf, 6, "%-10s|", "ab"), 11);
	ck_assert_str_eq(buf, "ab   ");
	ck_assert_int_eq(snprintf(buf, 8, "%p", (void *)1), 18);
	ck_assert_str_eq(buf, "0x00000");
	ck_assert_int_eq(buf[8], 'Z');

	/* Exactly fits. */
	ck_assert_int_eq(snprintf(buf, 6, "%s", "12345"), 5);
	ck_assert_str_eq(buf, "12345");
}
END_TEST

/* vformat with a flushing output: the bytes arrive in pieces of the buffer's size, in order, and
 * make exactly what vsnprintf makes; the count is the same. */
struct collect {
	char all[4096];
	size_t got;
	unsigned flushes;
};

static void collect_flush(struct fmt_out *o)
{
	struct collect *c = o->ctx;

	ck_assert_uint_eq(o->pos, o->size);     /* called only when full */
	memcpy(c->all + c->got, o->buf, o->pos);
	c->got += o->pos;
	c->flushes++;
	o->pos = 0;
}

static int format_through(struct collect *c, size_t bufsize, const char *fmt, ...)
{
	char buf[64];
	struct fmt_out o = { .buf = buf, .size = bufsize, .flush = collect_flush, .ctx = c };
	va_list ap;

	va_start(ap, fmt);
	int n = vformat(&o, fmt, ap);
	va_end(ap);
	memcpy(c->all + c->got, buf, o.pos);     /* the caller's final flush */
	c->got += o.pos;
	c->all[c->got] = '\0';
	ck_assert_uint_eq(o.len, c->got);
	return n;
}

START_TEST(test_vformat_flushing)
{
	static const size_t sizes[] = { 1, 2, 7, 16, 64 };
	char want[4096];

	for (unsigned i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		struct collect c = { .got = 0 };
		int n = format_through(&c, sizes[i], "%s|%-12s|%08x|%40d|%p|%%|%c|%.3s|%*d",
				       "a string longer than any of the buffers", "left", 0xbeefu,
				       -42, (void *)0x1234, 'q', "truncated", -9, 7);
		int m = snprintf(want, sizeof(want), "%s|%-12s|%08x|%40d|%p|%%|%c|%.3s|%*d",
				 "a string longer than any of the buffers", "left", 0xbeefu, -42,
				 (void *)0x1234, 'q', "truncated", -9, 7);
		ck_assert_int_eq(n, m);
		ck_assert_str_eq(c.all, want);
		ck_assert_uint_ge(c.flushes, (unsigned)(m / (int)sizes[i]) - 1);
	}
	/* A width far beyond the buffer: every byte of it arrives. */
	struct collect c = { .got = 0 };
	ck_assert_int_eq(format_through(&c, 16, "%3000d", 5), 3000);
	ck_assert_uint_eq(strlen(c.all), 3000);
	ck_assert_int_eq(c.all[2999], '5');
	ck_assert_int_eq(c.all[0], ' ');
}
END_TEST

START_TEST(test_printf_huge_width)
{
	char buf[16];

	/* Counted, not stored: must be quick and must not write past the buffer. */
	ck_assert_int_eq(snprintf(buf, sizeof(buf), "%100000000d", 7), 100000000);
	ck_assert_uint_eq(strlen(buf), 15);
	ck_assert_int_eq(snprintf(buf, sizeof(buf), "%.100000000d", 7), 100000000);
	ck_assert_str_eq(buf, "000000000000000");

	/* Bigger ones are capped (and nothing overflows: UBSan watches). GCC knows C's limits. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-overflow"
	ck_assert_int_eq(snprintf(buf, sizeof(buf), "%#.*x", INT_MAX, 1), 100000002);
	ck_assert_int_eq(snprintf(buf, sizeof(buf), "%*d|", INT_MIN, 1), 100000001);
	ck_assert_int_eq(snprintf(buf, sizeof(buf), "%99999999999999999999d", 1), 100000000);
#pragma GCC diagnostic pop
}
END_TEST

/* ---- vsnprintf: against glibc --------------------------------------------------------------- */

/*
 * Format with both implementations, for every buffer size from 0 to past the full length, and
 * compare the return values and the bytes (NUL included).
 */
static void compare_with_libc(const char *fmt, ...)
{
	char ours[160], theirs[160];
	va_list ap, ap2;
	int n_ours, n_theirs;

	va_start(ap, fmt);
	va_copy(ap2, ap);
	n_theirs = libc_vsnprintf(theirs, sizeof(theirs), fmt, ap2);
	va_end(ap2);
	if (n_theirs < 0 || n_theirs >= (int)sizeof(theirs) - 1)
		ck_abort_msg("%s: libc says %d", fmt, n_theirs);

	for (size_t size = 0; size <= (size_t)n_theirs + 1; size++) {
		size_t kept;

		memset(ours, 0x5a, sizeof(ours));
		va_copy(ap2, ap);
		n_ours = vsnprintf(size ? ours : NULL, size, fmt, ap2);
		va_end(ap2);
		if (n_ours != n_theirs)
			ck_abort_msg("\"%s\": returns %d, libc %d", fmt, n_ours, n_theirs);
		if (size == 0)
			continue;
		kept = MIN(size - 1, (size_t)n_theirs);
		if (memcmp(ours, theirs, kept) != 0 || ours[kept] != '\0')
			ck_abort_msg("\"%s\" size %zu: \"%s\", libc \"%.*s\"", fmt, size, ours,
				     (int)kept, theirs);
		if ((unsigned char)ours[size] != 0x5a)
			ck_abort_msg("\"%s\": wrote past size %zu", fmt, size);
	}
	va_end(ap);
}

static const char *const flag_sets[] = {
	"", "-", "0", " ", "+", "#", "-0", "+ ", "- ", "-+", "0+", "0 ", "#0", "#-", "#+", "-#0+ ",
};
static const char *const widths[] = { "", "1", "4", "9", "21", "*" };
static const char *const precisions[] = { "", ".", ".0", ".1", ".3", ".12", ".25", ".*" };

/* Build "%<flags><width><precision><conv>" into buf. */
static void make_spec(char *buf, size_t size, const char *flags, const char *width,
		      const char *prec, const char *conv)
{
	libc_snprintf(buf, size, "<%%%s%s%s%s>", flags, width, prec, conv);
}

/* Star arguments come before the value: pass width 7 and precision 4 when asked for. */
#define CALL_WITH_STARS(fmt, w, p, value) do {                                         \
		if (strcmp(w, "*") == 0 && strcmp(p, ".*") == 0)                       \
			compare_with_libc(fmt, 7, 4, value);                           \
		else if (strcmp(w, "*") == 0)                                          \
			compare_with_libc(fmt, -7, value);                             \
		else if (strcmp(p, ".*") == 0)                                         \
			compare_with_libc(fmt, 4, value);                              \
		else                                                                   \
			compare_with_libc(fmt, value);                                 \
	} while (0)

START_TEST(test_printf_integers_vs_libc)
{
	static const int ints[] = { 0, 1, -1, 7, -42, 1000, 123456789, INT_MAX, INT_MIN };
	static const long long llongs[] = { 0, 1, -1, 4294967296LL, INT64_MAX, INT64_MIN };
	static const char *const int_convs[] = { "d", "i", "u", "x", "X", "o",
						 "hhd", "hhu", "hhx", "hd", "hu", "ho" };
	static const char *const ll_convs[] = { "lld", "llu", "llx", "llX", "llo",
						"ld", "lu", "lx", "zd", "zu", "zx", "td", "jd", "ju" };
	char fmt[64];

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
	for (size_t f = 0; f < ARRAY_SIZE(flag_sets); f++)
		for (size_t w = 0; w < ARRAY_SIZE(widths); w++)
			for (size_t p = 0; p < ARRAY_SIZE(precisions); p++) {
				for (size_t c = 0; c < ARRAY_SIZE(int_convs); c++) {
					/* '#' is defined for x, X and o only. */
					if (strchr(flag_sets[f], '#') && !strpbrk(int_convs[c], "xXo"))
						continue;
					make_spec(fmt, sizeof(fmt), flag_sets[f], widths[w],
						  precisions[p], int_convs[c]);
					for (size_t v = 0; v < ARRAY_SIZE(ints); v++)
						CALL_WITH_STARS(fmt, widths[w], precisions[p], ints[v]);
				}
				for (size_t c = 0; c < ARRAY_SIZE(ll_convs); c++) {
					if (strchr(flag_sets[f], '#') && !strpbrk(ll_convs[c], "xXo"))
						continue;
					make_spec(fmt, sizeof(fmt), flag_sets[f], widths[w],
						  precisions[p], ll_convs[c]);
					for (size_t v = 0; v < ARRAY_SIZE(llongs); v++)
						CALL_WITH_STARS(fmt, widths[w], precisions[p], llongs[v]);
				}
			}
#pragma GCC diagnostic pop
}
END_TEST

START_TEST(test_printf_strings_vs_libc)
{
	static const char *const strs[] = { "", "a", "hello", "a somewhat longer string" };
	/* '0' and '#' are undefined for %s and %c, and a precision for %c. */
	static const char *const str_flags[] = { "", "-", " ", "+", "- +" };
	char fmt[64];

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
	for (size_t f = 0; f < ARRAY_SIZE(str_flags); f++)
		for (size_t w = 0; w < ARRAY_SIZE(widths); w++) {
			for (size_t p = 0; p < ARRAY_SIZE(precisions); p++) {
				make_spec(fmt, sizeof(fmt), str_flags[f], widths[w], precisions[p], "s");
				for (size_t v = 0; v < ARRAY_SIZE(strs); v++)
					CALL_WITH_STARS(fmt, widths[w], precisions[p], strs[v]);
			}
			make_spec(fmt, sizeof(fmt), str_flags[f], widths[w], "", "c");
			CALL_WITH_STARS(fmt, widths[w], "", 'x');
			CALL_WITH_STARS(fmt, widths[w], "", 0xe9);
		}
	compare_with_libc("%c%c%c", 'a', '\0', 'b');     /* a NUL character is output too */
	compare_with_libc("%%|%-3d|%s%%", 1, "z");
#pragma GCC diagnostic pop
}
END_TEST

Suite *unit_suite(void)
{
	Suite *s = suite_create("string");
	TCase *mem = tcase_create("memory");
	TCase *str = tcase_create("strings");
	TCase *num = tcase_create("parse_u64");
	TCase *fmt = tcase_create("vsnprintf");

	tcase_add_test(mem, test_memcpy_sizes_and_alignments);
	tcase_add_test(mem, test_memmove_overlap);
	tcase_add_test(mem, test_memset);
	tcase_add_test(mem, test_memcmp);
	suite_add_tcase(s, mem);

	tcase_add_test(str, test_strlen_strnlen);
	tcase_add_test(str, test_strcmp_strncmp);
	tcase_add_test(str, test_strchr_strrchr);
	tcase_add_test(str, test_strlcpy);
	tcase_add_test(str, test_strlcat);
	suite_add_tcase(s, str);

	tcase_add_test(num, test_parse_u64_valid);
	tcase_add_test(num, test_parse_u64_invalid);
	suite_add_tcase(s, num);

	tcase_set_timeout(fmt, 60);
	tcase_add_test(fmt, test_printf_basic);
	tcase_add_test(fmt, test_printf_pointer);
	tcase_add_test(fmt, test_printf_null_string);
	tcase_add_test(fmt, test_printf_precision_reads_no_further);
	tcase_add_test(fmt, test_printf_star);
	tcase_add_test(fmt, test_printf_unknown_conversions);
	tcase_add_test(fmt, test_printf_truncation);
	tcase_add_test(fmt, test_vformat_flushing);
	tcase_add_test(fmt, test_printf_huge_width);
	tcase_add_test(fmt, test_printf_integers_vs_libc);
	tcase_add_test(fmt, test_printf_strings_vs_libc);
	suite_add_tcase(s, fmt);
	return s;
}
