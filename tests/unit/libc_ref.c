/*
 * libc_ref.c - libc's snprintf under another name, for comparisons with the kernel's.
 *
 * unit.mk compiles this one file without the kernel_* renames, so the names below reach the C
 * library.
 */
#include <stdio.h>

#include "unit.h"

int libc_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	return vsnprintf(buf, size, fmt, ap);
}

int libc_snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}
