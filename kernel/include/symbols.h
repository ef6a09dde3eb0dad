/*
 * Kernel symbol table and stack backtraces (kernel/lib/symbols.c, kernel/lib/backtrace.c).
 *
 * The table is generated at build time by scripts/gensyms from the first link of the kernel and
 * linked into the second as section .rodata.ksyms (see that script for the layout). In the first
 * image the table is empty: lookups fail and backtraces show bare addresses.
 */
#ifndef PORTCULLIS_SYMBOLS_H
#define PORTCULLIS_SYMBOLS_H

#include "types.h"

/* Whether addr lies in the kernel's text, [_text, _etext) (.entry.text included). */
bool sym_in_kernel_text(u64 addr);

/*
 * The name of the function containing addr, and addr's offset from its start; NULL (offset
 * untouched) outside kernel text or when the table is empty. Never faults: safe in panic/NMI.
 */
const char *sym_lookup(u64 addr, u64 *offset);

/* The same, and *size = the distance to the next symbol (Linux's "func+0x1a/0x80"). */
const char *sym_lookup_size(u64 addr, u64 *offset, u64 *size);

/* The address of a text symbol by exact name, or 0 (linear search: for tests and debugging). */
u64 sym_address(const char *name);

/*
 * Print a backtrace, one line per frame, at KERN_ERR:
 *     [<ffffffff80101234>] func+0x1a/0x80
 * first rip, then the return addresses found by following the saved-RBP chain from rbp (the
 * kernel keeps frame pointers). At most 32 frames. Every frame is checked before it is read
 * (8-byte aligned, canonical kernel address, inside RAM in the direct map, the kernel image or
 * this CPU's entry-area stacks), so a corrupt chain ends the trace rather than faulting.
 */
void backtrace_print(u64 rip, u64 rbp);

/* Backtrace of the caller (a WARN-style "how did we get here"). */
void dump_stack(void);

#endif
