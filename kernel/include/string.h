/*
 * string.h - the kernel's memory and string routines (kernel/lib/string.c).
 *
 * The usual C library subset, plus the BSD strlcpy/strlcat and parse_u64(), a strict strtoull.
 *
 * Host unit tests compile this same code and link it next to libc, which defines the same
 * names. tests/unit/unit.mk renames the kernel's versions for those builds (memcpy becomes
 * kernel_memcpy, and so on) with -D flags, so both coexist and the tests exercise this code,
 * not libc's. Nothing here needs to know about it.
 */
#ifndef PORTCULLIS_STRING_H
#define PORTCULLIS_STRING_H

#include "types.h"

/* Memory. memcpy's ranges must not overlap; memmove's may. */
void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);

/* NUL-terminated strings. Comparisons are of unsigned char values, as in C. */
size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);          /* never reads s[max] or beyond */
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strchr(const char *s, int c);                 /* c == '\0' finds the terminator */
char *strrchr(const char *s, int c);

/*
 * strlcpy/strlcat (BSD): copy or append, always NUL-terminating when size > 0, and return the
 * length of the string they tried to create (strlen(src), or the initial strlen(dst) plus
 * strlen(src)). A return value >= size means the result was truncated.
 * strlcat never reads past dst[size - 1]: if dst holds no NUL there, it returns size + strlen(src).
 */
size_t strlcpy(char *dst, const char *src, size_t size);
size_t strlcat(char *dst, const char *src, size_t size);

/*
 * parse_u64 - parse an unsigned number, strictly.
 *
 * No leading white space and no sign are accepted. base is 2..36, or 0 to pick it from the
 * prefix like C: "0x"/"0X" hexadecimal, a leading "0" octal, otherwise decimal. Base 16 also
 * accepts an optional "0x" prefix. Letters of either case are digits above 9.
 *
 * Returns true and stores the value in *out if at least one digit was read and the value fits
 * in 64 bits; otherwise returns false and leaves *out alone. If end is non-NULL, *end is set to
 * the first character not consumed (s itself when there was no digit; past all the digits on
 * overflow), so "*end == '\0'" tells whether the whole string was a number.
 */
bool parse_u64(const char *s, const char **end, int base, u64 *out);

#endif
