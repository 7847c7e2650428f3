# mk/deps.mk: the Debian packages each make target needs, installed when
# that target runs (mk/deps.sh: as root it installs what is missing with
# apt-get, waiting for a busy package manager; otherwise it prints the
# exact command to run).
#
# One row per target: DEPS.NAME lists NAME's packages, and the target
# depends on deps-NAME.  Another part of the kit adds its own row in its
# own make fragment, for example
#
#   DEPS.web := emscripten nodejs chromium
#   web: deps-web
#
# `make deps` installs every row.  A grader's machine needs only the grade
# row: no clang, no man-db, no graphviz, no Python.
#
#   row             what needs it
#   build           make, make demo: bin/vdb links readline
#   grade           make grade: the lab's Check tests (labs/grade/grade.sh),
#                   unzip for a submission that is a zip
#   handout         make handout: labs/cut.sh, then the grader records the
#                   visible tests' runs (with the grade row)
#   handin          make handin: the zip to upload
#   autograder-zip  make autograder-zip, make prairielearn: the handout, zipped
#   platforms-check every platform's contract (labs/platforms.sh): Python's
#                   yaml to read the Classroom workflow strictly, git to
#                   make a repository of a submission
#   mutants         make mutants LAB=N: labs/mutants.py
#   slides          make slides, make docs: dot
#   fuzz            make fuzz, fuzz-soak, soak: clang's libFuzzer
#   check           make check: everything its tests run (labs-check and
#                   platforms-check grade and cut, the fuzzers' burst),
#                   readelf for the image test, man for the man pages' test

DEPS.build           := pkg-config libreadline-dev
DEPS.grade           := pkg-config check unzip
DEPS.handout         := unifdef
DEPS.handin          := zip
DEPS.autograder-zip  := unifdef zip
DEPS.platforms-check := $(DEPS.grade) $(DEPS.autograder-zip) python3 python3-yaml git
DEPS.mutants         := $(DEPS.grade) $(DEPS.handout) python3
DEPS.slides          := graphviz
DEPS.fuzz            := clang libclang-rt-14-dev
DEPS.check           := $(DEPS.build) $(DEPS.platforms-check) $(DEPS.handout) $(DEPS.slides) $(DEPS.fuzz) binutils man-db

DEPS_ROWS = $(patsubst DEPS.%,%,$(filter DEPS.%,$(.VARIABLES)))

.PHONY: deps
deps:
	@mk/deps.sh all $(sort $(foreach r,$(DEPS_ROWS),$(DEPS.$(r))))

deps-%:
	@$(if $(filter undefined,$(origin DEPS.$*)),$(error deps-$*: no row DEPS.$* in mk/deps.mk))mk/deps.sh $* $(DEPS.$*)
