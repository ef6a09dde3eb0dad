/* Kernel-wide helpers: panic, assertions, the boot sequence's globals. */
#ifndef PORTCULLIS_KERNEL_H
#define PORTCULLIS_KERNEL_H

#include "types.h"
#include "ptrace.h"

void panic(const char *fmt, ...) __noreturn __printf(1, 2);
void panic_regs(struct pt_regs *regs, unsigned vector, const char *fmt, ...) __noreturn __printf(3, 4);
void machine_exit(int status) __noreturn;   /* print the exit marker, stop QEMU/Bochs */

#define BUG_ON(c) do { if (unlikely(c)) panic("BUG at %s:%d: %s", __FILE__, __LINE__, #c); } while (0)

extern struct boot_params boot_params;

#endif
