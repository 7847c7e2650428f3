# make bench: the speed loops and the guests by mode, in one run.
BENCH_ITERS := 50000000

build/bench/%.img: bench/guests/%.s bench/guests/paging.inc bin/vasm
	@mkdir -p $(dir $@)
	bin/vasm -I bench/guests -D ITERS=$(BENCH_ITERS) $< -o $@

build/bench/bench: bench/bench.c bench/cloop.c bench/scale.c bench/attack.c bench/bench.h $(O)/libkit.a
	@mkdir -p $(dir $@)
	$(CC) -O2 -g $(WARN) $(INC) -Ibench -o $@ bench/bench.c bench/cloop.c bench/scale.c bench/attack.c $(O)/libkit.a -lm

.PHONY: bench bench-attackers
bench: all build/bench/bench build/bench/loop-reg.img build/bench/loop-mem.img
	build/bench/bench build/bench/results.json

# Only section 5 (resource control), rewriting its table in docs/multi.md.
bench-attackers: all build/bench/bench
	build/bench/bench build/bench/attackers.json attackers
