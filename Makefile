# socklab — build, test, lint, install.  Plain make; everything goes to
# build/.  `make help` lists the targets.

CC      ?= cc
PREFIX  ?= /usr/local
ifeq ($(SANITIZE),1)
  BUILD ?= build/sanitize
else
  BUILD ?= build
endif
VERSION := $(shell sed -n 's/^\#define SL_VERSION_STRING "\(.*\)"/\1/p' \
                     lib/include/socklab/version.h)

WARN    := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
           -Wmissing-prototypes -Wno-missing-field-initializers
CFLAGS  ?= -O2 -g
CPPFLAGS_ALL := -D_GNU_SOURCE
CFLAGS_ALL   := -std=c11 $(WARN) $(CFLAGS) -MMD -MP
LDLIBS_ALL   := -lpthread -lm

# Include paths are the layers (lib/README.md): a file of lib/LAYER/ sees
# $(BUILD)/inc/LAYER/, which holds the folders LAYER may include and
# nothing else, made from the table by lib/layers.sh.  Tests are white-box
# and see all of lib/.
LAYER_VIEWS := $(BUILD)/inc/.made
INC_ALL     := -Ilib/include -Ilib
inc_for = $(if $(filter lib/%,$(1)),-I$(BUILD)/inc/$(word 2,$(subst /, ,$(1))),\
            $(INC_ALL))

ifeq ($(SANITIZE),1)
  CFLAGS_ALL  += -fsanitize=address,undefined -fno-sanitize-recover=all \
                 -fno-omit-frame-pointer
  LDFLAGS     += -fsanitize=address,undefined
endif

# ---- sources (explicit lists) ---------------------------------------------

CORE_SRCS := \
  lib/core/checksum.c \
  lib/core/host.c \
  lib/core/ring.c \
  lib/core/rng.c \
  lib/core/sockopt.c \
  lib/core/tcp_in.c \
  lib/core/tcp_out.c \
  lib/core/tcp_state.c \
  lib/core/tcp_user.c \
  lib/core/udp.c \
  lib/core/wire.c

SIM_SRCS := \
  lib/sim/sim.c \
  lib/sim/xfer.c

OBS_SRCS := \
  lib/obs/export.c \
  lib/obs/ladder.c \
  lib/obs/netstat.c \
  lib/obs/netstat_diagnose.c \
  lib/obs/netstat_kernel.c \
  lib/obs/netstat_print.c \
  lib/obs/netstat_stats.c \
  lib/obs/netstat_user.c \
  lib/obs/netstat_watch.c \
  lib/obs/pcap.c \
  lib/obs/trace.c \
  lib/obs/xml.c

HUB_SRCS := \
  lib/hub/hub.c \
  lib/hub/proto.c

LINK_SRCS := \
  lib/link/link.c \
  lib/link/link_hub.c \
  lib/link/link_raw.c \
  lib/link/link_tun.c

RUNTIME_SRCS := \
  lib/runtime/config.c \
  lib/runtime/exporter.c \
  lib/runtime/rt.c \
  lib/runtime/usock.c

API_SRCS := \
  lib/api/addr.c \
  lib/api/api.c \
  lib/api/error.c \
  lib/api/fdtab.c \
  lib/api/helpers.c \
  lib/api/reader.c \
  lib/api/version.c

LIB_SRCS := $(CORE_SRCS) $(SIM_SRCS) $(OBS_SRCS) $(HUB_SRCS) $(LINK_SRCS) \
  $(RUNTIME_SRCS) $(API_SRCS)

GRADE_SRCS := \
  lib/grade/sandbox.c \
  lib/grade/grade.c \
  lib/grade/kit.c \
  lib/grade/lab01.c \
  lib/grade/lab02.c \
  lib/grade/lab03.c \
  lib/grade/lab04.c \
  lib/grade/lab05.c \
  lib/grade/lab06.c \
  lib/grade/lab07.c \
  lib/grade/labs.c \
  lib/grade/net.c \
  lib/grade/proc.c \
  lib/grade/results.c

CLI_SRCS := $(GRADE_SRCS) \
  lib/cli/args.c \
  lib/cli/cmd_connect.c \
  lib/cli/cmd_demo.c \
  lib/cli/cmd_demo_udp.c \
  lib/cli/cmd_grade.c \
  lib/cli/cmd_grade_batch.c \
  lib/cli/cmd_hub.c \
  lib/cli/cmd_ladder.c \
  lib/cli/cmd_netstat.c \
  lib/cli/cmd_serve.c \
  lib/cli/cmd_sim.c \
  lib/cli/cmd_states.c \
  lib/cli/cmd_version.c \
  lib/cli/main.c

TEST_SRCS := \
  tests/unit/check_main.c \
  tests/unit/check_api.c \
  tests/unit/check_grade.c \
  tests/unit/check_ip.c \
  tests/unit/check_net.c \
  tests/unit/check_netstat.c \
  tests/unit/check_reader.c \
  tests/unit/check_sim.c \
  tests/unit/check_soak.c \
  tests/unit/check_tcp.c \
  tests/unit/check_tcp_rfc.c \
  tests/unit/check_udp.c \
  tests/unit/check_user.c \
  tests/unit/check_wire.c \
  tests/unit/json_check.c \
  tests/unit/tcp_harness.c \
  tests/unit/testutil.c \
  tests/soak/soaklib.c

LIB_OBJS  := $(LIB_SRCS:%.c=$(BUILD)/obj/%.o)
CLI_OBJS  := $(CLI_SRCS:%.c=$(BUILD)/obj/%.o)
TEST_OBJS := $(TEST_SRCS:%.c=$(BUILD)/obj/%.o)

LIB       := $(BUILD)/libsocklab.a
CLI       := $(BUILD)/bin/socklab
TEST_BIN  := $(BUILD)/tests/check_socklab

PUBLIC_HEADERS := lib/include/socklab.h $(wildcard lib/include/socklab/*.h)
FORMAT_FILES    = $(shell git ls-files --cached --others --exclude-standard '*.c' '*.h' 2>/dev/null || \
                    find lib tests labs solutions -name '*.[ch]')

.PHONY: all help test check-deps check-layers check-calls lint format install \
        uninstall clean demo bench fuzz fuzz-smoke grade gradescope unit \
        memcheck slides slides-figures soak grader-stress

all: $(LIB) $(CLI)

help:
	@echo "make            build $(LIB) and $(CLI)"
	@echo "make test       build and run every test (installs Check if root)"
	@echo "make demo       a connection on socklab's stack, drawn and explained"
	@echo "make bench      socklab's stack measured next to the kernel's"
	@echo "make soak       lossy soak, connection churn and SYN flood at full size"
	@echo "make fuzz       libFuzzer targets in build/fuzz (clang); FUZZ_SECONDS=N runs each"
	@echo "make fuzz-smoke each fuzz target over its corpus and 20,000 inputs"
	@echo "make lint       the layers, clang-format check and cppcheck"
	@echo "make check-layers   each #include of lib/ against lib/README.md's table"
	@echo "make check-calls    each call between lib/'s layers against it"
	@echo "make format     reformat the sources with clang-format"
	@echo "make install    install into PREFIX=$(PREFIX) (lib, headers, CLI, pkg-config)"
	@echo "make SANITIZE=1 ...   build with ASan and UBSan (make SANITIZE=1 unit)"
	@echo "make memcheck   the Check tests under valgrind"
	@echo "make grade LAB=lab02 DIR=path   grade a submission (socklab grade)"
	@echo "make gradescope LAB=lab02       build/gradescope-lab02.zip to upload"
	@echo "make grader-stress [LABS=...]   every reference and correct solution"
	@echo "                graded STRESS_RUNS=100 times beside 2 CPU hogs"
	@echo "make slides-figures   redraw slides/figures/ from seeded socklab runs"
	@echo "make slides     render slides/{en,ko}/*.md to slides/out/ with Marp (npx)"

$(BUILD)/obj/%.o: %.c | $(LAYER_VIEWS)
	@mkdir -p $(dir $@)
	$(CC) $(call inc_for,$<) $(CPPFLAGS_ALL) $(CPPFLAGS) $(CFLAGS_ALL) \
	  $(EXTRA_CFLAGS) -c $< -o $@

$(LAYER_VIEWS): lib/README.md lib/layers.sh
	lib/layers.sh views $(BUILD)/inc
	@touch $@

$(LIB): $(LIB_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@
	$(AR) rcs $@ $^

$(CLI): $(CLI_OBJS) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $(CLI_OBJS) $(LIB) $(LDLIBS_ALL)

# ---- tests ------------------------------------------------------------------

# Check is found through pkg-config; evaluated lazily, after check-deps ran.
CHECK_CFLAGS = $(shell pkg-config --cflags check 2>/dev/null)
CHECK_LIBS   = $(shell pkg-config --libs check 2>/dev/null)

$(BUILD)/obj/tests/%.o: tests/%.c
	@mkdir -p $(dir $@)
	$(CC) $(INC_ALL) $(CPPFLAGS_ALL) $(CPPFLAGS) $(CFLAGS_ALL) $(CHECK_CFLAGS) \
	  -Wno-missing-prototypes -c $< -o $@

# The grader's results writers are tested on hostile output (check_grade).
TEST_GRADE_OBJS := $(BUILD)/obj/lib/grade/results.o

$(TEST_BIN): $(TEST_OBJS) $(TEST_GRADE_OBJS) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $(TEST_OBJS) $(TEST_GRADE_OBJS) $(LIB) \
	  $(CHECK_LIBS) $(LDLIBS_ALL)

# Installs Check when it is missing and we are root; otherwise says how.
check-deps:
	@if ! command -v pkg-config >/dev/null 2>&1 || \
	    ! pkg-config --exists check 2>/dev/null; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "make: the Check unit-test library is missing;" \
	         "installing it: apt-get install -y check pkg-config"; \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y check pkg-config \
	    || { apt-get update && DEBIAN_FRONTEND=noninteractive \
	         apt-get install -y check pkg-config; } || exit 1; \
	  else \
	    echo "make: the Check unit-test library is missing. Install it with:"; \
	    echo ""; \
	    echo "    sudo apt-get install -y check pkg-config"; \
	    echo ""; \
	    exit 1; \
	  fi; \
	fi

TEST_SCRIPTS := tests/scripts/readme_example.sh tests/scripts/install.sh \
                tests/scripts/sim_cli.sh tests/packetdrill/run.sh \
                tests/packetdrill/stock.sh \
                tests/scripts/hub.sh tests/scripts/hub_udp.sh \
                tests/scripts/tun.sh tests/scripts/ports.sh tests/scripts/raw.sh \
                tests/scripts/demo.sh tests/scripts/netstat.sh \
                tests/scripts/netstat_ss.sh tests/scripts/ladder_golden.sh \
                tests/scripts/states.sh tests/scripts/slides.sh \
                tests/scripts/graders.sh tests/scripts/grade_batch.sh \
                tests/scripts/gradescope.sh \
                tests/scripts/sandbox.sh

test: check-deps
	@$(MAKE) --no-print-directory all $(TEST_BIN) $(PD_SO) $(PD_DRIVER)
	$(TEST_BIN) --tap $(BUILD)/tests.tap --xml $(BUILD)/tests.xml
	@for t in $(TEST_SCRIPTS); do \
	  SOCKLAB_LIB=$(abspath $(LIB)) SOCKLAB_LDFLAGS="$(LDFLAGS)" \
	  SOCKLAB_PD_SO=$(PD_SO) SOCKLAB_PD_DRIVER=$(PD_DRIVER) $$t || exit 1; \
	done

# ---- grading ----------------------------------------------------------------
# make grade LAB=lab02 DIR=path/to/submission [FORMAT=...]: socklab grade.
# make gradescope LAB=lab02: the autograder zip an instructor uploads to
# Gradescope (setup.sh builds socklab from the sources inside it).

FORMAT ?= text

grade: all
	@test -n "$(LAB)" || { echo "make grade LAB=lab02 DIR=path"; exit 2; }
	$(CLI) grade $(LAB) --dir $(or $(DIR),.) --format $(FORMAT)

# make grader-stress [LABS="lab01 lab07"]: every reference solution and
# every correct solution in tests/graders graded STRESS_RUNS times (100)
# per lab beside two CPU hogs; any point lost fails it.  Hours at 100 runs:
# not part of make test.
grader-stress: all
	tests/graders/stress.sh $(LABS)

gradescope: all
	@test -n "$(LAB)" || { echo "make gradescope LAB=lab02"; exit 2; }
	@$(CLI) grade --list | grep -q "^$(LAB) " || \
	  { echo "make gradescope: no lab $(LAB) (socklab grade --list)"; exit 2; }
	@command -v zip >/dev/null || { echo "make gradescope needs zip:" \
	  "apt-get install -y zip"; exit 2; }
	rm -rf $(BUILD)/gradescope/$(LAB) && mkdir -p $(BUILD)/gradescope/$(LAB)/source
	git archive --format=tar.gz -o $(BUILD)/gradescope/$(LAB)/source/socklab.tar.gz HEAD
	echo $(LAB) > $(BUILD)/gradescope/$(LAB)/source/LAB
	cp lib/grade/gradescope/setup.sh lib/grade/gradescope/run_autograder \
	  $(BUILD)/gradescope/$(LAB)/
	cd $(BUILD)/gradescope/$(LAB) && rm -f ../../gradescope-$(LAB).zip && \
	  zip -qr ../../gradescope-$(LAB).zip setup.sh run_autograder source
	@echo "$(BUILD)/gradescope-$(LAB).zip: upload it as the autograder" \
	  "(Ubuntu base image)"

# ---- slides -----------------------------------------------------------------
# make slides-figures: every protocol figure of the decks, drawn by socklab
# from seeded runs (tests/scripts/slides.sh fails when one drifts).
# make slides: the decks as HTML (and PDF when a Chrome or Chromium is
# found) in slides/out/, with Marp CLI through npx: the only use of npm.

slides-figures: all
	slides/figures.sh

MARP    ?= npx --yes @marp-team/marp-cli
CHROME  := $(firstword $(CHROME_PATH) $(shell command -v chromium \
             chromium-browser google-chrome google-chrome-stable 2>/dev/null))

slides:
	@command -v npx >/dev/null 2>&1 || { echo "make slides renders with" \
	  "Marp CLI through npx, which is missing. Install Node.js (it brings" \
	  "npx), e.g.:"; echo ""; echo "    sudo apt-get install -y nodejs npm"; \
	  echo ""; echo "then run make slides again (npx fetches" \
	  "@marp-team/marp-cli on first use)."; exit 2; }
	rm -rf slides/out && mkdir -p slides/out
	cp -r slides/figures slides/out/figures
	$(MARP) --input-dir slides --output slides/out
ifneq ($(CHROME),)
	CHROME_PATH=$(CHROME) $(MARP) --input-dir slides --output slides/out \
	  --pdf --allow-local-files
else
	@echo "make slides: no Chrome or Chromium found, so no PDF" \
	  "(set CHROME_PATH, or apt-get install -y chromium)"
endif
	@echo "make slides: slides/out/en/*.html and slides/out/ko/*.html"

# make unit runs the Check tests alone (make SANITIZE=1 unit: under ASan
# and UBSan); make memcheck runs them under valgrind, forked children too,
# failing on any invalid access or definite leak.
unit: check-deps
	@$(MAKE) --no-print-directory $(TEST_BIN)
	$(TEST_BIN)

memcheck: check-deps
	@$(MAKE) --no-print-directory $(TEST_BIN)
	@command -v valgrind >/dev/null || { echo "make memcheck needs" \
	  "valgrind: apt-get install -y valgrind"; exit 2; }
	valgrind -q --trace-children=yes --error-exitcode=1 --leak-check=full \
	  --show-possibly-lost=no --errors-for-leak-kinds=definite $(TEST_BIN)

# ---- benchmarks (not part of make test: they measure, they do not judge) --

BENCH_BIN := $(BUILD)/bench/bench

$(BENCH_BIN): $(BUILD)/obj/tests/bench/bench.o $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $< $(LIB) $(LDLIBS_ALL)

bench: $(BENCH_BIN)
	$(BENCH_BIN) $(BENCH_ARGS)

# ---- soak: the load runs of check_soak.c at full size, with figures -------
# 100 seeds of a lossy 4 MiB transfer, 100,000 connection cycles, 10 s of
# SYN flood, all in virtual time; exits non-zero when one fails.
# SOAK_ARGS="--seed N --seeds N --cycles N --flood-s N" changes them.

SOAK_BIN := $(BUILD)/soak/soak
SOAK_OBJS := $(BUILD)/obj/tests/soak/soak.o $(BUILD)/obj/tests/soak/soaklib.o

$(SOAK_BIN): $(SOAK_OBJS) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $(SOAK_OBJS) $(LIB) $(LDLIBS_ALL)

soak: $(SOAK_BIN)
	$(SOAK_BIN) $(SOAK_ARGS)

# ---- fuzz targets (clang's libFuzzer, with ASan and UBSan) ---------------
# make fuzz builds them (make fuzz FUZZ_SECONDS=N also runs each for N
# seconds, new inputs kept in build/fuzz/corpus); make fuzz-smoke runs each
# over its seed corpus (tests/fuzz/corpus/TARGET: real inputs and every
# crash found so far) and 20,000 more inputs, as .ci/run does.  Each target
# links what it needs from an archive of the library, the grader's results
# writers and the ladder, all built with the sanitizers.

FUZZ_SRCS := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BINS := $(patsubst tests/fuzz/%.c,$(BUILD)/fuzz/%,$(FUZZ_SRCS))
FUZZ_CC   ?= clang
FUZZ_SECONDS ?=
FUZZ_CFLAGS := -g -O1 -fsanitize=address,undefined -fno-sanitize-recover=all \
               -fno-omit-frame-pointer $(CPPFLAGS_ALL) -std=c11 $(WARN) -MMD -MP
FUZZ_LIB_SRCS := $(LIB_SRCS) lib/grade/results.c \
                 tests/unit/json_check.c
FUZZ_LIB_OBJS := $(FUZZ_LIB_SRCS:%.c=$(BUILD)/fuzz/obj/%.o)
FUZZ_LIB      := $(BUILD)/fuzz/libfuzzsocklab.a

$(BUILD)/fuzz/obj/%.o: %.c | $(LAYER_VIEWS)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(call inc_for,$<) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link \
	  -c -o $@ $<

$(FUZZ_LIB): $(FUZZ_LIB_OBJS)
	@rm -f $@
	$(AR) rcs $@ $^

$(BUILD)/fuzz/%: tests/fuzz/%.c $(FUZZ_LIB)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(INC_ALL) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< $(FUZZ_LIB) \
	  $(LDLIBS_ALL)

fuzz: $(FUZZ_BINS)
ifneq ($(FUZZ_SECONDS),)
	@for f in $(FUZZ_BINS); do \
	  t=$$(basename $$f); mkdir -p $(BUILD)/fuzz/corpus/$$t; \
	  $$f -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
	    $(BUILD)/fuzz/corpus/$$t $$(ls -d tests/fuzz/corpus/$$t 2>/dev/null) \
	    >$$f.log 2>&1 || { tail -40 $$f.log; exit 1; }; \
	  echo "ok - $$t: $$(sed -n 's/^stat::number_of_executed_units: *//p' \
	    $$f.log) inputs in $(FUZZ_SECONDS) s, no crash"; \
	done
endif

fuzz-smoke: $(FUZZ_BINS)
	@for f in $(FUZZ_BINS); do \
	  t=$$(basename $$f); rm -rf $(BUILD)/fuzz/smoke/$$t; \
	  mkdir -p $(BUILD)/fuzz/smoke/$$t; \
	  $$f -runs=20000 -seed=1 $(BUILD)/fuzz/smoke/$$t \
	    $$(ls -d tests/fuzz/corpus/$$t 2>/dev/null) \
	    >$$f.log 2>&1 || { tail -30 $$f.log; exit 1; }; \
	  echo "ok - $$t: its corpus and 20000 inputs (seed 1), no crash"; \
	done

-include $(FUZZ_LIB_OBJS:.o=.d) $(FUZZ_BINS:=.d)

# ---- packetdrill adapter: build/libsocklab-packetdrill.so ------------------

include lib/packetdrill/packetdrill.mk

# ---- lint and format --------------------------------------------------------

# ---- layers ------------------------------------------------------------------
# make check-layers: every #include of lib/ against the layer table of
# lib/README.md (no build needed).  make check-calls: every call between
# lib/'s objects against it, which no include path can catch.

check-layers:
	lib/layers.sh check

check-calls: $(LIB_OBJS) $(CLI_OBJS)
	lib/layers.sh calls $(BUILD)/obj

lint: check-layers check-calls
	clang-format --dry-run --Werror $(FORMAT_FILES)
	cppcheck --quiet --error-exitcode=1 --std=c11 \
	  --enable=warning,performance,portability \
	  --suppress=missingIncludeSystem --inline-suppr \
	  -D__GNUC__ -D_GNU_SOURCE -Ilib/include -Ilib lib tests

format:
	clang-format -i $(FORMAT_FILES)

# ---- install ----------------------------------------------------------------

install: all
	install -d $(DESTDIR)$(PREFIX)/lib/pkgconfig \
	  $(DESTDIR)$(PREFIX)/include/socklab $(DESTDIR)$(PREFIX)/bin
	install -m 644 $(LIB) $(DESTDIR)$(PREFIX)/lib/
	install -m 644 lib/include/socklab.h $(DESTDIR)$(PREFIX)/include/
	install -m 644 lib/include/socklab/*.h $(DESTDIR)$(PREFIX)/include/socklab/
	install -m 755 $(CLI) $(DESTDIR)$(PREFIX)/bin/
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@VERSION@|$(VERSION)|' \
	  lib/socklab.pc.in > $(DESTDIR)$(PREFIX)/lib/pkgconfig/socklab.pc

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/lib/libsocklab.a \
	  $(DESTDIR)$(PREFIX)/include/socklab.h \
	  $(DESTDIR)$(PREFIX)/bin/socklab \
	  $(DESTDIR)$(PREFIX)/lib/pkgconfig/socklab.pc
	rm -rf $(DESTDIR)$(PREFIX)/include/socklab

# ---- demo -------------------------------------------------------------------

demo: all
	@$(CLI) demo --trace $(BUILD)/demo-trace.jsonl --svg $(BUILD)/demo-ladder.svg \
	  --pcap $(BUILD)/demo.pcap

clean:
	rm -rf $(BUILD)

-include $(LIB_OBJS:.o=.d) $(CLI_OBJS:.o=.d) $(TEST_OBJS:.o=.d) \
         $(BUILD)/obj/tests/bench/bench.d $(SOAK_OBJS:.o=.d)
