# mk/reliability.mk: lockstep checking, random guest kernels and fuzzing
# (docs/reliability.md).
#
#   make fuzz-programs [N=100] [SEED=1]   N generated kernels, source and
#                                         image, in build/fuzz-programs/
#   make soak [N=5000] [T=60]             N random kernels per mode in
#                                         lockstep, the attack kernels, each
#                                         fuzzer for T seconds: the figures
#   make fuzz [T=60]                      each libFuzzer harness for T seconds
#   make check                            also runs every harness on its
#                                         corpus and for FUZZ_SMOKE seconds
#
# The random kernels in lockstep are Check tests (tests/vmm/check/test_lockstep.c):
# `make check` runs 500 per mode; LOCKSTEP_SEEDS=N changes that.
#
# The harnesses are built with clang's libFuzzer, AddressSanitizer and
# UBSan into build/fuzz/; without clang (or its libFuzzer runtime: Debian's
# libclang-rt-14-dev) the fuzz steps say so and are skipped.

N    ?= 100
SEED ?= 1
T    ?= 60
FUZZ_SMOKE ?= 3

FUZZ_CC    := clang
FUZZ_SAN   := -g -O1 -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined -DKIT_CHECKS
FUZZ_NAMES := asm image vdb cpu
FO         := build/fuzz
FUZZ_BINS  := $(FUZZ_NAMES:%=$(FO)/fuzz_%)
FUZZ_OK     = $(shell printf 'int LLVMFuzzerTestOneInput(const char *d, long n) { return 0; }\n' | \
                $(FUZZ_CC) -fsanitize=fuzzer -x c - -o /tmp/vkit-fuzz-probe 2>/dev/null && echo yes; \
                rm -f /tmp/vkit-fuzz-probe)
FUZZ_SKIP  := echo "fuzz: skipped: $(FUZZ_CC) with libFuzzer is not installed (apt-get install clang libclang-rt-14-dev)"

.PHONY: fuzz-programs soak fuzz fuzz-bins fuzz-smoke fuzz-corpus
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

soak: all build/soak
	build/soak $(N)
	@if [ "$(FUZZ_OK)" = yes ]; then $(MAKE) --no-print-directory fuzz T=$(T); else $(FUZZ_SKIP); fi

# ---- fuzzing ----

$(FO)/obj/%.o: %.c $(HDRS)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_SAN) -fsanitize=fuzzer-no-link -std=c11 -D_DEFAULT_SOURCE $(INC) -c $< -o $@

$(FO)/libkit.a: $(LIBSRC:%.c=$(FO)/obj/%.o) $(VDBSRC:%.c=$(FO)/obj/%.o)
	@rm -f $@
	ar rcs $@ $^

$(FO)/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz.h $(FO)/libkit.a
	$(FUZZ_CC) $(FUZZ_SAN) -fsanitize=fuzzer -std=c11 -D_DEFAULT_SOURCE $(INC) -Itests/fuzz -o $@ $< \
	  $(FO)/libkit.a $(READLINE_LIBS) -lm

fuzz-bins: $(FUZZ_BINS)

# Each harness for T seconds, new inputs kept in build/fuzz/work/NAME, crashes
# in build/fuzz/crashes/; one line of figures each.
fuzz:
	@if [ "$(FUZZ_OK)" != yes ]; then $(FUZZ_SKIP); exit 0; fi; \
	$(MAKE) --no-print-directory fuzz-bins >/dev/null && \
	for n in $(FUZZ_NAMES); do tests/fuzz/run.sh $(FO) $$n $(T) || exit 1; done

# make check: every corpus file once (the regressions), then a short run.
fuzz-smoke:
	@if [ "$(FUZZ_OK)" != yes ]; then $(FUZZ_SKIP); exit 0; fi; \
	$(MAKE) --no-print-directory fuzz-bins >/dev/null && \
	for n in $(FUZZ_NAMES); do \
	  $(FO)/fuzz_$$n -runs=0 $(CURDIR)/tests/fuzz/corpus/$$n < /dev/null > $(FO)/$$n-corpus.log 2>&1 || \
	    { cat $(FO)/$$n-corpus.log; echo "fuzz: $$n: a corpus file fails (above)"; exit 1; }; \
	  tests/fuzz/run.sh $(FO) $$n $(FUZZ_SMOKE) smoke || exit 1; \
	done
