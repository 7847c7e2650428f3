# mk/labs.mk: the classroom labs, their handouts and the grader
# (labs/README.md).
#
#   make handout LAB=N          build/handout/labN/ and labN.tar.gz: the kit
#                               with lab N's (and later labs') solution
#                               regions replaced by their stubs (labs/cut.sh)
#   make grade LAB=N [SRC=DIR]  build DIR (default: this tree) and run lab N's
#                               graded tests on it: the rubric on standard
#                               output; build/grade/labN/results.json
#                               (Gradescope) and check.xml (Check's log)
#   make autograder-zip LAB=N   build/autograder/labN.zip for Gradescope
#                               (labs/autograder/)
#   make labs-check             for every lab: the reference scores full
#                               marks, the handout well below, the handout
#                               with one region filled back in between
#                               (`make check` runs it)

LABS := $(sort $(patsubst labs/lab%/grade/rubric,%,$(wildcard labs/lab*/grade/rubric)))
SRC  ?= .

.PHONY: handout grade autograder-zip labs-check
lab-arg = @case "$(LAB)" in [1-9]) ;; *) echo "usage: make $@ LAB=N (N: $(LABS))"; exit 2 ;; esac

handout: deps-handout
	$(lab-arg)
	labs/cut.sh $(LAB) build/handout/lab$(LAB)
	tar -czf build/handout/lab$(LAB).tar.gz -C build/handout lab$(LAB)
	@echo "handout: build/handout/lab$(LAB).tar.gz"

grade: deps-grade
	$(lab-arg)
	@labs/grade/grade.sh $(LAB) $(SRC) build/grade/lab$(LAB)
	@echo "grade: build/grade/lab$(LAB)/results.json, build/grade/lab$(LAB)/check.xml"

# Lab 1's guest, assembled by this tree's assembler.
build/labs/lab1.img: $(wildcard labs/lab1/*.s labs/lab1/*.inc) bin/vasm
	@mkdir -p $(dir $@)
	bin/vasm -I labs/lab1 labs/lab1/lab1.s -o $@
all: build/labs/lab1.img

# The autograder: the handout, plus the hidden tests and the full rubric,
# plus Gradescope's two scripts.
autograder-zip: deps-autograder-zip
	$(lab-arg)
	@command -v zip >/dev/null || { echo "autograder-zip: zip is not installed (apt-get install zip)"; exit 1; }
	@rm -rf build/autograder/lab$(LAB) build/autograder/lab$(LAB).zip
	labs/cut.sh $(LAB) build/autograder/lab$(LAB)/kit
	cp labs/lab$(LAB)/grade/* build/autograder/lab$(LAB)/kit/labs/lab$(LAB)/grade/
	cp labs/autograder/setup.sh labs/autograder/run_autograder build/autograder/lab$(LAB)/
	echo $(LAB) > build/autograder/lab$(LAB)/LAB
	cd build/autograder/lab$(LAB) && zip -qr ../lab$(LAB).zip setup.sh run_autograder LAB kit
	@echo "autograder-zip: build/autograder/lab$(LAB).zip (upload it as the assignment's autograder)"

# Honesty, for every lab (labs/check.sh): built with the normal -O2
# flags, sharing the grader's object cache (build/grade/cache) across the
# trees.  `make check` runs it after the test suite (the last line of its
# recipe), so that it never competes with the suite's timing-sensitive
# tests.  In a handout (no markers left) it says so and passes.
labs-check: deps-grade deps-handout
	@labs/check.sh
