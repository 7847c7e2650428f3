# mk/slides.mk: the lecture deck and the docs' pictures (slides/README.md).
#
#   make slides    build/slides/index.html: one self-contained HTML file
#                  (inline CSS, script and SVG; no network), and
#                  build/slides/slides.pdf when Debian's chromium is there
#   make docs      build/docs/*.svg: docs/architecture.dot and the like;
#                  docs/isa.md from cpu/isa.h (bin/vasm --isa-doc)
#
# The deck's numbers and generated pictures come from slides/gen.sh, which
# runs the kit (bin/vmm, bin/vdb, build/bench/bench) in this build: when any
# of them or a guest image changes, the generator runs again.

SL          := build/slides
SLIDES_DOT  := $(wildcard slides/dot/*.dot)
DOCS_DOT    := $(wildcard docs/*.dot)
SLIDES_GEN  := slides/gen.sh slides/timeline.awk slides/tcblock.awk $(SL)/jsonkv \
               bin/vmm bin/vdb $(GUEST_IMAGES) $(filter-out all,$(BENCH_INPUTS))
CHROMIUM    ?= $(firstword $(shell command -v chromium chromium-browser 2>/dev/null))

.PHONY: slides slides-pdf
slides: deps-slides $(SL)/index.html $(if $(CHROMIUM),$(SL)/slides.pdf)
	@$(if $(CHROMIUM),:,echo "slides: no PDF (Debian's chromium is not installed; a browser's Print gives one)")

$(SL)/jsonkv: slides/jsonkv.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(WARN) -o $@ $<

$(SL)/deck: slides/deck.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(WARN) -o $@ $< -lm

# Everything the deck shows, from runs of this build (about 10 s: most of it
# is the bench).  gen.sh builds a new directory and swaps it in whole, so a
# failed run leaves none.  Builds of the deck take a lock: two at once (two
# test runs, say) take turns instead of mixing their files.
SLIDES_LOCK := flock $(SL)/.lock

$(SL)/gen/values.txt: $(SLIDES_GEN)
	@mkdir -p $(SL)
	$(SLIDES_LOCK) slides/gen.sh $(SL)/gen

# The pictures: the generated ones, the deck's own and the docs'.  A picture
# the deck names but nobody drew is an error of the deck tool.
$(SL)/index.html: slides/deck.md slides/deck.css slides/deck.js $(SL)/deck $(SL)/gen/values.txt $(SLIDES_DOT) $(DOCS_DOT)
	@$(SLIDES_LOCK) sh -c 'rm -rf $(SL)/svg && mkdir -p $(SL)/svg && \
	  for f in $(SL)/gen/dot/*.dot $(SLIDES_DOT) $(DOCS_DOT); do \
	    dot -Tsvg "$$f" -o $(SL)/svg/$$(basename "$$f" .dot).svg || { echo "slides: dot failed on $$f"; exit 1; }; \
	  done && \
	  $(SL)/deck slides/deck.md $(SL)/gen/values.txt $(SL)/svg $(SL)/gen/txt $@'

# The PDF: the deck printed by headless Chromium, one slide a page.  Optional:
# a failure here is reported, not fatal.
slides-pdf: $(SL)/slides.pdf

$(SL)/slides.pdf: $(SL)/index.html
	@$(CHROMIUM) --headless --no-sandbox --disable-gpu --no-first-run --disable-background-networking \
	  --disable-component-update --disable-sync --user-data-dir=$(CURDIR)/$(SL)/chromium \
	  --no-pdf-header-footer --print-to-pdf=$(CURDIR)/$@ file://$(CURDIR)/$< \
	  >$(SL)/chromium.log 2>&1 && echo "slides: $@" || \
	  { rm -f $@; echo "slides: chromium could not print the PDF (see $(SL)/chromium.log)"; }

# ---- make docs: the docs' pictures, and docs/isa.md ----
docs: deps-slides $(DOCS_DOT:docs/%.dot=build/docs/%.svg) docs/isa.md

# docs/isa.md is written by `vasm --isa-doc` from cpu/isa.h's tables and
# assembler/isa_doc.c's prose; isa_suite fails when the committed file differs.
docs/isa.md: cpu/isa.h assembler/isa_doc.c bin/vasm
	bin/vasm --isa-doc > $@.tmp && mv $@.tmp $@

build/docs/%.svg: docs/%.dot
	@mkdir -p $(dir $@)
	dot -Tsvg $< -o $@

