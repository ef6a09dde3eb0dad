/*
 * multiboot.c - read the multiboot2 boot information once, into struct boot_info.
 *
 * Called before anything else has touched memory the loader may have put the information in: the
 * boot page tables map the first 4 GiB at the direct map, which is where GRUB leaves it.
 */
#include "types.h"
#include "arch.h"
#include "boot.h"
#include "mm.h"
#include "string.h"

struct boot_info boot_info;

#define MB2_TAG_END     0
#define MB2_TAG_CMDLINE 1
#define MB2_TAG_LOADER  2
#define MB2_TAG_MODULE  3
#define MB2_TAG_MMAP    6
#define MB2_TAG_ACPI1   14
#define MB2_TAG_ACPI2   15

struct mb2_tag { u32 type, size; };

static u8 rsdp_copy[64];

static void copy_str(char *dst, size_t cap, const char *src, size_t max)
{
	size_t n = strnlen(src, max);
	if (n >= cap)
		n = cap - 1;
	memcpy(dst, src, n);
	dst[n] = 0;
}

/* Returns a message for the log on malformed input, NULL when all is well. */
const char *multiboot_parse(phys_addr_t info)
{
	const u8 *base = phys_to_virt(info);
	u32 total = *(const u32 *)base;
	if (total < 16 || total > (1U << 20))
		return "multiboot2: implausible information size";
	boot_info.info_start = info;
	boot_info.info_end = info + total;
	const char *warn = NULL;

	for (u32 off = 8; off + sizeof(struct mb2_tag) <= total;) {
		const struct mb2_tag *tag = (const void *)(base + off);
		if (tag->type == MB2_TAG_END)
			break;
		if (tag->size < 8 || off + tag->size > total)
			return "multiboot2: malformed tag; the rest of the boot information is ignored";
		const u8 *body = (const u8 *)(tag + 1);
		u32 len = tag->size - 8;
		switch (tag->type) {
		case MB2_TAG_CMDLINE:
			copy_str(boot_info.cmdline, sizeof(boot_info.cmdline), (const char *)body, len);
			if (strnlen((const char *)body, len) >= sizeof(boot_info.cmdline))
				warn = "multiboot2: command line too long, truncated";
			break;
		case MB2_TAG_LOADER:
			copy_str(boot_info.loader, sizeof(boot_info.loader), (const char *)body, len);
			break;
		case MB2_TAG_MODULE:
			if (len >= 8 && boot_info.nmodules < BOOT_MAX_MODULES) {
				struct boot_module *m = &boot_info.modules[boot_info.nmodules++];
				m->start = ((const u32 *)body)[0];
				m->end = ((const u32 *)body)[1];
				copy_str(m->name, sizeof(m->name), (const char *)body + 8, len - 8);
				/* Only the first word is the name: "init" from "init extra words". */
				for (char *c = m->name; *c; c++)
					if (*c == ' ')
						*c = 0;
				if (m->end < m->start)
					m->end = m->start;
			}
			break;
		case MB2_TAG_MMAP: {
			if (len < 8)
				break;
			u32 esize = ((const u32 *)body)[0];
			if (esize < 24)
				break;
			for (u32 e = 8; e + esize <= len && boot_info.nmmap < BOOT_MAX_MMAP; e += esize) {
				const u8 *ent = body + e;
				struct boot_mmap_entry *m = &boot_info.mmap[boot_info.nmmap++];
				memcpy(&m->base, ent, 8);
				memcpy(&m->len, ent + 8, 8);
				memcpy(&m->type, ent + 16, 4);
			}
			break;
		}
		case MB2_TAG_ACPI1:
		case MB2_TAG_ACPI2:
			if (len >= 20 && (!boot_info.rsdp || tag->type == MB2_TAG_ACPI2)) {
				memcpy(rsdp_copy, body, MIN(len, sizeof(rsdp_copy)));
				boot_info.rsdp = rsdp_copy;
			}
			break;
		}
		off += ALIGN_UP(tag->size, 8);
	}
	return warn;
}

const struct boot_module *boot_find_module(const char *name)
{
	for (unsigned i = 0; i < boot_info.nmodules; i++)
		if (!strcmp(boot_info.modules[i].name, name))
			return &boot_info.modules[i];
	return NULL;
}
