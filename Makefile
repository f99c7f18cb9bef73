# Makefile: builds libcjkfts (static + versioned shared), the tools, the tests and the benchmarks.
#
#   make            library and tools (installs missing Debian packages first)
#   make run        index the bundled corpus/ and run a sample query
#   make test       every cmocka test, plain and under ASan+UBSan, plus the CLI tests
#   make bench      benchmarks on ../shared/corpus (long), then bench-compare
#   make bench-compare  cjkfts side by side with Lucene, Xapian, Groonga, SQLite FTS5 (long)
#   make bench-deps     install those engines (Debian packages)
#   make install    PREFIX=/usr/local DESTDIR= (see the installation block near the end)
#   make uninstall
#   make clean

VERSION  := 0.1.0
SOMAJOR  := 0
PREFIX   ?= /usr/local
BUILD    ?= build
CC       ?= cc
.DEFAULT_GOAL := all

# Debian packages the build needs; tools/install-deps.sh installs the missing ones.
DEB_PKGS := pkg-config libicu-dev libstemmer-dev libzstd-dev libisal-dev libxxhash-dev \
            libjson-c-dev libgumbo-dev libopencc-dev libopencc-data libcmocka-dev
PC_LIB   := icu-uc icu-i18n libzstd libisal libxxhash
PC_TOOLS := json-c gumbo
PC_GEN   := icu-uc icu-i18n opencc
PC_TEST  := cmocka

WARN     := -Wall -Wextra -Werror -Wshadow -Wpointer-arith -Wstrict-prototypes \
            -Wmissing-prototypes -Wvla -Wformat=2
CSTD     := -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE
OPT      ?= -O2 -g
SANITIZE := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer

# Flags from pkg-config, cached in a generated makefile that is made (after the packages are
# installed) before anything else is built.
CONFIG   := $(BUILD)/config.mk
ifeq ($(filter clean uninstall,$(MAKECMDGOALS)),)
-include $(CONFIG)
endif

$(CONFIG): Makefile tools/install-deps.sh
	@mkdir -p $(BUILD)
	@sh tools/install-deps.sh $(DEB_PKGS)
	@{ echo "LIB_CFLAGS := $$(pkg-config --cflags $(PC_LIB))"; \
	   echo "LIB_LIBS := $$(pkg-config --libs $(PC_LIB)) -lstemmer -lm -lpthread"; \
	   echo "TOOLS_CFLAGS := $$(pkg-config --cflags $(PC_TOOLS))"; \
	   echo "TOOLS_LIBS := $$(pkg-config --libs $(PC_TOOLS))"; \
	   echo "GEN_CFLAGS := $$(pkg-config --cflags $(PC_GEN))"; \
	   echo "GEN_LIBS := $$(pkg-config --libs $(PC_GEN))"; \
	   echo "TEST_CFLAGS := $$(pkg-config --cflags $(PC_TEST))"; \
	   echo "TEST_LIBS := $$(pkg-config --libs $(PC_TEST))"; } > $@.tmp && mv $@.tmp $@

CFLAGS_ALL = $(CSTD) $(WARN) $(OPT) -Iinclude -Ilib -I$(BUILD)/gen $(LIB_CFLAGS) $(CFLAGS)

# ---------------------------------------------------------------------------------------------
# Sources. Every lib/*/*.c is part of the library except build-time generators (lib/*/mk*.c).
LIB_SRC   := $(filter-out $(wildcard lib/*/mk*.c),$(wildcard lib/*/*.c))
LIB_OBJ   := $(LIB_SRC:%.c=$(BUILD)/%.o)
ASAN_OBJ  := $(LIB_SRC:%.c=$(BUILD)/asan/%.o)
TOOL_SRC  := $(wildcard tools/cjkfts-*.c)
TOOLS     := $(TOOL_SRC:tools/%.c=$(BUILD)/bin/%)
TOOL_COMMON_SRC := $(filter-out tools/cjkfts-%.c,$(wildcard tools/*.c))
TOOL_COMMON_OBJ := $(TOOL_COMMON_SRC:%.c=$(BUILD)/%.o)
TEST_SRC  := $(wildcard tests/test_*.c)
TESTS     := $(TEST_SRC:tests/%.c=$(BUILD)/tests/%)
ASAN_TESTS:= $(TEST_SRC:tests/%.c=$(BUILD)/asan/tests/%)
TEST_COMMON_SRC := $(filter-out tests/test_%.c,$(wildcard tests/*.c))
BENCH_SRC := $(wildcard bench/bench_*.c)
BENCHES   := $(BENCH_SRC:bench/%.c=$(BUILD)/bench/%)

STATIC    := $(BUILD)/libcjkfts.a
ASAN_LIB  := $(BUILD)/asan/libcjkfts.a
SHARED    := $(BUILD)/libcjkfts.so.$(VERSION)
SONAME    := libcjkfts.so.$(SOMAJOR)

# Generated headers (for example the variant-folding table) that library objects include.
GEN_HDRS  :=
include $(wildcard lib/*/gen.mk)

.PHONY: all lib tools tests test test-plain test-asan test-cli run bench fuzz clean install uninstall \
        bench-deps bench-compare bench-compare-big
all: lib tools

lib: $(STATIC) $(SHARED)
tools: $(TOOLS)
tests: $(TESTS) $(ASAN_TESTS)

$(BUILD)/%.o: %.c $(CONFIG) $(GEN_HDRS)
	@mkdir -p $(@D)
	@echo "  CC      $<"
	@$(CC) $(CFLAGS_ALL) -fPIC -fvisibility=hidden -MMD -MP -c $< -o $@

$(BUILD)/asan/%.o: %.c $(CONFIG) $(GEN_HDRS)
	@mkdir -p $(@D)
	@echo "  CC asan $<"
	@$(CC) $(CFLAGS_ALL) $(SANITIZE) -MMD -MP -c $< -o $@

$(STATIC): $(LIB_OBJ)
	@rm -f $@
	$(AR) rcs $@ $^

$(ASAN_LIB): $(ASAN_OBJ)
	@rm -f $@
	$(AR) rcs $@ $^

$(SHARED): $(LIB_OBJ)
	$(CC) -shared -Wl,-soname,$(SONAME) -Wl,--no-undefined -o $@ $^ $(LIB_LIBS) $(LDFLAGS)
	ln -sf libcjkfts.so.$(VERSION) $(BUILD)/$(SONAME)
	ln -sf $(SONAME) $(BUILD)/libcjkfts.so

$(BUILD)/tools/%.o: tools/%.c $(CONFIG)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_ALL) $(TOOLS_CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/bin/%: $(BUILD)/tools/%.o $(TOOL_COMMON_OBJ) $(STATIC)
	@mkdir -p $(@D)
	$(CC) $(OPT) -o $@ $< $(TOOL_COMMON_OBJ) $(STATIC) $(TOOLS_LIBS) $(LIB_LIBS) $(LDFLAGS)

$(BUILD)/tests/%: tests/%.c $(TEST_COMMON_SRC) $(STATIC) $(CONFIG)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_ALL) $(TEST_CFLAGS) $(TEST_TOOL_CFLAGS) -o $@ $< $(TEST_COMMON_SRC) \
	    $(TEST_TOOL_OBJ) $(STATIC) $(TEST_LIBS) $(TEST_TOOL_LIBS) $(LIB_LIBS)

$(BUILD)/asan/tests/%: tests/%.c $(TEST_COMMON_SRC) $(ASAN_LIB) $(CONFIG)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_ALL) $(SANITIZE) $(TEST_CFLAGS) $(TEST_TOOL_CFLAGS) -o $@ $< \
	    $(TEST_COMMON_SRC) $(TEST_TOOL_OBJ) $(ASAN_LIB) $(TEST_LIBS) $(TEST_TOOL_LIBS) $(LIB_LIBS)

# Tests of the tools' shared code (tests/test_input.c, tests/test_tools_*.c) also link the
# tools' common objects (instrumented ones under ASan) and the tools' libraries.
TOOL_TESTS := $(filter tests/test_input.c tests/test_tools_%.c,$(TEST_SRC))
TOOL_TESTS_PLAIN := $(TOOL_TESTS:tests/%.c=$(BUILD)/tests/%)
TOOL_TESTS_ASAN := $(TOOL_TESTS:tests/%.c=$(BUILD)/asan/tests/%)
TOOL_COMMON_ASAN_OBJ := $(TOOL_COMMON_SRC:%.c=$(BUILD)/asan/%.o)
$(TOOL_COMMON_ASAN_OBJ): CFLAGS_ALL += $(TOOLS_CFLAGS)
$(TOOL_TESTS_PLAIN): $(TOOL_COMMON_OBJ)
$(TOOL_TESTS_PLAIN): TEST_TOOL_OBJ = $(TOOL_COMMON_OBJ)
$(TOOL_TESTS_ASAN): $(TOOL_COMMON_ASAN_OBJ)
$(TOOL_TESTS_ASAN): TEST_TOOL_OBJ = $(TOOL_COMMON_ASAN_OBJ)
$(TOOL_TESTS_PLAIN) $(TOOL_TESTS_ASAN): TEST_TOOL_CFLAGS = -Itools $(TOOLS_CFLAGS)
$(TOOL_TESTS_PLAIN) $(TOOL_TESTS_ASAN): TEST_TOOL_LIBS = $(TOOLS_LIBS)

$(BUILD)/bench/%: bench/%.c $(STATIC) $(CONFIG)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_ALL) $(TOOLS_CFLAGS) -O2 -o $@ $< $(STATIC) $(TOOLS_LIBS) $(LIB_LIBS)

# ---------------------------------------------------------------------------------------------
# The main job on the bundled corpus: index corpus/, then search it.
RUN_INDEX := $(BUILD)/corpus.idx
RUN_QUERY ?= 日美同盟
run: tools
	$(BUILD)/bin/cjkfts-index $(RUN_INDEX) corpus
	$(BUILD)/bin/cjkfts-search $(RUN_INDEX) '$(RUN_QUERY)'

# ---------------------------------------------------------------------------------------------
# Tests: each cmocka binary plain and under AddressSanitizer + UndefinedBehaviorSanitizer,
# then the end-to-end CLI tests. Tests find the shared corpus through CJKFTS_TEST_DATA.
export ASAN_OPTIONS := detect_leaks=1:abort_on_error=0
export UBSAN_OPTIONS := print_stacktrace=1:halt_on_error=1

test: test-plain test-asan test-cli

test-plain: $(TESTS)
	@sh tests/run-tests.sh $(TESTS)

test-asan: $(ASAN_TESTS)
	@sh tests/run-tests.sh $(ASAN_TESTS)

test-cli: $(TOOLS)
	@sh tests/run-cli-tests.sh $(BUILD)/bin

bench: $(BENCHES) $(TOOLS)
	@sh bench/run.sh $(BUILD)
	@$(MAKE) --no-print-directory bench-compare

# Side by side with other engines (bench/peers/): missing engines are skipped with a note.
include bench/peers/peers.mk
bench-deps:
	@sh tools/install-deps.sh $(PEER_DEB_PKGS)
bench-compare: bench-peers
	@sh bench/compare.sh $(BUILD)
bench-compare-big: bench-peers
	@sh bench/compare.sh --big $(BUILD)

clean:
	rm -rf $(BUILD)

# =============================================================================================
# Installation, pkg-config, man pages, the example program and the SQLite FTS5 extension.
#
#   make install     PREFIX=/usr/local DESTDIR= (also LIBDIR, INCLUDEDIR, BINDIR, MANDIR)
#   make uninstall   the same variables; removes exactly what install put there
#   make pc          $(BUILD)/cjkfts.pc for the current PREFIX (install writes its own)
#   make example     $(BUILD)/examples/quickstart, the API in one program
#   make sqlite-ext  $(BUILD)/cjkfts_sqlite.so, the FTS5 tokenizer "cjkfts" for SQLite
LIBDIR       ?= $(PREFIX)/lib
INCLUDEDIR   ?= $(PREFIX)/include
BINDIR       ?= $(PREFIX)/bin
MANDIR       ?= $(PREFIX)/share/man
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig
SQLITEEXTDIR ?= $(LIBDIR)/sqlite3

# The .pc file: paths under PREFIX are written relative to ${prefix} so that
# `pkg-config --define-prefix` works on a relocated tree.
PC_SUBST = sed -e 's|@PREFIX@|$(PREFIX)|g' \
	-e 's|@LIBDIR@|$(patsubst $(PREFIX)%,$${prefix}%,$(LIBDIR))|g' \
	-e 's|@INCLUDEDIR@|$(patsubst $(PREFIX)%,$${prefix}%,$(INCLUDEDIR))|g' \
	-e 's|@VERSION@|$(VERSION)|g' -e 's|@REQUIRES_PRIVATE@|$(PC_LIB)|g' \
	-e 's|@LIBS_PRIVATE@|-lstemmer -lm -lpthread|g'

MAN1      := $(wildcard man/*.1)
MAN3      := $(wildcard man/*.3)
EXAMPLES  := $(BUILD)/examples/quickstart

# The SQLite extension needs the sqlite3 headers; the CLI test needs the sqlite3 shell.
EXT_PKGS   := sqlite3 libsqlite3-dev
EXT_DEPS   := $(BUILD)/.ext-deps
SQLITE_EXT := $(BUILD)/cjkfts_sqlite.so
SQLITE_OBJ := $(BUILD)/ext/sqlite/cjkfts_sqlite.o

.PHONY: pc example sqlite-ext
all: $(EXAMPLES) $(SQLITE_EXT)
pc: $(BUILD)/cjkfts.pc
example: $(EXAMPLES)
sqlite-ext: $(SQLITE_EXT)

$(BUILD)/cjkfts.pc: cjkfts.pc.in Makefile FORCE
	@mkdir -p $(@D)
	@$(PC_SUBST) $< > $@.tmp && mv $@.tmp $@
FORCE:

.SECONDARY: $(EXAMPLES:=.o)
$(BUILD)/examples/%: $(BUILD)/examples/%.o $(STATIC)
	$(CC) $(OPT) -o $@ $< $(STATIC) $(LIB_LIBS) $(LDFLAGS)

$(EXT_DEPS): tools/install-deps.sh Makefile
	@mkdir -p $(@D)
	@sh tools/install-deps.sh $(EXT_PKGS)
	@touch $@

$(SQLITE_OBJ): | $(EXT_DEPS)
# A self-contained module: libcjkfts is linked in statically and its symbols stay hidden, so
# only the sqlite3_*_init entry points are exported.
$(SQLITE_EXT): $(SQLITE_OBJ) $(STATIC)
	$(CC) -shared -Wl,--no-undefined -Wl,--exclude-libs,ALL -o $@ $(SQLITE_OBJ) $(STATIC) \
	    $(LIB_LIBS) $(LDFLAGS)

# The extension's unit test compiles the extension source against libsqlite3 directly.
SQLITE_TESTS := $(BUILD)/tests/test_sqlite_ext $(BUILD)/asan/tests/test_sqlite_ext
$(SQLITE_TESTS): ext/sqlite/cjkfts_sqlite.c | $(EXT_DEPS)
$(SQLITE_TESTS): TEST_LIBS += -lsqlite3

# The CLI tests install into a temporary DESTDIR, build the example against it and load the
# extension into the sqlite3 shell: everything they use is built first.
test-cli: $(SHARED) $(EXAMPLES) $(SQLITE_EXT)

install: lib tools $(SQLITE_EXT)
	install -d $(DESTDIR)$(INCLUDEDIR) $(DESTDIR)$(LIBDIR) $(DESTDIR)$(BINDIR) \
	    $(DESTDIR)$(PKGCONFIGDIR) $(DESTDIR)$(SQLITEEXTDIR) \
	    $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man3
	install -m 644 include/cjkfts.h $(DESTDIR)$(INCLUDEDIR)/
	install -m 644 $(STATIC) $(DESTDIR)$(LIBDIR)/
	install -m 755 $(SHARED) $(DESTDIR)$(LIBDIR)/
	ln -sf libcjkfts.so.$(VERSION) $(DESTDIR)$(LIBDIR)/$(SONAME)
	ln -sf $(SONAME) $(DESTDIR)$(LIBDIR)/libcjkfts.so
	$(PC_SUBST) cjkfts.pc.in > $(DESTDIR)$(PKGCONFIGDIR)/cjkfts.pc
	chmod 644 $(DESTDIR)$(PKGCONFIGDIR)/cjkfts.pc
	$(if $(TOOLS),install -m 755 $(TOOLS) $(DESTDIR)$(BINDIR)/)
	install -m 755 $(SQLITE_EXT) $(DESTDIR)$(SQLITEEXTDIR)/
	install -m 644 $(MAN1) $(DESTDIR)$(MANDIR)/man1/
	install -m 644 $(MAN3) $(DESTDIR)$(MANDIR)/man3/

uninstall:
	rm -f $(DESTDIR)$(INCLUDEDIR)/cjkfts.h $(DESTDIR)$(LIBDIR)/libcjkfts.a \
	      $(DESTDIR)$(LIBDIR)/libcjkfts.so $(DESTDIR)$(LIBDIR)/$(SONAME) \
	      $(DESTDIR)$(LIBDIR)/libcjkfts.so.$(VERSION) $(DESTDIR)$(PKGCONFIGDIR)/cjkfts.pc \
	      $(DESTDIR)$(SQLITEEXTDIR)/$(notdir $(SQLITE_EXT)) \
	      $(addprefix $(DESTDIR)$(BINDIR)/,$(notdir $(TOOLS))) \
	      $(addprefix $(DESTDIR)$(MANDIR)/man1/,$(notdir $(MAN1))) \
	      $(addprefix $(DESTDIR)$(MANDIR)/man3/,$(notdir $(MAN3)))
	@rmdir $(DESTDIR)$(SQLITEEXTDIR) 2>/dev/null || true

-include $(SQLITE_OBJ:.o=.d) $(EXAMPLES:%=%.d)
# ============================================================================== (end of block)

# =============================================================================================
# Reliability: fuzzing, ThreadSanitizer, crash soak (tests/fuzz/, tests/test_crash.c and the
# other robustness tests, bench/soak*). Everything of it lives in this block.
#
#   make fuzz-smoke    build the libFuzzer targets tests/fuzz/fuzz_*.c (clang) and run each
#                      FUZZ_SMOKE_TIME seconds (CI)
#   make fuzz          run each target FUZZ_TIME seconds (default 60) on its corpus
#   make fuzz-long     the same with FUZZ_TIME=1800
#   make fuzz-regress  replay tests/fuzz/regress/<target>/ and the seed corpora without libFuzzer
#                      (built with $(CC), ASan+UBSan); part of `make test`
#   make tsan          the concurrency test under ThreadSanitizer
#   make soak          SOAK_ROUNDS crash rounds (default 200), every corruption, size scaling
FUZZ_CC         ?= clang
FUZZ_DIR        := $(BUILD)/fuzz
FUZZ_SAN        := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_HDRS       := $(wildcard tests/fuzz/*.h)
FUZZ_TARGETS    := $(patsubst tests/fuzz/%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_OBJ        := $(LIB_SRC:%.c=$(FUZZ_DIR)/obj/%.o)
FUZZ_LIB        := $(FUZZ_DIR)/libcjkfts.a
FUZZ_BINS       := $(FUZZ_TARGETS:%=$(FUZZ_DIR)/%)
REPLAY_BINS     := $(FUZZ_TARGETS:%=$(BUILD)/asan/replay/%)
FUZZ_TIME       ?= 60
FUZZ_SMOKE_TIME ?= 6
TSAN_DIR        := $(BUILD)/tsan
TSAN_OBJ        := $(LIB_SRC:%.c=$(TSAN_DIR)/%.o)
SOAK_ROUNDS     ?= 200

.PHONY: fuzz fuzz-smoke fuzz-long fuzz-regress fuzz-build tsan soak
test: fuzz-regress

$(FUZZ_DIR)/obj/%.o: %.c $(CONFIG) $(GEN_HDRS)
	@mkdir -p $(@D)
	@echo "  CC fuzz $<"
	@$(FUZZ_CC) $(CFLAGS_ALL) $(FUZZ_SAN) -fsanitize=fuzzer-no-link -MMD -MP -c $< -o $@

$(FUZZ_LIB): $(FUZZ_OBJ)
	@rm -f $@
	@$(AR) rcs $@ $^

$(FUZZ_DIR)/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_HDRS) $(FUZZ_LIB) $(CONFIG)
	@echo "  LD fuzz $@"
	@$(FUZZ_CC) $(CFLAGS_ALL) $(FUZZ_SAN) -fsanitize=fuzzer -o $@ $< $(FUZZ_LIB) $(LIB_LIBS)

$(BUILD)/asan/replay/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/replay.c $(FUZZ_HDRS) \
                             $(ASAN_LIB) $(CONFIG)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_ALL) $(SANITIZE) -o $@ $< tests/fuzz/replay.c $(ASAN_LIB) $(LIB_LIBS)

fuzz-build: $(FUZZ_BINS)

fuzz-regress: $(REPLAY_BINS)
	@for t in $(FUZZ_TARGETS); do \
	    $(BUILD)/asan/replay/$$t tests/fuzz/regress/$$t tests/fuzz/corpus/$$t || exit 1; \
	done

fuzz-smoke: $(FUZZ_BINS)
	@sh tests/fuzz/run.sh $(FUZZ_DIR) $(FUZZ_SMOKE_TIME) $(FUZZ_TARGETS)

fuzz: $(FUZZ_BINS)
	@sh tests/fuzz/run.sh $(FUZZ_DIR) $(FUZZ_TIME) $(FUZZ_TARGETS)

fuzz-long: $(FUZZ_BINS)
	@sh tests/fuzz/run.sh $(FUZZ_DIR) 1800 $(FUZZ_TARGETS)

$(TSAN_DIR)/%.o: %.c $(CONFIG) $(GEN_HDRS)
	@mkdir -p $(@D)
	@echo "  CC tsan $<"
	@$(CC) $(CFLAGS_ALL) -fsanitize=thread -MMD -MP -c $< -o $@

$(TSAN_DIR)/libcjkfts.a: $(TSAN_OBJ)
	@rm -f $@
	@$(AR) rcs $@ $^

$(TSAN_DIR)/tests/%: tests/%.c $(TEST_COMMON_SRC) $(TSAN_DIR)/libcjkfts.a $(CONFIG)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_ALL) -fsanitize=thread $(TEST_CFLAGS) -o $@ $< $(TEST_COMMON_SRC) \
	    $(TSAN_DIR)/libcjkfts.a $(TEST_LIBS) $(LIB_LIBS)

tsan: $(TSAN_DIR)/tests/test_concurrency
	TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1" CJKFTS_CONC_LONG=1 $<

$(BUILD)/bench/soak_%: bench/soak_%.c $(STATIC) $(CONFIG)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_ALL) -O2 -o $@ $< $(STATIC) $(LIB_LIBS)

soak: $(BUILD)/tests/test_crash $(BUILD)/tests/test_corrupt $(BUILD)/bench/soak_limits
	CJKFTS_CRASH_ROUNDS=$(SOAK_ROUNDS) $(BUILD)/tests/test_crash
	CJKFTS_CORRUPT_ALL=1 $(BUILD)/tests/test_corrupt
	$(BUILD)/bench/soak_limits

-include $(FUZZ_OBJ:.o=.d) $(TSAN_OBJ:.o=.d)
# ============================================================================== (end of block)

-include $(LIB_OBJ:.o=.d) $(ASAN_OBJ:.o=.d) $(TOOL_COMMON_OBJ:.o=.d) $(TOOL_COMMON_ASAN_OBJ:.o=.d)
