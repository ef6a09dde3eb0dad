/* vdso.c - build the 32-bit vDSO page at boot, with the entry variant this CPU supports and the
 * default signal restorers. */
#include "types.h"
#include "vdso.h"
#include "cpu.h"
#include "mm.h"
#include "string.h"
#include "printk.h"
#include "kernel.h"

phys_addr_t vdso_page_phys;
u64 vdso_landing_pad;

extern const u8 vdso32_sysenter[], vdso32_syscall[], vdso32_int80[];
extern const u8 vdso32_sigreturn[];
extern const u32 vdso32_landing_offset, vdso32_size, vdso32_sigreturn_size;

void vdso_init(void)
{
	/* Intel supports SYSENTER from compat mode and not compat SYSCALL; AMD the reverse. */
	const u8 *variant = vdso32_int80;
	const char *kind = "int $0x80";
	if (cpu.intel && cpu.sysenter) {
		variant = vdso32_sysenter;
		kind = "sysenter";
	} else if (cpu.amd && cpu.syscall) {
		variant = vdso32_syscall;
		kind = "syscall";
	}
	vdso_page_phys = pmm_alloc(0);
	if (vdso_page_phys == PMM_FAIL)
		panic("vdso: no memory");
	u8 *page = phys_to_virt(vdso_page_phys);
	memset(page, 0xcc, PAGE_SIZE);        /* int3 everywhere else */
	memcpy(page, variant, vdso32_size);
	memcpy(page + VDSO32_SIGRETURN_OFFSET, vdso32_sigreturn, vdso32_sigreturn_size);
	vdso_landing_pad = VDSO32_BASE + vdso32_landing_offset;
	pr_info("vdso: __kernel_vsyscall at %#lx uses %s\n", (unsigned long)VDSO32_BASE, kind);
}
