# ripvec — build, test, bench.
#
#   make            build build/ripvec (installs Debian packages on first use)
#   make test       unit, parity and end-to-end tests, then the same under ASan+UBSan
#   make bench      benchmarks (not tests; they print ratios against peers)
#   make bench-first CORPORA="DIR..." [BENCH_BASE=OLD_BIN]
#                   time to the first results of a cold search (bench/bench_first.sh)
#   make install    binary, man page, completions, headers, libraries, ripvec.pc
#                   (PREFIX=/usr/local, DESTDIR; make uninstall undoes it)
#   make SAN=1 ...  any target, built with AddressSanitizer + UBSan into build-san/
#
# Sources are discovered: every src/**/*.c goes into libripvec.a except the CLI
# (src/cli/) and backend files that need an optional toolkit (see mk/*.mk).

SHELL := /bin/bash
SAN ?= 0
ifeq ($(SAN),1)
BUILD ?= build-san
SANFLAGS = -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
OPT = -O1
else ifeq ($(SAN),fuzz)
# libFuzzer flavour (clang): the library is instrumented, fuzz/*.c get main().
BUILD ?= build-fuzz
CC = clang
SANFLAGS = -fsanitize=address,undefined,fuzzer-no-link -fno-omit-frame-pointer
OPT = -O1
else
BUILD ?= build
SANFLAGS =
OPT = -O2
endif

CC ?= cc
CFLAGS_BASE = -std=c11 -Wall -Wextra -Wshadow -Werror -g $(OPT) -D_GNU_SOURCE \
              -Iinclude -Isrc -pthread -fvisibility=hidden
CFLAGS += $(CFLAGS_BASE) $(SANFLAGS)
# Files named *_<isa>.c hold code for that instruction set, compiled with
# SIMD_FLAGS_<isa> (the last "_" part of the name); the rest stays portable
# and the choice is made at run time from cpuid. SIMD_FLAGS is AVX2's.
SIMD_FLAGS = -mavx2 -mfma -mf16c
SIMD_FLAGS_avx2 = $(SIMD_FLAGS)
SIMD_FLAGS_avxvnni = $(SIMD_FLAGS) -mavxvnni
SIMD_FLAGS_avx512 = $(SIMD_FLAGS) -mavx512f -mavx512bw -mavx512vl -mavx512dq
SIMD_FLAGS_vnni = $(SIMD_FLAGS_avx512) -mavx512vnni
SIMD_FLAGS_bf16 = $(SIMD_FLAGS_vnni) -mavx512bf16
SIMD_FLAGS_amx = $(SIMD_FLAGS_bf16) -mamx-tile -mamx-int8 -mamx-bf16
simd_flags = $(SIMD_FLAGS_$(lastword $(subst _, ,$(basename $(notdir $(1))))))
LDFLAGS += $(SANFLAGS) -pthread
# The ripvec binary links neither OpenBLAS nor libzip: the cpu driver and
# `ripvec model fetch` dlopen them when they need them, so a search starts
# without loading them (and the threads OpenBLAS starts at load).
BIN_LDLIBS = -lutf8proc -lsqlite3 -lxxhash -lcjson -lm -ldl
# Tests and benchmarks call libzip / OpenBLAS themselves.
LDLIBS += $(BIN_LDLIBS) -lopenblas -lzip

LIB_SRCS := $(shell find src -name '*.c' -not -path 'src/cli/*' -not -path 'src/driver/cuda/*' | sort)
CLI_SRCS := $(wildcard src/cli/*.c)
TEST_SRCS := $(wildcard tests/test_*.c)
TEST_SUPPORT := $(wildcard tests/support/*.c)
BENCH_SRCS := $(wildcard bench/*.c)
FUZZ_SRCS := $(wildcard fuzz/fuzz_*.c)
EXAMPLE_SRCS := $(wildcard examples/*.c)

EXTRA_OBJS :=
EXTRA_LDLIBS :=
EXTRA_TARGETS :=
DEPS_STAMP := $(BUILD)/.deps-ok

# Optional pieces (tree-sitter runtime + grammars, CUDA) add to EXTRA_OBJS.
-include $(sort $(wildcard mk/*.mk))

LIB_OBJS := $(LIB_SRCS:%.c=$(BUILD)/obj/%.o)
CLI_OBJS := $(CLI_SRCS:%.c=$(BUILD)/obj/%.o)
LIB := $(BUILD)/libripvec.a
BIN := $(BUILD)/ripvec
TEST_BINS := $(TEST_SRCS:tests/%.c=$(BUILD)/tests/%)
BENCH_BINS := $(BENCH_SRCS:bench/%.c=$(BUILD)/bench/%)
EXAMPLE_BINS := $(EXAMPLE_SRCS:examples/%.c=$(BUILD)/examples/%)
FUZZ_BINS := $(FUZZ_SRCS:fuzz/%.c=$(BUILD)/fuzz/%)

.DEFAULT_GOAL := all
.PHONY: all deps test test-fast unit bench bench-first fuzz fuzz-bins format clean model
all: $(BIN) $(EXAMPLE_BINS) $(EXTRA_TARGETS)

# Debian packages, grammar sources from PyPI: installed once per machine.
$(DEPS_STAMP): scripts/setup.sh
	@mkdir -p $(BUILD)
	bash scripts/setup.sh
	@touch $@
deps: $(DEPS_STAMP)

$(BUILD)/obj/%.o: %.c | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(call simd_flags,$<) -MMD -MP -c $< -o $@

$(LIB): $(LIB_OBJS) $(EXTRA_OBJS)
	@rm -f $@
	ar rcs $@ $^

$(BIN): $(CLI_OBJS) $(LIB)
	$(CC) $(LDFLAGS) -o $@ $(CLI_OBJS) $(LIB) $(EXTRA_LDLIBS) $(BIN_LDLIBS)

$(BUILD)/tests/%: tests/%.c $(TEST_SUPPORT) $(LIB) tests/rvtest.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Itests -Itests/support -o $@ $< $(TEST_SUPPORT) $(LIB) $(LDFLAGS) $(EXTRA_LDLIBS) $(LDLIBS)

$(BUILD)/bench/%: bench/%.c $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -O3 -march=native -o $@ $< $(LIB) $(LDFLAGS) $(EXTRA_LDLIBS) $(LDLIBS)

$(BUILD)/examples/%: examples/%.c $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $< $(LIB) $(LDFLAGS) $(EXTRA_LDLIBS) $(LDLIBS)

$(BUILD)/fuzz/%: fuzz/%.c $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -fsanitize=fuzzer -o $@ $< $(LIB) $(LDFLAGS) $(EXTRA_LDLIBS) $(LDLIBS)

fuzz-bins: $(FUZZ_BINS)

# The tiny synthetic BERT's weights are made at test time (never committed).
TINY_BERT := tests/data/tiny_bert/model.safetensors
$(TINY_BERT): scripts/golden/tiny_bert_weights.py tests/data/tiny_bert/vocab.txt
	python3 scripts/golden/tiny_bert_weights.py tests/data/tiny_bert

# The real model the parity and end-to-end tests use (fetched into the cache).
model: $(BIN)
	$(BIN) model fetch all-minilm-l6-v2

# One pass over the unit/parity/e2e tests in this build flavour.
unit: $(BIN) $(TEST_BINS) $(EXTRA_TARGETS) $(TINY_BERT) model
	RIPVEC_BIN=$(abspath $(BIN)) RIPVEC_BUILD=$(abspath $(BUILD)) tests/run.sh $(TEST_BINS) \
	    scripts/check_layers.sh $(if $(filter 0,$(SAN)),scripts/test_install.sh)

# The README's test command: the normal build, then ASan+UBSan (with leak
# checking) over the same suite, then every libFuzzer target for FUZZ_SECONDS.
# Ends with one "N passed, N failed" line (a fuzz target counts as one test).
test:
	@set -o pipefail; $(MAKE) --no-print-directory unit 2>&1 | tee $(BUILD)-test.log
	@set -o pipefail; ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  $(MAKE) --no-print-directory SAN=1 unit 2>&1 | tee build-san-test.log
	@set -o pipefail; $(MAKE) --no-print-directory fuzz 2>&1 | tee build-fuzz-test.log
	@bash tests/total.sh $(BUILD)-test.log build-san-test.log build-fuzz-test.log

# Only the normal build (quick local loop).
test-fast: unit

bench: $(BIN) $(BENCH_BINS) $(EXTRA_TARGETS)
	bash bench/run.sh $(BUILD)

# The first search of a tree with no index, against the keyword --no-index
# peer (and BENCH_BASE, an older binary, interleaved); CORPORA default: the
# Python standard library, if python3 is there.
CORPORA ?= $(shell python3 -c 'import sysconfig; print(sysconfig.get_paths()["stdlib"])' 2>/dev/null)
bench-first: $(BIN)
	RIPVEC_BIN=$(abspath $(BIN)) bash bench/bench_first.sh $(if $(BENCH_BASE),-b $(BENCH_BASE)) $(CORPORA)

# Each libFuzzer target for FUZZ_SECONDS (default 30) from its seed corpus.
FUZZ_SECONDS ?= 30
fuzz:
	$(MAKE) --no-print-directory SAN=fuzz fuzz-bins
	bash fuzz/run.sh build-fuzz $(FUZZ_SECONDS)

format:
	clang-format -i $$(find include src tests bench examples -name '*.[ch]')

clean:
	rm -rf build build-san build-fuzz build-*.log

-include $(shell find $(BUILD)/obj $(BUILD)/cuda -name '*.d' 2>/dev/null)
