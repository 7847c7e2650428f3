# make bench: the speed loops and the guests by mode, in one run.
BENCH_ITERS := 50000000

build/bench/%.img: bench/guests/%.s bench/guests/paging.inc bin/vasm
	@mkdir -p $(dir $@)
	bin/vasm -I bench/guests -D ITERS=$(BENCH_ITERS) $< -o $@

# Each microbenchmark again with half its iterations (-D SCALE=2): the
# difference of the two runs is the cost per operation (bench/aa.c).
build/bench/half-%.img: guestos/bench/%.s $(BENCH_INC) $(GUESTOS_SRC) bin/vasm
	@mkdir -p $(dir $@)
	bin/vasm -D SCALE=2 -I guestos $< -o $@

# (and on the paravirtual kernel, for the pv column)
build/bench/half-%-pv.img: guestos/bench/%.s $(BENCH_INC) $(GUESTOS_SRC) bin/vasm
	@mkdir -p $(dir $@)
	bin/vasm -D PV -D SCALE=2 -I guestos $< -o $@

# forkwait sustained: 512 fork/exit/wait cycles instead of 64 (bench.c,
# the translation share of a long run).
build/bench/long-forkwait.img: guestos/bench/forkwait.s $(BENCH_INC) $(GUESTOS_SRC) bin/vasm
	@mkdir -p $(dir $@)
	bin/vasm -D ITERATIONS=512 -I guestos $< -o $@

BENCH_SRC := bench/bench.c bench/cloop.c bench/scale.c bench/aa.c bench/attack.c bench/shadow.c

build/bench/bench: $(BENCH_SRC) bench/bench.h $(O)/libkit.a
	@mkdir -p $(dir $@)
	$(CC) -O2 -g $(WARN) $(INC) -Ibench -o $@ $(BENCH_SRC) $(O)/libkit.a -lm

.PHONY: bench bench-aa bench-attackers bench-symbols
# Section 5 alone (Adams and Agesen's table), into build/bench/aa.json.
bench-aa: all build/bench/bench $(BENCH_NAMES:%=build/bench/half-%.img) $(BENCH_NAMES:%=build/bench/half-%-pv.img)
	build/bench/bench build/bench/aa.json aa

# Everything build/bench/bench reads (make slides runs it too).
BENCH_INPUTS := all build/bench/bench build/bench/loop-reg.img build/bench/loop-mem.img \
                $(BENCH_NAMES:%=build/bench/half-%.img) $(BENCH_NAMES:%=build/bench/half-%-pv.img) \
                build/bench/long-forkwait.img

bench: $(BENCH_INPUTS)
	build/bench/bench build/bench/results.json
	@$(MAKE) --no-print-directory bench-symbols

# Images with 20,000 to 1,000,000 symbols: load and list them (bench/symbols.c),
# with the optimized programs, then in the sanitizer build.
build/bench/symbols: bench/symbols.c $(O)/libkit.a
	@mkdir -p $(dir $@)
	$(CC) -O2 -g $(WARN) $(INC) -o $@ $^ -lm
build/bench/symbols-asan: bench/symbols.c $(SO)/libkit.a
	@mkdir -p $(dir $@)
	$(CC) $(SAN) $(WARN) $(INC) -o $@ $^ -lm

bench-symbols: tools build/bench/symbols build/bench/symbols-asan
	@echo "symbols: the optimized build (bin/)"
	@build/bench/symbols build/bench
	@echo "symbols: the sanitizer build, in one process"
	@build/bench/symbols-asan -p build/bench

# Section 6 alone (resource control), into build/bench/attackers.json
# (make docs-update puts its figures into docs/multi.md).
bench-attackers: all build/bench/bench
	build/bench/bench build/bench/attackers.json attackers
