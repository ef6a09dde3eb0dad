# kernel/kernel.mk - build $(BUILD)/portcullis.elf.
#
#   1. asm-offsets: kernel/asm-offsets.c is compiled to assembly and its "->NAME value" markers become
#      $(BUILD)/include/generated/asm-offsets.inc: struct offsets and memlayout.h constants for NASM.
#   2. C (gnu11, freestanding) and NASM objects, with -MMD/-MD dependency files.
#   3. Link twice: first with an empty symbol table, then with the table generated from the first
#      image (scripts/gensyms). The table is the last section, so nothing else moves.
#      CONFIG_KTEST adds a second generated table the same way: the entry-window table of the
#      entry_windows self-test (scripts/genwindows: every instruction of .entry.text with the GS,
#      CR3 and stack state expected before it). It is linked first in that last section, so its
#      one symbol has the same address in both links; entrywin1.lst is a readable copy.
#   4. The second link is $(BUILD)/portcullis.debug.elf, for GDB. What boots, portcullis.elf, is that
#      image without its DWARF sections (objcopy --strip-debug keeps the symbol table): GRUB reads
#      every non-allocated section of a multiboot2 kernel, and under TCG each 100 KiB costs time.

KERNEL_ELF  := $(BUILD)/portcullis.elf
KERNEL_DEBUG_ELF := $(BUILD)/portcullis.debug.elf
KOBJ        := $(BUILD)/kernel
GEN         := $(BUILD)/include/generated
ASM_OFFSETS := $(GEN)/asm-offsets.inc

KERNEL_C_SRCS   := $(shell cd $(SRC) && find kernel -name '*.c' ! -name asm-offsets.c | sort)
ifneq ($(CONFIG_KTEST),y)
KERNEL_C_SRCS   := $(filter-out kernel/ktest/%,$(KERNEL_C_SRCS))   # self-tests only with CONFIG_KTEST
endif
KERNEL_ASM_SRCS := $(shell cd $(SRC) && find kernel -name '*.asm' | sort)
KERNEL_OBJS     := $(patsubst %.c,$(BUILD)/%.o,$(KERNEL_C_SRCS)) \
                   $(patsubst %.asm,$(BUILD)/%.o,$(KERNEL_ASM_SRCS))

KERNEL_CFLAGS := -std=gnu11 -O2 -g -ffreestanding -fno-pic -fno-pie -mcmodel=kernel -mno-red-zone \
	-mgeneral-regs-only -fno-stack-protector -fno-omit-frame-pointer -fno-common \
	-fno-strict-aliasing -fno-asynchronous-unwind-tables -fcf-protection=none -nostdinc \
	-isystem $(shell $(CC) -print-file-name=include) \
	-Wall -Wextra -Werror -Wno-unused-parameter -Wmissing-prototypes -Wstrict-prototypes \
	-I$(SRC)/kernel/include -I$(BUILD)/include -include $(AUTOCONF_H) -MMD -MP
KERNEL_NASMFLAGS := -f elf64 -g -F dwarf -w+all -I$(SRC)/kernel/include/ \
	-I$(SRC)/kernel/entry/ -I$(BUILD)/include/ -P$(AUTOCONF_INC)
KERNEL_LDFLAGS := -n -nostdlib -z max-page-size=0x1000 -z noexecstack --no-warn-rwx-segments \
	-T $(SRC)/kernel/arch/x86_64/kernel.ld

.PHONY: kernel
kernel: $(KERNEL_ELF)

$(ASM_OFFSETS): $(SRC)/kernel/asm-offsets.c $(KCONFIG_DEPS)
	@mkdir -p $(dir $@) $(KOBJ)
	$(Q)$(CC) $(KERNEL_CFLAGS) -MF $(KOBJ)/asm-offsets.d -MT $@ -S -o $(KOBJ)/asm-offsets.s $<
	$(Q){ echo '; Generated from kernel/asm-offsets.c by kernel/kernel.mk: do not edit.'; \
	  $(ASM_OFFSETS_SED) < $(KOBJ)/asm-offsets.s; } > $@.tmp && mv $@.tmp $@
-include $(KOBJ)/asm-offsets.d

$(BUILD)/kernel/%.o: $(SRC)/kernel/%.c $(KCONFIG_DEPS) $(ASM_OFFSETS)
	@mkdir -p $(dir $@)
	$(if $(Q),@echo '  CC      $*.c')
	$(Q)$(CC) $(KERNEL_CFLAGS) -c -o $@ $<

$(BUILD)/kernel/%.o: $(SRC)/kernel/%.asm $(KCONFIG_DEPS) $(ASM_OFFSETS)
	@mkdir -p $(dir $@)
	$(if $(Q),@echo '  NASM    $*.asm')
	$(Q)$(NASM) $(KERNEL_NASMFLAGS) -M -MP -MT $@ -MF $@.d $<  # NASM 2.16.01's -MD omits %includes
	$(Q)$(NASM) $(KERNEL_NASMFLAGS) -o $@ $<

-include $(KERNEL_OBJS:.o=.d) $(KERNEL_OBJS:.o=.o.d)

$(KOBJ)/ksyms0.asm:
	@mkdir -p $(dir $@)
	$(Q)$(PYTHON) $(SRC)/scripts/gensyms --empty $@

$(KOBJ)/%.ksyms.o: $(KOBJ)/%.asm
	$(Q)$(NASM) -f elf64 -o $@ $<

# The entry-window table (CONFIG_KTEST): empty in the first link, generated from it for the second.
ifeq ($(CONFIG_KTEST),y)
KWIN0 := $(KOBJ)/entrywin0.ksyms.o
KWIN1 := $(KOBJ)/entrywin1.ksyms.o
endif

$(KOBJ)/entrywin0.asm: $(SRC)/scripts/genwindows
	@mkdir -p $(dir $@)
	$(Q)$(PYTHON) $(SRC)/scripts/genwindows --empty $@

$(KOBJ)/entrywin1.asm: $(KOBJ)/portcullis.tmp.elf $(SRC)/scripts/genwindows $(ASM_OFFSETS)
	$(Q)$(PYTHON) $(SRC)/scripts/genwindows --listing $(KOBJ)/entrywin1.lst $< $(ASM_OFFSETS) $@

$(KOBJ)/portcullis.tmp.elf: $(KERNEL_OBJS) $(KWIN0) $(KOBJ)/ksyms0.ksyms.o $(SRC)/kernel/arch/x86_64/kernel.ld
	$(Q)$(LD) $(KERNEL_LDFLAGS) -o $@ $(KERNEL_OBJS) $(KWIN0) $(KOBJ)/ksyms0.ksyms.o

$(KOBJ)/ksyms1.asm: $(KOBJ)/portcullis.tmp.elf $(SRC)/scripts/gensyms
	$(Q)$(PYTHON) $(SRC)/scripts/gensyms $< $@

$(KERNEL_DEBUG_ELF): $(KOBJ)/portcullis.tmp.elf $(KWIN1) $(KOBJ)/ksyms1.ksyms.o
	$(if $(Q),@echo '  LD      $(notdir $@)')
	$(Q)$(LD) $(KERNEL_LDFLAGS) -o $@ $(KERNEL_OBJS) $(KWIN1) $(KOBJ)/ksyms1.ksyms.o
	$(Q)$(NM) -n $(KOBJ)/portcullis.tmp.elf | grep -v -e ksyms -e ' _end$$' > $(KOBJ)/syms.a; \
	   $(NM) -n $@ | grep -v -e ksyms -e ' _end$$' > $(KOBJ)/syms.b; \
	   cmp -s $(KOBJ)/syms.a $(KOBJ)/syms.b || { echo 'kernel.mk: symbols moved between links'; exit 1; }

$(KERNEL_ELF): $(KERNEL_DEBUG_ELF)
	$(if $(Q),@echo '  STRIP   $(notdir $@)')
	$(Q)$(OBJCOPY) --strip-debug --add-gnu-debuglink=$< $< $@

# compile_commands.json for clangd: one entry per kernel C file with the exact flags.
compile_commands.json: $(AUTOCONF_H)
	$(Q)$(PYTHON) -c 'import json,sys; src,flags,files=sys.argv[1],sys.argv[2],sys.argv[3:]; \
	  print(json.dumps([{"directory": src, "file": src+"/"+f, \
	  "command": "$(CC) "+flags+" -c "+src+"/"+f} for f in files], indent=1))' \
	  '$(SRC)' '$(KERNEL_CFLAGS)' $(KERNEL_C_SRCS) > $(SRC)/compile_commands.json
	@echo '  GEN     compile_commands.json'
