# socklab's packetdrill adapter: $(BUILD)/libsocklab-packetdrill.so (the
# stack core and lib/packetdrill, compiled position-independent) and the
# driver that tests it, $(BUILD)/tests/packetdrill-driver.
#
# Included from the Makefile, or used next to it:
#   make -f Makefile -f lib/packetdrill/packetdrill.mk build/libsocklab-packetdrill.so
# `make packetdrill-test` builds both and runs tests/packetdrill/run.sh.

# Fallbacks for use without the Makefile; with it, its values win.
BUILD      ?= build
CC         ?= cc
CFLAGS     ?= -O2 -g
WARN       ?= -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
              -Wmissing-prototypes -Wno-missing-field-initializers
CFLAGS_ALL ?= -std=c11 $(WARN) $(CFLAGS) -MMD -MP

PD_CORE_SRCS := $(if $(CORE_SRCS),$(CORE_SRCS),$(wildcard lib/core/*.c))
PD_SRCS      := lib/packetdrill/pd_host.c lib/packetdrill/pd_socket.c
PD_SO        := $(BUILD)/libsocklab-packetdrill.so
PD_DRIVER    := $(BUILD)/tests/packetdrill-driver

# Separate objects: the ones under $(BUILD)/obj are not PIC.  Only
# packetdrill_interface_init is exported; everything else is hidden so the
# core cannot clash with symbols of the program that loads us.
PD_OBJS      := $(patsubst %.c,$(BUILD)/pic/%.o,$(PD_CORE_SRCS) $(PD_SRCS))
PD_CPPFLAGS  := -D_GNU_SOURCE
# Each file of lib/ sees what its layer may include (the Makefile's
# inc_for, lib/README.md); the driver, a test, sees all of lib/.
pd_inc        = $(if $(value inc_for),$(call inc_for,$(1)),-Ilib/include -Ilib)
PD_CFLAGS    := $(CFLAGS_ALL) -fPIC -fvisibility=hidden
# -z defs catches an undefined symbol at link time, except under the
# sanitizers, whose runtime the executable provides.
PD_ZDEFS     := $(if $(findstring -fsanitize,$(CFLAGS_ALL) $(LDFLAGS)),,-Wl,-z,defs)

.PHONY: packetdrill packetdrill-test

packetdrill: $(PD_SO) $(PD_DRIVER)

packetdrill-test: packetdrill
	SOCKLAB_PD_SO=$(PD_SO) SOCKLAB_PD_DRIVER=$(PD_DRIVER) \
	  tests/packetdrill/run.sh

$(BUILD)/pic/%.o: %.c | $(LAYER_VIEWS)
	@mkdir -p $(dir $@)
	$(CC) $(call pd_inc,$<) $(PD_CPPFLAGS) $(CPPFLAGS) $(PD_CFLAGS) \
	  $(EXTRA_CFLAGS) -c $< -o $@

$(PD_SO): $(PD_OBJS)
	@mkdir -p $(dir $@)
	$(CC) -shared $(LDFLAGS) $(PD_ZDEFS) -o $@ $(PD_OBJS) -lpthread

$(BUILD)/obj/tests/packetdrill/%.o: tests/packetdrill/%.c
	@mkdir -p $(dir $@)
	$(CC) -Ilib/include -Ilib $(PD_CPPFLAGS) $(CPPFLAGS) $(CFLAGS_ALL) \
	  $(EXTRA_CFLAGS) -c $< -o $@

$(PD_DRIVER): $(BUILD)/obj/tests/packetdrill/driver.o
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $< -ldl -lpthread

-include $(PD_OBJS:.o=.d) $(BUILD)/obj/tests/packetdrill/driver.d
