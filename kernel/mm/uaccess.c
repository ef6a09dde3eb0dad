/*
 * uaccess.c - checked access to user memory.
 *
 * access_ok() rejects any range that is not entirely below USER_TOP (so kernel addresses, the
 * non-canonical hole and ranges that run off the end of user space all give -EFAULT). Faults on
 * unmapped user pages inside the range are handled by the fault fixups in uaccess.asm.
 */
#include "types.h"
#include "task.h"
#include "cpu.h"
#include "memlayout.h"

u64 __copy_user(void *dst, const void *src, u64 len);
long __strncpy_user(char *dst, const char *src, long max);

bool access_ok(const void *p, u64 len)
{
	u64 a = (u64)p;
	return a < USER_TOP && len <= USER_TOP - a;
}

u64 copy_from_user(void *dst, const void *usrc, u64 len)
{
	if (!access_ok(usrc, len))
		return len;
	stac();
	u64 left = __copy_user(dst, usrc, len);
	clac();
	return left;
}

u64 copy_to_user(void *udst, const void *src, u64 len)
{
	if (!access_ok(udst, len))
		return len;
	stac();
	u64 left = __copy_user(udst, src, len);
	clac();
	return left;
}

long strncpy_from_user(char *dst, const char *usrc, long max)
{
	if (max <= 0)
		return 0;
	u64 a = (u64)usrc;
	if (a >= USER_TOP)
		return -1;
	if ((u64)max > USER_TOP - a)
		max = USER_TOP - a;
	stac();
	long n = __strncpy_user(dst, usrc, max);
	clac();
	return n;
}
