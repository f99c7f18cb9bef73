# gen.mk: build-time generation of the Han variant-folding table (included by the Makefile).
# mkvariants reads OpenCC's and ICU's conversion data installed on the build machine and
# writes $(BUILD)/gen/an_variants.h; the table is never committed.
AN_MKVARIANTS := $(BUILD)/gen/mkvariants
AN_VARIANTS_H := $(BUILD)/gen/an_variants.h
GEN_HDRS += $(AN_VARIANTS_H)

$(AN_MKVARIANTS): lib/analysis/mkvariants.c $(CONFIG)
	@mkdir -p $(@D)
	@echo "  GEN-CC  $<"
	@$(CC) $(CSTD) $(WARN) $(OPT) $(GEN_CFLAGS) -o $@ $< $(GEN_LIBS)

$(AN_VARIANTS_H): $(AN_MKVARIANTS)
	@echo "  GEN     $@"
	@$(AN_MKVARIANTS) $@.tmp && mv $@.tmp $@
