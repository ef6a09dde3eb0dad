/*
 * In-kernel self-tests (CONFIG_KTEST), selected with ktest=all or ktest=name1,name2 and reported as
 * KTAP on the console. A suite is a function that records cases with ktest_expect().
 */
#ifndef PORTCULLIS_KTEST_H
#define PORTCULLIS_KTEST_H

#include "types.h"

struct ktest_ctx {
	unsigned cases, failed;
};

struct ktest_suite {
	const char *name;
	void (*run)(struct ktest_ctx *ctx);
};

#define KTEST_SUITE(n) \
	static void ktest_##n(struct ktest_ctx *ctx); \
	static const struct ktest_suite ktest_desc_##n __used __section(".ktest") = { #n, ktest_##n }; \
	static void ktest_##n(struct ktest_ctx *ctx)

bool ktest_expect(struct ktest_ctx *ctx, bool ok, const char *fmt, ...) __printf(3, 4);
void ktest_diag(const char *fmt, ...) __printf(1, 2);
int ktest_run(const char *list);     /* returns the number of failed suites */

#include "ktest_abi.h"
extern struct ktest_fault_record ktest_last_user_fault;

struct pt_regs;
bool ktest_kernel_int3(struct pt_regs *regs);       /* an expected int3 in a kernel self-test */
void ktest_nmi_hook(struct pt_regs *regs);          /* called by the NMI handler */

/* The entry_windows self-test's hooks (kernel/ktest/ktest_windows.c), called by do_debug, do_nmi
 * and do_irq: each does nothing unless that suite is running. */
bool ktest_windows_debug(struct pt_regs *regs, u64 dr6);
void ktest_windows_nmi(struct pt_regs *regs);
bool ktest_windows_irq(unsigned vector);
long ktest_syscall(unsigned op, u64 a0, struct pt_regs *regs);

/* The kernel-SIMD self-tests (kernel/ktest/ktest_fpu.c): do_irq and do_nmi call the hooks, which
 * do nothing unless enabled; ktest_syscall passes the KTEST_SYS_KFPU_* calls on. */
void ktest_kfpu_irq(struct pt_regs *regs);
void ktest_kfpu_nmi(void);
long ktest_kfpu_syscall(unsigned op, u64 a0);

#endif
