/* cloop.c: the speed loops of bench/guests/loop-*.s written in plain C, so
 * that one run of the benchmark says how many times slower the simulated
 * CPU is than the host running the same work.  noinline and the returned
 * result keep the compiler from deleting or folding the loops. */
#include <stdint.h>

#include "bench.h"

__attribute__((noinline)) uint32_t cloop_reg(uint32_t iters) {
  uint32_t r2 = 1, r3 = 3, r4 = 0, r5;
  for (uint32_t r1 = iters; r1 != 0; r1--) {
    r2 += r3;
    r4 ^= r2;
    r3 += 7;
    r5 = r2 << 1;
    r4 -= r5;
    __asm__ volatile("" : "+r"(r2), "+r"(r3), "+r"(r4)); /* one iteration at a time, like the guest */
  }
  return r4 & 63;
}

__attribute__((noinline)) uint32_t cloop_mem(uint32_t iters, uint32_t *ws /* 64 KiB */) {
  uint32_t off = 0;
  for (uint32_t r1 = iters; r1 != 0; r1--) {
    uint32_t *p = (uint32_t *)((uint8_t *)ws + off);
    *p += r1;
    off = (off + 68) & 0xfffc;
    __asm__ volatile("" : "+r"(off) : : "memory");
  }
  return ws[0];
}
