# iso/iso.mk: the bootable GRUB ISO, `make run` and `make debug`.
#
#   iso     $(BUILD)/portcullis.iso: GRUB (BIOS, grub-mkrescue) + /boot/portcullis.elf + every
#           user program as /boot/user/NAME.elf, loaded with `module2 ... NAME`. Two entries:
#           "Portcullis" (init=init) and "Portcullis (pti=off)"; timeout 0 boots the first.
#   run     boot the ISO in QEMU (TCG), COM1 on this terminal; exits with init's status
#           (0 iff the exit marker says 0; 124 timeout, 125 panic / triple fault / no marker).
#           RUN_EMULATOR=bochs boots it in Bochs instead (COM1 is then output only).
#   debug   QEMU stopped at the first instruction with its gdbstub on :1234 (-s -S), in the
#           background, and GDB attached with the kernel's symbols. COM1 goes to this terminal.
#
# Variables (command line or environment):
#   BOOT_OPTIONS  extra kernel options for both entries, before init= (default: none)
#   QEMU_CPU      -cpu model (default max)         QEMU_SMP   -smp (default 1)
#   QEMU_EXTRA    more QEMU arguments               RUN_TIMEOUT seconds, 0 = none (default 300)
#   RUN_EMULATOR  qemu (default) or bochs, for run   BOCHS_CPU  Bochs model (corei7_icelake_u)
#   GDB           the debugger (default gdb)   GDB_EXTRA  more GDB arguments, after the attach
#                 (e.g. GDB_EXTRA="-ex 'break kmain' -ex continue")

ISO          := $(BUILD)/portcullis.iso
ISO_ROOT     := $(BUILD)/iso/root
ISO_GRUB_CFG := $(BUILD)/iso/grub.cfg
QEMU_CPU     ?= max
QEMU_SMP     ?= 1
QEMU_EXTRA   ?=
RUN_TIMEOUT  ?= 300
RUN_EMULATOR ?= qemu
BOCHS_CPU    ?= corei7_icelake_u
BOOT_OPTIONS ?=
GDB          ?= gdb
GDB_EXTRA    ?=
GRUB_MKRESCUE ?= grub-mkrescue

iso_modules = $(foreach p,$(USER_PROGS),\n\tmodule2 /boot/user/$(notdir $(p)) $(basename $(notdir $(p))))

.PHONY: iso run debug

iso: $(ISO)

# grub.cfg is regenerated on every run but only replaced when it changes (BOOT_OPTIONS, the list
# of programs), so the ISO is rebuilt only when needed.
$(ISO_GRUB_CFG): $(SRC)/iso/grub.cfg.in FORCE
	@mkdir -p $(@D)
	$(Q)sed -e 's|@CMDLINE@|$(if $(strip $(BOOT_OPTIONS)),$(strip $(BOOT_OPTIONS)) )|' \
		-e 's|@MODULES@|$(iso_modules)|' $< | sed -e 's/ *$$//' > $@.tmp
	$(Q)sh $(SRC)/scripts/move-if-changed $@.tmp $@

$(ISO): $(BUILD)/portcullis.elf $(USER_PROGS) $(ISO_GRUB_CFG)
	$(if $(Q),@echo '  ISO     $(notdir $@)')
	$(Q)rm -rf $(ISO_ROOT)
	$(Q)mkdir -p $(ISO_ROOT)/boot/grub $(ISO_ROOT)/boot/user
	$(Q)cp $(BUILD)/portcullis.elf $(ISO_ROOT)/boot/portcullis.elf
	$(Q)$(if $(USER_PROGS),cp $(USER_PROGS) $(ISO_ROOT)/boot/user/)
	$(Q)cp $(ISO_GRUB_CFG) $(ISO_ROOT)/boot/grub/grub.cfg
	$(Q)$(GRUB_MKRESCUE) --fonts= --locales= --themes= -o $@.tmp $(ISO_ROOT) \
		$(if $(Q),>$(BUILD)/iso/grub-mkrescue.log 2>&1 || { cat $(BUILD)/iso/grub-mkrescue.log; exit 1; })
	$(Q)mv -f $@.tmp $@

run: $(ISO)
ifeq ($(RUN_EMULATOR),bochs)
	$(Q)$(PYTHON) $(SRC)/tests/run-elf --iso $(ISO) --emulator bochs --cpu '$(BOCHS_CPU)' \
		--smp $(QEMU_SMP) --timeout $(RUN_TIMEOUT)
else
	$(Q)$(PYTHON) $(SRC)/tests/run-elf --iso $(ISO) --cpu '$(QEMU_CPU)' --smp $(QEMU_SMP) \
		--timeout $(RUN_TIMEOUT) $(if $(strip $(QEMU_EXTRA)),--qemu-extra '$(QEMU_EXTRA)')
endif

debug: $(ISO)
	@echo 'debug: QEMU waits for GDB on :1234; COM1 prints here. Quit GDB to stop QEMU.'
	$(Q)$(QEMU) -accel tcg -cpu '$(QEMU_CPU)' -smp $(QEMU_SMP) -m 256M -no-reboot -display none \
		-monitor none -device isa-debug-exit,iobase=0xf4,iosize=0x04 $(QEMU_EXTRA) \
		-boot d -cdrom $(ISO) -serial stdio -s -S </dev/null & qpid=$$!; \
	$(GDB) -q -ex 'set tcp connect-timeout 10' -ex 'symbol-file $(BUILD)/portcullis.debug.elf' \
		-ex 'target remote :1234' $(GDB_EXTRA); \
	kill $$qpid 2>/dev/null; wait $$qpid 2>/dev/null; true
