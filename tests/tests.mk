# tests/tests.mk: `make check` (host unit tests, then the in-guest matrix) and `make bench`.
#
#   check   1. $(MAKE) unit: the host unit tests (tests/unit/unit.mk, Check), output kept in
#              $(BUILD)/check/unit.log; their Check summary line is counted by tests/run.
#           2. tests/run: builds $(CHECK_ROOT)/pti and $(CHECK_ROOT)/nopti and runs every test of
#              tests/guest-tests.txt on every leg (QEMU's four CPU models and Bochs's
#              corei7_icelake_u), $(CHECK_JOBS) emulators at a time; known failures (xfail=)
#              are reported but do not fail.
#           Ends with `N passed, N failed` (unit checks + guest runs); fails if anything failed.
#           Both steps always run, so one failure does not hide the others.
#   bench   entry-path cost figures, Portcullis and Linux side by side (tests/bench, docs/performance.md).
#
# Variables: CHECK_ROOT (default $(SRC)/build, i.e. build/pti and build/nopti), CHECK_JOBS
# (default 2), CHECK_ARGS (more tests/run options, e.g. CHECK_ARGS='--test hello' or
# CHECK_ARGS='--emulator qemu' to leave Bochs out).

CHECK_ROOT ?= $(SRC)/build
CHECK_JOBS ?= 2
CHECK_ARGS ?=

# The unit tests' fragment belongs to tests/unit/; until it exists, `unit` runs nothing.
ifneq ($(wildcard $(SRC)/tests/unit/unit.mk),)
include $(SRC)/tests/unit/unit.mk
check_unit_args = --unit-log $(BUILD)/check/unit.log --unit-status $$(cat $(BUILD)/check/unit.status)
else
.PHONY: unit
unit:
	@echo 'unit: tests/unit/unit.mk does not exist yet; no unit tests'
check_unit_args =
endif

.PHONY: check bench

check:
	@mkdir -p $(BUILD)/check
	@echo '==== make unit: host unit tests'
	$(Q){ $(MAKE) --no-print-directory -j$(CHECK_JOBS) unit; echo $$? > $(BUILD)/check/unit.status; } 2>&1 \
		| tee $(BUILD)/check/unit.log
	@echo '==== tests/run: in-guest matrix'
	$(Q)$(PYTHON) $(SRC)/tests/run --build-root $(CHECK_ROOT) -j $(CHECK_JOBS) \
		$(check_unit_args) $(CHECK_ARGS)

include $(SRC)/tests/bench/bench.mk
