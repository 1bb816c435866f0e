# make install / make uninstall, honouring PREFIX and DESTDIR: the binary, its
# man page and bash/zsh/fish completions (generated from the option table by
# `ripvec --generate`), the public headers, libripvec.a, a versioned
# libripvec.so with its soname, ripvec.pc for pkg-config, and the CUDA
# plugin where it was built. (Included before the Makefile names $(BIN) and
# $(LIB), so their paths are spelled out where make needs them at once.)
PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
LIBDIR ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
DATADIR ?= $(PREFIX)/share
MANDIR ?= $(DATADIR)/man
SO_VERSION := 0.1.0
SO_MAJOR := 0
SO_NAME := libripvec.so.$(SO_MAJOR)
SO := $(BUILD)/libripvec.so.$(SO_VERSION)

# The shared library: the library sources again as position-independent
# code with the public rv_* symbols visible (the static objects hide them).
PIC_OBJS := $(LIB_SRCS:%.c=$(BUILD)/pic/%.o)
$(BUILD)/pic/%.o: %.c | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(filter-out -fvisibility=hidden,$(CFLAGS)) $(call simd_flags,$<) \
	    -fPIC -MMD -MP -c $< -o $@
# the chunker's tree-sitter sources see the runtime's headers (treesitter.mk)
$(BUILD)/pic/src/chunk/%.o: CFLAGS += -isystem $(TS_DIR)/include
$(BUILD)/ripvec.map:
	@mkdir -p $(dir $@)
	printf '{ global: rv_*; local: *; };\n' > $@
$(SO): $(PIC_OBJS) $(BUILD)/libripvec.a $(BUILD)/ripvec.map
	$(CC) -shared -Wl,-soname,$(SO_NAME) -Wl,--version-script,$(BUILD)/ripvec.map -o $@ \
	    $(PIC_OBJS) $(EXTRA_OBJS) $(LDFLAGS) $(EXTRA_LDLIBS) $(BIN_LDLIBS)

$(BUILD)/share/ripvec.1 $(BUILD)/share/ripvec.bash $(BUILD)/share/_ripvec \
$(BUILD)/share/ripvec.fish: $(BUILD)/ripvec
	@mkdir -p $(dir $@)
	$(BIN) --generate man > $(BUILD)/share/ripvec.1
	$(BIN) --generate bash > $(BUILD)/share/ripvec.bash
	$(BIN) --generate zsh > $(BUILD)/share/_ripvec
	$(BIN) --generate fish > $(BUILD)/share/ripvec.fish

# ripvec.pc names the install paths, so it is written at install time.
PC_LINES = 'prefix=$(PREFIX)' 'libdir=$(LIBDIR)' 'includedir=$(INCLUDEDIR)' '' \
    'Name: ripvec' 'Description: local semantic code search (BERT embeddings + BM25)' \
    'Version: $(SO_VERSION)' 'Libs: -L$${libdir} -lripvec' \
    'Libs.private: $(BIN_LDLIBS) -pthread' 'Cflags: -I$${includedir}'

INSTALL_FILES := $(BUILD)/ripvec $(BUILD)/libripvec.a $(SO) $(BUILD)/share/ripvec.1 \
                 $(BUILD)/share/ripvec.bash $(BUILD)/share/_ripvec $(BUILD)/share/ripvec.fish

.PHONY: install uninstall install-check
install: $(INSTALL_FILES) $(EXTRA_TARGETS)
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBDIR)/pkgconfig $(DESTDIR)$(INCLUDEDIR)/ripvec \
	    $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(DATADIR)/bash-completion/completions \
	    $(DESTDIR)$(DATADIR)/zsh/site-functions $(DESTDIR)$(DATADIR)/fish/vendor_completions.d
	install -m 755 $(BIN) $(DESTDIR)$(BINDIR)/ripvec
	install -m 644 $(LIB) $(DESTDIR)$(LIBDIR)/libripvec.a
	install -m 755 $(SO) $(DESTDIR)$(LIBDIR)/libripvec.so.$(SO_VERSION)
	ln -sf libripvec.so.$(SO_VERSION) $(DESTDIR)$(LIBDIR)/$(SO_NAME)
	ln -sf $(SO_NAME) $(DESTDIR)$(LIBDIR)/libripvec.so
	$(if $(CUDA_SO),install -m 755 $(CUDA_SO) $(DESTDIR)$(LIBDIR)/libripvec_cuda.so)
	printf '%s\n' $(PC_LINES) > $(DESTDIR)$(LIBDIR)/pkgconfig/ripvec.pc
	install -m 644 include/ripvec/*.h $(DESTDIR)$(INCLUDEDIR)/ripvec/
	install -m 644 $(BUILD)/share/ripvec.1 $(DESTDIR)$(MANDIR)/man1/ripvec.1
	install -m 644 $(BUILD)/share/ripvec.bash $(DESTDIR)$(DATADIR)/bash-completion/completions/ripvec
	install -m 644 $(BUILD)/share/_ripvec $(DESTDIR)$(DATADIR)/zsh/site-functions/_ripvec
	install -m 644 $(BUILD)/share/ripvec.fish $(DESTDIR)$(DATADIR)/fish/vendor_completions.d/ripvec.fish

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/ripvec $(DESTDIR)$(LIBDIR)/libripvec.a \
	    $(DESTDIR)$(LIBDIR)/libripvec.so $(DESTDIR)$(LIBDIR)/$(SO_NAME) \
	    $(DESTDIR)$(LIBDIR)/libripvec.so.$(SO_VERSION) $(DESTDIR)$(LIBDIR)/libripvec_cuda.so \
	    $(DESTDIR)$(LIBDIR)/pkgconfig/ripvec.pc $(DESTDIR)$(MANDIR)/man1/ripvec.1 \
	    $(DESTDIR)$(DATADIR)/bash-completion/completions/ripvec \
	    $(DESTDIR)$(DATADIR)/zsh/site-functions/_ripvec \
	    $(DESTDIR)$(DATADIR)/fish/vendor_completions.d/ripvec.fish
	rm -rf $(DESTDIR)$(INCLUDEDIR)/ripvec

-include $(shell find $(BUILD)/pic -name '*.d' 2>/dev/null)
