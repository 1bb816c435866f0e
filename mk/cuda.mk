# CUDA driver (src/driver/cuda/): built when nvcc is found, left out cleanly
# otherwise. It is a shared object, $(BUILD)/libripvec_cuda.so, that the engine
# loads with dlopen only when a CUDA device is requested (--device cuda|auto),
# so the ripvec binary itself links no CUDA library: CPU searches start fast
# and the binary runs where CUDA is absent. Not part of the sanitizer or
# fuzzing flavours (the CUDA runtime is not instrumented).
NVCC ?= $(shell command -v nvcc 2>/dev/null || { [ -x /usr/local/cuda/bin/nvcc ] && echo /usr/local/cuda/bin/nvcc; })
ifeq ($(SAN),0)
ifneq ($(strip $(NVCC)),)
CUDA_HOME ?= $(patsubst %/bin/nvcc,%,$(NVCC))
# sm_80 (A100), sm_86/89 (RTX 30xx/40xx), sm_90 (H100/H200), plus PTX for newer chips.
NVCC_ARCH ?= -gencode arch=compute_80,code=sm_80 -gencode arch=compute_86,code=sm_86 \
             -gencode arch=compute_89,code=sm_89 -gencode arch=compute_90,code=sm_90 \
             -gencode arch=compute_90,code=compute_90
NVCCFLAGS ?= -std=c++17 -O3 $(NVCC_ARCH) -Xcompiler -Wall,-fPIC,-fvisibility=hidden
CUDA_SO := $(BUILD)/libripvec_cuda.so
CUDA_SO_OBJS := $(patsubst %.c,$(BUILD)/cuda/%.o,$(wildcard src/driver/cuda/*.c)) \
                $(patsubst %.cu,$(BUILD)/cuda/%.cu.o,$(wildcard src/driver/cuda/*.cu))
EXTRA_TARGETS += $(CUDA_SO)
# Tells the engine (drivers.c) to look for the library.
CFLAGS += -DRV_HAVE_CUDA
EXTRA_LDLIBS += -ldl

$(BUILD)/cuda/%.o: %.c | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -fPIC -I$(CUDA_HOME)/include -MMD -MP -c $< -o $@

$(BUILD)/cuda/%.cu.o: %.cu src/driver/cuda/kernels.h | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(NVCC) $(NVCCFLAGS) -Iinclude -Isrc -c $< -o $@

$(CUDA_SO): $(CUDA_SO_OBJS)
	$(CC) -shared -o $@ $^ -L$(CUDA_HOME)/lib64 -Wl,-rpath,$(CUDA_HOME)/lib64 \
	    -lcublas -lcudart -lstdc++ -Wl,--no-undefined
endif
endif
