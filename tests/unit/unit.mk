# tests/unit/unit.mk - host unit tests (Check), included by tests/tests.mk.
#
# Uses SRC, BUILD, CC and Q from the top-level Makefile.
#
# Each suite is one host binary, $(BUILD)/unit/test_NAME, linked from
#   tests/unit/test_NAME.c     the test cases; it defines unit_suite()
#   tests/unit/unit_main.c     main(): runs unit_suite() with a Check srunner
#   the kernel sources under test, compiled for the host with AddressSanitizer and UBSan
# `make unit` builds every suite, runs them all (tests/unit/run-suites.sh), shows each suite's
# result and failures, and ends with ONE Check summary line that adds up all the suites:
#   100%: Checks: 57, Failures: 0, Errors: 0
# It fails if any check fails or any suite crashes.
#
# Adding a suite is one line at the end of this file:
#   $(eval $(call UNIT_SUITE,NAME,KERNEL SOURCES[,EXTRA TEST SOURCES]))
#
# Kernel code compiled for the host:
#   -DHOST_TEST       headers that need it have a host variant (mm.h: phys_to_virt)
#   -iquote           kernel headers are found by #include "..." only, so that kernel/include's
#                     string.h, errno.h, time.h and sched.h do not hide libc's <string.h> etc.
#                     from the C library's and Check's own headers
#   -D$(n)=kernel_$(n) for every name in UNIT_RENAMED: the kernel defines memcpy, snprintf,...
#                     and so does libc; the kernel's copies get a prefix (in every unit object,
#                     the tests included) so that both can be linked and the tests call the
#                     kernel's. tests/unit/libc_ref.c is compiled without it, to reach libc's.
#   -ffreestanding    as in the kernel build (kernel sources only)

UNIT_DIR := $(BUILD)/unit

UNIT_RENAMED := memcpy memmove memset memcmp strlen strnlen strcmp strncmp strchr strrchr \
		strlcpy strlcat snprintf vsnprintf
UNIT_RENAME = $(foreach n,$(UNIT_RENAMED),-D$(n)=kernel_$(n))

UNIT_CHECK_CFLAGS := $(shell pkg-config --cflags check 2>/dev/null)
UNIT_CHECK_LIBS   := $(shell pkg-config --libs check 2>/dev/null)
UNIT_SANITIZE     := -fsanitize=address,undefined -fno-sanitize-recover=all
ifeq ($(UNIT_CHECK_LIBS),)
# Expanded only by the recipe below, so other targets work without Check.
UNIT_NEED_CHECK = $(error Check was not found by pkg-config: install it (scripts/setup does))
endif

# Recursive (=) so that UNIT_RENAME can be emptied per target (libc_ref.o below).
UNIT_CFLAGS = -std=gnu11 -Wall -Wextra -Werror -g -O1 -fno-omit-frame-pointer $(UNIT_SANITIZE) \
	      -U_FORTIFY_SOURCE -DHOST_TEST -iquote $(SRC)/kernel/include $(UNIT_RENAME) -MMD -MP
UNIT_KCFLAGS = $(UNIT_CFLAGS) -ffreestanding
UNIT_TCFLAGS = $(UNIT_CFLAGS) $(UNIT_CHECK_CFLAGS)

UNIT_SUITES :=

# UNIT_SUITE(name, kernel sources, extra test sources): declare the suite binary and its objects.
define UNIT_SUITE
UNIT_SUITES += $(1)
UNIT_OBJS_$(1) := $(patsubst %.c,$(UNIT_DIR)/obj/%.o,tests/unit/test_$(1).c tests/unit/unit_main.c $(3) $(2))
$(UNIT_DIR)/test_$(1): $$(UNIT_OBJS_$(1))
	$$(if $(Q),@echo '  HOSTLD  unit/test_$(1)')
	$(Q)$$(CC) $$(UNIT_SANITIZE) -o $$@ $$^ $$(UNIT_CHECK_LIBS)
endef

# Kernel sources, compiled as kernel code (no libc headers; freestanding).
$(UNIT_DIR)/obj/kernel/%.o: $(SRC)/kernel/%.c
	@mkdir -p $(@D)
	$(if $(Q),@echo '  HOSTCC  kernel/$*.c')
	$(Q)$(CC) $(UNIT_KCFLAGS) -c $< -o $@

# Test sources: hosted, with Check.
$(UNIT_DIR)/obj/tests/unit/%.o: $(SRC)/tests/unit/%.c
	$(UNIT_NEED_CHECK)@mkdir -p $(@D)
	$(if $(Q),@echo '  HOSTCC  tests/unit/$*.c')
	$(Q)$(CC) $(UNIT_TCFLAGS) -c $< -o $@

# The tests' window onto libc's own snprintf, to compare against.
$(UNIT_DIR)/obj/tests/unit/libc_ref.o: UNIT_RENAME =

# ---- the suites -----------------------------------------------------------------------------
$(eval $(call UNIT_SUITE,string,kernel/lib/string.c kernel/lib/vsnprintf.c,tests/unit/libc_ref.c))
$(eval $(call UNIT_SUITE,printk,kernel/lib/printk.c kernel/lib/vsnprintf.c kernel/lib/string.c))
$(eval $(call UNIT_SUITE,cmdline,kernel/lib/cmdline.c kernel/lib/string.c))
$(eval $(call UNIT_SUITE,bootparams,kernel/lib/bootparams.c kernel/lib/cmdline.c kernel/lib/vsnprintf.c kernel/lib/string.c))
$(eval $(call UNIT_SUITE,elf,kernel/exec/elf.c kernel/lib/string.c))
$(eval $(call UNIT_SUITE,pmm,kernel/mm/pmm.c kernel/lib/string.c))
$(eval $(call UNIT_SUITE,paging,kernel/mm/paging.c kernel/mm/pmm.c kernel/lib/string.c))
$(eval $(call UNIT_SUITE,pti,kernel/mm/pti_audit.c kernel/mm/paging.c kernel/mm/pmm.c kernel/lib/vsnprintf.c kernel/lib/string.c))
$(eval $(call UNIT_SUITE,asid,kernel/mm/asid.c kernel/lib/string.c))
$(eval $(call UNIT_SUITE,fs,kernel/fs/rofs.c kernel/lib/string.c))
# ----------------------------------------------------------------------------------------------

UNIT_BINS := $(foreach s,$(UNIT_SUITES),$(UNIT_DIR)/test_$(s))

.PHONY: unit
unit: $(UNIT_BINS)
	$(Q)$(SHELL) $(SRC)/tests/unit/run-suites.sh $(UNIT_DIR) $(UNIT_SUITES)

-include $(sort $(foreach s,$(UNIT_SUITES),$(UNIT_OBJS_$(s):.o=.d)))
