# tests/bench/bench.mk - `make bench`: entry-path cost figures, Linux and Portcullis side by side.
# Included by tests/tests.mk (so after user/user.mk, whose rules and variables it reuses).
#
#   bench          builds three kernels and the two bench programs, then runs tests/bench/run:
#                    $(BENCH_ROOT)/bench        configs/bench_defconfig (PTI built in, no
#                                               DEBUG_ENTRY, no KTEST), booted pti=on and pti=off
#                    $(BENCH_ROOT)/bench-nopti  the same with CONFIG_PAGE_TABLE_ISOLATION=n
#                  and boots Debian's Linux 6.1 (linux-image-amd64, fetched with apt-get download
#                  into $(BENCH_ROOT)/bench-linux on first use) with the same programs as init;
#                  the PTI+PCID column boots $(BENCH_ROOT)/bench under Bochs (PCID CPU model).
#                  Prints the table and rewrites docs/performance.md. Figures only: nothing is
#                  asserted; the target fails only if a build or a boot is broken.
#   bench-programs the programs alone, in $(BUILD)/user: bench.elf (USER_NAMES_64) and bench32.elf
#
# Variables: BENCH_ROOT (default $(SRC)/build), BENCH_ARGS (more tests/bench/run options, e.g.
# BENCH_ARGS='--quick' or BENCH_ARGS='--no-doc'; tests/bench/run --help lists them).
#
# All names defined here start with BENCH_ or bench_.

BENCH_ROOT ?= $(SRC)/build
BENCH_ARGS ?=

# ---- bench32: the i386 build of user/bench (the vDSO needs a real 32-bit process) ---------------
# bench.elf is an ordinary USER_NAMES_64 program (all of user/bench/; loops32.asm becomes its
# compatibility-mode stubs). bench32.elf is built here from the same C file and loops32.asm
# assembled as elf32, with user.mk's object rules and runtime.

BENCH_SRCS_32 := bench/bench.c bench/loops32.asm
BENCH_OBJS_32 := $(call user_objs,$(BENCH_SRCS_32),32)
BENCH_PROG_32 := $(USER_OUT)/bench32.elf

$(BENCH_PROG_32): $(BENCH_OBJS_32) $(USER_LIB_OBJS_32)
	$(call user_say,LD,$@)
	$(Q)$(CC) $(USER_LDFLAGS_32) -o $@ $^ -lgcc

-include $(patsubst %.o,%.d,$(BENCH_OBJS_32))

.PHONY: bench bench-programs
bench-programs: $(USER_OUT)/bench.elf $(BENCH_PROG_32)

# ---- make bench ---------------------------------------------------------------------------------

bench_make = $(MAKE) --no-print-directory -C $(SRC)

bench:
	@echo '==== make bench: building $(patsubst $(SRC)/%,%,$(BENCH_ROOT))/bench and bench-nopti'
	$(Q)$(bench_make) O=$(BENCH_ROOT)/bench bench_defconfig
	$(Q)$(bench_make) O=$(BENCH_ROOT)/bench kernel bench-programs
	$(Q)$(bench_make) O=$(BENCH_ROOT)/bench-nopti bench_defconfig
	$(Q)sed -i 's/^CONFIG_PAGE_TABLE_ISOLATION=y$$/# CONFIG_PAGE_TABLE_ISOLATION is not set/' \
		$(BENCH_ROOT)/bench-nopti/.config
	$(Q)$(bench_make) O=$(BENCH_ROOT)/bench-nopti kernel
	$(Q)$(PYTHON) $(SRC)/tests/bench/run --build-root $(BENCH_ROOT) $(BENCH_ARGS)
