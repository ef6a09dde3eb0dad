/*
 * symbols.c - address -> function name lookups in the kernel symbol table.
 *
 * The table is produced by scripts/gensyms (section .rodata.ksyms, read-only data):
 *
 *   ksyms_count      u64: number of symbols
 *   ksyms_addrs[]    u64 each: strictly increasing start addresses of text symbols
 *   ksyms_offsets[]  u32 each: where symbol i's NUL-terminated name starts in ksyms_names
 *   ksyms_names[]    the names, back to back
 *
 * A symbol extends to the next one's address (the last one to _etext). Everything here only reads
 * that table and the linker's text bounds, so it cannot fault and takes no lock: it is used by
 * the panic path.
 */
#include "types.h"
#include "string.h"
#include "symbols.h"

extern const u64 ksyms_count;
extern const u64 ksyms_addrs[];
extern const u32 ksyms_offsets[];
extern const char ksyms_names[];

extern char _text[], _etext[];          /* kernel/arch/x86_64/kernel.ld */

bool sym_in_kernel_text(u64 addr)
{
	return addr >= (u64)_text && addr < (u64)_etext;
}

const char *sym_lookup_size(u64 addr, u64 *offset, u64 *size)
{
	u64 n = ksyms_count;

	if (!sym_in_kernel_text(addr) || n == 0 || addr < ksyms_addrs[0])
		return NULL;

	/* The last symbol starting at or below addr: invariant addrs[lo] <= addr < addrs[hi]. */
	u64 lo = 0, hi = n;
	while (hi - lo > 1) {
		u64 mid = lo + (hi - lo) / 2;
		if (ksyms_addrs[mid] <= addr)
			lo = mid;
		else
			hi = mid;
	}

	u64 end = lo + 1 < n ? ksyms_addrs[lo + 1] : (u64)_etext;
	if (offset)
		*offset = addr - ksyms_addrs[lo];
	if (size)
		*size = end - ksyms_addrs[lo];
	return ksyms_names + ksyms_offsets[lo];
}

const char *sym_lookup(u64 addr, u64 *offset)
{
	return sym_lookup_size(addr, offset, NULL);
}

u64 sym_address(const char *name)
{
	for (u64 i = 0; i < ksyms_count; i++)
		if (strcmp(ksyms_names + ksyms_offsets[i], name) == 0)
			return ksyms_addrs[i];
	return 0;
}
