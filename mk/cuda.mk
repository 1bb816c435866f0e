# CUDA driver (src/driver/cuda/): built when nvcc is found, left out cleanly
# otherwise. Not part of the sanitizer or fuzzing flavours (the CUDA runtime
# is not instrumented and keeps allocations alive for the process lifetime).
NVCC ?= $(shell command -v nvcc 2>/dev/null || { [ -x /usr/local/cuda/bin/nvcc ] && echo /usr/local/cuda/bin/nvcc; })
ifeq ($(SAN),0)
ifneq ($(strip $(NVCC)),)
CUDA_HOME ?= $(patsubst %/bin/nvcc,%,$(NVCC))
# sm_80 (A100), sm_86/89 (RTX 30xx/40xx), sm_90 (H100/H200), plus PTX for newer chips.
NVCC_ARCH ?= -gencode arch=compute_80,code=sm_80 -gencode arch=compute_86,code=sm_86 \
             -gencode arch=compute_89,code=sm_89 -gencode arch=compute_90,code=sm_90 \
             -gencode arch=compute_90,code=compute_90
NVCCFLAGS ?= -std=c++17 -O3 $(NVCC_ARCH) -Xcompiler -Wall,-fPIC
CUDA_C_SRCS := $(wildcard src/driver/cuda/*.c)
CUDA_CU_SRCS := $(wildcard src/driver/cuda/*.cu)
EXTRA_OBJS += $(CUDA_C_SRCS:%.c=$(BUILD)/obj/%.o) $(CUDA_CU_SRCS:%.cu=$(BUILD)/obj/%.cu.o)
CFLAGS += -DRV_HAVE_CUDA -I$(CUDA_HOME)/include
EXTRA_LDLIBS += -L$(CUDA_HOME)/lib64 -Wl,-rpath,$(CUDA_HOME)/lib64 -lcublas -lcudart -lstdc++

$(BUILD)/obj/%.cu.o: %.cu src/driver/cuda/kernels.h | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(NVCC) $(NVCCFLAGS) -Iinclude -Isrc -c $< -o $@
endif
endif
