# bench/peers/peers.mk: builds the adapters of the side-by-side benchmark (bench/compare.sh):
# cjkfts and the established engines Debian packages, each behind the same command-line
# protocol (bench/peers/peer_common.h). An adapter whose engine is not installed is not built;
# compare.sh skips it with a note. `make bench-deps` installs the engines.

PEER_DEB_PKGS := liblucene8-java libxapian-dev libgroonga-dev libsqlite3-dev \
                 openjdk-17-jdk-headless g++ gnuplot-nox time
PEER_DIR    := $(BUILD)/peers
PEER_CFLAGS  = $(CSTD) $(WARN) -O2 -g -Iinclude $(TOOLS_CFLAGS)
PEER_CXX    ?= g++
PEER_CXXFLAGS := -std=c++17 -Wall -Wextra -Werror -Wshadow -O2 -g
PEER_COMMON_OBJ := $(PEER_DIR)/peer_common.o
LUCENE_JARS := $(wildcard /usr/share/java/lucene-core-8*.jar \
                          /usr/share/java/lucene-analyzers-common-8*.jar)
peer_space  := $(subst ,, )
LUCENE_CP   := $(subst $(peer_space),:,$(strip $(LUCENE_JARS)))

have_pc = $(shell pkg-config --exists $(1) 2>/dev/null && echo $(2))
PEER_ADAPTERS := $(PEER_DIR)/peer-prep $(PEER_DIR)/peer-cjkfts \
                 $(call have_pc,sqlite3,$(PEER_DIR)/peer-sqlite) \
                 $(call have_pc,groonga,$(PEER_DIR)/peer-groonga) \
                 $(call have_pc,xapian-core,$(PEER_DIR)/peer-xapian) \
                 $(if $(and $(word 2,$(LUCENE_JARS)),$(shell command -v javac)),$(PEER_DIR)/peer-lucene)

.PHONY: bench-peers
bench-peers: $(filter-out $(PEER_DIR)/peer-cjkfts,$(PEER_ADAPTERS))
	@$(MAKE) --no-print-directory $(PEER_DIR)/peer-cjkfts || \
	    echo "bench: the cjkfts adapter did not build; the comparison runs without it" >&2

$(PEER_COMMON_OBJ): bench/peers/peer_common.c bench/peers/peer_common.h $(CONFIG)
	@mkdir -p $(@D)
	$(CC) $(PEER_CFLAGS) -c $< -o $@

$(PEER_DIR)/peer-prep: bench/peers/peer_prep.c $(PEER_COMMON_OBJ)
	$(CC) $(PEER_CFLAGS) -o $@ $^ $(TOOLS_LIBS)

$(PEER_DIR)/peer-cjkfts: bench/peers/peer_cjkfts.c $(PEER_COMMON_OBJ) $(STATIC)
	$(CC) $(PEER_CFLAGS) -o $@ $^ $(TOOLS_LIBS) $(LIB_LIBS)

$(PEER_DIR)/peer-sqlite: bench/peers/peer_sqlite.c $(PEER_COMMON_OBJ)
	$(CC) $(PEER_CFLAGS) $(shell pkg-config --cflags sqlite3) -o $@ $^ \
	    $(shell pkg-config --libs sqlite3) $(TOOLS_LIBS)

$(PEER_DIR)/peer-groonga: bench/peers/peer_groonga.c $(PEER_COMMON_OBJ)
	$(CC) $(PEER_CFLAGS) $(shell pkg-config --cflags groonga) -o $@ $^ \
	    $(shell pkg-config --libs groonga) $(TOOLS_LIBS)

$(PEER_DIR)/peer-xapian: bench/peers/peer_xapian.cc $(PEER_COMMON_OBJ)
	$(PEER_CXX) $(PEER_CXXFLAGS) $(shell pkg-config --cflags xapian-core) -o $@ $^ \
	    $(shell pkg-config --libs xapian-core) $(TOOLS_LIBS)

# The Lucene adapter: compiled against the jars of liblucene8-java, started by a small script
# so that every adapter is invoked the same way.
$(PEER_DIR)/peer-lucene: bench/peers/LucenePeer.java
	@mkdir -p $(PEER_DIR)/lucene
	javac -encoding UTF-8 -Xlint:all -Werror -cp "$(LUCENE_CP)" \
	    -d $(PEER_DIR)/lucene $<
	@printf '#!/bin/sh\nexec java -Xms1g -Xmx1g -cp "%s:%s" LucenePeer "$$@"\n' \
	    "$(LUCENE_CP)" "$(abspath $(PEER_DIR)/lucene)" > $@.tmp
	@chmod +x $@.tmp && mv $@.tmp $@

.PHONY: bench-compare-smoke
bench-compare-smoke: bench-peers
	@sh bench/compare.sh --smoke $(BUILD)
