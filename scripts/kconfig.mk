# scripts/kconfig.mk: configuration (Kconfig) for Portcullis.
#
# Included first by the top-level Makefile, with SRC, BUILD, Q, PYTHON already set.
#
# Configuration targets (all operate on $(BUILD)/.config, srctree=$(SRC)):
#   defconfig        .config from configs/pti_defconfig
#   NAME_defconfig   .config from configs/NAME_defconfig
#   menuconfig       interactive editor (kconfig-mconf)
#   oldconfig        update .config, asking about new symbols
#   olddefconfig     update .config, new symbols take their defaults
#   savedefconfig    minimal defconfig in $(BUILD)/defconfig
#
# Provided to the other fragments:
#   KCONFIG_CONFIG   $(BUILD)/.config
#   AUTOCONF_H       $(BUILD)/include/generated/autoconf.h    C: #define CONFIG_X 1 / number
#   AUTOCONF_INC     $(BUILD)/include/generated/autoconf.inc  NASM: %define CONFIG_X 1 / number
#   KCONFIG_DEPS     what every kernel object must depend on (the two headers)
#   KCONFIG_CPPFLAGS -include $(AUTOCONF_H), for C sources
#   KCONFIG_NASMFLAGS -p $(AUTOCONF_INC), NASM's pre-include
#   CONFIG_*         every symbol, as a make variable (y, or the number), from auto.conf
#
# On any other goal, a missing .config is created from configs/pti_defconfig, and the headers
# are regenerated when .config (or a Kconfig file) changes. They are only replaced when their
# content changes, so touching .config without changing it rebuilds nothing.

KCONFIG_CONF      ?= kconfig-conf
KCONFIG_MCONF     ?= kconfig-mconf
KCONFIG_DEFCONFIG := pti_defconfig

KCONFIG_TOP      := $(SRC)/Kconfig
KCONFIG_FILES    := $(KCONFIG_TOP) $(wildcard $(SRC)/kernel/Kconfig* $(SRC)/kernel/*/Kconfig* \
                                              $(SRC)/kernel/*/*/Kconfig*)
KCONFIG_CONFIG   := $(BUILD)/.config
KCONFIG_AUTOCONF := $(BUILD)/include/config/auto.conf
AUTOCONF_H       := $(BUILD)/include/generated/autoconf.h
AUTOCONF_INC     := $(BUILD)/include/generated/autoconf.inc
KCONFIG_DEPS     := $(AUTOCONF_H) $(AUTOCONF_INC)
KCONFIG_CPPFLAGS := -include $(AUTOCONF_H)
KCONFIG_NASMFLAGS := -p $(AUTOCONF_INC)

# kconfig-frontends (Linux 4.11's kconfig) writes .tmpconfig* and include/config/* relative to
# its working directory, so it always runs inside $(BUILD). CONFIG_ is the symbol prefix; set
# it explicitly so a stray CONFIG_ in the environment cannot change it.
kconfig_env = cd $(BUILD) && env srctree=$(SRC) KCONFIG_CONFIG=$(KCONFIG_CONFIG) CONFIG_=CONFIG_ \
	KCONFIG_AUTOCONFIG=$(KCONFIG_AUTOCONF) KCONFIG_TRISTATE=$(BUILD)/include/config/tristate.conf

# Goals that must not trigger the automatic .config / header generation.
kconfig_targets    := config defconfig %_defconfig menuconfig oldconfig olddefconfig savedefconfig
no_dot_config_goals := $(kconfig_targets) clean distclean help check bench

.PHONY: config defconfig menuconfig oldconfig olddefconfig savedefconfig

defconfig: $(SRC)/configs/$(KCONFIG_DEFCONFIG)
	$(Q)mkdir -p $(BUILD)
	$(Q)$(kconfig_env) $(KCONFIG_CONF) --defconfig=$< $(KCONFIG_TOP)

%_defconfig: $(SRC)/configs/%_defconfig
	$(Q)mkdir -p $(BUILD)
	$(Q)$(kconfig_env) $(KCONFIG_CONF) --defconfig=$< $(KCONFIG_TOP)

menuconfig: | $(KCONFIG_CONFIG)
	$(Q)$(kconfig_env) $(KCONFIG_MCONF) $(KCONFIG_TOP)

config oldconfig: | $(KCONFIG_CONFIG)
	$(Q)$(kconfig_env) $(KCONFIG_CONF) --oldconfig $(KCONFIG_TOP)

olddefconfig: | $(KCONFIG_CONFIG)
	$(Q)$(kconfig_env) $(KCONFIG_CONF) --olddefconfig $(KCONFIG_TOP)

savedefconfig: | $(KCONFIG_CONFIG)
	$(Q)$(kconfig_env) $(KCONFIG_CONF) --savedefconfig=$(BUILD)/defconfig $(KCONFIG_TOP)
	@echo 'Minimal configuration written to $(BUILD)/defconfig'

# No .config yet: start from the default configuration.
$(KCONFIG_CONFIG):
	@echo '  KCONFIG $(patsubst $(SRC)/%,%,$@) from configs/$(KCONFIG_DEFCONFIG)'
	$(Q)mkdir -p $(BUILD)
	$(Q)$(kconfig_env) $(KCONFIG_CONF) -s --defconfig=$(SRC)/configs/$(KCONFIG_DEFCONFIG) $(KCONFIG_TOP)

# auto.conf is the stamp of the generation. --olddefconfig first, so that symbols added to
# Kconfig since .config was written take their defaults instead of prompting (which would fail
# without a terminal); then --silentoldconfig writes auto.conf and the header. The header is
# written to a temporary name and only replaces the real one (and the NASM include derived from
# it) when its content differs.
$(KCONFIG_AUTOCONF): $(KCONFIG_CONFIG) $(KCONFIG_FILES)
	@echo '  KCONFIG include/generated/autoconf.h autoconf.inc'
	$(Q)mkdir -p $(BUILD)/include/config $(BUILD)/include/generated
	$(Q)$(kconfig_env) $(KCONFIG_CONF) -s --olddefconfig $(KCONFIG_TOP)
	$(Q)$(kconfig_env) KCONFIG_AUTOHEADER=$(AUTOCONF_H).tmp \
		$(KCONFIG_CONF) -s --silentoldconfig $(KCONFIG_TOP)
	$(Q)sh $(SRC)/scripts/autoconf-inc $(AUTOCONF_H).tmp > $(AUTOCONF_INC).tmp
	$(Q)sh $(SRC)/scripts/move-if-changed $(AUTOCONF_H).tmp $(AUTOCONF_H)
	$(Q)sh $(SRC)/scripts/move-if-changed $(AUTOCONF_INC).tmp $(AUTOCONF_INC)
	$(Q)touch $@

# The headers are updated (or deliberately left alone) by the rule above.
$(AUTOCONF_H) $(AUTOCONF_INC): $(KCONFIG_AUTOCONF) ;

# Make the configuration visible to make itself ($(CONFIG_PAGE_TABLE_ISOLATION) etc.). Including
# auto.conf also makes make create or refresh it (and .config) before anything else is built.
ifneq ($(MAKECMDGOALS),)
ifeq ($(filter-out $(no_dot_config_goals),$(MAKECMDGOALS)),)
kconfig_skip := 1
else ifneq ($(filter $(kconfig_targets),$(MAKECMDGOALS)),)
# One make run cannot both rewrite .config and build with it (the configuration is read when the
# makefiles are parsed), so configuration targets and build targets go in separate runs.
$(error configure and build in two steps: make $(filter $(kconfig_targets),$(MAKECMDGOALS)) && make $(filter-out $(no_dot_config_goals),$(MAKECMDGOALS)))
endif
endif
ifneq ($(kconfig_skip),1)
include $(KCONFIG_AUTOCONF)
endif
