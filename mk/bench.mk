# make bench: the speed loops and the guests by mode, in one run.
BENCH_ITERS := 50000000

build/bench/%.img: bench/guests/%.s bench/guests/paging.inc bin/vasm
	@mkdir -p $(dir $@)
	bin/vasm -I bench/guests -D ITERS=$(BENCH_ITERS) $< -o $@

build/bench/bench: bench/bench.c bench/cloop.c bench/scale.c bench/bench.h $(O)/libkit.a
	@mkdir -p $(dir $@)
	$(CC) -O2 -g $(WARN) $(INC) -Ibench -o $@ bench/bench.c bench/cloop.c bench/scale.c $(O)/libkit.a -lm

.PHONY: bench bench-symbols
bench: all build/bench/bench build/bench/loop-reg.img build/bench/loop-mem.img
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
