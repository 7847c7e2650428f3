/* fuzz_modes.c: every monitor mode in lockstep with native, on guest
 * kernels the fuzzer writes.
 *
 * The input drives the random-kernel generator (vmm/check/gen.h): its
 * bytes are the generator's random numbers, so every input is a valid
 * kernel whose behaviour the ISA defines, and libFuzzer's mutations move
 * through the space of such kernels guided by coverage of the monitor.
 *
 *   byte 0   bits 0-2  the monitor configuration: one of lockstep's
 *                      variants (check/lockstep.h: every monitor row of
 *                      the mode table, trap, bt, hw, hw-shadow, then trap,
 *                      bt and hw-shadow with --shadow trace), modulo
 *                      their number
 *            bit 3     the strict ISA (always under trap, where the real
 *                      ISA's pushf and popf differ by design)
 *            bits 4-7  the kernel's length: 1 to 16 fragments
 *   1 ...    the generator's random numbers, four bytes each
 *   size     under bt, adaptive translation: off or at a threshold of 1,
 *            by gen_bt_adapt of the input's size (vmm/check/gen.h)
 *
 * The kernel ends without printing its digest (gen_opts.no_digest: the
 * registers and memory are compared at every tick).
 *
 * The kernel runs natively and in the mode side by side (lockstep.h) for
 * at most FUZZ_TICKS ticks, under bt with a translation cache of 64 KiB
 * (a kernel's code is a few KiB; a smaller cache is less to set up per
 * input, and is flushed when full, which the fuzzer should reach too).  A divergence, a byte changed outside the
 * guest, or a kernel that ends other than by halting with 0, is a crash:
 * the report goes to standard error, the input to libFuzzer's crash file.
 * Replay one: build/fuzz/fuzz_modes /absolute/path/of/FILE (the harness
 * works in a scratch directory, fuzz.h); with FUZZ_MODES_SHOW=1 set it
 * prints the kernel's source first. */
#include <stdint.h>
#include <string.h>

#include "check/gen.h"
#include "check/lockstep.h"
#include "fuzz.h"

#define FUZZ_TICKS 20000 /* bounds one input's work: a few milliseconds */

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc, (void)argv;
  fuzz_sandbox();
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1) return 0;
  vmm_opts vo = {0};
  const char *name = lockstep_variant((data[0] & 7) % lockstep_variants(), &vo);
  bool strict = (data[0] & 8) || strcmp(vo.mode, "trap") == 0;
  gen_opts g = {.seed = 1, .kind = GEN_NORMAL, .length = 1 + (data[0] >> 4), .choices = data + 1,
                .nchoices = size - 1, .no_digest = true};
  if (getenv("FUZZ_MODES_SHOW")) {
    char *src = gen_program(&g, NULL);
    fprintf(stderr, "fuzz_modes: --lockstep %s%s%s of:\n%s", name, strict ? " --isa strict" : "",
            gen_bt_adapt(vo.mode, size, &(bool){0}, &(uint32_t){0}), src);
    free(src);
  }
  image img;
  char err[512];
  FUZZ_CHECK(gen_image(&g, &img, err, sizeof err) == 0, "%s", err);
  vmm_opts o = {.mode = vo.mode, .mem = GEN_MEM, .tlb = 64, .max_steps = FUZZ_TICKS, .strict_isa = strict,
                .image = "fuzz", .shadow_trace = vo.shadow_trace, .bt_tc_size = 64u << 10};
  const char *adapt = gen_bt_adapt(vo.mode, size, &o.bt_no_adapt, &o.bt_adapt_threshold); /* bt: on, off */
  cost_profile(&o.cost, "modern");
  ls_opts lo = {.report = stderr};
  ls_result res;
  FUZZ_CHECK(lockstep_run(&o, &lo, &img, &res) == 0, "lockstep_run failed");
  if (res.verdict == LS_DIVERGED) lockstep_print(stderr, name, &res);
  FUZZ_CHECK(res.verdict == LS_AGREE, "native and %s%s%s diverge at tick %llu: %s", name,
             strict ? " (strict ISA)" : "", adapt, (unsigned long long)res.at_tick, res.what);
  FUZZ_CHECK(res.outside == 0, "%s: %llu bytes or entries outside the guest changed", name,
             (unsigned long long)res.outside);
  FUZZ_CHECK(res.exit == EXIT_BUDGET || (res.exit == EXIT_HALT && res.halt_code == 0),
             "the kernel ends with %s %u, not halt 0", cpu_exit_name(res.exit), res.halt_code);
  image_free(&img);
  return 0;
}
