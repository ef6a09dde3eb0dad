/* Architecture set-up steps called by kmain (kernel/arch/x86_64). */
#ifndef PORTCULLIS_ARCH_H
#define PORTCULLIS_ARCH_H

#include "types.h"

const char *multiboot_parse(phys_addr_t info);   /* NULL, or a warning for the log */
void cpu_detect(void);
void cpu_apply_boot_options(void);
void cpu_setup_control_regs(void);
void cpu_print(void);
void idt_init(void);
void cpu_tables_init(unsigned cpu);

#endif
