# mk/reliability.mk: lockstep checking, random guest kernels and fuzzing
# (docs/reliability.md).
#
#   make fuzz-programs [N=100] [SEED=1]   N generated kernels, source and
#                                         image, in build/fuzz-programs/
#   make soak [N=5000] [T=60]             N random kernels per mode in
#                                         lockstep, the attack kernels, each
#                                         fuzzer for T seconds: the figures
#   make fuzz [T=60]                      each libFuzzer harness for T seconds
#   make fuzz-soak [RUNS=1000000]         each harness until RUNS executions
#   make fuzz-merge                       what fuzzing found (build/fuzz/work),
#                                         minimised into tests/fuzz/corpus
#   make check                            also runs fuzz-smoke: every corpus
#                                         and seed file once, then a burst of
#                                         FUZZ_SMOKE executions each
#
# The random kernels in lockstep are Check tests (tests/vmm/check/test_lockstep.c):
# `make check` runs 500 per mode; LOCKSTEP_SEEDS=N changes that.
#
# The harnesses (tests/fuzz/fuzz_NAME.c) are built with clang's libFuzzer,
# AddressSanitizer and UBSan into build/fuzz/.  Their seeds are made from
# the kit's sources at build time (tests/fuzz/seeds.sh, build/fuzz/seeds);
# tests/fuzz/corpus/NAME keeps the hand-made seeds and the minimised finds.
# clang and its libFuzzer runtime are the fuzz row of mk/deps.mk; without
# them every fuzz step, the one in `make check` included, fails and says so.

N    ?= 100
SEED ?= 1
T    ?= 60
RUNS ?= 1000000
FUZZ_SMOKE ?= 2000

FUZZ_CC    := clang
FUZZ_SAN   := -g -O1 -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined -DKIT_CHECKS
FUZZ_NAMES := asm image vdb cpu modes
FO         := build/fuzz
FUZZ_BINS  := $(FUZZ_NAMES:%=$(FO)/fuzz_%)
FUZZ_OK     = $(shell printf 'int LLVMFuzzerTestOneInput(const char *d, long n) { return 0; }\n' | \
                $(FUZZ_CC) -fsanitize=fuzzer -x c - -o /dev/null 2>/dev/null && echo yes)
FUZZ_NEED  := { echo "fuzz: $(FUZZ_CC) with libFuzzer is not installed (make deps-fuzz, or apt-get install $(DEPS.fuzz))"; exit 1; }
# The bursts of `make check`: FUZZ_SMOKE executions each, the lockstep
# harness (a kernel in two machines an execution) a tenth of that.
FUZZ_SMOKE_RUNS = $(if $(filter modes,$(1)),$(shell echo $$(($(FUZZ_SMOKE) / 10))),$(FUZZ_SMOKE))

.PHONY: fuzz-programs soak fuzz fuzz-soak fuzz-bins fuzz-smoke fuzz-merge fuzz-seeds
check: fuzz-smoke

# ---- random kernels ----

bin/vgen: vmm/check/vgen.c $(O)/libkit.a
	@mkdir -p bin
	$(CC) $(CFLAGS) $(WARN) $(INC) -o $@ $^ -lm

fuzz-programs: bin/vgen bin/vasm
	@mkdir -p build/fuzz-programs
	@i=0; while [ $$i -lt $(N) ]; do s=$$(($(SEED) + $$i)); \
	  bin/vgen $$s -o build/fuzz-programs/gen-$$s.s && \
	  bin/vasm build/fuzz-programs/gen-$$s.s -o build/fuzz-programs/gen-$$s.img || exit 1; \
	  i=$$((i + 1)); done
	@echo "fuzz-programs: $(N) kernels from seed $(SEED) in build/fuzz-programs/ (run one: bin/vmm --lockstep trap --isa strict build/fuzz-programs/gen-$(SEED).img)"

build/soak: tests/vmm/check/soak.c $(O)/libkit.a
	$(CC) $(CFLAGS) $(WARN) $(INC) -o $@ $^ -lm

soak: all build/soak deps-fuzz
	build/soak $(N)
	@$(MAKE) --no-print-directory fuzz T=$(T)

# ---- fuzzing ----

$(FO)/obj/%.o: %.c $(HDRS)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_SAN) -fsanitize=fuzzer-no-link -std=c11 -D_DEFAULT_SOURCE $(INC) -c $< -o $@

$(FO)/libkit.a: $(LIBSRC:%.c=$(FO)/obj/%.o) $(VDBSRC:%.c=$(FO)/obj/%.o)
	@rm -f $@
	ar rcs $@ $^

$(FO)/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz.h $(FO)/libkit.a
	$(FUZZ_CC) $(FUZZ_SAN) -fsanitize=fuzzer -std=c11 -D_DEFAULT_SOURCE -DFUZZ_TOP='"$(CURDIR)"' $(INC) -Itests/fuzz -o $@ $< \
	  $(FO)/libkit.a $(READLINE_LIBS) -lm

# The lockstep harness writes its kernels with the generator and the
# assembler, which are not what it tests: they are built plainly (-O2, no
# sanitizer, no coverage), and linked before the library so that its
# instrumented copies are not.  A kernel is assembled ten times faster, and
# coverage is the monitor's alone.
FUZZ_PLAIN := $(filter assembler/%,$(LIBSRC)) vmm/check/gen.c vmm/check/gen_frag.c
$(FO)/plain/%.o: %.c $(HDRS)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) -g -O2 -std=c11 -D_DEFAULT_SOURCE $(INC) -c $< -o $@
# The monitor, the CPU under it and the lockstep checker are built for it
# with coverage of edges only: the comparison hooks libFuzzer adds to every
# compare (-fsanitize-coverage=trace-cmp) took a third of its time, and
# they guide mutations toward the values compared, which here are the
# guest's registers, not the input's bytes.  The CPU is not what it tests
# (fuzz_cpu does): it is built with the sanitizers but no coverage.
FUZZ_QUIET := $(filter cpu/%,$(LIBSRC))
FUZZ_EDGES := $(filter-out $(FUZZ_PLAIN) $(FUZZ_QUIET),$(LIBSRC))
$(FO)/quiet/%.o: %.c $(HDRS)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_SAN) -std=c11 -D_DEFAULT_SOURCE $(INC) -c $< -o $@
$(FO)/edges/%.o: %.c $(HDRS)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_SAN) -fsanitize=fuzzer-no-link -fno-sanitize-coverage=trace-cmp -std=c11 -D_DEFAULT_SOURCE $(INC) -c $< -o $@
FUZZ_MODES_OBJ := $(FUZZ_PLAIN:%.c=$(FO)/plain/%.o) $(FUZZ_QUIET:%.c=$(FO)/quiet/%.o) $(FUZZ_EDGES:%.c=$(FO)/edges/%.o)
$(FO)/fuzz_modes: tests/fuzz/fuzz_modes.c tests/fuzz/fuzz.h $(FUZZ_MODES_OBJ)
	$(FUZZ_CC) $(FUZZ_SAN) -fsanitize=fuzzer -std=c11 -D_DEFAULT_SOURCE -DFUZZ_TOP='"$(CURDIR)"' $(INC) -Itests/fuzz -o $@ $< \
	  $(FUZZ_MODES_OBJ) $(READLINE_LIBS) -lm

# fuzz_cpu tests the CPU, so its interpreter keeps its coverage, but of
# edges only: the comparison hooks in the loop that runs every simulated
# instruction (the fetch window, the budget) took two fifths of its time,
# and the edges alone lead to every opcode's path.
$(FO)/fuzz_cpu: tests/fuzz/fuzz_cpu.c tests/fuzz/fuzz.h $(FO)/edges/cpu/exec.o $(FO)/libkit.a
	$(FUZZ_CC) $(FUZZ_SAN) -fsanitize=fuzzer -std=c11 -D_DEFAULT_SOURCE -DFUZZ_TOP='"$(CURDIR)"' $(INC) -Itests/fuzz -o $@ $< \
	  $(FO)/edges/cpu/exec.o $(FO)/libkit.a $(READLINE_LIBS) -lm

fuzz-bins: $(FUZZ_BINS)

# The seeds made from the kit's sources (tests/fuzz/seeds.sh), again when
# any of them changes.
FUZZ_SEED_SRC := $(wildcard guestos/*.s guestos/*.inc guestos/*/*.s guestos/*/*.inc tests/guests/*.s \
                   tests/guests/*.inc tests/vmm/*/*.s tests/vmm/vdb/cases/*.cmd labs/lab1/*.s labs/lab1/*.inc \
                   tests/fuzz/corpus/asm/*.s)
$(FO)/seed-cpu: tests/fuzz/seed_cpu.c $(O)/libkit.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(WARN) $(INC) -o $@ $^ -lm
$(FO)/seeds/.made: tests/fuzz/seeds.sh $(FUZZ_SEED_SRC) bin/vasm bin/vgen $(FO)/seed-cpu $(GUEST_IMAGES)
	@tests/fuzz/seeds.sh $(FO)/seeds && touch $@
fuzz-seeds: $(FO)/seeds/.made

# Each harness for T seconds, new inputs kept in build/fuzz/work/NAME, crashes
# in build/fuzz/crashes/; one line of figures each.
fuzz: deps-fuzz
	@[ "$(FUZZ_OK)" = yes ] || $(FUZZ_NEED)
	@$(MAKE) --no-print-directory fuzz-bins fuzz-seeds >/dev/null
	@for n in $(FUZZ_NAMES); do tests/fuzz/run.sh $(FO) $$n time $(T) || exit 1; done

# Each harness until RUNS executions (a million: about 20 minutes each at
# the rate the harnesses are bounded to, the lockstep one far longer).
fuzz-soak: deps-fuzz
	@[ "$(FUZZ_OK)" = yes ] || $(FUZZ_NEED)
	@$(MAKE) --no-print-directory fuzz-bins fuzz-seeds >/dev/null
	@for n in $(FUZZ_NAMES); do tests/fuzz/run.sh $(FO) $$n runs $(RUNS) || exit 1; done

# make check: every corpus and seed file once (the regressions), then a
# burst from the seeds, the same every time (a fixed random seed and
# count): a crash, a leak or a timeout fails the check.
fuzz-smoke: deps-fuzz
	@[ "$(FUZZ_OK)" = yes ] || $(FUZZ_NEED)
	@$(MAKE) --no-print-directory fuzz-bins fuzz-seeds >/dev/null
	@$(foreach n,$(FUZZ_NAMES),tests/fuzz/run.sh $(FO) $(n) smoke $(call FUZZ_SMOKE_RUNS,$(n)) &&) true

# What fuzzing found, minimised into the corpus: libFuzzer's merge keeps the
# inputs that add coverage to what the seeds and the hand-made inputs
# already reach, and only those (named by their hash) are kept in
# tests/fuzz/corpus/NAME, replacing the earlier finds.  Commit the result.
fuzz-merge: fuzz-bins fuzz-seeds
	@for n in $(FUZZ_NAMES); do tests/fuzz/merge.sh $(FO) $$n || exit 1; done
