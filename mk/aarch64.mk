# aarch64 (ARM64). The CPU driver's NEON kernels (src/driver/cpu/*_neon.c)
# compile to nothing elsewhere; an ARM host builds and tests them natively.
#
# On an x86-64 host with Debian's cross compiler and qemu-user (both from
# scripts/setup.d/60-aarch64.sh), `make unit` (so `make test`) also builds
# the CPU driver, the BERT forward pass and their tests for aarch64 into
# $(BUILD)/aarch64/, and tests/test_aarch64_qemu.c runs them under
# qemu-aarch64 on CPU models with and without the dot-product extension.
# Only the driver, the forward pass, the thread pool and the error module go
# in: no third-party library, so no arm64 -dev packages
# (mk/aarch64/cblas.h stands in for OpenBLAS's header; the driver dlopens
# the library and, finding no arm64 one, uses its portable sgemm). Normal
# flavour only: the sanitizers do not run under qemu-user.
#
#   make aarch64         cross-build the aarch64 test binaries
#   make test-aarch64    and run them under qemu (correctness only)

# Files named *_dot_neon.c are built for the dot-product extension and
# hold only code reached after the HWCAP check (as *_avx2.c after cpuid).
DOT_FLAGS := -march=armv8.2-a+dotprod
DOT_SRCS := $(wildcard src/driver/cpu/*_dot_neon.c)

HOST_ARCH := $(shell uname -m)
ifeq ($(HOST_ARCH),aarch64)
# A native ARM build: no x86 flags for the *_<isa>.c files (empty there).
SIMD_FLAGS :=
SIMD_FLAGS_avx2 :=
SIMD_FLAGS_avxvnni :=
SIMD_FLAGS_avx512 :=
SIMD_FLAGS_vnni :=
SIMD_FLAGS_bf16 :=
SIMD_FLAGS_amx :=
$(DOT_SRCS:%.c=$(BUILD)/obj/%.o): CFLAGS += $(DOT_FLAGS)
endif

AARCH64_CC ?= aarch64-linux-gnu-gcc
AARCH64_AR ?= aarch64-linux-gnu-ar
AARCH64_DIR := $(BUILD)/aarch64
AARCH64_SRCS := $(sort $(wildcard src/driver/*.c src/driver/cpu/*.c src/engine/arch_bert.c \
                                  src/util/error.c))
AARCH64_OBJS := $(AARCH64_SRCS:%.c=$(AARCH64_DIR)/obj/%.o)
AARCH64_LIB := $(AARCH64_DIR)/libripvec_driver.a
AARCH64_TESTS := $(addprefix $(AARCH64_DIR)/tests/,test_driver_cpu test_driver_neon \
                                                  test_engine_forward)
AARCH64_CFLAGS := $(CFLAGS_BASE) -isystem mk/aarch64

.PHONY: aarch64 test-aarch64
ifeq ($(SAN)$(HOST_ARCH),0x86_64)
# Build dirs set up before the script existed run the set-up again.
$(DEPS_STAMP): scripts/setup.d/60-aarch64.sh
unit: aarch64

# A sub-make, so a cross compiler the set-up has just installed is seen.
aarch64: | $(DEPS_STAMP)
	@if command -v $(AARCH64_CC) >/dev/null 2>&1; then \
	    $(MAKE) --no-print-directory AARCH64_CROSS=1 $(AARCH64_TESTS); \
	else \
	    echo "aarch64: no $(AARCH64_CC): the aarch64 tests will report not run"; \
	fi

test-aarch64: aarch64 $(BUILD)/tests/test_aarch64_qemu
	RIPVEC_BUILD=$(abspath $(BUILD)) tests/run.sh $(BUILD)/tests/test_aarch64_qemu
else
aarch64 test-aarch64:
	@echo "aarch64: cross tests only in the normal flavour on x86-64 hosts"
endif

ifeq ($(AARCH64_CROSS),1)
$(DOT_SRCS:%.c=$(AARCH64_DIR)/obj/%.o): AARCH64_CFLAGS += $(DOT_FLAGS)

$(AARCH64_DIR)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(AARCH64_CC) $(AARCH64_CFLAGS) -MMD -MP -c $< -o $@

$(AARCH64_LIB): $(AARCH64_OBJS)
	@rm -f $@
	$(AARCH64_AR) rcs $@ $^

# tests/aarch64/*.c: tests only this build runs (see their first lines).
$(AARCH64_DIR)/tests/%: tests/%.c tests/rvtest.h $(AARCH64_LIB)
	@mkdir -p $(dir $@)
	$(AARCH64_CC) $(AARCH64_CFLAGS) -Itests -o $@ $< $(AARCH64_LIB) -pthread -lm -ldl

$(AARCH64_DIR)/tests/%: tests/aarch64/%.c tests/rvtest.h $(AARCH64_LIB)
	@mkdir -p $(dir $@)
	$(AARCH64_CC) $(AARCH64_CFLAGS) -Itests -o $@ $< $(AARCH64_LIB) -pthread -lm -ldl

-include $(shell find $(AARCH64_DIR)/obj -name '*.d' 2>/dev/null)
endif
