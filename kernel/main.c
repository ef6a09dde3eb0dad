/*
 * main.c - kmain: bring the machine up in dependency order, then start the first program.
 *
 *   serial -> boot information -> boot options -> CPU features -> frames -> page tables
 *   -> entry area (+ PTI patching) -> GDT/TSS/IDT -> control registers -> FPU -> ACPI/APIC/timer
 *   -> vDSO -> kinit thread (self-tests, init) ; the boot context becomes the idle task.
 */
#include "types.h"
#include "kernel.h"
#include "printk.h"
#include "serial.h"
#include "boot.h"
#include "bootparams.h"
#include "cmdline.h"
#include "cpu.h"
#include "mm.h"
#include "pmm.h"
#include "paging.h"
#include "pti.h"
#include "task.h"
#include "time.h"
#include "acpi.h"
#include "apic.h"
#include "vdso.h"
#include "ktest.h"
#include "string.h"
#include "arch.h"

struct boot_params boot_params;
extern int console_loglevel;
extern char _end[];

void kmain(u32 magic, u32 info);

/* Problems found while parsing the command line are kept until the log's destination is known. */
static char early_msgs[1024];
static size_t early_len;

static void early_report(void *ctx, const char *msg)
{
	(void)ctx;
	early_len += snprintf(early_msgs + early_len, sizeof(early_msgs) - MIN(early_len, sizeof(early_msgs)),
			      "boot options: %s\n", msg);
	if (early_len > sizeof(early_msgs))
		early_len = sizeof(early_msgs);
}

static void help_line(void *ctx, const char *line)
{
	(void)ctx;
	printk("  %s\n", line);
}

static void pmm_setup(void)
{
	struct pmm_region ram[BOOT_MAX_MMAP], rsv[BOOT_MAX_MODULES + 3];
	unsigned nram = 0, nrsv = 0;
	for (unsigned i = 0; i < boot_info.nmmap; i++)
		if (boot_info.mmap[i].type == 1)
			ram[nram++] = (struct pmm_region){ boot_info.mmap[i].base,
							  boot_info.mmap[i].base + boot_info.mmap[i].len };
	rsv[nrsv++] = (struct pmm_region){ 0, KERNEL_LOAD_PHYS };          /* real-mode area, BIOS */
	rsv[nrsv++] = (struct pmm_region){ KERNEL_LOAD_PHYS, (u64)_end - KERNEL_VIRT_BASE };
	rsv[nrsv++] = (struct pmm_region){ boot_info.info_start, boot_info.info_end };
	for (unsigned i = 0; i < boot_info.nmodules; i++)
		rsv[nrsv++] = (struct pmm_region){ boot_info.modules[i].start, boot_info.modules[i].end };
	if (!nram || pmm_init(ram, nram, rsv, nrsv))
		panic("no usable memory in the multiboot2 memory map");
	pr_info("mm: %lu MiB usable, %lu KiB free after the kernel and modules\n",
		(unsigned long)(pmm_total_pages() >> 8), (unsigned long)(pmm_free_pages() * 4));
}

static void report_pti(void)
{
	pr_info("pti: %s (CONFIG_PAGE_TABLE_ISOLATION=%s, pti=%s)\n", pti_enabled ? "on" : "off",
		pgd_is_pair ? "y" : "n", pti_mode_name(boot_params.pti));
	pr_info("pti: entry area %lu KiB per CPU (%lu pages mapped, guards between stacks), %d CPUs\n",
		(unsigned long)(CEA_STRIDE >> 10), (unsigned long)cea_pages_per_cpu(), CONFIG_NR_CPUS);
	if (!pgd_is_pair)
		return;
	struct mm *mm = mm_create();
	struct pti_audit a;
	if (!mm)
		return;
	int r = pti_audit(mm->pgd, &a, false);
	pr_info("pti audit: user PML4 maps %lu kernel pages in %lu ranges: %lu entry text, %lu entry "
		"area, %lu unexpected -> %s\n", (unsigned long)a.pages, (unsigned long)a.ranges,
		(unsigned long)a.entry_text_pages, (unsigned long)a.cea_pages,
		(unsigned long)a.unexpected_pages, r == 0 ? "PASS" : "FAIL");
	mm_destroy(mm);
}

static void kinit(void *arg)
{
	(void)arg;
	int failed = 0;
	if (boot_params.ktest[0]) {
#ifdef CONFIG_KTEST
		failed = ktest_run(boot_params.ktest);
#else
		pr_err("ktest=%s: self-tests are not built in (CONFIG_KTEST=n)\n", boot_params.ktest);
		failed = 1;
#endif
		if (!boot_params.init[0])
			machine_exit(failed ? 1 : 0);
	}
	static char initline[BOOT_INIT_MAX];
	char *argv[BOOT_INIT_MAX_ARGS + 1];
	strlcpy(initline, boot_params.init[0] ? boot_params.init : "init", sizeof(initline));
	int argc = cmdline_split_args(initline, argv, BOOT_INIT_MAX_ARGS);
	if (argc <= 0) {
		pr_err("init: cannot parse '%s'\n", boot_params.init);
		machine_exit(127);
	}
	argv[argc] = NULL;
	const char *why = NULL;
	struct task *t = spawn_program(argv[0], argc, argv, &why);
	if (!t) {
		pr_err("init: cannot run '%s': %s\n", argv[0], why);
		machine_exit(boot_find_module(argv[0]) ? 126 : 127);
	}
	int status = task_wait(t);
	pr_info("init exited with status %d\n", status);
	machine_exit(failed ? 1 : status);
}

void kmain(u32 magic, u32 info)
{
	(void)magic;
	serial_init();
	const char *mbwarn = multiboot_parse(info);
	bootparams_parse(boot_info.cmdline, &boot_params, early_report, NULL);
	console_loglevel = boot_params.loglevel;
	if (boot_params.quiet)
		serial_set_quiet(true);
	pr_info("Portcullis booting (%s), command line: %s\n", boot_info.loader, boot_info.cmdline);
	if (mbwarn)
		pr_warn("%s\n", mbwarn);
	if (early_len)
		log_write(early_msgs, early_len);
	if (boot_params.help) {
		printk("boot options:\n");
		bootparams_help(help_line, NULL);
	}

	cpu_detect();
	cpu_apply_boot_options();
	if (!cpu.nx)
		pr_warn("cpu: no NX: PTI's fail-safe and W^X for data are unavailable\n");
	pmm_setup();
	pti_choose();
	paging_init();
	cea_map_all();
	pti_build_user_template();
	tlb_init();
	pti_patch_entry_text(pcid_enabled);
	clac_patch_entry_text(cpu.smap);
	idt_init();
	cpu_tables_init(0);
	sched_init();
	cpu_setup_control_regs();
	cpu_print();
	fpu_init();
	acpi_init();
	pic_disable();
	apic_init();
	ioapic_init();
	time_init();
	apic_timer_init();
	vdso_init();
	report_pti();

	if (!task_create_kernel("kinit", kinit, NULL))
		panic("cannot create the kinit thread");
	idle_loop();
}
