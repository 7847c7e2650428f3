/* shadow.c: traced and lazy shadow page tables side by side (make bench,
 * section 5b; docs/compare.md, "Traced or lazy shadow page tables").
 *
 * The three microbenchmarks whose cost is the shadow's, ptemod (a PTE
 * edited and invalidated), pgfault (pages faulted in: the guest fills
 * page tables) and forkwait (an address space built, switched to and
 * torn down), under every mode that shadows page tables, with
 * --shadow lazy (the default: the shadow follows the guest's TLB
 * invalidations) and --shadow trace (the guest's page tables are
 * write-protected and each store followed: core/trace.c), in modeled
 * cycles per operation, both cost profiles (cpu/cost.h).
 *
 * Cost per operation as aa.c measures it: each benchmark whole and with
 * half its iterations (build/bench/half-NAME.img), the difference of the
 * cycles over the difference of the operations the guest counted.
 * Under trap the guest runs on the strict ISA, as `make bench` runs it.
 */
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "core/mode.h"
#include "run/json.h"

static const char *const benches[] = {"ptemod", "pgfault", "forkwait"};
static const char *const modes[] = {"trap", "bt", "hw-shadow"};
static const char *const profiles[] = {"modern", "early-vtx"};
#define N(a) (sizeof a / sizeof a[0])

typedef struct shadow_run {
  uint64_t cycles, ops, exits, traced_writes;
} shadow_run;

/* One run to its halt; -1 (and a message) if it did not end well. */
static int run_one(const char *path, const char *mode, const char *profile, bool trace, shadow_run *out) {
  vmm_opts o = {.mode = mode, .mem = 1u << 20, .tlb = 64, .shadow_trace = trace, .strict_isa = strcmp(mode, "trap") == 0};
  cost_profile(&o.cost, profile);
  char what[96];
  snprintf(what, sizeof what, "%s --shadow %s (%s)", mode, trace ? "trace" : "lazy", profile);
  vm_report r;
  if (bench_run_image(path, &o, what, &r, &out->ops)) return -1;
  out->cycles = r.cycles;
  out->exits = r.vmm.world_switches + r.bt.exits;
  out->traced_writes = r.vmm.traced_writes;
  return 0;
}

typedef struct shadow_op {
  double cycles, exits, traced_writes;
} shadow_op;

static int per_op(const char *bench, const char *mode, const char *profile, bool trace, shadow_op *op) {
  char whole[256], half[256];
  snprintf(whole, sizeof whole, "build/guests/bench-%s.img", bench);
  snprintf(half, sizeof half, "build/bench/half-%s.img", bench);
  shadow_run a, b;
  if (run_one(whole, mode, profile, trace, &a) || run_one(half, mode, profile, trace, &b)) return -1;
  if (a.ops <= b.ops || a.cycles < b.cycles) {
    fprintf(stderr, "bench: %s: the half run did not do less\n", bench);
    return -1;
  }
  double n = (double)(a.ops - b.ops);
  op->cycles = (double)(a.cycles - b.cycles) / n;
  op->exits = ((double)a.exits - (double)b.exits) / n;
  op->traced_writes = ((double)a.traced_writes - (double)b.traced_writes) / n;
  return 0;
}

int bench_shadow(json *j) {
  json_object(j, "shadow_trace");
  for (size_t p = 0; p < N(profiles); p++) {
    printf("\nTraced and lazy shadow page tables (--shadow), cost profile %s: cycles per operation\n", profiles[p]);
    printf("%-9s", "");
    for (size_t m = 0; m < N(modes); m++) printf(" %10s %10s %7s |", modes[m], "", "");
    printf("\n%-9s", "bench");
    for (size_t m = 0; m < N(modes); m++) printf(" %10s %10s %7s |", "lazy", "trace", "t/l");
    printf("\n");
    json_object(j, profiles[p]);
    for (size_t b = 0; b < N(benches); b++) {
      printf("%-9s", benches[b]);
      json_object(j, benches[b]);
      for (size_t m = 0; m < N(modes); m++) {
        shadow_op op[2];
        for (int t = 0; t < 2; t++)
          if (per_op(benches[b], modes[m], profiles[p], t == 1, &op[t])) return -1;
        double ratio = op[1].cycles / op[0].cycles;
        printf(" %10.0f %10.0f %7.2f |", op[0].cycles, op[1].cycles, ratio);
        json_object(j, modes[m]);
        static const char *const key[2] = {"lazy", "trace"};
        for (int t = 0; t < 2; t++) {
          json_object(j, key[t]);
          json_double(j, "cycles_per_op", op[t].cycles);
          json_double(j, "exits_per_op", op[t].exits);
          json_double(j, "traced_writes_per_op", op[t].traced_writes);
          json_end(j);
        }
        json_double(j, "trace_lazy_ratio", ratio);
        json_end(j);
      }
      printf("\n");
      json_end(j);
    }
    json_end(j);
  }
  json_end(j);
  return 0;
}
