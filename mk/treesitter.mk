# Tree-sitter runtime and grammars (sources fetched by scripts/setup.d/20-treesitter.sh
# into third_party/). Third-party code gets its own flags: no -Werror/-Wshadow.
#
# Grammar objects do not depend on the build flavour, so they are compiled once
# into third_party/ts-obj/ and shared by every build dir (build, build-san, ...):
# the generated parsers are ~200 MB of C and take minutes on two cores. They are
# not sanitizer-instrumented (tables plus a generated lexer; the runtime that
# walks them is). The runtime goes into $(BUILD)/ts/ with $(SANFLAGS).

TS_DIR := third_party/tree-sitter/lib
TS_GDIR := third_party/ts-grammars
TS_OBJDIR := third_party/ts-obj
TS_STAMP := third_party/treesitter.ok
TS_LANGS := c cpp rust go python javascript typescript tsx java ruby bash php kotlin swift \
            scala lua c_sharp haskell zig elixir
# Languages whose generated lexer has an external scanner.c.
TS_SCANNER_LANGS := cpp rust python javascript typescript tsx ruby bash php kotlin swift \
                    scala lua c_sharp haskell elixir

TS_CFLAGS := -std=gnu11 -O2 -g0 -w -fPIC -fvisibility=hidden -D_DEFAULT_SOURCE
# The biggest generated parsers compile 2-3x faster at -O1/-O0 with an
# unchanged object size (the parse tables are data); see docs in chunk.h.
TS_OPT_c_sharp := -O1
TS_OPT_kotlin := -O1
TS_OPT_scala := -O1
TS_OPT_cpp := -O1
TS_OPT_swift := -O1
TS_OPT_haskell := -O1
TS_OPT_zig := -O1
TS_OPT_elixir := -O1

# The runtime is the parse's hot loop (three quarters of a cold search's
# chunking): -O3 and no internal asserts, except in sanitizer builds, where
# the asserts stay. About 9% fewer instructions per parse (docs/INDEX.md).
TS_RUNTIME_OPT := $(if $(SANFLAGS),,-O3 -DNDEBUG)
# Its allocations go through the chunker's per-parse arena (src/chunk/ts_arena.c).
# (-include gives the runtime their prototypes: an implicit one returns int).
TS_RUNTIME_OPT += -include src/chunk/ts_arena.h -Dts_malloc=rv_ts_malloc -Dts_calloc=rv_ts_calloc \
                  -Dts_realloc=rv_ts_realloc -Dts_free=rv_ts_free
TS_RUNTIME_OBJ := $(BUILD)/ts/lib.o
TS_PARSER_OBJS := $(TS_LANGS:%=$(TS_OBJDIR)/%-parser.o)
TS_SCANNER_OBJS := $(TS_SCANNER_LANGS:%=$(TS_OBJDIR)/%-scanner.o)

EXTRA_OBJS += $(TS_RUNTIME_OBJ) $(TS_PARSER_OBJS) $(TS_SCANNER_OBJS)

# The fetch runs from here too, so build dirs whose deps stamp predates this
# file still get the sources (the script is idempotent and locks).
$(TS_STAMP): scripts/setup.d/20-treesitter.sh
	bash $<
	@touch $@

$(TS_RUNTIME_OBJ): $(TS_STAMP) mk/treesitter.mk src/chunk/ts_arena.h | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(TS_CFLAGS) $(TS_RUNTIME_OPT) $(SANFLAGS) -I$(TS_DIR)/include -I$(TS_DIR)/src -c $(TS_DIR)/src/lib.c -o $@

# Written to a temp name then renamed: two builds may compile the same object.
$(TS_OBJDIR)/%-parser.o: $(TS_STAMP) mk/treesitter.mk
	@mkdir -p $(TS_OBJDIR)
	$(CC) $(TS_CFLAGS) $(TS_OPT_$*) -I$(TS_GDIR)/$*/src -c $(TS_GDIR)/$*/src/parser.c -o $@.$$$$.tmp && mv -f $@.$$$$.tmp $@

$(TS_OBJDIR)/%-scanner.o: $(TS_STAMP) mk/treesitter.mk
	@mkdir -p $(TS_OBJDIR)
	$(CC) $(TS_CFLAGS) -I$(TS_GDIR)/$*/src -c $(TS_GDIR)/$*/src/scanner.c -o $@.$$$$.tmp && mv -f $@.$$$$.tmp $@

# The chunker includes <tree_sitter/api.h>.
TS_CHUNK_OBJS := $(patsubst %.c,$(BUILD)/obj/%.o,$(wildcard src/chunk/*.c))
$(TS_CHUNK_OBJS): CFLAGS += -isystem $(TS_DIR)/include
$(TS_CHUNK_OBJS): | $(TS_STAMP)
