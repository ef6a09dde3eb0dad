/*
 * test_elf.c - kernel/exec/elf.c: elf_parse() on ELF images built in memory.
 *
 * A `struct spec` describes an image (header fields and program headers, class-independent);
 * build() lays it out as a real ELF64 or ELF32 file. The tests take a valid spec, break one
 * thing, and check the exact reason given. A randomized loop then corrupts valid images
 * thousands of times (fixed seed) and checks that whatever elf_parse accepts is sound.
 *
 * Every image is handed to elf_parse in a heap block of exactly its size, so AddressSanitizer
 * reports any read past the end.
 */
#include <stdlib.h>
#include <string.h>

#include "unit.h"

#include "elf.h"
#include "errno.h"
#include "memlayout.h"

/* ---- building images ---------------------------------------------------------------------- */

#define MAX_PH   24
#define FILE_MAX 0x4000

struct ph {
	u32 type, flags;
	u64 offset, vaddr, filesz, memsz, align;
};

struct spec {
	bool is32;
	u16 type, machine;
	u32 version;
	u64 entry, phoff;
	int phentsize;          /* -1: the right one for the class */
	int phnum;              /* -1: nph */
	unsigned nph;
	struct ph ph[MAX_PH];
	size_t size;            /* file size */
};

static void add_ph(struct spec *sp, u32 type, u32 flags, u64 offset, u64 vaddr, u64 filesz,
		   u64 memsz, u64 align)
{
	ck_assert_uint_lt(sp->nph, MAX_PH);
	sp->ph[sp->nph++] = (struct ph){ type, flags, offset, vaddr, filesz, memsz, align };
}

/* Find the i-th program header of a type (to modify it). */
static struct ph *find_ph(struct spec *sp, u32 type, unsigned nth)
{
	for (unsigned i = 0; i < sp->nph; i++) {
		if (sp->ph[i].type == type && nth-- == 0)
			return &sp->ph[i];
	}
	ck_abort_msg("no such program header");
	return NULL;
}

static void remove_ph(struct spec *sp, u32 type)
{
	struct ph *p = find_ph(sp, type, 0);
	unsigned i = (unsigned)(p - sp->ph);

	memmove(&sp->ph[i], &sp->ph[i + 1], (sp->nph - i - 1) * sizeof(sp->ph[0]));
	sp->nph--;
}

/*
 * A typical static executable: headers, text, data+bss, TLS, non-executable stack.
 * base is where the image starts (0 for a static-pie).
 */
static struct spec make_spec(bool is32, bool pie)
{
	u64 base = pie ? 0 : is32 ? 0x08048000 : 0x400000;
	u64 ehsize = is32 ? sizeof(Elf32_Ehdr) : sizeof(Elf64_Ehdr);
	u64 phsize = is32 ? sizeof(Elf32_Phdr) : sizeof(Elf64_Phdr);
	struct spec sp = {
		.is32 = is32, .type = pie ? ET_DYN : ET_EXEC, .machine = is32 ? EM_386 : EM_X86_64,
		.version = EV_CURRENT, .entry = base + 0x1000, .phoff = ehsize,
		.phentsize = -1, .phnum = -1, .size = 0x3000,
	};

	add_ph(&sp, PT_PHDR, PF_R, ehsize, base + ehsize, 6 * phsize, 6 * phsize, 8);
	add_ph(&sp, PT_LOAD, PF_R, 0, base, 0x400, 0x400, 0x1000);
	add_ph(&sp, PT_LOAD, PF_R | PF_X, 0x1000, base + 0x1000, 0x800, 0x800, 0x1000);
	add_ph(&sp, PT_LOAD, PF_R | PF_W, 0x2000, base + 0x2000, 0x100, 0x3000, 0x1000);
	add_ph(&sp, PT_TLS, PF_R, 0x2000, base + 0x2000, 0x10, 0x40, 8);
	add_ph(&sp, PT_GNU_STACK, PF_R | PF_W, 0, 0, 0, 0, 16);
	return sp;
}

/* Lay the spec out as an ELF file in out (FILE_MAX bytes); return its size. */
static size_t build(const struct spec *sp, u8 *out)
{
	u16 phentsize = sp->phentsize >= 0 ? (u16)sp->phentsize :
			sp->is32 ? sizeof(Elf32_Phdr) : sizeof(Elf64_Phdr);
	u16 phnum = sp->phnum >= 0 ? (u16)sp->phnum : (u16)sp->nph;
	size_t stride = sp->is32 ? sizeof(Elf32_Phdr) : sizeof(Elf64_Phdr);

	ck_assert_uint_le(sp->size, FILE_MAX);
	for (size_t i = 0; i < FILE_MAX; i++)
		out[i] = (u8)(i * 31 + 7);          /* "code and data" */

	if (sp->is32) {
		Elf32_Ehdr e = {
			.e_type = sp->type, .e_machine = sp->machine, .e_version = sp->version,
			.e_entry = (u32)sp->entry, .e_phoff = (u32)sp->phoff,
			.e_ehsize = sizeof(Elf32_Ehdr), .e_phentsize = phentsize, .e_phnum = phnum,
		};
		memcpy(e.e_ident, ELFMAG, SELFMAG);
		e.e_ident[EI_CLASS] = ELFCLASS32;
		e.e_ident[EI_DATA] = ELFDATA2LSB;
		e.e_ident[EI_VERSION] = EV_CURRENT;
		memcpy(out, &e, sizeof(e));
	} else {
		Elf64_Ehdr e = {
			.e_type = sp->type, .e_machine = sp->machine, .e_version = sp->version,
			.e_entry = sp->entry, .e_phoff = sp->phoff,
			.e_ehsize = sizeof(Elf64_Ehdr), .e_phentsize = phentsize, .e_phnum = phnum,
		};
		memcpy(e.e_ident, ELFMAG, SELFMAG);
		e.e_ident[EI_CLASS] = ELFCLASS64;
		e.e_ident[EI_DATA] = ELFDATA2LSB;
		e.e_ident[EI_VERSION] = EV_CURRENT;
		memcpy(out, &e, sizeof(e));
	}

	for (unsigned i = 0; i < sp->nph; i++) {
		const struct ph *p = &sp->ph[i];
		u64 at = sp->phoff + i * stride;

		if (at > FILE_MAX || FILE_MAX - at < stride)
			break;              /* a table placed off the end: nothing to write */
		if (sp->is32) {
			Elf32_Phdr h = { p->type, (u32)p->offset, (u32)p->vaddr, (u32)p->vaddr,
					 (u32)p->filesz, (u32)p->memsz, p->flags, (u32)p->align };
			memcpy(out + at, &h, sizeof(h));
		} else {
			Elf64_Phdr h = { p->type, p->flags, p->offset, p->vaddr, p->vaddr,
					 p->filesz, p->memsz, p->align };
			memcpy(out + at, &h, sizeof(h));
		}
	}
	return sp->size;
}

static u8 file[FILE_MAX];

/*
 * Run elf_parse on a heap copy of data[0..size) that ends exactly where the block ends, so
 * that ASan catches any read past it. With misalign, the copy starts at an odd address.
 */
static int parse_bytes(const u8 *data, size_t size, bool misalign, struct elf_image *img,
		       const char **why)
{
	size_t skip = misalign ? 1 : 0;
	u8 *block = malloc(size + skip ? size + skip : 1);
	int ret;

	if (size)
		memcpy(block + skip, data, size);
	ret = elf_parse(block + skip, size, img, why);
	free(block);
	return ret;
}

static int parse_spec(const struct spec *sp, struct elf_image *img, const char **why)
{
	size_t size = build(sp, file);

	return parse_bytes(file, size, false, img, why);
}

#define EXPECT_OK(sp, img) do {                                                        \
		const char *why_ = "untouched";                                        \
		int r_ = parse_spec(sp, img, &why_);                                   \
		ck_assert_msg(r_ == 0, "rejected: %s", why_ ? why_ : "(null)");        \
		ck_assert_ptr_null(why_);                                              \
	} while (0)

#define EXPECT_REJECT(sp, reason) do {                                                 \
		struct elf_image img_;                                                 \
		const char *why_ = NULL;                                               \
		ck_assert_int_eq(parse_spec(sp, &img_, &why_), -ENOEXEC);              \
		ck_assert_ptr_nonnull(why_);                                           \
		ck_assert_str_eq(why_, reason);                                        \
	} while (0)

/* ---- valid images ------------------------------------------------------------------------- */

START_TEST(test_valid_elf64)
{
	struct spec sp = make_spec(false, false);
	struct elf_image img;

	EXPECT_OK(&sp, &img);
	ck_assert(!img.is32 && !img.pie);
	ck_assert_uint_eq(img.entry, 0x401000);
	ck_assert_uint_eq(img.load_bias, 0);
	ck_assert_uint_eq(img.nsegs, 3);
	ck_assert_uint_eq(img.segs[0].vaddr, 0x400000);
	ck_assert_uint_eq(img.segs[0].flags, PF_R);
	ck_assert_uint_eq(img.segs[1].vaddr, 0x401000);
	ck_assert_uint_eq(img.segs[1].offset, 0x1000);
	ck_assert_uint_eq(img.segs[1].filesz, 0x800);
	ck_assert_uint_eq(img.segs[1].flags, PF_R | PF_X);
	ck_assert_uint_eq(img.segs[2].vaddr, 0x402000);
	ck_assert_uint_eq(img.segs[2].filesz, 0x100);
	ck_assert_uint_eq(img.segs[2].memsz, 0x3000);
	ck_assert_uint_eq(img.segs[2].flags, PF_R | PF_W);
	ck_assert_uint_eq(img.lowest, 0x400000);
	ck_assert_uint_eq(img.highest, 0x405000);
	ck_assert_uint_eq(img.phdr, 0x400040);
	ck_assert_uint_eq(img.phnum, 6);
	ck_assert_uint_eq(img.phentsize, sizeof(Elf64_Phdr));
	ck_assert(img.has_tls);
	ck_assert_uint_eq(img.tls.vaddr, 0x402000);
	ck_assert_uint_eq(img.tls.filesz, 0x10);
	ck_assert_uint_eq(img.tls.memsz, 0x40);
	ck_assert_uint_eq(img.tls.align, 8);
	ck_assert(!img.exec_stack);

	/* why may be NULL. */
	build(&sp, file);
	ck_assert_int_eq(elf_parse(file, sp.size, &img, NULL), 0);
}
END_TEST

START_TEST(test_valid_elf32)
{
	struct spec sp = make_spec(true, false);
	struct elf_image img;

	EXPECT_OK(&sp, &img);
	ck_assert(img.is32 && !img.pie);
	ck_assert_uint_eq(img.entry, 0x08049000);
	ck_assert_uint_eq(img.nsegs, 3);
	ck_assert_uint_eq(img.lowest, 0x08048000);
	ck_assert_uint_eq(img.highest, 0x0804d000);
	ck_assert_uint_eq(img.phdr, 0x08048034);
	ck_assert_uint_eq(img.phentsize, sizeof(Elf32_Phdr));
	ck_assert(img.has_tls);
	ck_assert_uint_eq(img.tls.vaddr, 0x0804a000);
}
END_TEST

START_TEST(test_valid_static_pie)
{
	struct spec sp = make_spec(false, true);
	struct elf_image img;

	EXPECT_OK(&sp, &img);
	ck_assert(img.pie);
	ck_assert_uint_eq(img.load_bias, USER_IMAGE_BASE);
	ck_assert_uint_eq(img.lowest, USER_IMAGE_BASE);
	ck_assert_uint_eq(img.entry, USER_IMAGE_BASE + 0x1000);
	ck_assert_uint_eq(img.segs[1].vaddr, USER_IMAGE_BASE + 0x1000);
	ck_assert_uint_eq(img.segs[1].offset, 0x1000);        /* offsets are not biased */
	ck_assert_uint_eq(img.phdr, USER_IMAGE_BASE + 0x40);
	ck_assert_uint_eq(img.tls.vaddr, USER_IMAGE_BASE + 0x2000);

	/* Linked high: the bias is negative (modulo 2^64), the result the same. */
	for (unsigned i = 0; i < sp.nph; i++)
		if (sp.ph[i].type != PT_GNU_STACK)
			sp.ph[i].vaddr += 0x10000000;
	sp.entry += 0x10000000;
	EXPECT_OK(&sp, &img);
	ck_assert_uint_eq(img.load_bias, USER_IMAGE_BASE - 0x10000000);
	ck_assert_uint_eq(img.entry, USER_IMAGE_BASE + 0x1000);
	ck_assert_uint_eq(img.phdr, USER_IMAGE_BASE + 0x40);

	/* A lowest segment that does not start on a page: its page lands at the base. */
	sp = make_spec(false, true);
	find_ph(&sp, PT_LOAD, 0)->vaddr = 0x123;
	find_ph(&sp, PT_LOAD, 0)->offset = 0x123;
	find_ph(&sp, PT_LOAD, 0)->filesz = 0x100;
	find_ph(&sp, PT_LOAD, 0)->memsz = 0x100;
	remove_ph(&sp, PT_PHDR);
	sp.phnum = -1;
	EXPECT_OK(&sp, &img);
	ck_assert_uint_eq(img.lowest, USER_IMAGE_BASE + 0x123);
	ck_assert_uint_eq(img.load_bias, USER_IMAGE_BASE);
	ck_assert_uint_eq(img.phdr, 0);      /* headers at offset 64 are not in any segment */

	/* 32-bit static-pie. */
	sp = make_spec(true, true);
	EXPECT_OK(&sp, &img);
	ck_assert(img.is32 && img.pie);
	ck_assert_uint_eq(img.entry, USER_IMAGE_BASE + 0x1000);
}
END_TEST

START_TEST(test_valid_variants)
{
	struct spec sp;
	struct elf_image img;

	/* No PT_PHDR: found through the segment that maps e_phoff. */
	sp = make_spec(false, false);
	remove_ph(&sp, PT_PHDR);
	EXPECT_OK(&sp, &img);
	ck_assert_uint_eq(img.phdr, 0x400040);
	ck_assert_uint_eq(img.phnum, 5);

	/* Program headers in no segment: AT_PHDR 0. */
	find_ph(&sp, PT_LOAD, 0)->offset = 0x400;
	find_ph(&sp, PT_LOAD, 0)->vaddr = 0x400400;
	EXPECT_OK(&sp, &img);
	ck_assert_uint_eq(img.phdr, 0);

	/* Executable stack, no TLS. */
	sp = make_spec(false, false);
	find_ph(&sp, PT_GNU_STACK, 0)->flags = PF_R | PF_W | PF_X;
	remove_ph(&sp, PT_TLS);
	find_ph(&sp, PT_PHDR, 0)->memsz = 5 * sizeof(Elf64_Phdr);
	EXPECT_OK(&sp, &img);
	ck_assert(img.exec_stack);
	ck_assert(!img.has_tls);

	/* No PT_GNU_STACK: not executable. */
	remove_ph(&sp, PT_GNU_STACK);
	EXPECT_OK(&sp, &img);
	ck_assert(!img.exec_stack);

	/* PT_LOADs out of order in the file come out sorted; empty ones are skipped. */
	sp = make_spec(false, false);
	struct ph tmp = *find_ph(&sp, PT_LOAD, 0);
	*find_ph(&sp, PT_LOAD, 0) = *find_ph(&sp, PT_LOAD, 2);
	*find_ph(&sp, PT_LOAD, 2) = tmp;
	add_ph(&sp, PT_LOAD, PF_R, 0, 0, 0, 0, 0);          /* at address 0, but empty */
	EXPECT_OK(&sp, &img);
	ck_assert_uint_eq(img.nsegs, 3);
	ck_assert(img.segs[0].vaddr < img.segs[1].vaddr && img.segs[1].vaddr < img.segs[2].vaddr);

	/* Segments may share a page as long as their bytes do not overlap. */
	sp = make_spec(false, false);
	add_ph(&sp, PT_LOAD, PF_R, 0x2800, 0x401800, 0x10, 0x800, 0x1000);
	EXPECT_OK(&sp, &img);
	ck_assert_uint_eq(img.nsegs, 4);

	/* p_align 0, 1 and large powers of two are all fine. */
	sp = make_spec(false, false);
	find_ph(&sp, PT_LOAD, 0)->align = 0;
	find_ph(&sp, PT_LOAD, 1)->align = 1;
	find_ph(&sp, PT_LOAD, 2)->align = 0x200000;
	EXPECT_OK(&sp, &img);

	/* A segment ending exactly at the top of user space; TLS outside segments if empty. */
	sp = make_spec(false, false);
	add_ph(&sp, PT_LOAD, PF_R, 0x1000, USER_TOP - 0x1000, 0x100, 0x1000, 0x1000);
	find_ph(&sp, PT_TLS, 0)->filesz = 0;
	find_ph(&sp, PT_TLS, 0)->vaddr = 0x10;
	EXPECT_OK(&sp, &img);
	ck_assert_uint_eq(img.highest, USER_TOP);

	sp = make_spec(true, false);
	add_ph(&sp, PT_LOAD, PF_R, 0x1000, USER_TOP32 - 0x1000, 0x100, 0x1000, 0x1000);
	EXPECT_OK(&sp, &img);
	ck_assert_uint_eq(img.highest, USER_TOP32);

	/* Sixteen PT_LOADs, the most allowed. */
	sp = make_spec(false, false);
	sp.nph = 0;
	for (unsigned i = 0; i < ELF_MAX_SEGS; i++)
		add_ph(&sp, PT_LOAD, PF_R | PF_X, 0, 0x400000 + i * 0x1000, 0x100, 0x1000, 0x1000);
	sp.entry = 0x400000;
	EXPECT_OK(&sp, &img);
	ck_assert_uint_eq(img.nsegs, ELF_MAX_SEGS);
	ck_assert_uint_eq(img.highest, 0x410000);
}
END_TEST

START_TEST(test_misaligned_buffer)
{
	struct spec sp = make_spec(false, false);
	struct elf_image img;
	const char *why;
	size_t size = build(&sp, file);

	/* Headers are copied out, never read in place: any address works (UBSan checks). */
	ck_assert_int_eq(parse_bytes(file, size, true, &img, &why), 0);
	ck_assert_uint_eq(img.entry, 0x401000);
}
END_TEST

/* ---- rejections: the ELF header ----------------------------------------------------------- */

START_TEST(test_reject_header)
{
	struct spec sp = make_spec(false, false);
	struct elf_image img;
	const char *why;
	size_t size = build(&sp, file);

	ck_assert_int_eq(parse_bytes(file, 0, false, &img, &why), -ENOEXEC);
	ck_assert_str_eq(why, "file too short for an ELF header");
	ck_assert_int_eq(parse_bytes(file, 15, false, &img, &why), -ENOEXEC);
	ck_assert_str_eq(why, "file too short for an ELF header");
	ck_assert_int_eq(parse_bytes(file, 63, false, &img, &why), -ENOEXEC);
	ck_assert_str_eq(why, "file too short for its ELF header");

	static const struct { size_t at; u8 value; const char *why; } ident[] = {
		{ 0, 0x7e, "not an ELF file (bad magic number)" },
		{ 3, 'f', "not an ELF file (bad magic number)" },
		{ EI_CLASS, 0, "bad ELF class (neither 32-bit nor 64-bit)" },
		{ EI_CLASS, 3, "bad ELF class (neither 32-bit nor 64-bit)" },
		{ EI_DATA, 2, "not a little-endian ELF file" },
		{ EI_DATA, 0, "not a little-endian ELF file" },
		{ EI_VERSION, 0, "bad ELF version in e_ident" },
		{ EI_VERSION, 2, "bad ELF version in e_ident" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(ident); i++) {
		u8 saved = file[ident[i].at];

		file[ident[i].at] = ident[i].value;
		ck_assert_int_eq(parse_bytes(file, size, false, &img, &why), -ENOEXEC);
		ck_assert_str_eq(why, ident[i].why);
		file[ident[i].at] = saved;
	}

	/* ELF32 one byte short of its 52-byte header. */
	sp = make_spec(true, false);
	size = build(&sp, file);
	ck_assert_int_eq(parse_bytes(file, 51, false, &img, &why), -ENOEXEC);
	ck_assert_str_eq(why, "file too short for its ELF header");
}
END_TEST

START_TEST(test_reject_header_fields)
{
	for (int is32 = 0; is32 <= 1; is32++) {
		struct spec sp;

		sp = make_spec(is32, false);
		sp.version = 0;
		EXPECT_REJECT(&sp, "bad ELF version in e_version");

		sp = make_spec(is32, false);
		sp.type = ET_REL;
		EXPECT_REJECT(&sp, "not an executable (e_type is neither ET_EXEC nor ET_DYN)");
		sp.type = ET_CORE;
		EXPECT_REJECT(&sp, "not an executable (e_type is neither ET_EXEC nor ET_DYN)");

		sp = make_spec(is32, false);
		sp.machine = is32 ? EM_X86_64 : EM_386;
		EXPECT_REJECT(&sp, is32 ? "ELF32 file is not for i386 (e_machine)"
					: "ELF64 file is not for x86-64 (e_machine)");

		sp = make_spec(is32, false);
		sp.phentsize = is32 ? sizeof(Elf64_Phdr) : sizeof(Elf32_Phdr);
		EXPECT_REJECT(&sp, "e_phentsize is not the size of a program header of this class");
		sp.phentsize = 0;
		EXPECT_REJECT(&sp, "e_phentsize is not the size of a program header of this class");

		sp = make_spec(is32, false);
		sp.phnum = 0;
		EXPECT_REJECT(&sp, "no program headers");

		sp = make_spec(is32, false);
		sp.phoff = sp.size - 10;
		EXPECT_REJECT(&sp, "program headers beyond the end of the file");
		sp.phoff = sp.size + 1;
		EXPECT_REJECT(&sp, "program headers beyond the end of the file");
		sp.phoff = is32 ? 0xffffffff : UINT64_MAX;
		EXPECT_REJECT(&sp, "program headers beyond the end of the file");
		sp = make_spec(is32, false);
		sp.phnum = 0xffff;
		EXPECT_REJECT(&sp, "program headers beyond the end of the file");
	}
}
END_TEST

/* ---- rejections: program headers ---------------------------------------------------------- */

START_TEST(test_reject_interp)
{
	struct spec sp = make_spec(false, false);

	add_ph(&sp, PT_INTERP, PF_R, 0x300, 0x400300, 28, 28, 1);
	EXPECT_REJECT(&sp, "dynamically linked (has PT_INTERP); only static executables run here");

	/* An ordinary (dynamic) PIE. */
	sp = make_spec(false, true);
	add_ph(&sp, PT_INTERP, PF_R, 0x300, 0x300, 28, 28, 1);
	EXPECT_REJECT(&sp, "dynamically linked (has PT_INTERP); only static executables run here");
}
END_TEST

START_TEST(test_reject_load_count)
{
	struct spec sp = make_spec(false, false);

	/* No PT_LOAD at all, or only empty ones. */
	sp.nph = 0;
	add_ph(&sp, PT_GNU_STACK, PF_R | PF_W, 0, 0, 0, 0, 16);
	EXPECT_REJECT(&sp, "no PT_LOAD segment with a size");
	add_ph(&sp, PT_LOAD, PF_R | PF_X, 0, 0x400000, 0, 0, 0x1000);
	EXPECT_REJECT(&sp, "no PT_LOAD segment with a size");

	/* Seventeen. */
	sp.nph = 0;
	for (unsigned i = 0; i <= ELF_MAX_SEGS; i++)
		add_ph(&sp, PT_LOAD, PF_R | PF_X, 0, 0x400000 + i * 0x1000, 0x100, 0x1000, 0x1000);
	sp.entry = 0x400000;
	EXPECT_REJECT(&sp, "more than 16 PT_LOAD segments");
}
END_TEST

START_TEST(test_reject_load_fields)
{
	for (int is32 = 0; is32 <= 1; is32++) {
		struct spec sp;
		u64 base = is32 ? 0x08048000 : 0x400000;

		sp = make_spec(is32, false);
		find_ph(&sp, PT_LOAD, 1)->filesz = 0x801;
		EXPECT_REJECT(&sp, "PT_LOAD segment has p_filesz larger than p_memsz");

		sp = make_spec(is32, false);
		find_ph(&sp, PT_LOAD, 2)->filesz = 0x1001;          /* 0x2000 + 0x1001 > 0x3000 */
		EXPECT_REJECT(&sp, "PT_LOAD segment data beyond the end of the file");
		sp = make_spec(is32, false);
		find_ph(&sp, PT_LOAD, 2)->offset = 0x3000 + 0x2000; /* past the end, congruent */
		find_ph(&sp, PT_LOAD, 2)->filesz = 0;
		EXPECT_REJECT(&sp, "PT_LOAD segment data beyond the end of the file");
		sp = make_spec(is32, false);
		find_ph(&sp, PT_LOAD, 2)->offset = is32 ? 0xfffff000 : 0xfffffffffffff000;
		find_ph(&sp, PT_LOAD, 2)->filesz = 0x2000;          /* a huge offset */
		EXPECT_REJECT(&sp, "PT_LOAD segment data beyond the end of the file");

		sp = make_spec(is32, false);
		find_ph(&sp, PT_LOAD, 1)->align = 3;
		EXPECT_REJECT(&sp, "PT_LOAD segment p_align is not a power of two");
		find_ph(&sp, PT_LOAD, 1)->align = 0x1800;
		EXPECT_REJECT(&sp, "PT_LOAD segment p_align is not a power of two");

		sp = make_spec(is32, false);
		find_ph(&sp, PT_LOAD, 1)->offset = 0x1100;
		EXPECT_REJECT(&sp, "PT_LOAD segment p_vaddr and p_offset differ modulo the page size");

		/* Overlapping bytes (one byte is enough). */
		sp = make_spec(is32, false);
		add_ph(&sp, PT_LOAD, PF_R, 0x27ff, base + 0x17ff, 0x10, 0x10, 0x1000);
		EXPECT_REJECT(&sp, "PT_LOAD segments overlap");
		sp = make_spec(is32, false);
		add_ph(&sp, PT_LOAD, PF_R, 0x1000, base + 0x1000, 0x10, 0x10, 0x1000);
		EXPECT_REJECT(&sp, "PT_LOAD segments overlap");

		/* User space bounds. */
		sp = make_spec(is32, false);
		add_ph(&sp, PT_LOAD, PF_R, 0, 0, 0x10, 0x10, 0x1000);
		EXPECT_REJECT(&sp, "PT_LOAD segment below the lowest user address");
		sp = make_spec(is32, false);
		add_ph(&sp, PT_LOAD, PF_R, 0xff0, 0xff0, 0x10, 0x10, 0x1000);   /* ends at 0x1000 */
		EXPECT_REJECT(&sp, "PT_LOAD segment below the lowest user address");
	}

	/* Beyond the top, 64-bit. */
	struct spec sp = make_spec(false, false);
	add_ph(&sp, PT_LOAD, PF_R, 0x1000, USER_TOP - 0x1000, 0x10, 0x1001, 0x1000);
	EXPECT_REJECT(&sp, "PT_LOAD segment beyond the top of user space");
	sp = make_spec(false, false);
	add_ph(&sp, PT_LOAD, PF_R, 0x1000, 0xffff800000000000, 0x10, 0x10, 0x1000);
	EXPECT_REJECT(&sp, "PT_LOAD segment beyond the top of user space");
	sp = make_spec(false, false);
	add_ph(&sp, PT_LOAD, PF_R, 0x1000, KERNEL_VIRT_BASE, 0x10, 0x10, 0x1000);
	EXPECT_REJECT(&sp, "PT_LOAD segment beyond the top of user space");
	sp = make_spec(false, false);
	add_ph(&sp, PT_LOAD, PF_R, 0x1000, 0xfffffffffffff000, 0x10, 0x2000, 0x1000);
	EXPECT_REJECT(&sp, "PT_LOAD segment address range wraps around");

	/* Beyond the top, 32-bit: USER_TOP32, and a 32-bit range that would wrap. */
	sp = make_spec(true, false);
	add_ph(&sp, PT_LOAD, PF_R, 0x1000, USER_TOP32 - 0x1000, 0x10, 0x1001, 0x1000);
	EXPECT_REJECT(&sp, "PT_LOAD segment beyond the top of user space");
	sp = make_spec(true, false);
	add_ph(&sp, PT_LOAD, PF_R, 0x1000, 0xfffff000, 0x10, 0x2000, 0x1000);
	EXPECT_REJECT(&sp, "PT_LOAD segment beyond the top of user space");

	/* A static-pie too big to fit above USER_IMAGE_BASE. */
	sp = make_spec(false, true);
	find_ph(&sp, PT_LOAD, 2)->memsz = USER_TOP - USER_IMAGE_BASE - 0x1000;
	EXPECT_REJECT(&sp, "PT_LOAD segment beyond the top of user space");
	sp = make_spec(true, true);
	find_ph(&sp, PT_LOAD, 2)->memsz = USER_TOP32 - USER_IMAGE_BASE - 0x1000;
	EXPECT_REJECT(&sp, "PT_LOAD segment beyond the top of user space");
}
END_TEST

START_TEST(test_reject_entry)
{
	for (int is32 = 0; is32 <= 1; is32++) {
		struct spec sp = make_spec(is32, false);
		u64 base = is32 ? 0x08048000 : 0x400000;
		struct elf_image img;

		sp.entry = base + 0x10;                           /* readable, not executable */
		EXPECT_REJECT(&sp, "entry point is not inside an executable segment");
		sp.entry = base + 0x1800;                         /* just past the text */
		EXPECT_REJECT(&sp, "entry point is not inside an executable segment");
		sp.entry = 0;
		EXPECT_REJECT(&sp, "entry point is not inside an executable segment");
		sp.entry = base + 0x17ff;                         /* last text byte: fine */
		EXPECT_OK(&sp, &img);

		/* static-pie: an entry below the image wraps around after biasing. */
		sp = make_spec(is32, true);
		find_ph(&sp, PT_LOAD, 0)->vaddr = 0x10000000;
		find_ph(&sp, PT_LOAD, 1)->vaddr = 0x10001000;
		find_ph(&sp, PT_LOAD, 2)->vaddr = 0x10002000;
		find_ph(&sp, PT_PHDR, 0)->vaddr = 0x10000000 + sp.phoff;
		find_ph(&sp, PT_TLS, 0)->vaddr = 0x10002000;
		sp.entry = 0x1000;
		EXPECT_REJECT(&sp, "entry point is not inside an executable segment");
	}
}
END_TEST

START_TEST(test_reject_phdr_and_tls)
{
	struct spec sp;

	sp = make_spec(false, false);
	find_ph(&sp, PT_PHDR, 0)->vaddr = 0x300000;
	EXPECT_REJECT(&sp, "PT_PHDR is not inside a PT_LOAD segment");
	sp = make_spec(false, false);
	find_ph(&sp, PT_PHDR, 0)->vaddr = 0x400400 - 8;   /* runs off the end of the segment */
	EXPECT_REJECT(&sp, "PT_PHDR is not inside a PT_LOAD segment");
	sp = make_spec(false, false);
	add_ph(&sp, PT_PHDR, PF_R, 64, 0x400040, 56, 56, 8);
	EXPECT_REJECT(&sp, "more than one PT_PHDR");

	sp = make_spec(false, false);
	add_ph(&sp, PT_TLS, PF_R, 0x2000, 0x402000, 0x10, 0x40, 8);
	EXPECT_REJECT(&sp, "more than one PT_TLS");
	sp = make_spec(false, false);
	find_ph(&sp, PT_TLS, 0)->filesz = 0x41;
	EXPECT_REJECT(&sp, "PT_TLS has p_filesz larger than p_memsz");
	sp = make_spec(false, false);
	find_ph(&sp, PT_TLS, 0)->align = 12;
	EXPECT_REJECT(&sp, "PT_TLS p_align is not a power of two");
	sp = make_spec(false, false);
	find_ph(&sp, PT_TLS, 0)->memsz = USER_TOP + 1;
	EXPECT_REJECT(&sp, "PT_TLS is larger than user space");
	sp = make_spec(false, false);
	find_ph(&sp, PT_TLS, 0)->vaddr = 0x300000;
	EXPECT_REJECT(&sp, "PT_TLS initialization image is not inside a PT_LOAD segment");
	sp = make_spec(false, false);
	find_ph(&sp, PT_TLS, 0)->vaddr = 0x405000 - 8;    /* image runs past the end */
	EXPECT_REJECT(&sp, "PT_TLS initialization image is not inside a PT_LOAD segment");
}
END_TEST

/* ---- randomized corruption ---------------------------------------------------------------- */

/* Everything an accepted image promises (elf.h). */
static void check_invariants(const struct elf_image *img, size_t size)
{
	u64 top = img->is32 ? USER_TOP32 : USER_TOP;
	bool entry_ok = false;

	ck_assert_uint_ge(img->nsegs, 1);
	ck_assert_uint_le(img->nsegs, ELF_MAX_SEGS);
	for (unsigned i = 0; i < img->nsegs; i++) {
		const struct elf_segment *s = &img->segs[i];

		ck_assert_uint_gt(s->memsz, 0);
		ck_assert_uint_le(s->filesz, s->memsz);
		ck_assert_uint_le(s->offset, size);
		ck_assert_uint_le(s->filesz, size - s->offset);
		ck_assert_uint_ge(s->vaddr, USER_BASE);
		ck_assert_uint_le(s->vaddr, top);
		ck_assert_uint_le(s->memsz, top - s->vaddr);
		ck_assert_uint_eq(s->vaddr % PAGE_SIZE, s->offset % PAGE_SIZE);
		ck_assert_uint_eq(s->flags & ~(u32)(PF_R | PF_W | PF_X), 0);
		if (i > 0)
			ck_assert_uint_ge(s->vaddr, img->segs[i - 1].vaddr + img->segs[i - 1].memsz);
		if ((s->flags & PF_X) && img->entry >= s->vaddr && img->entry - s->vaddr < s->memsz)
			entry_ok = true;
	}
	ck_assert_msg(entry_ok, "entry %#llx not in an executable segment",
		      (unsigned long long)img->entry);
	ck_assert_uint_eq(img->lowest, img->segs[0].vaddr);
	ck_assert_uint_eq(img->highest, img->segs[img->nsegs - 1].vaddr +
					img->segs[img->nsegs - 1].memsz);
	if (!img->pie)
		ck_assert_uint_eq(img->load_bias, 0);
	else
		ck_assert_uint_eq(img->lowest & ~(PAGE_SIZE - 1), USER_IMAGE_BASE);
	if (img->phdr) {
		ck_assert_uint_ge(img->phdr, img->lowest);
		ck_assert_uint_le(img->phdr, img->highest);
	}
	if (img->has_tls)
		ck_assert_uint_le(img->tls.filesz, img->tls.memsz);
}

static const u32 types[] = {
	PT_NULL, PT_LOAD, PT_DYNAMIC, PT_INTERP, PT_NOTE, PT_PHDR, PT_TLS, PT_GNU_STACK,
	PT_GNU_RELRO, 0x12345678,
};

static const u64 interesting[] = {
	0, 1, 2, 7, 8, 0x10, 0x40, 0xfff, 0x1000, 0x1001, 0x2000, 0x3000, 0x3001, 0x3fffff,
	0x400000, 0x401000, 0x402000, 0x08048000, 0x08049000, USER_TOP32 - 0x1000, USER_TOP32,
	0xffffffff, 0x100000000, USER_TOP - 0x1000, USER_TOP, 0x7fffffffffffffff,
	0x8000000000000000, 0xfffffffffffff000, UINT64_MAX,
};

static u64 random_value(uint64_t *seed, u64 current)
{
	switch (unit_rand_below(seed, 4)) {
	case 0:
		return interesting[unit_rand_below(seed, ARRAY_SIZE(interesting))];
	case 1:
		return current + unit_rand_below(seed, 0x2001) - 0x1000;   /* nearby */
	case 2:
		return current ^ (1ULL << unit_rand_below(seed, 64));      /* one bit */
	default:
		return unit_rand(seed);
	}
}

/* Change one thing in the spec. */
static void mutate_spec(struct spec *sp, uint64_t *seed)
{
	struct ph *p = &sp->ph[unit_rand_below(seed, sp->nph)];

	switch (unit_rand_below(seed, 14)) {
	case 0: p->type = types[unit_rand_below(seed, ARRAY_SIZE(types))]; break;
	case 1: p->flags = (u32)unit_rand_below(seed, 8); break;
	case 2: p->offset = random_value(seed, p->offset); break;
	case 3: p->vaddr = random_value(seed, p->vaddr); break;
	case 4: p->filesz = random_value(seed, p->filesz); break;
	case 5: p->memsz = random_value(seed, p->memsz); break;
	case 6: p->align = random_value(seed, p->align); break;
	case 7: sp->entry = random_value(seed, sp->entry); break;
	case 8: sp->phoff = random_value(seed, sp->phoff); break;
	case 9: sp->phnum = (int)unit_rand_below(seed, MAX_PH + 2); break;
	case 10: sp->size = unit_rand_below(seed, sp->size + 1); break;
	case 11:
		if (sp->nph < MAX_PH)
			sp->ph[sp->nph++] = *p;            /* a duplicate header */
		break;
	case 12: sp->type = unit_rand_below(seed, 2) ? ET_DYN : ET_EXEC; break;
	default: {
		/* Move a segment somewhere else, keeping it page-congruent. */
		u64 v = random_value(seed, p->vaddr);

		p->vaddr = (v & ~(PAGE_SIZE - 1)) | (p->offset & (PAGE_SIZE - 1));
		break;
	}
	}
}

START_TEST(test_random_corruption)
{
	uint64_t seed = 0xe1f0e1f0e1f0ULL;
	unsigned accepted = 0, rejected = 0;
	static const char *reasons[64];
	unsigned nreasons = 0;

	for (int round = 0; round < 30000; round++) {
		struct spec sp = make_spec(unit_rand_below(&seed, 2), unit_rand_below(&seed, 3) == 0);
		unsigned mutations = 1 + (unsigned)unit_rand_below(&seed, 3);
		struct elf_image img, again;
		const char *why = "untouched", *why2;
		size_t size;
		int ret;

		for (unsigned m = 0; m < mutations; m++)
			mutate_spec(&sp, &seed);
		size = build(&sp, file);

		/* Sometimes also flip random bits in the header area. */
		if (unit_rand_below(&seed, 4) == 0) {
			size_t area = MIN(size, (size_t)0x400);

			for (int k = 0; area && k < 3; k++)
				file[unit_rand_below(&seed, area)] ^= (u8)(1u << unit_rand_below(&seed, 8));
		}

		ret = parse_bytes(file, size, round & 1, &img, &why);
		if (ret == 0) {
			accepted++;
			ck_assert_ptr_null(why);
			check_invariants(&img, size);
			/* Deterministic: the same bytes give the same answer. */
			ck_assert_int_eq(parse_bytes(file, size, false, &again, &why2), 0);
			ck_assert_int_eq(memcmp(&img, &again, sizeof(img)), 0);
		} else {
			rejected++;
			ck_assert_int_eq(ret, -ENOEXEC);
			ck_assert_ptr_nonnull(why);
			ck_assert_uint_gt(strlen(why), 10);
			bool known = false;
			for (unsigned i = 0; i < nreasons; i++)
				known |= reasons[i] == why;
			if (!known && nreasons < ARRAY_SIZE(reasons))
				reasons[nreasons++] = why;
		}
	}

	/* The loop must exercise both sides, and many different checks. */
	ck_assert_msg(accepted > 3000, "only %u images accepted", accepted);
	ck_assert_msg(rejected > 3000, "only %u images rejected", rejected);
	ck_assert_msg(nreasons >= 20, "only %u different reasons seen", nreasons);
}
END_TEST

Suite *unit_suite(void)
{
	Suite *s = suite_create("elf");
	TCase *ok = tcase_create("valid");
	TCase *bad = tcase_create("rejected");
	TCase *fuzz = tcase_create("random");

	tcase_add_test(ok, test_valid_elf64);
	tcase_add_test(ok, test_valid_elf32);
	tcase_add_test(ok, test_valid_static_pie);
	tcase_add_test(ok, test_valid_variants);
	tcase_add_test(ok, test_misaligned_buffer);
	suite_add_tcase(s, ok);

	tcase_add_test(bad, test_reject_header);
	tcase_add_test(bad, test_reject_header_fields);
	tcase_add_test(bad, test_reject_interp);
	tcase_add_test(bad, test_reject_load_count);
	tcase_add_test(bad, test_reject_load_fields);
	tcase_add_test(bad, test_reject_entry);
	tcase_add_test(bad, test_reject_phdr_and_tls);
	suite_add_tcase(s, bad);

	tcase_set_timeout(fuzz, 300);
	tcase_add_test(fuzz, test_random_corruption);
	suite_add_tcase(s, fuzz);
	return s;
}
