/*
 * ACPI: find the RSDP, walk the XSDT/RSDT, validate every table, parse the MADT.
 *
 * Everything read from firmware is treated as untrusted: a table is used only if its header lies
 * below 4 GiB (where the direct map is guaranteed), its length is sane and covers the whole table
 * without crossing 4 GiB, and its checksum is right. MADT entries are bounded by the MADT's length
 * and by their own minimum size. A malformed table is reported and skipped; it never makes us
 * read beyond its end.
 *
 * Physical memory is reached through phys_to_virt() (the direct map), so this file also builds for
 * host unit tests (HOST_TEST), where "physical memory" is an arena the test fills in.
 */
#include "types.h"
#include "cpu.h"
#include "errno.h"
#include "printk.h"
#include "mm.h"
#include "boot.h"
#include "acpi.h"

/* Root System Description Pointer (ACPI 6.5, 5.2.5.3). Revision 0 has only the first 20 bytes. */
struct acpi_rsdp {
	char signature[8];          /* "RSD PTR " */
	u8  checksum;               /* bytes 0..19 sum to 0 */
	char oem_id[6];
	u8  revision;               /* 0: ACPI 1.0 (RSDT only); 2: ACPI 2.0+ (XSDT) */
	u32 rsdt_addr;
	/* Revision 2 and later. */
	u32 length;                 /* of the whole RSDP: 36 */
	u64 xsdt_addr;
	u8  ext_checksum;           /* bytes 0..length-1 sum to 0 */
	u8  reserved[3];
} __packed;
#define ACPI_RSDP_V1_LEN 20
static_assert(sizeof(struct acpi_rsdp) == 36, "RSDP layout");

/* MADT: the header is followed by variable-length entries, each starting with type and length. */
struct acpi_madt {
	struct acpi_sdt_header h;
	u32 lapic_addr;
	u32 flags;                  /* bit 0: PCAT_COMPAT, a dual 8259 is present */
} __packed;
#define MADT_PCAT_COMPAT 0x1

struct madt_entry {
	u8 type;
	u8 length;                  /* of the entry, these two bytes included */
} __packed;

enum {
	MADT_LAPIC          = 0,
	MADT_IOAPIC         = 1,
	MADT_INT_OVERRIDE   = 2,
	MADT_NMI_SOURCE     = 3,
	MADT_LAPIC_NMI      = 4,
	MADT_LAPIC_OVERRIDE = 5,
	MADT_X2APIC         = 9,
	MADT_X2APIC_NMI     = 10,
};

struct madt_lapic {             /* type 0 */
	struct madt_entry e;
	u8  processor_uid;
	u8  apic_id;
	u32 flags;
} __packed;

struct madt_ioapic {            /* type 1 */
	struct madt_entry e;
	u8  id;
	u8  reserved;
	u32 addr;
	u32 gsi_base;
} __packed;

struct madt_int_override {      /* type 2 */
	struct madt_entry e;
	u8  bus;                    /* 0: ISA */
	u8  source;                 /* ISA IRQ */
	u32 gsi;
	u16 flags;
} __packed;

struct madt_lapic_nmi {         /* type 4 */
	struct madt_entry e;
	u8  processor_uid;          /* 0xff: all processors */
	u16 flags;
	u8  lint;
} __packed;

struct madt_lapic_override {    /* type 5 */
	struct madt_entry e;
	u16 reserved;
	u64 addr;
} __packed;

struct madt_x2apic {            /* type 9 */
	struct madt_entry e;
	u16 reserved;
	u32 x2apic_id;
	u32 flags;
	u32 processor_uid;
} __packed;

struct madt_x2apic_nmi {        /* type 10 */
	struct madt_entry e;
	u16 flags;
	u32 processor_uid;          /* 0xffffffff: all processors */
	u8  lint;
	u8  reserved[3];
} __packed;

/* Local APIC flags in MADT types 0 and 9. */
#define MADT_LAPIC_ENABLED        0x1
#define MADT_LAPIC_ONLINE_CAPABLE 0x2

/* Limits on what we accept from firmware. */
#define ACPI_PHYS_LIMIT     0x100000000ULL  /* the direct map always covers the first 4 GiB */
#define ACPI_MAX_TABLE_LEN  (4u << 20)      /* no real table we read is anywhere near this */

struct acpi_info acpi_info;

/* Every valid table the XSDT/RSDT lists, as direct-map pointers. */
static const struct acpi_sdt_header *tables[ACPI_MAX_TABLES];
static unsigned ntables;

/* Counts of MADT entries that did not fit in acpi_info, reported once at the end. */
static unsigned dropped_cpus, dropped_ioapics, dropped_overrides, dropped_nmis;

static u8 checksum(const void *p, size_t n)
{
	const u8 *b = p;
	u8 sum = 0;
	while (n--)
		sum += *b++;
	return sum;
}

static bool sig_eq(const char *a, const char *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (a[i] != b[i])
			return false;
	return true;
}

/* A table signature as a printable C string (firmware is not obliged to use printable bytes). */
static const char *sig_str(char out[5], const char *sig)
{
	for (int i = 0; i < 4; i++)
		out[i] = sig[i] >= 0x20 && sig[i] < 0x7f ? sig[i] : '?';
	out[4] = '\0';
	return out;
}

/* Unaligned 32/64-bit loads (the XSDT's 64-bit entries start at offset 36). */
static u32 load_u32(const void *p) { return ((const struct { u32 v; } __packed *)p)->v; }
static u64 load_u64(const void *p) { return ((const struct { u64 v; } __packed *)p)->v; }

/* ------------------------------------------------------------------------------------------ */
/* RSDP                                                                                         */
/* ------------------------------------------------------------------------------------------ */

/* The ACPI 1.0 part: signature and the checksum over the first 20 bytes. */
static bool rsdp_valid(const struct acpi_rsdp *r)
{
	return sig_eq(r->signature, "RSD PTR ", 8) && checksum(r, ACPI_RSDP_V1_LEN) == 0;
}

/*
 * Whether the revision 2 fields (the XSDT address) may be used. ACPI defines the revision 2 RSDP
 * as exactly 36 bytes; we never checksum a length the firmware chose, because the multiboot2 copy
 * we are handed is only as long as that structure.
 */
static bool rsdp_has_xsdt(const struct acpi_rsdp *r)
{
	return r->revision >= 2 && r->length == sizeof(*r) &&
	       checksum(r, sizeof(*r)) == 0 && r->xsdt_addr != 0;
}

/* Look for a valid RSDP on 16-byte boundaries in physical [start, end). */
static const struct acpi_rsdp *scan_rsdp(phys_addr_t start, phys_addr_t end)
{
	for (phys_addr_t p = ALIGN_UP(start, 16); p + sizeof(struct acpi_rsdp) <= end; p += 16) {
		const struct acpi_rsdp *r = phys_to_virt(p);
		if (rsdp_valid(r))
			return r;
	}
	return NULL;
}

/* The multiboot2 tag's copy if valid, else the first KiB of the EBDA, else the BIOS ROM area. */
static const struct acpi_rsdp *find_rsdp(const char **source)
{
	const struct acpi_rsdp *r = boot_info.rsdp;

	if (r) {
		*source = "multiboot2";
		if (rsdp_valid(r))
			return r;
		pr_warn("acpi: the boot loader's RSDP copy is invalid; scanning the BIOS areas\n");
	}

	/* The real-mode segment of the EBDA is at 0x40e in the BIOS data area. */
	phys_addr_t ebda = (phys_addr_t)(*(const volatile u16 *)phys_to_virt(0x40e)) << 4;
	*source = "EBDA";
	if (ebda >= 0x80000 && ebda < 0xa0000) {
		r = scan_rsdp(ebda, ebda + 1024);
		if (r)
			return r;
	}
	*source = "BIOS area";
	return scan_rsdp(0xe0000, 0x100000);
}

/* ------------------------------------------------------------------------------------------ */
/* Tables                                                                                       */
/* ------------------------------------------------------------------------------------------ */

/*
 * Reach and validate the table at physical address p: below 4 GiB, a length that covers at least
 * the header and at most ACPI_MAX_TABLE_LEN without crossing 4 GiB, and a zero checksum.
 * Returns a direct-map pointer, or NULL after saying what is wrong.
 */
static const struct acpi_sdt_header *map_table(u64 p, const char *what)
{
	if (p == 0) {
		pr_warn("acpi: %s address is 0; ignored\n", what);
		return NULL;
	}
	if (p >= ACPI_PHYS_LIMIT - sizeof(struct acpi_sdt_header)) {
		pr_warn("acpi: %s at 0x%lx is outside the first 4 GiB; ignored\n", what, p);
		return NULL;
	}
	const struct acpi_sdt_header *h = phys_to_virt(p);
	u32 len = h->length;
	char sig[5];
	if (len < sizeof(*h) || len > ACPI_MAX_TABLE_LEN || p + len > ACPI_PHYS_LIMIT) {
		pr_warn("acpi: %s at 0x%lx ('%s') has a bad length %u; ignored\n",
			what, p, sig_str(sig, h->signature), len);
		return NULL;
	}
	if (checksum(h, len) != 0) {
		pr_warn("acpi: %s at 0x%lx ('%s') has a bad checksum; ignored\n",
			what, p, sig_str(sig, h->signature));
		return NULL;
	}
	return h;
}

/* Walk the XSDT (8-byte entries) or RSDT (4-byte entries) and keep every valid table. */
static int load_tables(const struct acpi_rsdp *rsdp, const char **root_name)
{
	bool xsdt = rsdp_has_xsdt(rsdp);
	if (rsdp->revision >= 2 && !xsdt)
		pr_warn("acpi: RSDP revision %u without a valid XSDT pointer (length or extended "
			"checksum); using the RSDT\n", rsdp->revision);
	u64 root_phys = xsdt ? rsdp->xsdt_addr : rsdp->rsdt_addr;
	*root_name = xsdt ? "XSDT" : "RSDT";

	const struct acpi_sdt_header *root = map_table(root_phys, *root_name);
	if (!root)
		return -EINVAL;
	if (!sig_eq(root->signature, *root_name, 4)) {
		char sig[5];
		pr_warn("acpi: the %s at 0x%lx has signature '%s'\n", *root_name, root_phys,
			sig_str(sig, root->signature));
		return -EINVAL;
	}

	size_t entry_size = xsdt ? 8 : 4;
	size_t n = (root->length - sizeof(*root)) / entry_size;   /* length >= header: checked */
	const u8 *entries = (const u8 *)(root + 1);

	ntables = 0;
	for (size_t i = 0; i < n; i++) {
		u64 p = xsdt ? load_u64(entries + i * 8) : load_u32(entries + i * 4);
		const struct acpi_sdt_header *h = map_table(p, "table");
		if (!h)
			continue;
		if (ntables == ACPI_MAX_TABLES) {
			pr_warn("acpi: more than %u tables; ignoring the rest\n", ACPI_MAX_TABLES);
			break;
		}
		tables[ntables++] = h;
	}
	return 0;
}

const struct acpi_sdt_header *acpi_find_table(const char *signature, unsigned n)
{
	for (unsigned i = 0; i < ntables; i++)
		if (sig_eq(tables[i]->signature, signature, 4) && n-- == 0)
			return tables[i];
	return NULL;
}

/* ------------------------------------------------------------------------------------------ */
/* MADT                                                                                         */
/* ------------------------------------------------------------------------------------------ */

static void add_cpu(u32 apic_id, u32 uid, u32 flags, bool x2apic)
{
	if (!(flags & (MADT_LAPIC_ENABLED | MADT_LAPIC_ONLINE_CAPABLE)))
		return;                         /* neither usable nor hot-pluggable */
	for (unsigned i = 0; i < acpi_info.ncpus; i++)
		if (acpi_info.cpus[i].apic_id == apic_id)
			return;                 /* listed twice (type 0 and type 9): keep the first */
	if (acpi_info.ncpus == ACPI_MAX_CPUS) {
		dropped_cpus++;
		return;
	}
	acpi_info.cpus[acpi_info.ncpus++] = (struct acpi_cpu){
		.apic_id = apic_id,
		.processor_uid = uid,
		.enabled = flags & MADT_LAPIC_ENABLED,
		.online_capable = !(flags & MADT_LAPIC_ENABLED) && (flags & MADT_LAPIC_ONLINE_CAPABLE),
		.x2apic = x2apic,
	};
}

static void add_ioapic(u8 id, u32 addr, u32 gsi_base)
{
	if (acpi_info.nioapics == ACPI_MAX_IOAPICS) {
		dropped_ioapics++;
		return;
	}
	acpi_info.ioapics[acpi_info.nioapics++] = (struct acpi_ioapic){
		.id = id, .addr = addr, .gsi_base = gsi_base,
	};
}

static void add_override(u8 bus, u8 irq, u32 gsi, u16 flags)
{
	if (bus != 0 || irq >= 16) {
		pr_warn("acpi: ignoring an interrupt override for bus %u IRQ %u\n", bus, irq);
		return;
	}
	for (unsigned i = 0; i < acpi_info.noverrides; i++) {
		if (acpi_info.overrides[i].isa_irq == irq) {      /* a later entry wins */
			acpi_info.overrides[i].gsi = gsi;
			acpi_info.overrides[i].flags = flags;
			return;
		}
	}
	if (acpi_info.noverrides == ACPI_MAX_OVERRIDES) {
		dropped_overrides++;
		return;
	}
	acpi_info.overrides[acpi_info.noverrides++] = (struct acpi_override){
		.isa_irq = irq, .gsi = gsi, .flags = flags,
	};
}

static void add_lapic_nmi(u32 uid, u16 flags, u8 lint)
{
	if (lint > 1) {
		pr_warn("acpi: ignoring a local APIC NMI entry for LINT%u\n", lint);
		return;
	}
	if (acpi_info.nlapic_nmis == ACPI_MAX_LAPIC_NMIS) {
		dropped_nmis++;
		return;
	}
	acpi_info.lapic_nmis[acpi_info.nlapic_nmis++] = (struct acpi_lapic_nmi){
		.processor_uid = uid, .flags = flags, .lint = lint,
	};
}

/* Minimum entry length per type we parse (0: not parsed). */
static const u8 madt_min_len[] = {
	[MADT_LAPIC]          = sizeof(struct madt_lapic),
	[MADT_IOAPIC]         = sizeof(struct madt_ioapic),
	[MADT_INT_OVERRIDE]   = sizeof(struct madt_int_override),
	[MADT_LAPIC_NMI]      = sizeof(struct madt_lapic_nmi),
	[MADT_LAPIC_OVERRIDE] = sizeof(struct madt_lapic_override),
	[MADT_X2APIC]         = sizeof(struct madt_x2apic),
	[MADT_X2APIC_NMI]     = sizeof(struct madt_x2apic_nmi),
};

static int parse_madt(const struct acpi_sdt_header *h)
{
	if (h->length < sizeof(struct acpi_madt)) {
		pr_warn("acpi: the MADT is too short (%u bytes)\n", h->length);
		return -EINVAL;
	}
	const struct acpi_madt *madt = (const struct acpi_madt *)h;
	acpi_info.lapic_addr = madt->lapic_addr;
	acpi_info.pcat_compat = madt->flags & MADT_PCAT_COMPAT;

	const u8 *base = (const u8 *)h;
	size_t off = sizeof(*madt), len = h->length;     /* len: validated by map_table() */

	while (len - off >= sizeof(struct madt_entry)) {
		const struct madt_entry *e = (const struct madt_entry *)(base + off);
		if (e->length < sizeof(*e) || e->length > len - off) {
			pr_warn("acpi: MADT entry at offset %u has a bad length %u; "
				"ignoring the rest of the MADT\n", (unsigned)off, e->length);
			break;
		}
		off += e->length;

		if (e->type >= ARRAY_SIZE(madt_min_len) || madt_min_len[e->type] == 0)
			continue;               /* a type we do not need */
		if (e->length < madt_min_len[e->type]) {
			pr_warn("acpi: MADT entry of type %u is too short (%u bytes); ignored\n",
				e->type, e->length);
			continue;
		}

		switch (e->type) {
		case MADT_LAPIC: {
			const struct madt_lapic *l = (const void *)e;
			if (l->apic_id != 0xff)         /* 0xff: described by an x2APIC entry */
				add_cpu(l->apic_id, l->processor_uid, l->flags, false);
			break;
		}
		case MADT_X2APIC: {
			const struct madt_x2apic *x = (const void *)e;
			add_cpu(x->x2apic_id, x->processor_uid, x->flags, true);
			break;
		}
		case MADT_IOAPIC: {
			const struct madt_ioapic *io = (const void *)e;
			add_ioapic(io->id, io->addr, io->gsi_base);
			break;
		}
		case MADT_INT_OVERRIDE: {
			const struct madt_int_override *o = (const void *)e;
			add_override(o->bus, o->source, o->gsi, o->flags);
			break;
		}
		case MADT_LAPIC_NMI: {
			const struct madt_lapic_nmi *n = (const void *)e;
			add_lapic_nmi(n->processor_uid == 0xff ? ACPI_UID_ALL : n->processor_uid,
				      n->flags, n->lint);
			break;
		}
		case MADT_X2APIC_NMI: {
			const struct madt_x2apic_nmi *n = (const void *)e;
			add_lapic_nmi(n->processor_uid, n->flags, n->lint);
			break;
		}
		case MADT_LAPIC_OVERRIDE: {
			const struct madt_lapic_override *o = (const void *)e;
			acpi_info.lapic_addr = o->addr;
			break;
		}
		}
	}

	if (dropped_cpus || dropped_ioapics || dropped_overrides || dropped_nmis)
		pr_warn("acpi: MADT entries beyond our limits were ignored: %u CPUs, %u I/O APICs, "
			"%u overrides, %u NMI entries\n",
			dropped_cpus, dropped_ioapics, dropped_overrides, dropped_nmis);
	if (acpi_info.ncpus == 0) {
		pr_warn("acpi: the MADT lists no usable processor\n");
		return -EINVAL;
	}
	if (acpi_info.nioapics == 0) {
		pr_warn("acpi: the MADT lists no I/O APIC\n");
		return -EINVAL;
	}
	return 0;
}

/* ------------------------------------------------------------------------------------------ */
/* Defaults, queries, init                                                                      */
/* ------------------------------------------------------------------------------------------ */

/* The boot CPU's initial APIC ID: CPUID leaf 0xb (x2APIC ID) if present, else leaf 1. */
static u32 boot_cpu_initial_apic_id(void)
{
	u32 a, b, c, d, max;
	cpuid(0, &max, &b, &c, &d);
	if (max >= 0xb) {
		cpuid_count(0xb, 0, &a, &b, &c, &d);
		if (b != 0)                     /* leaf 0xb implemented */
			return d;
	}
	cpuid(1, &a, &b, &c, &d);
	return b >> 24;
}

/*
 * What a PC without ACPI looks like: what the rest of the kernel assumes after acpi_init fails.
 * ISA IRQs map to the same GSI except IRQ 0, the PIT, which goes to pin 2: the MP specification's
 * default configuration (pin 0 carries the 8259's ExtINT), and how QEMU and Bochs wire it.
 */
static void set_defaults(void)
{
	__builtin_memset(&acpi_info, 0, sizeof(acpi_info));
	ntables = 0;
	acpi_info.lapic_addr = ACPI_DEFAULT_LAPIC_ADDR;
	acpi_info.pcat_compat = true;
	acpi_info.ncpus = 1;
	acpi_info.cpus[0] = (struct acpi_cpu){
		.apic_id = boot_cpu_initial_apic_id(), .processor_uid = 0, .enabled = true,
	};
	acpi_info.nioapics = 1;
	acpi_info.ioapics[0] = (struct acpi_ioapic){
		.id = 0, .addr = ACPI_DEFAULT_IOAPIC_ADDR, .gsi_base = 0,
	};
	acpi_info.noverrides = 1;
	acpi_info.overrides[0] = (struct acpi_override){
		.isa_irq = 0, .gsi = 2, .flags = ACPI_INTI_POLARITY_BUS | ACPI_INTI_TRIGGER_BUS,
	};
}

static int fail(int err)
{
	pr_warn("acpi: falling back to 1 CPU, local APIC at 0x%lx, I/O APIC at 0x%lx (GSI base 0), "
		"ISA IRQs on the same GSI but IRQ 0 (PIT) on GSI 2\n",
		ACPI_DEFAULT_LAPIC_ADDR, ACPI_DEFAULT_IOAPIC_ADDR);
	set_defaults();
	return err;
}

int acpi_init(void)
{
	const char *source = NULL, *root_name = NULL;

	__builtin_memset(&acpi_info, 0, sizeof(acpi_info));
	dropped_cpus = dropped_ioapics = dropped_overrides = dropped_nmis = 0;

	const struct acpi_rsdp *rsdp = find_rsdp(&source);
	if (!rsdp) {
		pr_warn("acpi: no ACPI: no RSDP from the boot loader nor in the EBDA or BIOS area\n");
		return fail(-ENODEV);
	}
	acpi_info.rsdp_revision = rsdp->revision;
	for (int i = 0; i < 6; i++)
		acpi_info.oem_id[i] = rsdp->oem_id[i] >= 0x20 && rsdp->oem_id[i] < 0x7f ?
				      rsdp->oem_id[i] : '?';

	int err = load_tables(rsdp, &root_name);
	if (err < 0) {
		pr_warn("acpi: no usable %s\n", root_name);
		return fail(err);
	}

	const struct acpi_sdt_header *madt = acpi_find_table("APIC", 0);
	if (!madt) {
		pr_warn("acpi: no valid MADT ('APIC' table)\n");
		return fail(-ENODEV);
	}
	err = parse_madt(madt);
	if (err < 0)
		return fail(err);
	acpi_info.from_acpi = true;

	/* "FACP APIC HPET ...": 5 bytes per table. */
	char sigs[ACPI_MAX_TABLES * 5 + 1];
	size_t n = 0;
	for (unsigned i = 0; i < ntables; i++) {
		sig_str(&sigs[n], tables[i]->signature);
		sigs[n + 4] = ' ';
		n += 5;
	}
	sigs[n ? n - 1 : 0] = '\0';

	pr_info("acpi: RSDP rev %u (%s), OEM '%s', %s: %s\n", acpi_info.rsdp_revision, source,
		acpi_info.oem_id, root_name, sigs);
	pr_info("acpi: MADT: %u CPU(s), %u I/O APIC(s), %u ISA override(s), %u LAPIC NMI(s), "
		"LAPIC at 0x%lx%s\n", acpi_info.ncpus, acpi_info.nioapics, acpi_info.noverrides,
		acpi_info.nlapic_nmis, acpi_info.lapic_addr,
		acpi_info.pcat_compat ? ", 8259 present" : "");
	return 0;
}

u32 acpi_isa_irq_to_gsi(unsigned irq, u16 *flags)
{
	for (unsigned i = 0; i < acpi_info.noverrides; i++) {
		if (acpi_info.overrides[i].isa_irq == irq) {
			if (flags)
				*flags = acpi_info.overrides[i].flags;
			return acpi_info.overrides[i].gsi;
		}
	}
	if (flags)
		*flags = 0;
	return irq;
}

bool acpi_lapic_nmi(u32 apic_id, unsigned lint, u16 *flags)
{
	/* The NMI entries name processors by UID; an unknown CPU matches only "all processors". */
	u32 uid = ACPI_UID_ALL;
	for (unsigned i = 0; i < acpi_info.ncpus; i++)
		if (acpi_info.cpus[i].apic_id == apic_id)
			uid = acpi_info.cpus[i].processor_uid;

	for (unsigned i = 0; i < acpi_info.nlapic_nmis; i++) {
		const struct acpi_lapic_nmi *n = &acpi_info.lapic_nmis[i];
		if (n->lint == lint && (n->processor_uid == ACPI_UID_ALL || n->processor_uid == uid)) {
			if (flags)
				*flags = n->flags;
			return true;
		}
	}
	return false;
}
