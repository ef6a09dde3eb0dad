/*
 * elf.h - ELF file structures, and the validation of static executables before exec maps them
 * (kernel/exec/elf.c).
 *
 * Only what Portcullis uses is defined here, with the names of the ELF specification (this is
 * not the C library's <elf.h>). All fields are little-endian, as x86 is.
 */
#ifndef PORTCULLIS_ELF_H
#define PORTCULLIS_ELF_H

#include "types.h"

/* e_ident[] */
#define EI_NIDENT     16
#define EI_MAG0       0         /* 0x7f 'E' 'L' 'F' */
#define EI_CLASS      4
#define EI_DATA       5
#define EI_VERSION    6
#define EI_OSABI      7
#define ELFMAG        "\177ELF"
#define SELFMAG       4
#define ELFCLASS32    1
#define ELFCLASS64    2
#define ELFDATA2LSB   1         /* little-endian */
#define EV_CURRENT    1

/* e_type */
#define ET_NONE       0
#define ET_REL        1
#define ET_EXEC       2
#define ET_DYN        3         /* shared object, or position-independent executable */
#define ET_CORE       4

/* e_machine */
#define EM_386        3
#define EM_X86_64     62

/* p_type */
#define PT_NULL       0
#define PT_LOAD       1
#define PT_DYNAMIC    2
#define PT_INTERP     3
#define PT_NOTE       4
#define PT_SHLIB      5
#define PT_PHDR       6
#define PT_TLS        7
#define PT_GNU_EH_FRAME 0x6474e550
#define PT_GNU_STACK  0x6474e551
#define PT_GNU_RELRO  0x6474e552
#define PT_GNU_PROPERTY 0x6474e553

/* p_flags */
#define PF_X          0x1
#define PF_W          0x2
#define PF_R          0x4

typedef struct {
	u8  e_ident[EI_NIDENT];
	u16 e_type;
	u16 e_machine;
	u32 e_version;
	u64 e_entry;
	u64 e_phoff;
	u64 e_shoff;
	u32 e_flags;
	u16 e_ehsize;
	u16 e_phentsize;
	u16 e_phnum;
	u16 e_shentsize;
	u16 e_shnum;
	u16 e_shstrndx;
} Elf64_Ehdr;

typedef struct {
	u32 p_type;
	u32 p_flags;
	u64 p_offset;
	u64 p_vaddr;
	u64 p_paddr;
	u64 p_filesz;
	u64 p_memsz;
	u64 p_align;
} Elf64_Phdr;

typedef struct {
	u8  e_ident[EI_NIDENT];
	u16 e_type;
	u16 e_machine;
	u32 e_version;
	u32 e_entry;
	u32 e_phoff;
	u32 e_shoff;
	u32 e_flags;
	u16 e_ehsize;
	u16 e_phentsize;
	u16 e_phnum;
	u16 e_shentsize;
	u16 e_shnum;
	u16 e_shstrndx;
} Elf32_Ehdr;

typedef struct {            /* note: the order differs from Elf64_Phdr */
	u32 p_type;
	u32 p_offset;
	u32 p_vaddr;
	u32 p_paddr;
	u32 p_filesz;
	u32 p_memsz;
	u32 p_flags;
	u32 p_align;
} Elf32_Phdr;

static_assert(sizeof(Elf64_Ehdr) == 64 && sizeof(Elf64_Phdr) == 56, "ELF64 layout");
static_assert(sizeof(Elf32_Ehdr) == 52 && sizeof(Elf32_Phdr) == 32, "ELF32 layout");

#define ELF_MAX_SEGS 16         /* PT_LOAD entries an executable may have */

/* One PT_LOAD segment, load bias applied. */
struct elf_segment {
	u64 vaddr;              /* first byte in memory (not page-aligned in general) */
	u64 memsz;              /* bytes in memory, > 0; [vaddr + filesz, vaddr + memsz) is zeroed */
	u64 filesz;             /* bytes copied from the file, <= memsz */
	u64 offset;             /* where those bytes start in the file; offset + filesz <= size */
	u32 flags;              /* PF_R | PF_W | PF_X */
};

/* What elf_parse() found: everything exec needs to map the image and build the aux vector. */
struct elf_image {
	bool is32;              /* ELF32 i386: runs as a compat task, below USER_TOP32 */
	bool pie;               /* ET_DYN (static-pie): relocated by load_bias */
	u64 entry;              /* AT_ENTRY; inside an executable segment */
	u64 load_bias;          /* added to every file address (0 for ET_EXEC; AT_BASE stays 0) */

	/* PT_LOAD segments with memsz > 0, sorted by vaddr, not overlapping (they may share a page). */
	unsigned nsegs;
	struct elf_segment segs[ELF_MAX_SEGS];
	u64 lowest;             /* segs[0].vaddr */
	u64 highest;            /* end (exclusive) of the last segment: where brk may start */

	u64 phdr;               /* AT_PHDR: the program headers in memory, or 0 if not mapped */
	u16 phnum;              /* AT_PHNUM */
	u16 phentsize;          /* AT_PHENT */

	bool has_tls;           /* PT_TLS, load bias applied */
	struct {
		u64 vaddr, filesz, memsz, align;
	} tls;

	bool exec_stack;        /* PT_GNU_STACK with PF_X (no PT_GNU_STACK: not executable) */
};

/*
 * Validate the executable data[0..size) and describe it in *out. Returns 0, or -ENOEXEC with
 * *why (if why is non-NULL) pointing at a static string naming the problem; *out is then
 * undefined. Only the bytes of data are read, and nothing is mapped or changed.
 *
 * Accepted: little-endian, current-version ELF64 x86-64 and ELF32 i386 files of type ET_EXEC,
 * or ET_DYN without PT_INTERP (static-pie, placed so that its lowest page is USER_IMAGE_BASE),
 * whose segments all lie in user space and whose entry point is in an executable segment.
 */
int elf_parse(const void *data, size_t size, struct elf_image *out, const char **why);

#endif
