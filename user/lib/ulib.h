/*
 * ulib.h - the small runtime every Portcullis user program links against (user/lib/).
 *
 * No libc: start64.asm/start32.asm provide _start, this header provides system calls (sys64.h or
 * sys32.h, chosen by the target), string functions, a printf family and the auxiliary vector.
 * The same sources build for x86-64 and for i386.
 */
#ifndef USER_ULIB_H
#define USER_ULIB_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "uapi.h"

#if defined(__x86_64__)
#include "sys64.h"
#elif defined(__i386__)
#include "sys32.h"
#else
#error "unsupported architecture"
#endif

#define ARRAY_SIZE(a)   (sizeof(a) / sizeof((a)[0]))

/* Set by _start (start64.asm / start32.asm) before main runs. */
extern char **environ;
extern unsigned long *__auxv;   /* (type, value) pairs, terminated by AT_NULL */

/* Value of auxiliary-vector entry `type`, or 0 if absent (like glibc's getauxval). */
unsigned long getauxval(unsigned long type);

/* The kernel's kernel/lib/string.c, compiled into this runtime as it is: the usual semantics.
 * gcc may also emit calls to the mem* functions itself. */
void  *memcpy(void *dst, const void *src, size_t n);
void  *memmove(void *dst, const void *src, size_t n);
void  *memset(void *dst, int c, size_t n);
int    memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);
int    strcmp(const char *a, const char *b);
int    strncmp(const char *a, const char *b, size_t n);
char  *strchr(const char *s, int c);
size_t strlcpy(char *dst, const char *src, size_t size);
/* Digits of base (0: C's prefixes; 16 takes a 0x), the first byte after them in *end; false
 * without digits or beyond 64 bits. */
bool parse_u64(const char *s, const char **end, int base, uint64_t *out);

/* A numeric argument: decimal, or hexadecimal after 0x; all of s, within 64 bits. */
static inline bool parse_number(const char *s, uint64_t *out)
{
	const char *end;
	int base = s[0] == '0' && (s[1] == 'x' || s[1] == 'X') ? 16 : 10;

	return parse_u64(s, &end, base, out) && !*end;
}

/*
 * Formatting: the kernel's kernel/lib/vsnprintf.c (C99's integer, %c, %s and %p conversions with
 * every flag, width, precision and length; no floating point; %p is always 0x and 16 digits).
 * printf/dprintf (printf.c) write with write(2) and return the byte count or -errno.
 */
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int snprintf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int vdprintf(int fd, const char *fmt, va_list ap);
int dprintf(int fd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int puts(const char *s);    /* s and a newline, to fd 1 */

/* Write all of buf to fd, retrying short writes. Returns len or -errno. */
long write_all(int fd, const void *buf, size_t len);

/* Timestamp counter; assumes the kernel leaves CR4.TSD clear (Linux and Portcullis do). */
static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;
	__asm__ volatile ("lfence; rdtsc" : "=a"(lo), "=d"(hi) :: "memory");
	return ((uint64_t)hi << 32) | lo;
}

/* CLOCK_MONOTONIC in nanoseconds, or 0 if clock_gettime failed. */
uint64_t monotonic_ns(void);

/* Test patterns: xorshift64*, a small, good-enough generator. rand_seed() turns any small seed into
 * a non-zero state (a zero state would stay zero); rand_next() advances it. */
static inline uint64_t rand_seed(uint64_t seed)
{
	return seed * 0x9e3779b97f4a7c15ULL + 1;
}

static inline uint64_t rand_next(uint64_t *state)
{
	*state ^= *state >> 12;
	*state ^= *state << 25;
	*state ^= *state >> 27;
	return *state * 0x2545f4914f6cdd1dULL;
}

#endif
