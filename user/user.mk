# user/user.mk - ring-3 programs, included by the top-level Makefile.
#
# Inputs (set by the top-level Makefile): SRC, BUILD (absolute), CC, NASM, OBJCOPY, Q.
#
# Outputs:
#   make user            builds every program to $(BUILD)/user/NAME.elf
#   USER_PROGS           full paths of all program ELFs (the ISO packs each as a GRUB module,
#                        named by its basename without .elf)
#   USER_PROGS_64/_32    the same, split by ABI
#
# Every program is a static ET_EXEC that runs unmodified on Linux as well as on Portcullis. The
# build depends on nothing in the kernel configuration. Objects go to $(BUILD)/user/obj/64/... and
# $(BUILD)/user/obj/32/..., mirroring the source tree under user/, so the runtime in user/lib/ is
# compiled once per ABI and a source file may be shared by a 64-bit and a 32-bit program.
# A program links to $(BUILD)/user/obj/NAME.debug.elf (for GDB); NAME.elf is that without its
# DWARF sections, which is what GRUB loads as a module in every run (half the bytes, and loading
# modules is a good part of a run's time under TCG).
#
# All names defined here start with USER_ or user_ so they cannot collide with other fragments.

USER_SRC := $(SRC)/user
USER_OUT := $(BUILD)/user
USER_OBJ := $(USER_OUT)/obj

# ---- the programs -------------------------------------------------------------------------------

USER_NAMES_64 := hello \
                 fault_kwrite fault_ud2 fault_div0 fault_noncanon fault_int3 fault_hlt \
                 t_enosys t_efault t_abi t_sys fpu t_entry t_badiret t_pcid t_gsbase t_sigreturn bench t_windows t_sysret_ss t_files t_nanosleep
USER_NAMES_32 := hello32 hello32_vdso t_sys32 fpu32 t_flags32 t_signal32 t_sigreturn32 t_files32 t_nanosleep32 t_proc32
USER_NAMES_64 += t_tls
USER_NAMES_32 += t_tls32
USER_NAMES_64 += fpustress
USER_NAMES_32 += fpustress32

# Programs that are their own runtime (raw _start, raw syscalls) and link without user/lib.
USER_NAMES_NOLIB := hello hello32

# Sources of a program, relative to user/: user_srcs_NAME if set; else, for a musl program,
# user/musl/NAME.c; else every .c and .asm in user/NAME/ if that directory exists, else user/NAME.c.
user_srcs_t_sys32 := t_sys.c
user_srcs_t_nanosleep32 := t_nanosleep.c
user_srcs_t_files32 := t_files.c
user_srcs_fpu     := fpu/fpu.c fpu/loop64.asm
user_srcs_fpu32   := fpu/fpu.c fpu/loop32.asm
user_srcs_fpustress   := fpustress/fpustress.c fpustress/regs64.asm
user_srcs_fpustress32 := fpustress/fpustress.c fpustress/regs32.asm
user_srcs_init    := init/init.c init/loops.asm lib/compat64.asm

# $(call user_srcs,NAME,ABI)
user_srcs = $(or $(user_srcs_$(1)),$(if $(filter musl,$(2)),musl/$(1).c,$(if $(wildcard $(USER_SRC)/$(1)/),$(patsubst $(USER_SRC)/%,%,$(sort $(wildcard $(USER_SRC)/$(1)/*.c $(USER_SRC)/$(1)/*.asm))),$(1).c)))

# $(call user_objs,SOURCES,BITS): objects for sources relative to user/. foo.asm becomes
# foo.asm.o so that foo.c and foo.asm could coexist.
user_objs = $(patsubst %.c,$(USER_OBJ)/$(2)/%.o,$(filter %.c,$(1))) \
            $(patsubst %.asm,$(USER_OBJ)/$(2)/%.asm.o,$(filter %.asm,$(1)))

USER_PROGS_64 := $(USER_NAMES_64:%=$(USER_OUT)/%.elf)
USER_PROGS_32 := $(USER_NAMES_32:%=$(USER_OUT)/%.elf)
# Ordinary C programs built with Debian's musl-gcc -static (musl-tools): init, and one .c each in
# user/musl/. Their NASM objects (init's) are elf64 ones, assembled as for USER_NAMES_64.
USER_NAMES_MUSL := init musl_hello musl_signals musl_fpu_signal musl_env musl_tls musl_nested_fault musl_files \
                   musl_fork musl_exec musl_pipe
USER_NAMES_MUSL += musl_altstack musl_pgrp
USER_PROGS_MUSL := $(USER_NAMES_MUSL:%=$(USER_OUT)/%.elf)
USER_MUSL_CC    ?= musl-gcc

USER_PROGS    := $(USER_PROGS_64) $(USER_PROGS_32) $(USER_PROGS_MUSL)

# ---- the runtime (user/lib) ---------------------------------------------------------------------

USER_LIB_C       := lib/printf.c lib/ktap.c lib/auxv.c
# The kernel's string routines and printf formatter, compiled into the runtime as they are: one
# copy of that code for both sides (objects in obj/BITS/klib/).
USER_KLIB        := string vsnprintf
USER_LIB_OBJS_64 := $(call user_objs,lib/start64.asm lib/compat64.asm $(USER_LIB_C),64) \
                    $(USER_KLIB:%=$(USER_OBJ)/64/klib/%.o)
USER_LIB_OBJS_32 := $(call user_objs,lib/start32.asm $(USER_LIB_C),32) \
                    $(USER_KLIB:%=$(USER_OBJ)/32/klib/%.o)

# ---- flags --------------------------------------------------------------------------------------

USER_CFLAGS    := -std=gnu11 -O2 -g -Wall -Wextra -Werror \
                  -ffreestanding -fno-pic -no-pie -fno-stack-protector -static -nostdlib \
                  -I$(USER_SRC)/lib -I$(USER_SRC)/include -MMD -MP
USER_CFLAGS_64 := $(USER_CFLAGS)
USER_CFLAGS_32 := $(USER_CFLAGS) -m32
USER_LDFLAGS_64 := -static -nostdlib -no-pie
USER_LDFLAGS_32 := $(USER_LDFLAGS_64) -m32
USER_MUSL_CFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -Werror -I$(USER_SRC)/lib -I$(USER_SRC)/include \
                    -MMD -MP
# The link command of each ABI, then the libraries after the objects.
USER_LINK_64   := $(CC) $(USER_LDFLAGS_64)
USER_LINK_32   := $(CC) $(USER_LDFLAGS_32)
USER_LINK_musl := $(USER_MUSL_CC) -static
USER_LDLIBS_64 := -lgcc
USER_LDLIBS_32 := -lgcc
USER_NASMFLAGS := -Werror -g -F dwarf -I$(USER_SRC)/include/ -I$(USER_SRC)/lib/
USER_NASMFLAGS_64 := $(USER_NASMFLAGS) -I$(USER_OUT)/include/64/
USER_NASMFLAGS_32 := $(USER_NASMFLAGS) -I$(USER_OUT)/include/32/

# asm-offsets: user/asm-offsets.c, compiled to assembly per ABI, gives the NASM code every layout
# and number it shares with C (portcullis.inc includes the result).
USER_ASM_OFFSETS_64 := $(USER_OUT)/include/64/asm-offsets.inc
USER_ASM_OFFSETS_32 := $(USER_OUT)/include/32/asm-offsets.inc

# string.c implements memset and friends with plain loops; without this gcc could turn those
# loops back into calls to memset/memcpy, i.e. into infinite recursion.
$(USER_OBJ)/64/klib/string.o $(USER_OBJ)/32/klib/string.o: \
	USER_CFLAGS_EXTRA := -fno-tree-loop-distribute-patterns

# $(call user_nasm,BITS): dependencies, then the object. The dependency file comes from a
# separate preprocess-only run (-M) because NASM 2.16.00/2.16.01 leave %include'd files out of
# the one written by -MD while assembling (fixed in 2.16.02).
user_nasm = $(NASM) -f elf$(1) $(USER_NASMFLAGS_$(1)) -M -MP -MT $@ -MF $(@:.o=.d) $< && \
            $(NASM) -f elf$(1) $(USER_NASMFLAGS_$(1)) -o $@ $<

# Short progress lines unless V=1 (Q empty).
user_say = $(if $(Q),@printf '  %-8s %s\n' '$(1)' '$(patsubst $(BUILD)/%,%,$(2))')

# ---- rules --------------------------------------------------------------------------------------

.PHONY: user
user: $(USER_PROGS)

$(USER_OBJ)/64/%.o: $(USER_SRC)/%.c
	$(call user_say,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(USER_CFLAGS_64) $(USER_CFLAGS_EXTRA) -c -o $@ $<

$(USER_OBJ)/32/%.o: $(USER_SRC)/%.c
	$(call user_say,CC32,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(USER_CFLAGS_32) $(USER_CFLAGS_EXTRA) -c -o $@ $<

$(USER_OBJ)/64/klib/%.o: $(SRC)/kernel/lib/%.c
	$(call user_say,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(USER_CFLAGS_64) $(USER_CFLAGS_EXTRA) -I$(SRC)/kernel/include -c -o $@ $<

$(USER_OBJ)/32/klib/%.o: $(SRC)/kernel/lib/%.c
	$(call user_say,CC32,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(USER_CFLAGS_32) $(USER_CFLAGS_EXTRA) -I$(SRC)/kernel/include -c -o $@ $<

$(USER_OBJ)/musl/%.o: $(USER_SRC)/%.c
	$(call user_say,MUSLCC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(USER_MUSL_CC) $(USER_MUSL_CFLAGS) -c -o $@ $<

$(USER_OUT)/include/%/asm-offsets.inc: $(USER_SRC)/asm-offsets.c
	$(call user_say,GEN,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(USER_CFLAGS_$*) -MF $(@:.inc=.d) -MT $@ -S -o $(@:.inc=.s) $<
	$(Q){ echo '; Generated from user/asm-offsets.c by user/user.mk: do not edit.'; \
	  $(ASM_OFFSETS_SED) < $(@:.inc=.s); } > $@.tmp && mv $@.tmp $@
-include $(USER_OUT)/include/64/asm-offsets.d $(USER_OUT)/include/32/asm-offsets.d

$(USER_OBJ)/64/%.asm.o: $(USER_SRC)/%.asm $(USER_ASM_OFFSETS_64)
	$(call user_say,NASM,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(call user_nasm,64)

$(USER_OBJ)/musl/%.asm.o: $(USER_SRC)/%.asm $(USER_ASM_OFFSETS_64)
	$(call user_say,NASM,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(call user_nasm,64)

$(USER_OBJ)/32/%.asm.o: $(USER_SRC)/%.asm $(USER_ASM_OFFSETS_32)
	$(call user_say,NASM32,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(call user_nasm,32)

# One link rule per program: $(1) = name, $(2) = 64, 32 or musl (musl brings its own runtime).
define user_prog_rule
USER_OBJS_$(1) := $$(call user_objs,$$(call user_srcs,$(1),$(2)),$(2)) \
                  $$(if $$(filter $(1),$$(USER_NAMES_NOLIB)),,$$(USER_LIB_OBJS_$(2)))
USER_ALL_OBJS += $$(USER_OBJS_$(1))

$$(USER_OBJ)/$(1).debug.elf: $$(USER_OBJS_$(1))
	$$(call user_say,LD,$$(USER_OUT)/$(1).elf)
	$$(Q)$$(USER_LINK_$(2)) -o $$@ $$^ $$(USER_LDLIBS_$(2))
endef

$(USER_OUT)/%.elf: $(USER_OBJ)/%.debug.elf
	$(Q)$(OBJCOPY) --strip-debug --add-gnu-debuglink=$< $< $@

USER_ALL_OBJS :=
$(foreach n,$(USER_NAMES_64),$(eval $(call user_prog_rule,$(n),64)))
$(foreach n,$(USER_NAMES_32),$(eval $(call user_prog_rule,$(n),32)))
$(foreach n,$(USER_NAMES_MUSL),$(eval $(call user_prog_rule,$(n),musl)))

# Header dependencies written by -MMD -MP (C) and -M -MP (NASM).
-include $(patsubst %.o,%.d,$(sort $(USER_ALL_OBJS)))
