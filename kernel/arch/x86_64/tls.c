/*
 * tls.c - per-task segments: set_thread_area/get_thread_area (i386 243/244, also through INT 0x80
 * from 64-bit code) with Linux's rules and errors, and the user's DS/ES/FS/GS selectors across
 * context switches, fork, exec and ia32 sigreturn.
 *
 * A task's three TLS descriptors are kept in struct task and copied into this CPU's GDT through
 * its writable kernel alias (the CPU reads the read-only alias in the entry area: the same page)
 * when the task is switched to and when it changes them. As Linux's, they are written with the
 * accessed bit set, so that loading a selector never makes the CPU write to the read-only GDT.
 *
 * The selectors stay in the CPU while the task runs (the entry code never touches them) and are
 * saved and reloaded by schedule(). A selector is loaded in ring 0 only after checking in the GDT
 * that the load cannot fault (null, or a present data or readable code segment whose DPL admits
 * the selector's RPL; there is no LDT); one that would fault becomes the null selector, which is
 * what Linux's exception fixup of the same load does. GS is loaded inside a SWAPGS window with
 * interrupts off, as Linux's load_gs_index, so the kernel's GS base is never lost (a paranoid
 * entry inside the window saves and restores the base it finds).
 */
#include "types.h"
#include "tls.h"
#include "task.h"
#include "segment.h"
#include "percpu.h"
#include "pti.h"
#include "cpu.h"
#include "errno.h"
#include "string.h"
#include "syscalls.h"

/* Linux's struct user_desc; the bit fields of its last word as masks. */
struct user_desc {
	u32 entry_number;
	u32 base_addr;
	u32 limit;
	u32 flags;
};
static_assert(sizeof(struct user_desc) == 16, "struct user_desc is Linux's");

#define UD_SEG_32BIT       BIT(0)
#define UD_CONTENTS(f)     (((f) >> 1) & 3)
#define UD_READ_EXEC_ONLY  BIT(3)
#define UD_LIMIT_IN_PAGES  BIT(4)
#define UD_SEG_NOT_PRESENT BIT(5)
#define UD_USEABLE         BIT(6)
#define UD_LM              BIT(7)         /* x86-64 only: ignored when set, read back as 0 */
#define UD_ALL_BUT_LM      0x7fU

/* Descriptor fields (the access byte is bits 40..47). */
#define DESC_ACCESSED   BIT(40)
#define DESC_READABLE   BIT(41)            /* code: readable; data: writable */
#define DESC_CODE       BIT(43)
#define DESC_CONFORMING BIT(42)            /* code only (for data: expand-down) */
#define DESC_S          BIT(44)
#define DESC_DPL(d)     (((d) >> 45) & 3)
#define DESC_P          BIT(47)
#define DESC_AVL        BIT(52)
#define DESC_L          BIT(53)
#define DESC_DB         BIT(54)
#define DESC_G          BIT(55)

#define savesegment(seg) ({ u16 v__; __asm__ __volatile__("mov %%" #seg ", %0" : "=r"(v__)); v__; })

static u64 *this_gdt(void)
{
	return (u64 *)cea_backing[this_cpu()->cpu].gdt;
}

/* Linux's LDT_empty (lm ignored) and LDT_zero: the two ways to ask for "no segment". */
static bool ud_empty(const struct user_desc *u)
{
	return !u->base_addr && !u->limit &&
	       (u->flags & UD_ALL_BUT_LM) == (UD_READ_EXEC_ONLY | UD_SEG_NOT_PRESENT);
}

static bool ud_zero(const struct user_desc *u)
{
	return !u->base_addr && !u->limit && !(u->flags & UD_ALL_BUT_LM);
}

/* Linux's tls_desc_okay: an empty one, else a present 32-bit data segment. */
static bool ud_okay(const struct user_desc *u)
{
	if (ud_empty(u) || ud_zero(u))
		return true;
	return (u->flags & UD_SEG_32BIT) && UD_CONTENTS(u->flags) <= 1 && !(u->flags & UD_SEG_NOT_PRESENT);
}

/* The GDT descriptor for u (0 for an empty one), as Linux's fill_ldt: DPL 3, accessed, no L. */
static u64 ud_to_desc(const struct user_desc *u)
{
	if (ud_empty(u) || ud_zero(u))
		return 0;
	u64 f = u->flags, base = u->base_addr, limit = u->limit;
	u64 type = (f & UD_READ_EXEC_ONLY ? 0 : 2) | (UD_CONTENTS(f) << 2) | 1;
	return (limit & 0xffff) | ((base & 0xffffff) << 16) | (type << 40) | DESC_S | (3ULL << 45) |
	       (f & UD_SEG_NOT_PRESENT ? 0 : DESC_P) | (((limit >> 16) & 0xf) << 48) |
	       (f & UD_USEABLE ? DESC_AVL : 0) | (f & UD_SEG_32BIT ? DESC_DB : 0) |
	       (f & UD_LIMIT_IN_PAGES ? DESC_G : 0) | ((base >> 24) << 56);
}

/* The user_desc get_thread_area reports for entry idx (Linux's fill_user_desc). */
static struct user_desc desc_to_ud(u64 d, unsigned idx)
{
	struct user_desc u = { idx, (u32)(((d >> 16) & 0xffffff) | ((d >> 56) << 24)),
			       (u32)((d & 0xffff) | (((d >> 48) & 0xf) << 16)), 0 };
	u.flags = (d & DESC_DB ? UD_SEG_32BIT : 0) | (u32)(((d >> 42) & 3) << 1) |
		  (d & DESC_READABLE ? 0 : UD_READ_EXEC_ONLY) | (d & DESC_G ? UD_LIMIT_IN_PAGES : 0) |
		  (d & DESC_P ? 0 : UD_SEG_NOT_PRESENT) | (d & DESC_AVL ? UD_USEABLE : 0) |
		  (d & DESC_L ? UD_LM : 0);
	return u;
}

static bool is_tls_sel(u16 sel)
{
	return !(sel & 4) && (sel >> 3) >= GDT_ENTRY_TLS_MIN && (sel >> 3) <= GDT_ENTRY_TLS_MAX;
}

/* Would `mov sel, %ds` (or ES/FS/GS) fault in ring 0 with this CPU's GDT? */
static bool sel_loadable(u16 sel)
{
	if ((sel & ~3) == 0)
		return true;                              /* null: never faults in 64-bit mode */
	if ((sel & 4) || (sel >> 3) >= GDT_ENTRIES)
		return false;                             /* no LDT; beyond the GDT limit */
	u64 d = this_gdt()[sel >> 3];
	if (!(d & DESC_S) || !(d & DESC_P))
		return false;                             /* a system descriptor; #NP */
	if ((d & DESC_CODE) && !(d & DESC_READABLE))
		return false;                             /* execute-only code */
	bool conforming = (d & DESC_CODE) && (d & DESC_CONFORMING);
	return conforming || DESC_DPL(d) >= (sel & 3u);   /* CPL 0: max(CPL, RPL) = RPL */
}

static u32 sel_or_null(u16 sel) { return sel_loadable(sel) ? sel : 0; }

static void load_ds(u16 sel) { __asm__ __volatile__("movl %k0, %%ds" :: "r"(sel_or_null(sel)) : "memory"); }
static void load_es(u16 sel) { __asm__ __volatile__("movl %k0, %%es" :: "r"(sel_or_null(sel)) : "memory"); }

void segments_load_fs(u16 sel)
{
	__asm__ __volatile__("movl %k0, %%fs" :: "r"(sel_or_null(sel)) : "memory");
}

/* GS: the load sets the active GS base, so it happens with the user's GS base swapped in. */
void segments_load_gs(u16 sel)
{
	u32 v = sel_or_null(sel);
	u64 f = irq_save();
	__asm__ __volatile__("swapgs\n\tmovl %k0, %%gs\n\tswapgs" :: "r"(v) : "memory");
	irq_restore(f);
}

static void load_tls(const struct task *t)
{
	u64 *gdt = this_gdt();
	for (unsigned i = 0; i < GDT_ENTRY_TLS_ENTRIES; i++)
		gdt[GDT_ENTRY_TLS_MIN + i] = t->tls[i];
}

void segments_init(struct task *t)
{
	memset(t->tls, 0, sizeof(t->tls));
	t->fsindex = t->gsindex = 0;
	t->ds = t->es = USER_DS;
}

void segments_switch(struct task *prev, struct task *next)
{
	if (prev->mm) {
		prev->ds = savesegment(ds);
		prev->es = savesegment(es);
		prev->fsindex = savesegment(fs);
		prev->gsindex = savesegment(gs);
	}
	if (!next->mm)
		return;
	load_tls(next);
	/* The CPU holds the last user task's selectors: load only what differs, and every selector
	 * of a TLS entry (its descriptor may be another task's). FS/GS bases are written after. */
	if (savesegment(ds) != next->ds || is_tls_sel(next->ds))
		load_ds(next->ds);
	if (savesegment(es) != next->es || is_tls_sel(next->es))
		load_es(next->es);
	if (savesegment(fs) != next->fsindex || is_tls_sel(next->fsindex))
		segments_load_fs(next->fsindex);
	if (savesegment(gs) != next->gsindex || is_tls_sel(next->gsindex))
		segments_load_gs(next->gsindex);
}

void segments_fork(struct task *child)
{
	memcpy(child->tls, current->tls, sizeof(child->tls));
	child->ds = savesegment(ds);
	child->es = savesegment(es);
	child->fsindex = savesegment(fs);
	child->gsindex = savesegment(gs);
}

void segments_exec(void)
{
	struct task *t = current;
	u64 f = irq_save();
	memset(t->tls, 0, sizeof(t->tls));
	load_tls(t);
	load_ds(USER_DS);
	load_es(USER_DS);
	segments_load_fs(0);
	segments_load_gs(0);
	irq_restore(f);
}

/* Linux's reload_segments: RPL 3 unless null (0..3 stay as they are), loaded if different. */
void segments_reload_ia32(u16 gs, u16 fs, u16 ds, u16 es)
{
#define FIXUP_RPL(s) ((u16)((s) <= 3 ? (s) : (s) | 3))
	if (FIXUP_RPL(gs) != savesegment(gs))
		segments_load_gs(FIXUP_RPL(gs));
	if (FIXUP_RPL(fs) != savesegment(fs))
		segments_load_fs(FIXUP_RPL(fs));
	if (FIXUP_RPL(ds) != savesegment(ds))
		load_ds(FIXUP_RPL(ds));
	if (FIXUP_RPL(es) != savesegment(es))
		load_es(FIXUP_RPL(es));
#undef FIXUP_RPL
}

/*
 * Linux's do_set_thread_area for t (current, or a child being created): validate the user_desc
 * at uinfo, pick a free entry for -1 if may_pick (writing its number back), store the
 * descriptor. For current, load it into this CPU's GDT and reload any of DS/ES/FS/GS that selects
 * it (a descriptor now empty makes that register null); for a child, an FS/GS selecting it gets
 * its base. 0 or -EFAULT, -EINVAL, -ESRCH (no free entry).
 */
static long set_tls_entry(struct task *t, u64 uinfo, bool may_pick)
{
	struct user_desc u;
	if (copy_from_user(&u, (const void *)uinfo, sizeof(u)))
		return -EFAULT;
	if (!ud_okay(&u))
		return -EINVAL;
	int idx = (int)u.entry_number;
	if (idx == -1 && may_pick) {
		for (unsigned i = 0; i < GDT_ENTRY_TLS_ENTRIES && idx == -1; i++)
			if (!t->tls[i])
				idx = GDT_ENTRY_TLS_MIN + i;
		if (idx == -1)
			return -ESRCH;
		u32 n = idx;
		if (copy_to_user((void *)(uinfo + offsetof(struct user_desc, entry_number)), &n, 4))
			return -EFAULT;
	}
	if (idx < GDT_ENTRY_TLS_MIN || idx > GDT_ENTRY_TLS_MAX)
		return -EINVAL;

	u16 sel = (u16)(idx << 3 | 3);
	u64 f = irq_save();                   /* the GDT is this CPU's: no switch in between */
	t->tls[idx - GDT_ENTRY_TLS_MIN] = ud_to_desc(&u);
	if (t == current) {
		load_tls(t);
		if (savesegment(ds) == sel)
			load_ds(sel);
		if (savesegment(es) == sel)
			load_es(sel);
		if (savesegment(fs) == sel)
			segments_load_fs(sel);
		if (savesegment(gs) == sel)
			segments_load_gs(sel);
	} else {
		if (t->fsindex == sel)
			t->fs_base = u.base_addr;
		if (t->gsindex == sel)
			t->gs_base = u.base_addr;
	}
	irq_restore(f);
	return 0;
}

long segments_clone_tls(struct task *child, u64 uinfo)
{
	return set_tls_entry(child, uinfo, false);
}

/* set_thread_area (i386 243): entry_number -1 picks the first free entry and writes it back. */
long sys_set_thread_area(u64 uinfo)
{
	return set_tls_entry(current, uinfo, true);
}

/* get_thread_area (i386 244): the descriptor of the entry named by entry_number. */
long sys_get_thread_area(u64 uinfo)
{
	u32 idx;
	if (copy_from_user(&idx, (const void *)uinfo, 4))
		return -EFAULT;
	if ((int)idx < GDT_ENTRY_TLS_MIN || (int)idx > GDT_ENTRY_TLS_MAX)
		return -EINVAL;
	struct user_desc u = desc_to_ud(current->tls[idx - GDT_ENTRY_TLS_MIN], idx);
	return copy_to_user((void *)uinfo, &u, sizeof(u)) ? -EFAULT : 0;
}
