# mk/labs.mk: the classroom labs, their handouts and the grader
# (labs/README.md).
#
#   make handout LAB=N          build/handout/labN/ and labN.tar.gz: the kit
#                               with lab N's (and later labs') solution
#                               regions replaced by their stubs
#                               (labs/cut.sh), and the reference's runs of
#                               the visible tests recorded for the
#                               handout's own `make grade`
#   make grade LAB=N [SRC=DIR] [SEED=S] [ANY_SCORE=1]
#                               build DIR (default: this tree) in the
#                               sandbox and grade lab N: the rubric and every
#                               failure on standard output;
#                               build/grade/labN/results.json (Gradescope),
#                               pl-results.json (PrairieLearn), check.xml.
#                               Exit status 0 at full marks, 1 below, 2 if
#                               the grader broke; ANY_SCORE=1: 0 whatever
#                               the score
#   make handin LAB=N           build/handin/labN.zip: the files lab N
#                               grades (labs/labN/FILES), the file to upload
#   make autograder-zip LAB=N   build/autograder/labN.zip for Gradescope
#   make prairielearn LAB=N     build/prairielearn/labN/: an example course
#                               (question, grader files) and the grader
#                               image's Dockerfile
#   make labs-check             for every lab: the reference scores full
#                               marks, the handout well below, part of it
#                               filled in between (`make check` runs it)
#   make platforms-check        each platform's layout simulated, its output
#                               checked against the platform's schema, and
#                               the known attacks scored (`make check`)
#   make mutants LAB=N          lab N's solution regions mutated, each
#                               mutant graded: kill rate and survivors

LABS := $(sort $(patsubst labs/lab%/grade/rubric,%,$(wildcard labs/lab*/grade/rubric)))
SRC  ?= .
SEED ?=

.PHONY: handout grade handin autograder-zip prairielearn labs-check platforms-check mutants
lab-arg = @case "$(LAB)" in [1-9]) ;; *) echo "usage: make $@ LAB=N (N: $(LABS))"; exit 2 ;; esac

# The recorded runs: the reference grader grades the reference (every run
# reaches its end) at seed 1, keeping the visible tests' runs only.
handout: deps-handout deps-grade
	$(lab-arg)
	labs/cut.sh $(LAB) build/handout/lab$(LAB)
	@rm -rf build/handout/.rec$(LAB) && GRADE_SEED=1 labs/grade/grade.sh --any-score --record build/handout/.rec$(LAB) \
	  $(LAB) . build/handout/.grade$(LAB) > /dev/null
	@mkdir -p build/handout/lab$(LAB)/labs/lab$(LAB)/grade/expected
	@cp build/handout/.rec$(LAB)/seed build/handout/lab$(LAB)/labs/lab$(LAB)/grade/expected/
	@for t in $$(awk '!/^#/ && NF && $$3 == "visible" { print $$1 }' labs/lab$(LAB)/grade/rubric); do \
	  cp build/handout/.rec$(LAB)/$$t.* build/handout/lab$(LAB)/labs/lab$(LAB)/grade/expected/ 2>/dev/null; done; true
	@rm -rf build/handout/.rec$(LAB) build/handout/.grade$(LAB)
	tar -czf build/handout/lab$(LAB).tar.gz -C build/handout lab$(LAB)
	@echo "handout: build/handout/lab$(LAB).tar.gz"

grade: deps-grade
	$(lab-arg)
	@GRADE_SEED=$(SEED) labs/grade/grade.sh $(if $(ANY_SCORE),--any-score) $(LAB) $(SRC) build/grade/lab$(LAB)

# The file to upload: the lab's files at their paths in the tree.
handin: deps-handin
	$(lab-arg)
	@command -v zip >/dev/null || { echo "handin: zip is not installed (apt-get install zip)"; exit 1; }
	@f=labs/lab$(LAB)/FILES; \
	if [ -f $$f ]; then files=$$(grep -v '^#' $$f); \
	else files=$$(grep -rlE '^[[:space:]]*#[[:space:]]*if[[:space:]]+LAB_SOLUTION[[:space:]]*>=[[:space:]]*$(LAB)([^0-9]|$$)' \
	  --include='*.[chs]' --include='*.inc' cpu vmm labs | sort); fi; \
	mkdir -p build/handin && rm -f build/handin/lab$(LAB).zip && zip -q build/handin/lab$(LAB).zip $$files && \
	echo "handin: build/handin/lab$(LAB).zip holds:" $$files && echo "handin: upload that file"

# Lab 1's guest, assembled by this tree's assembler.
build/labs/lab1.img: $(wildcard labs/lab1/*.s labs/lab1/*.inc) bin/vasm
	@mkdir -p $(dir $@)
	bin/vasm -I labs/lab1 labs/lab1/lab1.s -o $@
all: build/labs/lab1.img

# Gradescope's autograder: labs/autograder/package.sh's folder, zipped
# with setup.sh and run_autograder at its top.
autograder-zip: deps-autograder-zip
	$(lab-arg)
	@command -v zip >/dev/null || { echo "autograder-zip: zip is not installed (apt-get install zip)"; exit 1; }
	@rm -f build/autograder/lab$(LAB).zip
	labs/autograder/package.sh $(LAB) build/autograder/lab$(LAB)
	cd build/autograder/lab$(LAB) && zip -qr ../lab$(LAB).zip .
	@echo "autograder-zip: build/autograder/lab$(LAB).zip (upload it as the assignment's autograder)"

# PrairieLearn: an example course with the lab's question, the grader in
# its serverFilesCourse, and the Dockerfile of the grader image.
prairielearn: deps-autograder-zip
	$(lab-arg)
	labs/autograder/prairielearn/course.sh $(LAB) build/prairielearn/lab$(LAB)

# Honesty, for every lab (labs/check.sh): built with the normal -O2
# flags, sharing the grader's object cache (build/grade/cache) across the
# trees.  `make check` runs it after the test suite (the last lines of its
# recipe), so that it never competes with the suite's timing-sensitive
# tests.  In a handout (no markers left) it says so and passes.
labs-check: deps-grade deps-handout
	@labs/check.sh

platforms-check: deps-platforms-check
	@labs/platforms.sh

mutants: deps-mutants
	$(lab-arg)
	@python3 labs/mutants.py $(LAB)
