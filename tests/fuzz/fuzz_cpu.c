/* fuzz_cpu.c: the CPU and every monitor mode on arbitrary instruction
 * words.
 *
 * Input: one byte of configuration, then the guest's memory from 0x1000
 * (up to 48 KiB), entry 0x1000:
 *
 *   bit 0     the strict ISA
 *   bit 1     pre-build an identity page table at 0xe000 and point CR[ptb]
 *             at it (the words may turn paging on)
 *   bits 2-4  the TLB: 1 << (bits) entries
 *   bits 5-7  the machine: a row of the mode table (core/mode.h: the
 *             bare CPU or a monitor mode, guard pages around its memory),
 *             modulo their number
 *
 * The image runs on that machine for FUZZ_TICKS ticks, in two runs (a run
 * continues where the last stopped): no crash, no hang, no sanitizer
 * report, and no byte outside the guest may change.  The modes need not
 * agree with native: random code edits live page tables without tlbi,
 * which the ISA leaves undefined (fuzz_modes.c checks equivalence, on
 * kernels whose behaviour is defined).  One machine an input, for a few
 * thousand ticks: the bound on the work that keeps the fuzzer fast. */
#include <stdint.h>
#include <string.h>

#include "fuzz.h"
#include "check/lockstep.h"

#define FUZZ_MEM (64u << 10)
#define FUZZ_TICKS 2000

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc, (void)argv;
  fuzz_sandbox();
  return 0;
}

/* The guest of one row of the mode table on the words. */
static void run_side(const vmm_mode *mode, const vmm_opts *o, const image *img) {
  ls_record rec = {.eof = true};
  ls_side s = {0};
  char err[256];
  ls_console_init(&s, &rec);
  FUZZ_CHECK(ls_side_make(&s, mode, o, img, err, sizeof err) == 0, "%s: %s", mode->name, err);
  guest_run(&s.g, FUZZ_TICKS / 2);
  guest_run(&s.g, FUZZ_TICKS / 2); /* (a run continues where the last stopped) */
  uint64_t n = ls_side_outside(&s);
  FUZZ_CHECK(n == 0, "%s: %llu bytes or entries outside the guest changed", mode->name, (unsigned long long)n);
  ls_side_free(&s);
  free(s.out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 5) return 0;
  uint8_t cfg = data[0];
  size_t n = size - 1 > 48u << 10 ? 48u << 10 : size - 1;
  image img = {.entry = 0x1000};
  if (image_add_seg(&img, 0x1000, data + 1, (uint32_t)n) != 0) return 0;
  if (cfg & 2) { /* a directory at 0xe000, one table at 0xf000 mapping 0..64K */
    uint8_t pt[8192] = {0};
    uint32_t pde = 0xf000 | PTE_V;
    memcpy(pt, &pde, 4);
    for (uint32_t p = 0; p < 16; p++) {
      uint32_t pte = p << 12 | PTE_V | PTE_W | PTE_U;
      memcpy(pt + 4096 + 4 * p, &pte, 4);
    }
    if (n <= 0xd000 && image_add_seg(&img, 0xe000, pt, sizeof pt) != 0) return 0;
  }
  vmm_opts o = {.mem = FUZZ_MEM, .tlb = 1u << ((cfg >> 2) & 7), .strict_isa = cfg & 1, .image = "fuzz"};
  cost_profile(&o.cost, "modern");
  int m = cfg >> 5;
  run_side(mode_nth(m % mode_count(false), false), &o, &img);
  image_free(&img);
  return 0;
}
