/* bench.h: the benchmark driver's pieces. */
#ifndef BENCH_H
#define BENCH_H

#include <stdint.h>

uint32_t cloop_reg(uint32_t iters);
uint32_t cloop_mem(uint32_t iters, uint32_t *ws);

#endif
