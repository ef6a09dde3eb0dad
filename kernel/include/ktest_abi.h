/*
 * ktest_abi.h - the private system calls of CONFIG_KTEST kernels, shared with ring-3 test programs
 * (pure #defines and one plain struct; included by user/ through a relative path).
 *
 * They let a test program drive paths that normal programs reach only through signals (which do
 * not exist yet): resume after a fault to check every register, make the kernel return through
 * IRET to an address of the test's choosing, and learn what the kernel saw. Numbers: base + op,
 * far outside Linux's tables; a kernel without CONFIG_KTEST returns -ENOSYS for them.
 */
#ifndef PORTCULLIS_KTEST_ABI_H
#define PORTCULLIS_KTEST_ABI_H

#define KTEST_SYSCALL_BASE      0x2f0000
#define KTEST_SYS_SET_RIP       0   /* return to ring 3 at a0, through IRET */
#define KTEST_SYS_FAULT_RESUME  1   /* the next fatal fault resumes at a0 instead of killing */
#define KTEST_SYS_LAST_FAULT    2   /* copy struct ktest_fault_record to a0 */
#define KTEST_SYS_PROBE_ADDRS   3   /* copy struct ktest_probe_addrs to a0 */
#define KTEST_SYS_PTI_STATE     4   /* returns 1 if PTI is on, 0 if off */
#define KTEST_SYS_FLUSH_USER    5   /* flush_tlb_user_range(current mm, a0, a0 + 4096) */
#define KTEST_SYS_USER_FLUSHES  6   /* returns the count of deferred user-PCID flushes on exit */
#define KTEST_SYS_PCID_STATE    7   /* returns bit 0: PCID on, bit 1: INVPCID used */
#define KTEST_SYS_LAST_USER_CR3 8   /* returns the CR3 found by the last NMI from ring 3 */
/* Kernel SIMD in interrupt handlers (kernel/ktest/ktest_fpu.c): reachable through INT 0x80 and
 * __kernel_vsyscall too (i386 ABI: a0 in EBX), so 32-bit programs can drive them. */
#define KTEST_SYS_KFPU_HOOK     9   /* a0 = 1: every device interrupt runs kernel_fpu_begin, a
                                       SIMD clobber of every register, kernel_fpu_end (counted
                                       enables); a0 = 0: drop one enable. Returns the count */
#define KTEST_SYS_KFPU_SPIN     10  /* spin in the kernel, IRQs on, sending self-IPIs, until the
                                       hook ran a0 times in interrupts of this call; returns how
                                       many times it ran (-EAGAIN after 2 s) */
#define KTEST_SYS_KFPU_TASK     11  /* kernel SIMD once in task context; returns 0 */
#define KTEST_SYS_KFPU_HITS     12  /* returns how often the hook ran in an interrupt of this
                                       task's ring 3 */

/* The last fatal fault of a user task. */
struct ktest_fault_record {
	unsigned long long vector, error, addr, rip;
	int pid;
};

/* Kernel addresses for isolation probes: one in each kind of kernel memory. */
struct ktest_probe_addrs {
	unsigned long long text, data, heap, direct_map;
};

#endif
