/* C functions called from the entry code (kernel/entry), and entry-code symbols. */
#ifndef PORTCULLIS_ENTRY_H
#define PORTCULLIS_ENTRY_H

#include "types.h"
#include "ptrace.h"
#include "percpu.h"

void do_syscall_64(struct pt_regs *regs);
bool do_fast_syscall_32(struct pt_regs *regs);   /* true: SYSRETL may be used */
void do_int80(struct pt_regs *regs, unsigned vector);
void do_exception(struct pt_regs *regs, unsigned vector);
/* cr3: CR3 as found; gs: with FSGSBASE the GS base as found, else 1 if SWAPGS was needed. */
void do_paranoid(struct pt_regs *regs, unsigned vector, u64 cr3, u64 gs);
void do_irq(struct pt_regs *regs);
void exit_to_user_mode(struct pt_regs *regs);

/* The common case of exit_to_user_mode(), inline on the system-call paths: no work pending. */
static inline void exit_to_user_mode_fast(struct pt_regs *regs)
{
	if (unlikely(exit_work()))
		exit_to_user_mode(regs);
}
void debug_entry_check_kernel(const char *where);
void debug_entry_failed(const char *where) __noreturn;
void ret_from_fork_c(void);

extern u8 entry_use_fsgsbase;
extern char return_to_user_iret[];

#endif
