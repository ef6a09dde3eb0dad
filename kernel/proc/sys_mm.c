/*
 * sys_mm.c - memory system calls (brk, mmap, munmap, mprotect) and the small process calls a C
 * library needs at start-up (arch_prctl, set_tid_address, ioctl on the console), with Linux's
 * errors. Anonymous private memory only; pages are zero-filled on first touch.
 */
#include "types.h"
#include "task.h"
#include "syscalls.h"
#include "errno.h"
#include "memlayout.h"
#include "fsgsbase.h"
#include "percpu.h"
#include "mm.h"
#include "fs.h"
#include "tls.h"

#define PROT_READ  0x1
#define PROT_WRITE 0x2
#define PROT_EXEC  0x4
#define MAP_SHARED    0x01
#define MAP_PRIVATE   0x02
#define MAP_FIXED     0x10
#define MAP_ANONYMOUS 0x20
#define MAP_FIXED_NOREPLACE 0x100000

static u32 prot_to_vm(u64 prot)
{
	/* As on x86 Linux, readable includes executable-by-read and write implies read. */
	return ((prot & (PROT_READ | PROT_WRITE | PROT_EXEC)) ? VM_READ : 0) |
	       ((prot & PROT_WRITE) ? VM_WRITE : 0) | ((prot & PROT_EXEC) ? VM_EXEC : 0);
}

/* The top of what this task may map: 4 GiB minus the vDSO area for 32-bit tasks. */
static u64 task_top(void) { return current->compat ? USER_TOP32 : USER_TOP; }

long sys_brk(u64 addr)
{
	struct mm *mm = current->mm;
	u64 old = mm->brk, want = ALIGN_UP(addr, PAGE_SIZE);
	if (addr < mm->brk_start || want > task_top())
		return old;
	u64 cur_end = ALIGN_UP(old, PAGE_SIZE);
	if (want > cur_end) {
		/* The new part must not run into another mapping. */
		for (unsigned i = 0; i < mm->nvmas; i++)
			if (mm->vmas[i].start < want && cur_end < mm->vmas[i].end)
				return old;
		struct vma *v = cur_end > mm->brk_start ? mm_find_vma(mm, cur_end - 1) : NULL;
		if (v && v->end == cur_end && v->flags == (VM_READ | VM_WRITE))
			v->end = want;                         /* grow the heap region */
		else if (mm_add_vma(mm, cur_end, want, VM_READ | VM_WRITE))
			return old;
	} else if (want < cur_end) {
		mm_unmap_range(mm, want, cur_end);
	}
	mm->brk = addr;
	return addr;
}

long sys_mmap(u64 addr, u64 len, u64 prot, u64 flags, u64 fd, u64 off)
{
	struct mm *mm = current->mm;
	(void)fd;
	if (!len)
		return -EINVAL;
	if (off & (PAGE_SIZE - 1))
		return -EINVAL;
	u32 type = flags & (MAP_SHARED | MAP_PRIVATE);
	if (type != MAP_SHARED && type != MAP_PRIVATE)
		return -EINVAL;
	if (!(flags & MAP_ANONYMOUS))
		return -EBADF;                  /* no file can be open yet */
	if (prot & ~(u64)(PROT_READ | PROT_WRITE | PROT_EXEC))
		return -EINVAL;
	u64 top = task_top();
	if (len > top)
		return -ENOMEM;
	len = ALIGN_UP(len, PAGE_SIZE);
	bool fixed = flags & (MAP_FIXED | MAP_FIXED_NOREPLACE);
	if (fixed) {
		if (addr & (PAGE_SIZE - 1))
			return -EINVAL;
		if (addr < USER_BASE || addr > top || len > top - addr)
			return -ENOMEM;
		if (flags & MAP_FIXED_NOREPLACE && !(flags & MAP_FIXED)) {
			for (unsigned i = 0; i < mm->nvmas; i++)
				if (mm->vmas[i].start < addr + len && addr < mm->vmas[i].end)
					return -EEXIST;
		} else if (mm_unmap_range(mm, addr, addr + len)) {
			return -ENOMEM;
		}
	} else {
		/* A hint is honoured when the range is free; otherwise the highest free range. */
		u64 hint = ALIGN_DOWN(addr, PAGE_SIZE);
		bool free = hint >= USER_IMAGE_BASE && hint <= top && len <= top - hint;
		for (unsigned i = 0; free && i < mm->nvmas; i++)
			free = !(mm->vmas[i].start < hint + len && hint < mm->vmas[i].end);
		addr = free ? hint : mm_find_free(mm, len, current->compat ? USER_MMAP_BASE32 : USER_MMAP_BASE64);
		if (!addr)
			return -ENOMEM;
	}
	if (mm_add_vma(mm, addr, addr + len, prot_to_vm(prot)))
		return -ENOMEM;
	return addr;
}

long sys_mmap2(u64 addr, u64 len, u64 prot, u64 flags, u64 fd, u64 pgoff)
{
	return sys_mmap(addr, len, prot, flags, fd, pgoff << PAGE_SHIFT);
}

long sys_munmap(u64 addr, u64 len)
{
	if ((addr & (PAGE_SIZE - 1)) || !len)
		return -EINVAL;
	len = ALIGN_UP(len, PAGE_SIZE);
	if (addr > task_top() || len > task_top() - addr)
		return -EINVAL;
	return mm_unmap_range(current->mm, addr, addr + len) ? -ENOMEM : 0;
}

long sys_mprotect(u64 addr, u64 len, u64 prot)
{
	if (addr & (PAGE_SIZE - 1))
		return -EINVAL;
	if (prot & ~(u64)(PROT_READ | PROT_WRITE | PROT_EXEC))
		return -EINVAL;
	len = ALIGN_UP(len, PAGE_SIZE);
	if (!len)
		return 0;
	if (addr > task_top() || len > task_top() - addr)
		return -ENOMEM;
	return mm_protect_range(current->mm, addr, addr + len, prot_to_vm(prot)) ? -ENOMEM : 0;
}

#define ARCH_SET_GS 0x1001
#define ARCH_SET_FS 0x1002
#define ARCH_GET_FS 0x1003
#define ARCH_GET_GS 0x1004

long sys_arch_prctl(u64 code, u64 addr)
{
	struct task *t = current;
	u64 v;
	switch (code) {
	case ARCH_SET_FS:
	case ARCH_SET_GS:
		if (addr >= USER_TOP)
			return -EPERM;              /* as Linux: only user addresses */
		/* As Linux: the selector becomes 0 (tls.c), then the base is set. */
		if (code == ARCH_SET_FS) {
			segments_load_fs(0);
			t->fs_base = addr;
			write_fsbase(addr);
		} else {
			segments_load_gs(0);
			t->gs_base = addr;
			write_user_gsbase(addr);
		}
		return 0;
	case ARCH_GET_FS:
		v = read_fsbase();
		return copy_to_user((void *)addr, &v, 8) ? -EFAULT : 0;
	case ARCH_GET_GS:
		v = read_user_gsbase();
		return copy_to_user((void *)addr, &v, 8) ? -EFAULT : 0;
	default:
		return -EINVAL;
	}
}

long sys_set_tid_address(u64 tidptr)
{
	current->clear_child_tid = tidptr;
	return current->tid;
}

#define TCGETS     0x5401
#define TIOCGWINSZ 0x5413

/* The console is a terminal of 80 x 24. Only the window size is answered. */
long sys_ioctl(u64 fd, u64 cmd, u64 arg)
{
	if (!fd_is_open(fd))
		return -EBADF;
	if (!fd_is_console(fd))
		return -ENOTTY;
	if ((u32)cmd == TIOCGWINSZ) {
		u16 ws[4] = { 24, 80, 0, 0 };
		return copy_to_user((void *)arg, ws, sizeof(ws)) ? -EFAULT : 0;
	}
	return -ENOTTY;
}
