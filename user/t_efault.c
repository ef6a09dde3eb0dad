/*
 * t_efault.c - write(2) refuses buffers that ring 3 may not read, with -EFAULT.
 *
 * The kernel must validate the whole user range [p, p + n) before (or while) copying from it:
 * a pointer into the kernel half, a non-canonical pointer, a range that runs past the end of
 * user space (0x00007ffffffff000, the never-mapped last page below the canonical hole) and NULL
 * must all fail with -EFAULT (-14) without writing anything, and must not fault in the kernel.
 *
 * fd 1 must be something that really consumes bytes (a terminal, pipe or file - as it is when
 * KTAP output is being collected): /dev/null, for instance, discards the buffer unread and
 * returns n.
 */
#include "ktap.h"
#include "ulib.h"

struct bad_buf {
	unsigned long addr;
	unsigned long len;
	const char *what;
};

static const struct bad_buf cases[] = {
	{ 0xffffffff80000000UL, 16, "kernel image (0xffffffff80000000)" },
	{ 0xffffffff80100000UL, 16, "kernel text (0xffffffff80100000)" },
	{ 0xffff888000000000UL, 16, "direct map (0xffff888000000000)" },
	{ 0xfffffe0000000000UL, 16, "CPU entry area (0xfffffe0000000000)" },
	{ 0x0000800000000000UL, 16, "non-canonical (0x0000800000000000)" },
	{ 0x8000000000000000UL, 16, "non-canonical (0x8000000000000000)" },
	{ 0x00007ffffffff000UL - 16, 4096, "range crossing the end of user space" },
	{ 0x00007fffffffff00UL, 0x200, "range crossing into the canonical hole" },
	{ 0xfffffffffffff000UL, 0x2000, "range wrapping around zero" },
	{ 0, 16, "NULL" },
};

int main(void)
{
	static const char good[] = "# write of a valid buffer\n";
	size_t i;
	long ret;

	ktap_plan(ARRAY_SIZE(cases) + 1);

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		ret = sys_write(1, (const void *)cases[i].addr, cases[i].len);
		if (!ktap_ok(ret == -EFAULT, "write(1, %#lx, %#lx) = -EFAULT: %s",
			     cases[i].addr, cases[i].len, cases[i].what))
			ktap_diag("returned %ld", ret);
	}

	ret = sys_write(1, good, sizeof(good) - 1);
	if (!ktap_ok(ret == (long)sizeof(good) - 1, "write of a valid buffer returns its length"))
		ktap_diag("returned %ld, expected %zu", ret, sizeof(good) - 1);

	return ktap_done();
}
