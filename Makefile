# The kit's build.  `make` builds the tools and the guest images; `make check`
# builds a separate AddressSanitizer+UBSan tree and runs the Check suite.
# Every .c under cli/, cpu/, assembler/ and vmm/*/ goes into libkit except the
# programs' mains listed in MAINS and the debugger's folder (bin/vdb alone
# links it, with readline); tests/main.c and every tests/**/test_*.c form
# one Check runner.  Headers of the monitor are named by their folder
# (#include "core/vm.h"), so a file's includes say which parts it uses.

CC      ?= cc
CFLAGS  ?= -O2 -g

# Warnings are errors (WERROR=yes) with the compilers the kit is checked
# with, those of WERROR_COMPILERS, on which it builds without a warning
# (CI builds with each).  With any other compiler a new warning stays a
# warning (WERROR=no), so that a student's or a grader's build on a newer
# compiler does not fail on it.  Set WERROR=yes or WERROR=no to choose.
WERROR_COMPILERS := gcc-11 gcc-12 clang-14 clang-16
CC_ID   := $(shell mk/cc-id.sh $(CC))
WERROR  ?= $(if $(filter $(CC_ID),$(WERROR_COMPILERS)),yes,no)
export WERROR
WARN    := -Wall -Wextra $(if $(filter yes,$(WERROR)),-Werror) -std=c11 -D_DEFAULT_SOURCE
INC     := -Icli -Icpu -Iassembler -Ivmm
TINC    := -Itests
SAN     := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined -DKIT_CHECKS

MAINS   := assembler/vasm.c assembler/vdis.c vmm/run/main.c vmm/vdb/vdb.c vmm/check/vgen.c
LIBSRC  := $(filter-out $(MAINS) vmm/vdb/%,$(wildcard cli/*.c cpu/*.c assembler/*.c vmm/*/*.c))
VDBSRC  := $(filter-out vmm/vdb/vdb.c,$(wildcard vmm/vdb/*.c))
TESTSRC := tests/main.c $(wildcard tests/*/test_*.c tests/*/*/test_*.c)
HDRS    := $(wildcard cli/*.h cpu/*.h assembler/*.h vmm/*/*.h tests/*.h)

READLINE_LIBS := -lreadline
CHECK_CFLAGS   = $(shell pkg-config --cflags check 2>/dev/null)
CHECK_LIBS     = $(shell pkg-config --libs check 2>/dev/null)

O  := build/obj
SO := build/asan

.PHONY: all tools guests check demo bench deps clean docs
all: deps-build tools guests

tools: bin/vasm bin/vdis bin/vmm bin/vdb bin/vgen

# ---- normal build (-O2 -Wall -Wextra, -Werror as WERROR says) ----
$(O)/%.o: %.c $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(WARN) $(INC) -c $< -o $@

$(O)/libkit.a: $(LIBSRC:%.c=$(O)/%.o)
	@rm -f $@
	ar rcs $@ $^

bin/vasm: $(O)/assembler/vasm.o $(O)/libkit.a
	@mkdir -p bin
	$(CC) $(CFLAGS) -o $@ $^ -lm
bin/vdis: $(O)/assembler/vdis.o $(O)/libkit.a
	@mkdir -p bin
	$(CC) $(CFLAGS) -o $@ $^ -lm
bin/vmm: $(O)/vmm/run/main.o $(O)/libkit.a
	@mkdir -p bin
	$(CC) $(CFLAGS) -o $@ $^ -lm
bin/vdb: $(O)/vmm/vdb/vdb.o $(VDBSRC:%.c=$(O)/%.o) $(O)/libkit.a
	@mkdir -p bin
	$(CC) $(CFLAGS) -o $@ $^ $(READLINE_LIBS) -lm

# ---- sanitizer build for the tests ----
$(SO)/%.o: %.c $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(SAN) $(WARN) $(INC) $(TINC) $(CHECK_CFLAGS) -c $< -o $@

$(SO)/libkit.a: $(LIBSRC:%.c=$(SO)/%.o)
	@rm -f $@
	ar rcs $@ $^

# The debugger's modules (not its main) are linked into the tests too.
$(SO)/check: $(TESTSRC:%.c=$(SO)/%.o) $(VDBSRC:%.c=$(SO)/%.o) $(SO)/libkit.a
	$(CC) $(SAN) -o $@ $^ $(CHECK_LIBS) $(READLINE_LIBS) -lm

include mk/guests.mk
include mk/deps.mk
include mk/bench.mk
include mk/reliability.mk
include mk/slides.mk
include mk/install.mk
include mk/labs.mk
include mk/web.mk
include mk/docs.mk

# The runner, built with the sanitizers: the guest tests run it.
$(SO)/bin/vmm: $(SO)/vmm/run/main.o $(SO)/libkit.a
	@mkdir -p $(dir $@)
	$(CC) $(SAN) -o $@ $^ -lm

# (CHECK_T0: when make started, so that the last line says how long the
# whole of `make check` took, builds included.)
CHECK_T0 := $(if $(filter check,$(MAKECMDGOALS)),$(shell date +%s))
check: deps-check all $(SO)/check $(SO)/bin/vmm
	CK_FORK=yes CK_DEFAULT_TIMEOUT=60 VKIT_VMM=$(SO)/bin/vmm $(SO)/check
	@$(MAKE) --no-print-directory labs-check
	@$(MAKE) --no-print-directory platforms-check
	@echo "check: passed in $$(( $$(date +%s) - $(CHECK_T0) )) s"

# The guest OS under the monitor, by binary translation on the real ISA
# (pushf and popf included): its boot log and the scripted session (no
# console input), then what the monitor did beside a native run of it
# (--compare, docs/vmm.md); the same output and counters every run.
demo: all
	bin/vmm --mode bt --compare native build/guests/guestos.img < /dev/null

clean:
	rm -rf build bin
