/*
 * GDT layout. Identical to Linux's, so that ring-3 programs that hard-code selectors (0x23 for
 * 32-bit compat code, 0x33 for 64-bit code) behave the same here, and so that STAR works:
 *   SYSCALL loads CS = STAR[47:32] = KERNEL_CS, SS = KERNEL_CS + 8 = KERNEL_DS;
 *   SYSRET to 64-bit loads CS = STAR[63:48] + 16 = USER_CS, SS = STAR[63:48] + 8 = USER_DS;
 *   SYSRET to compat loads CS = STAR[63:48] = USER32_CS.
 */
#ifndef PORTCULLIS_SEGMENT_H
#define PORTCULLIS_SEGMENT_H

#define GDT_ENTRY_KERNEL32_CS 1
#define GDT_ENTRY_KERNEL_CS   2
#define GDT_ENTRY_KERNEL_DS   3
#define GDT_ENTRY_USER32_CS   4
#define GDT_ENTRY_USER_DS     5
#define GDT_ENTRY_USER_CS     6
#define GDT_ENTRY_TSS         8     /* 16 bytes: entries 8 and 9 */
#define GDT_ENTRY_TLS_MIN     12    /* i386 set_thread_area slots, 12..14 */
#define GDT_ENTRIES           16

#define KERNEL32_CS  (GDT_ENTRY_KERNEL32_CS * 8)
#define KERNEL_CS    (GDT_ENTRY_KERNEL_CS * 8)
#define KERNEL_DS    (GDT_ENTRY_KERNEL_DS * 8)
#define USER32_CS    (GDT_ENTRY_USER32_CS * 8 + 3)
#define USER_DS      (GDT_ENTRY_USER_DS * 8 + 3)
#define USER_CS      (GDT_ENTRY_USER_CS * 8 + 3)
#define TSS_SEL      (GDT_ENTRY_TSS * 8)

#endif
