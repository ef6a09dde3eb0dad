# Portcullis top-level Makefile.
#
#   make [O=build/pti] [target]      out-of-tree build directory (default: build)
#
# The build is split into fragments, each owned by one part of the tree:
#   scripts/kconfig.mk   .config, the generated C header and NASM include, *config targets
#   kernel/kernel.mk     the kernel ELF (asm-offsets, symbol table, link)
#   user/user.mk         ring-3 programs
#   iso/iso.mk           the GRUB ISO, run, debug
#   tests/tests.mk       host unit tests (Check) and the in-guest matrix
# Every fragment uses $(BUILD) (absolute) for outputs and $(SRC) for the source tree.

SRC   := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))
O     ?= build
BUILD := $(abspath $(O))

# Tools; override on the command line if needed.
CC      ?= gcc
ifeq ($(origin CC),default)
CC      := gcc
endif
LD      := ld
NASM    := nasm
OBJCOPY := objcopy
NM      := nm
PYTHON  := python3
QEMU    := qemu-system-x86_64

# The "->NAME value" markers of an asm-offsets.c compiled with -S, as NASM %defines: stdin to
# stdout (kernel/kernel.mk and user/user.mk).
ASM_OFFSETS_SED = sed -n 's/^[[:space:]]*\.ascii[[:space:]]*"->\([A-Za-z0-9_]*\) \$$\{0,1\}\(-\{0,1\}[0-9]*\)".*/%define \1 \2/p'

V ?= 0
ifeq ($(V),0)
Q := @
else
Q :=
endif

.DEFAULT_GOAL := all
.PHONY: all help clean distclean check bench compile_commands.json FORCE
.DELETE_ON_ERROR:

all: kernel user

include $(SRC)/scripts/kconfig.mk
include $(SRC)/kernel/kernel.mk
include $(SRC)/user/user.mk
include $(SRC)/iso/iso.mk
include $(SRC)/tests/tests.mk

help:
	@echo 'Portcullis build targets (add O=DIR for an out-of-tree build, default build/):'
	@echo '  all                 kernel and user programs (default)'
	@echo '  kernel              $(BUILD)/portcullis.elf'
	@echo '  user                ring-3 programs in $(BUILD)/user'
	@echo '  iso                 bootable GRUB ISO $(BUILD)/portcullis.iso'
	@echo '  run                 boot the ISO in QEMU (serial on this terminal); exits with the demo'
	@echo '  debug               QEMU with its gdbstub, and GDB attached with the kernel symbols'
	@echo '  check               host unit tests, then the in-guest test matrix'
	@echo '  unit                host unit tests only (Check)'
	@echo '  bench               entry-path cost figures (printed, never asserted)'
	@echo '  defconfig           .config from configs/pti_defconfig'
	@echo '  <name>_defconfig    .config from configs/<name>_defconfig'
	@echo '  menuconfig          interactive configuration (kconfig-mconf)'
	@echo '  olddefconfig        update .config, new symbols take their defaults'
	@echo '  savedefconfig       write a minimal defconfig to $(BUILD)/defconfig'
	@echo '  compile_commands.json  for clangd'
	@echo '  clean / distclean   remove objects / the whole build directory'

clean:
	$(Q)rm -rf $(BUILD)/kernel $(BUILD)/user $(BUILD)/unit $(BUILD)/iso $(BUILD)/*.elf $(BUILD)/*.iso

distclean:
	$(Q)rm -rf $(BUILD)

FORCE:
