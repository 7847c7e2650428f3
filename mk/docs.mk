# mk/docs.mk: the documents are checked against the code (docs/doccheck.c).
#
#   make docs-check    every ```run block of the pages below (README.md,
#                      docs/, every folder's README.md) is run and
#                      its output compared with what the page shows; every
#                      figure marked <!--{KEY|FMT}--> is compared with this
#                      build's value (the deck's values: every run and the
#                      whole bench, build/slides/gen/values.txt)
#   make docs-update   writes this build's values into the marked figures
#                      (after a change to the code, the cost model or the
#                      bench: then read the diff)
#
# `make check` runs the same check (docs_suite, tests/tools/test_docs.c).

DOC_PAGES := README.md $(wildcard docs/*.md) $(sort $(wildcard */README.md */*/README.md))
DOCCHECK  := build/docs/doccheck

.PHONY: docs-check docs-update

$(DOCCHECK): docs/doccheck.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(WARN) -o $@ $< -lm

docs-check: all $(DOCCHECK) $(SL)/gen/values.txt
	$(DOCCHECK) --values $(SL)/gen/values.txt $(DOC_PAGES)

docs-update: all $(DOCCHECK) $(SL)/gen/values.txt
	$(DOCCHECK) --update --values $(SL)/gen/values.txt $(DOC_PAGES)

# ---- make slides-check: the deck as a projector shows it ----
# Every slide in headless Chromium at 1280x800 (slides/check.js, with
# puppeteer-core from web/'s npm packages and the system's chromium; the
# web-deps step installs node, npm and chromium when missing): no text
# under 14 px, nothing clipped or past its slide.  Screenshots in
# build/slides/check/.  CI runs it (.ci/run).
.PHONY: slides-check
slides-check: web-deps $(SL)/index.html $(WEB_NPM)
	CHROMIUM=$(CHROMIUM) node slides/check.js
