/*
 * string.c - memory and string routines for the kernel (see string.h).
 *
 * Plain C, so that the same code runs under AddressSanitizer in the host unit tests. The
 * memory routines move 8 bytes at a time when both pointers are 8-byte aligned (page copies and
 * clears are the common case) and fall back to bytes otherwise.
 *
 * A compiler may turn a byte loop into a call to memcpy/memset, which inside memcpy/memset
 * would recurse forever. The kernel is built with -ffreestanding, which stops GCC from doing
 * that; the host unit tests rename these functions, so there a generated call reaches libc.
 */
#include "string.h"

/* A u64 that may alias any other type, for the word-at-a-time loops. */
typedef u64 __attribute__((may_alias)) word_t;

#define WORD_SIZE sizeof(word_t)

static inline bool both_word_aligned(const void *a, const void *b)
{
	return (((uintptr_t)a | (uintptr_t)b) & (WORD_SIZE - 1)) == 0;
}

void *memcpy(void *dst, const void *src, size_t n)
{
	u8 *d = dst;
	const u8 *s = src;

	if (both_word_aligned(d, s)) {
		for (; n >= WORD_SIZE; n -= WORD_SIZE, d += WORD_SIZE, s += WORD_SIZE)
			*(word_t *)d = *(const word_t *)s;
	}
	while (n--)
		*d++ = *s++;
	return dst;
}

void *memmove(void *dst, const void *src, size_t n)
{
	u8 *d = dst;
	const u8 *s = src;

	/* Copying forwards is safe unless dst starts inside [src, src + n). */
	if ((uintptr_t)d - (uintptr_t)s >= n)
		return memcpy(dst, src, n);

	/* Overlap with dst above src: copy backwards, from the end. */
	d += n;
	s += n;
	if (both_word_aligned(d, s)) {
		for (; n >= WORD_SIZE; n -= WORD_SIZE) {
			d -= WORD_SIZE;
			s -= WORD_SIZE;
			*(word_t *)d = *(const word_t *)s;
		}
	}
	while (n--)
		*--d = *--s;
	return dst;
}

void *memset(void *dst, int c, size_t n)
{
	u8 *d = dst;
	u8 byte = (u8)c;

	if (both_word_aligned(d, NULL)) {
		word_t pattern = 0x0101010101010101ULL * byte;

		for (; n >= WORD_SIZE; n -= WORD_SIZE, d += WORD_SIZE)
			*(word_t *)d = pattern;
	}
	while (n--)
		*d++ = byte;
	return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const u8 *x = a, *y = b;

	for (; n; n--, x++, y++) {
		if (*x != *y)
			return *x - *y;
	}
	return 0;
}

size_t strlen(const char *s)
{
	const char *p = s;

	while (*p)
		p++;
	return (size_t)(p - s);
}

size_t strnlen(const char *s, size_t max)
{
	size_t n = 0;

	while (n < max && s[n])
		n++;
	return n;
}

int strcmp(const char *a, const char *b)
{
	const unsigned char *x = (const unsigned char *)a, *y = (const unsigned char *)b;

	while (*x && *x == *y) {
		x++;
		y++;
	}
	return *x - *y;
}

int strncmp(const char *a, const char *b, size_t n)
{
	const unsigned char *x = (const unsigned char *)a, *y = (const unsigned char *)b;

	for (; n; n--, x++, y++) {
		if (*x != *y || !*x)
			return *x - *y;
	}
	return 0;
}

char *strchr(const char *s, int c)
{
	char ch = (char)c;

	for (;; s++) {
		if (*s == ch)
			return (char *)s;
		if (!*s)
			return NULL;
	}
}

char *strrchr(const char *s, int c)
{
	char ch = (char)c;
	const char *last = NULL;

	for (;; s++) {
		if (*s == ch)
			last = s;
		if (!*s)
			return (char *)last;
	}
}

size_t strlcpy(char *dst, const char *src, size_t size)
{
	size_t len = strlen(src);

	if (size) {
		size_t n = len < size ? len : size - 1;

		memcpy(dst, src, n);
		dst[n] = '\0';
	}
	return len;
}

size_t strlcat(char *dst, const char *src, size_t size)
{
	size_t dlen = strnlen(dst, size);

	/* With no NUL within size, dlen == size and strlcpy gets size 0: nothing is written. */
	return dlen + strlcpy(dst + dlen, src, size - dlen);
}

/* The value of digit character c, or 36 (above any base) if it is not a digit. */
static unsigned digit_value(char c)
{
	if (c >= '0' && c <= '9')
		return (unsigned)(c - '0');
	if (c >= 'a' && c <= 'z')
		return (unsigned)(c - 'a') + 10;
	if (c >= 'A' && c <= 'Z')
		return (unsigned)(c - 'A') + 10;
	return 36;
}

bool parse_u64(const char *s, const char **end, int base, u64 *out)
{
	const char *p = s;
	u64 value = 0;
	bool any = false, overflow = false;

	if (end)
		*end = s;
	if (base == 1 || base < 0 || base > 36)
		return false;

	/*
	 * Prefixes. "0x" counts only when a hex digit follows: in "0xg" the number is "0" and
	 * parsing stops at the 'x', as strtoull does.
	 */
	if ((base == 0 || base == 16) && p[0] == '0' && (p[1] == 'x' || p[1] == 'X') &&
	    digit_value(p[2]) < 16) {
		p += 2;
		base = 16;
	} else if (base == 0) {
		base = p[0] == '0' ? 8 : 10;
	}

	for (;; p++) {
		unsigned d = digit_value(*p);

		if (d >= (unsigned)base)
			break;
		any = true;
		if (value > (UINT64_MAX - d) / (unsigned)base)
			overflow = true;
		value = value * (unsigned)base + d;
	}

	if (!any)
		return false;
	if (end)
		*end = p;
	if (overflow)
		return false;
	*out = value;
	return true;
}
