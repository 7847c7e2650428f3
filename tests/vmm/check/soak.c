/* soak.c: build/soak, the long run behind `make soak` (docs/reliability.md).
 *
 *   soak [N] [ATTACKS]
 *
 * Runs random kernels 1..N in lockstep with native in every configuration
 * lockstep checks (check/lockstep.h: every monitor mode, and those with
 * traced shadow paging too; trap on the strict ISA, bt on both:
 * gen_strict_isa, the others on the real one), then attack kernels
 * 1..ATTACKS (default N/10) the same way, and prints the figures:
 * programs x modes, divergences, ticks compared, bytes outside the guest
 * changed.  Each run is its own process, so a monitor that crashes costs one
 * program, not the soak; it counts as a failure and prints the replay.
 *
 * Exit status: 0 when every run agreed and nothing outside a guest changed,
 * 1 otherwise, 2 bad command line. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check/gen.h"
#include "check/lockstep.h"
#include "run/runner.h"

typedef struct outcome {
  int verdict; /* enum ls_verdict, or -1: the run crashed */
  uint64_t ticks, outside, at_tick;
  char what[400];
} outcome;

typedef struct tally {
  uint64_t runs, ticks, diverged, crashed, outside, outside_runs;
} tally;

/* Run one kernel in lockstep in a child process. */
static outcome run_one(const vmm_opts *v, enum gen_kind kind, uint64_t seed) {
  const char *mode = v->mode;
  outcome oc = {.verdict = -1};
  int fd[2];
  if (pipe(fd) != 0) return oc;
  fflush(stdout);
  pid_t pid = fork();
  if (pid == 0) {
    close(fd[0]);
    outcome r = {.verdict = LS_ERROR};
    gen_opts g = {.seed = seed, .kind = kind};
    image img;
    char err[512];
    if (gen_image(&g, &img, err, sizeof err) == 0) {
      vmm_opts o = {.mode = mode, .mem = GEN_MEM, .tlb = 64, .max_steps = GEN_MAX_TICKS,
                    .strict_isa = gen_strict_isa(mode, seed), .shadow_trace = v->shadow_trace};
      gen_bt_adapt(mode, seed, &o.bt_no_adapt, &o.bt_adapt_threshold);
      cost_profile(&o.cost, "modern");
      ls_opts lo = {0};
      ls_result res;
      if (lockstep_run(&o, &lo, &img, &res) == 0) {
        r.verdict = res.verdict;
        r.ticks = res.ticks;
        r.outside = res.outside;
        r.at_tick = res.at_tick;
        if (res.verdict == LS_DIVERGED)
          snprintf(r.what, sizeof r.what, "%s: %s: %s", res.insn_where, res.insn_text, res.what);
        else if (kind == GEN_NORMAL && (res.exit != EXIT_HALT || res.halt_code != 0))
          r.verdict = LS_DIVERGED, snprintf(r.what, sizeof r.what, "ends with %s, not halt 0", cpu_exit_name(res.exit));
      }
    } else {
      snprintf(r.what, sizeof r.what, "%.300s", err);
    }
    ssize_t k = write(fd[1], &r, sizeof r);
    _exit(k == (ssize_t)sizeof r ? 0 : 1);
  }
  close(fd[1]);
  if (pid > 0) {
    ssize_t k = read(fd[0], &oc, sizeof oc);
    if (k != (ssize_t)sizeof oc) oc.verdict = -1;
    int ws;
    while (waitpid(pid, &ws, 0) < 0 && errno == EINTR) {
    }
    if (!WIFEXITED(ws) || WEXITSTATUS(ws) != 0) oc.verdict = -1;
  }
  close(fd[0]);
  return oc;
}

static void run_batch(const vmm_opts *v, enum gen_kind kind, uint64_t n, tally *t, int *shown) {
  const char *mode = v->mode;
  for (uint64_t seed = 1; seed <= n; seed++) {
    outcome oc = run_one(v, kind, seed);
    t->runs++;
    t->ticks += oc.ticks;
    t->outside += oc.outside;
    t->outside_runs += oc.outside != 0;
    if (oc.verdict == -1) t->crashed++;
    if (oc.verdict == LS_DIVERGED || oc.verdict == LS_ERROR) t->diverged++;
    if ((oc.verdict != LS_AGREE || oc.outside) && (*shown)++ < 20) {
      bool no_adapt;
      uint32_t threshold;
      printf("  %s seed %llu: %s%s\n    replay: bin/vmm --lockstep %s%s%s%s --mem 256K --gen-seed %llu%s\n", mode,
             (unsigned long long)seed, oc.verdict == -1 ? "the monitor crashed" : oc.what,
             oc.outside ? "; changed memory outside the guest" : "", mode, v->shadow_trace ? " --shadow trace" : "",
             gen_strict_isa(mode, seed) ? " --isa strict" : "", gen_bt_adapt(mode, seed, &no_adapt, &threshold),
             (unsigned long long)seed,
             kind == GEN_ATTACK ? " --gen-kind attack" : "");
    }
  }
}

int main(int argc, char **argv) {
  char *end;
  uint64_t n = argc > 1 ? strtoull(argv[1], &end, 0) : 1000;
  if (argc > 1 && (*end || n == 0)) {
    fprintf(stderr, "soak: bad N: %s (usage: soak [N] [ATTACKS])\n", argv[1]);
    return 2;
  }
  uint64_t attacks = argc > 2 ? strtoull(argv[2], NULL, 0) : (n + 9) / 10;
  double t0 = host_now();
  tally all = {0}, att = {0};
  int shown = 0;
  printf("soak: %llu random kernels and %llu attack kernels per mode, in lockstep with native\n",
         (unsigned long long)n, (unsigned long long)attacks);
  int nv = lockstep_variants();
  for (int i = 0; i < nv; i++) {
    tally t = {0};
    vmm_opts v = {0};
    const char *name = lockstep_variant(i, &v);
    run_batch(&v, GEN_NORMAL, n, &t, &shown);
    printf("  %-24s %s ISA: %llu programs, %llu ticks compared, %llu divergences (%llu crashes)\n", name,
           strcmp(v.mode, "trap") == 0 ? "strict" : strcmp(v.mode, "bt") == 0 ? "both" : "real", (unsigned long long)t.runs,
           (unsigned long long)t.ticks, (unsigned long long)t.diverged, (unsigned long long)t.crashed);
    all.runs += t.runs, all.ticks += t.ticks, all.diverged += t.diverged, all.crashed += t.crashed;
    all.outside += t.outside, all.outside_runs += t.outside_runs;
    tally a = {0};
    run_batch(&v, GEN_ATTACK, attacks, &a, &shown);
    printf("  %-24s attacks: %llu kernels, %llu bytes or entries outside the guest changed, %llu divergences\n",
           name, (unsigned long long)a.runs, (unsigned long long)a.outside, (unsigned long long)a.diverged);
    att.runs += a.runs, att.outside += a.outside, att.outside_runs += a.outside_runs;
    att.diverged += a.diverged, att.crashed += a.crashed;
  }
  printf("soak: equivalence: %llu programs x %d configurations = %llu runs, %llu ticks compared, %llu divergences "
         "(%llu crashes)\n",
         (unsigned long long)n, nv, (unsigned long long)all.runs, (unsigned long long)all.ticks,
         (unsigned long long)all.diverged, (unsigned long long)all.crashed);
  printf("soak: isolation: %llu attack kernels x %d configurations = %llu runs, %llu bytes or shadow entries outside the "
         "guest changed (plus %llu in the random kernels), %llu divergences\n",
         (unsigned long long)attacks, nv, (unsigned long long)att.runs, (unsigned long long)att.outside,
         (unsigned long long)all.outside, (unsigned long long)att.diverged + att.crashed);
  printf("soak: %.1f s\n", host_now() - t0);
  return all.diverged || all.crashed || all.outside || att.outside || att.diverged || att.crashed ? 1 : 0;
}
