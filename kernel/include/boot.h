/* What the boot loader told us, parsed once from the multiboot2 information (kernel/arch/x86_64/multiboot.c). */
#ifndef PORTCULLIS_BOOT_H
#define PORTCULLIS_BOOT_H

#include "types.h"

#define BOOT_MAX_MODULES   64
#define BOOT_MAX_MMAP      128

struct boot_module {
	phys_addr_t start, end;      /* [start, end) */
	char name[64];               /* the module's string from GRUB: its name, e.g. "init" */
};

struct boot_mmap_entry {
	u64 base, len;
	u32 type;                    /* 1 = RAM, 3 = ACPI reclaimable, 4 = NVS, others reserved */
};

struct boot_info {
	char cmdline[1024];
	char loader[64];
	struct boot_module modules[BOOT_MAX_MODULES];
	unsigned nmodules;
	struct boot_mmap_entry mmap[BOOT_MAX_MMAP];
	unsigned nmmap;
	const void *rsdp;            /* copy of the ACPI RSDP (v1 or v2) from the multiboot2 tags, or NULL */
	phys_addr_t info_start, info_end;  /* the multiboot2 information itself */
};
extern struct boot_info boot_info;

const struct boot_module *boot_find_module(const char *name);

#endif
