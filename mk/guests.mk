# mk/guests.mk: the guest images, built into build/guests/ by `make`.
#
#   guestos.img             the guest OS (guestos/guestos.s)
#   guestos-nospecial.img   the same with -D NOSPECIAL: no special
#                           instructions, only privileged ones (guestos/irq.inc)
#   guestos-pv.img          the same with -D PV: paravirtual, for bin/vmm
#                           --pv on (guestos/pv.inc, docs/pv.md)
#   bench-NAME.img          a microbenchmark, guestos/bench/NAME.s: the guest
#                           OS with another init (guestos/bench/head.inc)
#   bench-NAME-nospecial.img  the same on the NOSPECIAL kernel, so that the
#                           benchmark also runs under pure trap-and-emulate
#   bench-NAME-pv.img       the same on the PV kernel (bench/aa.c's pv column)
#   pvtest-NAME.img, pvtest-NAME-pv.img  the paravirtual tests' guests,
#                           tests/vmm/core/pv-NAME.s, plain and -D PV
#   test-NAME.img           a guest test, tests/guests/NAME.s; which modes it
#                           must pass in is in tests/guests/guests.tbl
#   multi-NAME.img          a guest for the multi-guest tests, tests/vmm/run/NAME.s
#                           (docs/multi.md): attackers and the isolation check
#
# vasm writes no dependency lists, so each image depends on every file its
# source can include: the globs below (a new file is picked up by them).

G := build/guests

GUESTOS_SRC      := $(wildcard guestos/*.s guestos/*.inc guestos/user/*.s)
BENCH_NAMES      := $(sort $(basename $(notdir $(wildcard guestos/bench/*.s))))
BENCH_INC        := $(wildcard guestos/bench/*.inc)
GUEST_TEST_NAMES := $(sort $(basename $(notdir $(wildcard tests/guests/*.s))))
GUEST_TEST_INC   := $(wildcard tests/guests/*.inc)
MULTI_NAMES      := $(sort $(basename $(notdir $(wildcard tests/vmm/run/*.s))))

PV_TEST_NAMES    := $(sort $(patsubst pv-%,%,$(basename $(notdir $(wildcard tests/vmm/core/pv-*.s)))))

GUEST_IMAGES := $(G)/guestos.img $(G)/guestos-nospecial.img $(G)/guestos-pv.img \
                $(BENCH_NAMES:%=$(G)/bench-%.img) $(BENCH_NAMES:%=$(G)/bench-%-nospecial.img) \
                $(BENCH_NAMES:%=$(G)/bench-%-pv.img) \
                $(PV_TEST_NAMES:%=$(G)/pvtest-%.img) $(PV_TEST_NAMES:%=$(G)/pvtest-%-pv.img) \
                $(GUEST_TEST_NAMES:%=$(G)/test-%.img) $(MULTI_NAMES:%=$(G)/multi-%.img)

.PHONY: guests
guests: bin/vasm $(GUEST_IMAGES)

$(G)/guestos.img: $(GUESTOS_SRC) bin/vasm
	@mkdir -p $(G)
	bin/vasm guestos/guestos.s -o $@

$(G)/guestos-nospecial.img: $(GUESTOS_SRC) bin/vasm
	@mkdir -p $(G)
	bin/vasm -D NOSPECIAL guestos/guestos.s -o $@

$(G)/guestos-pv.img: $(GUESTOS_SRC) bin/vasm
	@mkdir -p $(G)
	bin/vasm -D PV guestos/guestos.s -o $@

$(G)/bench-%-pv.img: guestos/bench/%.s $(BENCH_INC) $(GUESTOS_SRC) bin/vasm
	@mkdir -p $(G)
	bin/vasm -D PV -I guestos $< -o $@

$(G)/pvtest-%-pv.img: tests/vmm/core/pv-%.s $(GUEST_TEST_INC) guestos/pv.inc bin/vasm
	@mkdir -p $(G)
	bin/vasm -D PV -I tests/guests -I guestos $< -o $@

$(G)/pvtest-%.img: tests/vmm/core/pv-%.s $(GUEST_TEST_INC) guestos/pv.inc bin/vasm
	@mkdir -p $(G)
	bin/vasm -I tests/guests -I guestos $< -o $@

$(G)/bench-%.img: guestos/bench/%.s $(BENCH_INC) $(GUESTOS_SRC) bin/vasm
	@mkdir -p $(G)
	bin/vasm -I guestos $< -o $@

# (make prefers this rule to the one above: its stem is shorter)
$(G)/bench-%-nospecial.img: guestos/bench/%.s $(BENCH_INC) $(GUESTOS_SRC) bin/vasm
	@mkdir -p $(G)
	bin/vasm -D NOSPECIAL -I guestos $< -o $@

$(G)/test-%.img: tests/guests/%.s $(GUEST_TEST_INC) bin/vasm
	@mkdir -p $(G)
	bin/vasm -I tests/guests $< -o $@

$(G)/multi-%.img: tests/vmm/run/%.s $(GUEST_TEST_INC) bin/vasm
	@mkdir -p $(G)
	bin/vasm -I tests/guests $< -o $@
