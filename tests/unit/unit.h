/*
 * unit.h - shared by the host unit test suites (tests/unit/test_*.c).
 *
 * Include it first: it brings in Check and the C library, and the kernel headers come after.
 * Kernel functions that libc also has (memcpy, snprintf, ...) are renamed kernel_* by unit.mk,
 * so in a test file the plain names call the kernel's code.
 */
#ifndef PORTCULLIS_UNIT_H
#define PORTCULLIS_UNIT_H

#include <check.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* Each suite file defines this; unit_main.c runs it. */
Suite *unit_suite(void);

/* libc's vsnprintf/snprintf (tests/unit/libc_ref.c), to compare the kernel's against. */
int libc_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int libc_snprintf(char *buf, size_t size, const char *fmt, ...);

/* A small deterministic random generator (xorshift64*) for the randomized tests. */
static inline uint64_t unit_rand(uint64_t *state)
{
	uint64_t x = *state;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*state = x;
	return x * 0x2545f4914f6cdd1dULL;
}

/* A value in [0, n). */
static inline uint64_t unit_rand_below(uint64_t *state, uint64_t n)
{
	return unit_rand(state) % n;
}

#endif
