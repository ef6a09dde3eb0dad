/*
 * ACPI table discovery and the MADT (kernel/arch/x86_64/acpi.c).
 *
 * acpi_init() finds the RSDP (from the multiboot2 tag, else by scanning the BIOS areas), walks the
 * XSDT or RSDT, checks every table's checksum and parses the MADT into struct acpi_info: the
 * local APICs, the I/O APICs, the ISA interrupt source overrides and the local APIC NMI
 * connections. Without usable ACPI it fills acpi_info with the PC defaults (one CPU, LAPIC at
 * 0xfee00000, one I/O APIC at 0xfec00000 with GSI base 0, ISA IRQ n on GSI n except the PIT's
 * IRQ 0 on GSI 2, the MP specification's default wiring) and returns a negative errno, so that
 * its users never need a second code path.
 */
#ifndef PORTCULLIS_ACPI_H
#define PORTCULLIS_ACPI_H

#include "types.h"

#define ACPI_MAX_CPUS       64
#define ACPI_MAX_IOAPICS    8
#define ACPI_MAX_OVERRIDES  16
#define ACPI_MAX_LAPIC_NMIS 16
#define ACPI_MAX_TABLES     64

#define ACPI_DEFAULT_LAPIC_ADDR   0xfee00000UL
#define ACPI_DEFAULT_IOAPIC_ADDR  0xfec00000UL

/* Processor UID that the MADT's local APIC NMI entries use for "every processor". */
#define ACPI_UID_ALL  0xffffffffu

/* MPS INTI flags, as in the MADT's interrupt source override and NMI entries. */
#define ACPI_INTI_POLARITY_MASK    0x0003
#define ACPI_INTI_POLARITY_BUS     0x0000   /* conforms to the bus: ISA is active high */
#define ACPI_INTI_POLARITY_HIGH    0x0001
#define ACPI_INTI_POLARITY_LOW     0x0003
#define ACPI_INTI_TRIGGER_MASK     0x000c
#define ACPI_INTI_TRIGGER_BUS      0x0000   /* conforms to the bus: ISA is edge triggered */
#define ACPI_INTI_TRIGGER_EDGE     0x0004
#define ACPI_INTI_TRIGGER_LEVEL    0x000c

/* The standard header every ACPI table (other than the RSDP) starts with. */
struct acpi_sdt_header {
	char signature[4];
	u32 length;                 /* of the whole table, header included */
	u8  revision;
	u8  checksum;               /* all bytes of the table sum to 0 */
	char oem_id[6];
	char oem_table_id[8];
	u32 oem_revision;
	u32 creator_id;
	u32 creator_revision;
} __packed;
static_assert(sizeof(struct acpi_sdt_header) == 36, "ACPI table header");

struct acpi_cpu {
	u32 apic_id;                /* local APIC ID (x2APIC ID for MADT type 9 entries) */
	u32 processor_uid;          /* ACPI processor UID, what the NMI entries refer to */
	bool enabled;               /* usable now */
	bool online_capable;        /* disabled but may be brought online (hot-plug) */
	bool x2apic;                /* from an x2APIC entry (type 9) */
};

struct acpi_ioapic {
	u8 id;
	phys_addr_t addr;           /* physical address of the register window */
	u32 gsi_base;               /* first global system interrupt on its pin 0 */
};

struct acpi_override {
	u8  isa_irq;                /* source: bus 0 (ISA) IRQ */
	u32 gsi;                    /* destination global system interrupt */
	u16 flags;                  /* ACPI_INTI_* polarity and trigger */
};

struct acpi_lapic_nmi {
	u32 processor_uid;          /* ACPI_UID_ALL: every processor */
	u16 flags;                  /* ACPI_INTI_* polarity and trigger */
	u8  lint;                   /* 0 = LINT0, 1 = LINT1 */
};

struct acpi_info {
	bool from_acpi;             /* false: the PC defaults below are in force */
	u8  rsdp_revision;
	char oem_id[7];             /* from the RSDP, NUL terminated */
	phys_addr_t lapic_addr;     /* MADT (or its 64-bit override entry, type 5) */
	bool pcat_compat;           /* MADT flag: a dual 8259 PIC is present and must be masked */

	unsigned ncpus;             /* enabled or online-capable, duplicates removed */
	struct acpi_cpu cpus[ACPI_MAX_CPUS];
	unsigned nioapics;
	struct acpi_ioapic ioapics[ACPI_MAX_IOAPICS];
	unsigned noverrides;
	struct acpi_override overrides[ACPI_MAX_OVERRIDES];
	unsigned nlapic_nmis;
	struct acpi_lapic_nmi lapic_nmis[ACPI_MAX_LAPIC_NMIS];
};
extern struct acpi_info acpi_info;

/*
 * Find and parse the tables. Returns 0, or a negative errno after printing why ACPI is unusable;
 * acpi_info then describes the PC defaults above (the one CPU: the boot CPU's initial APIC ID).
 */
int acpi_init(void);

/*
 * The global system interrupt an ISA IRQ arrives on, applying the MADT's interrupt source
 * overrides (identity when there is none). *flags (if non-NULL) receives the override's
 * ACPI_INTI_* flags, or 0 ("conforms to the bus": ISA means edge, active high).
 */
u32 acpi_isa_irq_to_gsi(unsigned irq, u16 *flags);

/*
 * The n-th (from 0) checksum-valid table with this 4-character signature listed in the XSDT/RSDT,
 * or NULL. The pointer is in the direct map; the table's length was bounds-checked.
 */
const struct acpi_sdt_header *acpi_find_table(const char *signature, unsigned n);

/*
 * Whether the MADT connects local APIC input LINT<lint> (0 or 1) of the CPU with this APIC ID to
 * NMI (an entry for its processor UID or for every processor); *flags (if non-NULL) receives the
 * entry's ACPI_INTI_* flags. When acpi_info.nlapic_nmis is 0 the firmware said nothing (or there
 * is no ACPI) and the caller applies its own default.
 */
bool acpi_lapic_nmi(u32 apic_id, unsigned lint, u16 *flags);

#endif
