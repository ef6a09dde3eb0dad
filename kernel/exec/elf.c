/*
 * elf.c - validate a static ELF executable before anything is mapped (see elf.h).
 *
 * The file comes from user space or a boot module and may be anything, so every field is
 * checked before it is used, and every sum that could wrap around is checked first. Headers
 * are copied out with memcpy: the data need not be aligned.
 *
 * The two ELF classes are read into one 64-bit form (struct ehdr, struct phdr) right away;
 * the checks after that are the same for both, with a different top of user space.
 */
#include "elf.h"
#include "errno.h"
#include "memlayout.h"
#include "string.h"

/* The fields we use, of either class, widened to 64 bits. */
struct ehdr {
	u16 type, machine;
	u32 version;
	u64 entry, phoff;
	u16 phentsize, phnum;
};

struct phdr {
	u32 type, flags;
	u64 offset, vaddr, filesz, memsz, align;
};

static int fail(const char **why, const char *msg)
{
	if (why)
		*why = msg;
	return -ENOEXEC;
}

/* 0 and 1 both mean "no alignment" (ELF specification); otherwise a power of two. */
static bool align_ok(u64 align)
{
	return (align & (align - 1)) == 0;
}

static void read_ehdr(const u8 *file, bool is32, struct ehdr *eh)
{
	if (is32) {
		Elf32_Ehdr e;

		memcpy(&e, file, sizeof(e));
		*eh = (struct ehdr){ e.e_type, e.e_machine, e.e_version, e.e_entry, e.e_phoff,
				     e.e_phentsize, e.e_phnum };
	} else {
		Elf64_Ehdr e;

		memcpy(&e, file, sizeof(e));
		*eh = (struct ehdr){ e.e_type, e.e_machine, e.e_version, e.e_entry, e.e_phoff,
				     e.e_phentsize, e.e_phnum };
	}
}

static void read_phdr(const u8 *p, bool is32, struct phdr *ph)
{
	if (is32) {
		Elf32_Phdr h;

		memcpy(&h, p, sizeof(h));
		*ph = (struct phdr){ h.p_type, h.p_flags, h.p_offset, h.p_vaddr, h.p_filesz,
				     h.p_memsz, h.p_align };
	} else {
		Elf64_Phdr h;

		memcpy(&h, p, sizeof(h));
		*ph = (struct phdr){ h.p_type, h.p_flags, h.p_offset, h.p_vaddr, h.p_filesz,
				     h.p_memsz, h.p_align };
	}
}

/* Does [addr, addr + len) lie inside segment s? Written so that nothing can wrap around. */
static bool seg_contains(const struct elf_segment *s, u64 addr, u64 len)
{
	return addr >= s->vaddr && addr - s->vaddr <= s->memsz && len <= s->memsz - (addr - s->vaddr);
}

/* Checks of the ELF header. On success, fills *eh and says whether the file is ELF32. */
static int check_ehdr(const u8 *file, size_t size, struct ehdr *eh, bool *is32, const char **why)
{
	if (size < EI_NIDENT)
		return fail(why, "file too short for an ELF header");
	if (memcmp(file, ELFMAG, SELFMAG) != 0)
		return fail(why, "not an ELF file (bad magic number)");
	if (file[EI_CLASS] != ELFCLASS32 && file[EI_CLASS] != ELFCLASS64)
		return fail(why, "bad ELF class (neither 32-bit nor 64-bit)");
	if (file[EI_DATA] != ELFDATA2LSB)
		return fail(why, "not a little-endian ELF file");
	if (file[EI_VERSION] != EV_CURRENT)
		return fail(why, "bad ELF version in e_ident");

	*is32 = file[EI_CLASS] == ELFCLASS32;
	if (size < (*is32 ? sizeof(Elf32_Ehdr) : sizeof(Elf64_Ehdr)))
		return fail(why, "file too short for its ELF header");
	read_ehdr(file, *is32, eh);

	if (eh->version != EV_CURRENT)
		return fail(why, "bad ELF version in e_version");
	if (eh->type != ET_EXEC && eh->type != ET_DYN)
		return fail(why, "not an executable (e_type is neither ET_EXEC nor ET_DYN)");
	if (*is32 && eh->machine != EM_386)
		return fail(why, "ELF32 file is not for i386 (e_machine)");
	if (!*is32 && eh->machine != EM_X86_64)
		return fail(why, "ELF64 file is not for x86-64 (e_machine)");
	if (eh->phentsize != (*is32 ? sizeof(Elf32_Phdr) : sizeof(Elf64_Phdr)))
		return fail(why, "e_phentsize is not the size of a program header of this class");
	if (eh->phnum == 0)
		return fail(why, "no program headers");
	/* phnum * phentsize is at most 65535 * 56: it cannot overflow. */
	if (eh->phoff > size || (u64)eh->phnum * eh->phentsize > size - eh->phoff)
		return fail(why, "program headers beyond the end of the file");
	return 0;
}

/* Checks of one PT_LOAD header, in file terms (before the load bias). */
static int check_load(const struct phdr *ph, size_t size, const char **why)
{
	if (ph->filesz > ph->memsz)
		return fail(why, "PT_LOAD segment has p_filesz larger than p_memsz");
	if (ph->offset > size || ph->filesz > size - ph->offset)
		return fail(why, "PT_LOAD segment data beyond the end of the file");
	if (ph->vaddr + ph->memsz < ph->vaddr)
		return fail(why, "PT_LOAD segment address range wraps around");
	if (!align_ok(ph->align))
		return fail(why, "PT_LOAD segment p_align is not a power of two");
	if (ph->vaddr % PAGE_SIZE != ph->offset % PAGE_SIZE)
		return fail(why, "PT_LOAD segment p_vaddr and p_offset differ modulo the page size");
	return 0;
}

/* Sort by vaddr (insertion sort: there are at most ELF_MAX_SEGS). */
static void sort_segments(struct elf_segment *segs, unsigned n)
{
	for (unsigned i = 1; i < n; i++) {
		struct elf_segment s = segs[i];
		unsigned j = i;

		for (; j > 0 && segs[j - 1].vaddr > s.vaddr; j--)
			segs[j] = segs[j - 1];
		segs[j] = s;
	}
}

/*
 * Apply the load bias and check that every segment lies in user space: [USER_BASE, top).
 * For ET_DYN the bias puts the lowest page at USER_IMAGE_BASE; the sums are arranged so that
 * they cannot wrap around.
 */
static int place_segments(struct elf_image *img, u64 top, const char **why)
{
	u64 low_page = ALIGN_DOWN(img->segs[0].vaddr, PAGE_SIZE);

	img->load_bias = img->pie ? USER_IMAGE_BASE - low_page : 0;   /* modulo 2^64 */

	for (unsigned i = 0; i < img->nsegs; i++) {
		struct elf_segment *s = &img->segs[i];

		if (img->pie) {
			/* Offset of the segment's end from the lowest page, then from the base. */
			u64 rel_end = s->vaddr - low_page + s->memsz;

			if (rel_end > top - USER_IMAGE_BASE)
				return fail(why, "PT_LOAD segment beyond the top of user space");
			s->vaddr = USER_IMAGE_BASE + (s->vaddr - low_page);
		} else {
			if (s->vaddr < USER_BASE)
				return fail(why, "PT_LOAD segment below the lowest user address");
			if (s->vaddr + s->memsz > top)
				return fail(why, "PT_LOAD segment beyond the top of user space");
		}
		if (i > 0 && s->vaddr < img->segs[i - 1].vaddr + img->segs[i - 1].memsz)
			return fail(why, "PT_LOAD segments overlap");
	}
	img->lowest = img->segs[0].vaddr;
	img->highest = img->segs[img->nsegs - 1].vaddr + img->segs[img->nsegs - 1].memsz;
	return 0;
}

/* The first segment containing [addr, addr + len), or NULL. */
static const struct elf_segment *find_segment(const struct elf_image *img, u64 addr, u64 len)
{
	for (unsigned i = 0; i < img->nsegs; i++) {
		if (seg_contains(&img->segs[i], addr, len))
			return &img->segs[i];
	}
	return NULL;
}

int elf_parse(const void *data, size_t size, struct elf_image *out, const char **why)
{
	const u8 *file = data;
	struct ehdr eh;
	bool is32, has_phdr = false;
	u64 phdr_vaddr = 0, phsize, top;
	unsigned nloads = 0;
	int err;

	memset(out, 0, sizeof(*out));
	if (why)
		*why = NULL;

	err = check_ehdr(file, size, &eh, &is32, why);
	if (err)
		return err;
	out->is32 = is32;
	out->pie = eh.type == ET_DYN;
	out->phnum = eh.phnum;
	out->phentsize = eh.phentsize;
	phsize = (u64)eh.phnum * eh.phentsize;
	top = is32 ? USER_TOP32 : USER_TOP;

	/* Pass over the program headers: check each, collect PT_LOADs and the special ones. */
	for (unsigned i = 0; i < eh.phnum; i++) {
		struct phdr ph;

		read_phdr(file + eh.phoff + (u64)i * eh.phentsize, is32, &ph);
		switch (ph.type) {
		case PT_INTERP:
			return fail(why, "dynamically linked (has PT_INTERP); only static executables run here");

		case PT_LOAD:
			if (++nloads > ELF_MAX_SEGS)
				return fail(why, "more than 16 PT_LOAD segments");
			err = check_load(&ph, size, why);
			if (err)
				return err;
			if (ph.memsz == 0)
				break;          /* maps nothing */
			out->segs[out->nsegs++] = (struct elf_segment){
				.vaddr = ph.vaddr, .memsz = ph.memsz, .filesz = ph.filesz,
				.offset = ph.offset, .flags = ph.flags & (PF_R | PF_W | PF_X),
			};
			break;

		case PT_PHDR:
			if (has_phdr)
				return fail(why, "more than one PT_PHDR");
			has_phdr = true;
			phdr_vaddr = ph.vaddr;
			break;

		case PT_TLS:
			if (out->has_tls)
				return fail(why, "more than one PT_TLS");
			if (ph.filesz > ph.memsz)
				return fail(why, "PT_TLS has p_filesz larger than p_memsz");
			if (ph.memsz > top)
				return fail(why, "PT_TLS is larger than user space");
			if (!align_ok(ph.align))
				return fail(why, "PT_TLS p_align is not a power of two");
			out->has_tls = true;
			out->tls.vaddr = ph.vaddr;
			out->tls.filesz = ph.filesz;
			out->tls.memsz = ph.memsz;
			out->tls.align = ph.align;
			break;

		case PT_GNU_STACK:
			out->exec_stack = (ph.flags & PF_X) != 0;
			break;
		}
	}
	if (out->nsegs == 0)
		return fail(why, "no PT_LOAD segment with a size");

	sort_segments(out->segs, out->nsegs);
	err = place_segments(out, top, why);
	if (err)
		return err;

	/* Entry point (modulo 2^64: an entry below the image lands far above it, and fails). */
	out->entry = eh.entry + out->load_bias;
	{
		const struct elf_segment *s = find_segment(out, out->entry, 1);

		if (!s || !(s->flags & PF_X))
			return fail(why, "entry point is not inside an executable segment");
	}

	/* AT_PHDR: where PT_PHDR says, or wherever a segment maps the headers from the file. */
	if (has_phdr) {
		out->phdr = phdr_vaddr + out->load_bias;
		if (!find_segment(out, out->phdr, phsize))
			return fail(why, "PT_PHDR is not inside a PT_LOAD segment");
	} else {
		for (unsigned i = 0; i < out->nsegs; i++) {
			const struct elf_segment *s = &out->segs[i];

			if (eh.phoff >= s->offset && eh.phoff - s->offset <= s->filesz &&
			    phsize <= s->filesz - (eh.phoff - s->offset)) {
				out->phdr = s->vaddr + (eh.phoff - s->offset);
				break;
			}
		}
	}

	/* TLS: its initialization image must be in memory that the segments provide. */
	if (out->has_tls) {
		out->tls.vaddr += out->load_bias;
		if (out->tls.filesz && !find_segment(out, out->tls.vaddr, out->tls.filesz))
			return fail(why, "PT_TLS initialization image is not inside a PT_LOAD segment");
	}
	return 0;
}
