/*
 * exec.c - start a program from a boot module: map its ELF image, the vDSO and a stack laid out as
 * Linux lays it out (argc, argv, envp, auxiliary vector), and make a task that enters ring 3 there.
 */
#include "types.h"
#include "task.h"
#include "elf.h"
#include "boot.h"
#include "mm.h"
#include "paging.h"
#include "segment.h"
#include "cpu.h"
#include "string.h"
#include "printk.h"
#include "errno.h"
#include "kernel.h"
#include "vdso.h"
#include "entry.h"
#include "bootparams.h"
#include "fs.h"
#include "signal.h"
#include "syscalls.h"
#include "fsgsbase.h"
#include "tls.h"

#define AT_NULL 0
#define AT_PHDR 3
#define AT_PHENT 4
#define AT_PHNUM 5
#define AT_PAGESZ 6
#define AT_BASE 7
#define AT_FLAGS 8
#define AT_ENTRY 9
#define AT_UID 11
#define AT_EUID 12
#define AT_GID 13
#define AT_EGID 14
#define AT_PLATFORM 15
#define AT_HWCAP 16
#define AT_CLKTCK 17
#define AT_SECURE 23
#define AT_RANDOM 25
#define AT_HWCAP2 26
#define AT_EXECFN 31
#define AT_SYSINFO 32

#define HWCAP2_FSGSBASE BIT(1)   /* as Linux: ring 3 may use RD/WR{FS,GS}BASE */

static u64 seg_vm_flags(u32 pf)
{
	return ((pf & PF_R) ? VM_READ : 0) | ((pf & PF_W) ? VM_WRITE : 0) | ((pf & PF_X) ? VM_EXEC : 0);
}

/* Map one PT_LOAD segment. Pages shared with a previous segment keep their frame and gain rights. */
static int map_segment(struct mm *mm, const u8 *file, const struct elf_segment *s)
{
	u64 start = ALIGN_DOWN(s->vaddr, PAGE_SIZE), end = ALIGN_UP(s->vaddr + s->memsz, PAGE_SIZE);
	u64 pte = PTE_U | ((s->flags & PF_W) ? PTE_W : 0) | ((s->flags & PF_X) ? 0 : PTE_NX);
	for (u64 va = start; va < end; va += PAGE_SIZE) {
		phys_addr_t pa;
		u64 old;
		if (pt_walk(mm->pgd, va, &pa, &old)) {
			u64 merged = (old & (PTE_W | PTE_NX)) | PTE_U;
			if (pte & PTE_W)
				merged |= PTE_W;
			if (!(pte & PTE_NX))
				merged &= ~PTE_NX;
			pt_protect(mm->pgd, va, PAGE_SIZE, merged);
		} else {
			pa = pmm_alloc(0);
			if (pa == PMM_FAIL || pt_map(mm->pgd, va, pa, PAGE_SIZE, pte | PT_MAP_4K))
				return -ENOMEM;
			mm->pages++;
		}
		/* Copy the part of the file image that falls into this page. */
		u64 lo = MAX(va, s->vaddr), hi = MIN(va + PAGE_SIZE, s->vaddr + s->filesz);
		if (lo < hi)
			memcpy((u8 *)phys_to_virt(pa) + (lo - va), file + s->offset + (lo - s->vaddr), hi - lo);
	}
	return mm_add_vma(mm, start, end, seg_vm_flags(s->flags)) ? -ENOMEM : 0;
}

/* Writes to the new task's stack go through the direct map (the task's CR3 is not loaded). */
struct stack_builder {
	struct mm *mm;
	u64 sp;
	bool is32;
	bool failed;
};

static void put_bytes(struct stack_builder *b, u64 va, const void *src, u64 len)
{
	const u8 *s = src;
	while (len && !b->failed) {
		phys_addr_t pa;
		if (!pt_walk(b->mm->pgd, va, &pa, NULL)) {
			if (mm_populate(b->mm, va, VM_READ | VM_WRITE) || !pt_walk(b->mm->pgd, va, &pa, NULL)) {
				b->failed = true;
				return;
			}
		}
		u64 n = MIN(len, PAGE_SIZE - (va & (PAGE_SIZE - 1)));
		memcpy(phys_to_virt(pa), s, n);
		va += n;
		s += n;
		len -= n;
	}
}

static u64 push_bytes(struct stack_builder *b, const void *src, u64 len)
{
	b->sp -= len;
	put_bytes(b, b->sp, src, len);
	return b->sp;
}

static u64 push_string(struct stack_builder *b, const char *s)
{
	return push_bytes(b, s, strlen(s) + 1);
}

static void put_word(struct stack_builder *b, u64 *at, u64 v)
{
	u64 sz = b->is32 ? 4 : 8;
	put_bytes(b, *at, &v, sz);
	*at += sz;
}

static u64 random_u64(void)
{
	static u64 state = 0x9e3779b97f4a7c15ULL;
	state ^= rdtsc();
	state ^= state << 13;
	state ^= state >> 7;
	state ^= state << 17;
	return state;
}

/*
 * Load the parsed image `img` of `file` into the empty address space mm: its segments, the vDSO,
 * and a stack holding argv, envp (argc and envc strings, kernel pointers) and the auxiliary
 * vector, laid out as Linux lays it out; set regs to enter it in ring 3. 0, or -ENOMEM with *why.
 */
static int load_image(struct mm *mm, const u8 *file, const struct elf_image *img, const char *execfn,
		      int argc, char *const argv[], int envc, char *const envp[], struct pt_regs *regs,
		      const char **why)
{
	for (unsigned i = 0; i < img->nsegs; i++) {
		if (map_segment(mm, file, &img->segs[i])) {
			*why = "out of memory (or too many regions) mapping the image";
			return -ENOMEM;
		}
	}
	mm->brk_start = mm->brk = ALIGN_UP(img->highest, PAGE_SIZE);

	/* The vDSO: one shared read-only executable page at a fixed address. */
	if (pt_map(mm->pgd, VDSO32_BASE, vdso_page_phys, PAGE_SIZE, PTE_U | PTE_NOFREE | PT_MAP_4K) ||
	    mm_add_vma(mm, VDSO32_BASE, VDSO32_BASE + PAGE_SIZE, VM_READ | VM_EXEC)) {
		*why = "cannot map the vDSO";
		return -ENOMEM;
	}

	/* The stack region; pages are faulted in on demand below what exec writes. */
	u64 stack_top = img->is32 ? USER_STACK_TOP32 : USER_STACK_TOP64;
	if (mm_add_vma(mm, stack_top - USER_STACK_SIZE, stack_top, VM_READ | VM_WRITE | VM_GROWSDOWN)) {
		*why = "cannot create the stack";
		return -ENOMEM;
	}

	/* Strings first (top of the stack), then the pointer block, as Linux does. The string
	 * addresses are kept in the pointer block's own place, filled in below. */
	struct stack_builder b = { mm, stack_top, img->is32, false };
	u64 execfn_va = push_string(&b, execfn);
	u64 word = img->is32 ? 4 : 8;
	u64 strings_end = b.sp;
	for (int i = envc - 1; i >= 0; i--)
		push_string(&b, envp[i]);
	for (int i = argc - 1; i >= 0; i--)
		push_string(&b, argv[i]);
	u64 strings_start = b.sp;
	u64 platform = push_string(&b, img->is32 ? "i686" : "x86_64");
	u64 rnd[2] = { random_u64(), random_u64() };
	u64 random = push_bytes(&b, rnd, 16);

	u32 a, bx, c, d;
	cpuid(1, &a, &bx, &c, &d);
	u64 aux[][2] = {
		{ AT_SYSINFO, VDSO32_BASE },   /* compat tasks only; dropped below for 64-bit */
		{ AT_PHDR, img->phdr }, { AT_PHENT, img->phentsize }, { AT_PHNUM, img->phnum },
		{ AT_PAGESZ, PAGE_SIZE }, { AT_BASE, 0 }, { AT_FLAGS, 0 }, { AT_ENTRY, img->entry },
		{ AT_UID, 0 }, { AT_EUID, 0 }, { AT_GID, 0 }, { AT_EGID, 0 }, { AT_HWCAP, d },
		{ AT_CLKTCK, 100 }, { AT_SECURE, 0 }, { AT_RANDOM, random }, { AT_HWCAP2, entry_use_fsgsbase ? HWCAP2_FSGSBASE : 0 },
		{ AT_EXECFN, execfn_va }, { AT_PLATFORM, platform }, { AT_NULL, 0 },
	};
	unsigned first_aux = img->is32 ? 0 : 1;
	u64 naux = ARRAY_SIZE(aux) - first_aux;
	u64 words = 1 + argc + 1 + envc + 1 + naux * 2;
	b.sp = ALIGN_DOWN(b.sp - words * word, 16);
	u64 at = b.sp, str = strings_start;
	put_word(&b, &at, argc);
	for (int i = 0; i < argc; i++) {
		put_word(&b, &at, str);
		str += strlen(argv[i]) + 1;
	}
	put_word(&b, &at, 0);
	for (int i = 0; i < envc; i++) {
		put_word(&b, &at, str);
		str += strlen(envp[i]) + 1;
	}
	put_word(&b, &at, 0);
	for (unsigned i = first_aux; i < ARRAY_SIZE(aux); i++) {
		put_word(&b, &at, aux[i][0]);
		put_word(&b, &at, aux[i][1]);
	}
	if (b.failed || str != strings_end) {
		*why = "out of memory building the stack";
		return -ENOMEM;
	}

	memset(regs, 0, sizeof(*regs));
	regs->rip = img->entry;
	regs->cs = img->is32 ? USER32_CS : USER_CS;
	regs->ss = USER_DS;
	regs->rsp = b.sp;
	regs->rflags = X86_RFLAGS_IF | X86_RFLAGS_FIXED;
	regs->orig_rax = -1;
	return 0;
}

/* The environment of programs the kernel starts. */
static char *const kernel_envp[] = { "HOME=/", "TERM=linux" };

struct task *spawn_program(const char *name, int argc, char *const argv[], const char **why)
{
	const struct boot_module *mod = boot_find_module(name);
	if (!mod) {
		*why = "no such program (no boot module by that name)";
		return NULL;
	}
	const u8 *file = phys_to_virt(mod->start);
	struct elf_image img;
	if (elf_parse(file, mod->end - mod->start, &img, why))
		return NULL;

	struct mm *mm = mm_create();
	struct pt_regs *regs;
	struct task *t = mm ? task_create_user(name, mm, &regs) : NULL;
	if (!t) {
		mm_destroy(mm);
		*why = "out of memory";
		return NULL;
	}
	t->files = files_alloc();
	if (!t->files) {
		*why = "out of memory";
		goto fail;
	}
	if (argc > BOOT_INIT_MAX_ARGS)
		argc = BOOT_INIT_MAX_ARGS;
	if (load_image(mm, file, &img, name, argc, argv, ARRAY_SIZE(kernel_envp), kernel_envp, regs, why))
		goto fail;
	t->compat = img.is32;
	t->pgid = t->sid = t->pid;         /* a session and group of its own, as a login shell */
	t->kernel_started = true;
	task_start(t);
	return t;
fail:
	task_free(t);
	return NULL;
}

/* ---- execve ---------------------------------------------------------------------------------- */

#define EXEC_STRINGS_ORDER 5                        /* 128 KiB of argument and environment strings */
#define EXEC_STRINGS_BYTES (PAGE_SIZE << EXEC_STRINGS_ORDER)
#define EXEC_MAX_STRINGS   4096                     /* argv + envp entries */

/* Kernel copies of execve's path, argv and envp. */
struct exec_args {
	char *buf;                     /* EXEC_STRINGS_BYTES: the path, then every string */
	u64 used;
	char **ptrs;                   /* argv[0..argc), then envp[0..envc) */
	int argc, envc;
};

/* Copy the NULL-terminated user array of string pointers at uvec (4-byte pointers if compat;
 * NULL means empty, as Linux allows) after what args holds. Returns the count or -errno. */
static long copy_strings(struct exec_args *a, u64 uvec, bool compat)
{
	long n = 0;
	for (; uvec; n++) {
		u64 p = 0;
		if (copy_from_user(&p, (const void *)(uvec + n * (compat ? 4 : 8)), compat ? 4 : 8))
			return -EFAULT;
		if (!p)
			break;
		if (a->argc + a->envc + n >= EXEC_MAX_STRINGS)
			return -E2BIG;
		long len = strncpy_from_user(a->buf + a->used, (const char *)p, EXEC_STRINGS_BYTES - a->used);
		if (len < 0)
			return -EFAULT;
		if ((u64)len >= EXEC_STRINGS_BYTES - a->used)
			return -E2BIG;
		a->ptrs[a->argc + a->envc + n] = a->buf + a->used;
		a->used += len + 1;
	}
	return n;
}

/* execve's commitment: the caller's old image is gone, the new one (mm, regs) is in place. */
static void exec_commit(struct task *t, struct mm *mm, bool is32, const char *path)
{
	struct mm *old = t->mm;
	release_child_tid(t);
	u64 f = irq_save();
	t->mm = mm;
	mm_switch(mm);
	irq_restore(f);
	mm_put(old);                       /* a vfork parent keeps it */
	vfork_release(t);

	const char *base = path;
	for (const char *p = path; *p; p++)
		if (*p == '/' && p[1])
			base = p + 1;
	strlcpy(t->name, base, sizeof(t->name));
	t->compat = is32;
	t->did_exec = true;
	t->fs_base = t->gs_base = 0;
	segments_exec();                   /* no TLS; FS = GS = 0, DS = ES = USER_DS (tls.h) */
	write_fsbase(0);
	write_user_gsbase(0);
	fpu_task_set_init(t);
	signals_exec(t->sig);
	files_exec(t->files);
}

/*
 * execve: replace the calling program with the ELF file at path (resolved from the working
 * directory), with Linux's errors: -EFAULT, -ENAMETOOLONG, -ENOENT/-ENOTDIR/-EACCES from the
 * lookup, -ENOEXEC for a file that is not a loadable ELF, -E2BIG for too many or too long
 * arguments, -ENOMEM. Every failure before the commit leaves the caller untouched; nothing fails
 * after it. On success the new program starts with RAX 0 and the other registers zero.
 */
static long do_execve(u64 upath, u64 uargv, u64 uenvp, bool compat)
{
	struct task *t = current;
	struct exec_args a = { 0 };
	a.buf = alloc_pages_virt(EXEC_STRINGS_ORDER);
	a.ptrs = kmalloc(EXEC_MAX_STRINGS * sizeof(char *));
	long r = -ENOMEM;
	if (!a.buf || !a.ptrs)
		goto out;
	long len = strncpy_from_user(a.buf, (const char *)upath, PATH_MAX);
	r = len < 0 ? -EFAULT : len >= PATH_MAX ? -ENAMETOOLONG : len == 0 ? -ENOENT : 0;
	if (r)
		goto out;
	const char *path = a.buf;
	a.used = len + 1;
	if ((r = copy_strings(&a, uargv, compat)) < 0)
		goto out;
	a.argc = r;
	if ((r = copy_strings(&a, uenvp, compat)) < 0)
		goto out;
	a.envc = r;

	const void *data;
	u64 size;
	if ((r = fs_lookup_file(path, &data, &size)))
		goto out;
	struct elf_image img;
	const char *why;
	r = -ENOEXEC;
	if (elf_parse(data, size, &img, &why))
		goto out;
	struct mm *mm = mm_create();
	r = -ENOMEM;
	if (!mm)
		goto out;
	struct pt_regs regs;
	if (load_image(mm, data, &img, path, a.argc, a.ptrs, a.envc, a.ptrs + a.argc, &regs, &why)) {
		mm_destroy(mm);
		goto out;
	}
	exec_commit(t, mm, img.is32, path);
	*task_pt_regs(t) = regs;
	r = 0;
out:
	kfree(a.ptrs);
	if (a.buf)
		pmm_free(virt_to_phys(a.buf), EXEC_STRINGS_ORDER);
	return r;
}

long sys_execve(u64 path, u64 argv, u64 envp) { return do_execve(path, argv, envp, false); }
long compat_sys_execve(u64 path, u64 argv, u64 envp) { return do_execve((u32)path, (u32)argv, (u32)envp, true); }

/* Run a boot module as a program and wait for it; returns its status (negative: did not start). */
int spawn_and_wait(const char *name, int argc, char *const argv[])
{
	const char *why = NULL;
	struct task *t = spawn_program(name, argc, argv, &why);
	if (!t) {
		pr_err("exec %s: %s\n", name, why);
		return -1;
	}
	return task_wait(t);
}
