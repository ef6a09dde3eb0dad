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
