/* attack.c: `make bench`, resource control (docs/multi.md).
 *
 * The guest OS beside each monitor-cost attacker of tests/vmm/run/ (a
 * guest that makes the monitor work for every tick it runs), in every
 * monitor mode, against the guest OS alone:
 *
 *   tcflush   thrashes bt's translation cache (and its write protection)
 *   shadow    thrashes shadow paging: more address spaces than are kept
 *   exits     an exit storm: I/O, tlbflush, syscall, mfc in a loop
 *   ptchurn   page-table churn: PTE rewrites, tlbi, touch, for ever
 *   spin      spins with its interrupts off
 *
 * Each configuration runs on one machine under the monitor's scheduler
 * (weight 1 each, the default quantum) until the guest OS halts; the
 * attacker never stops.  The figure is the guest OS's host time to its end
 * (CPU time, the least of REPS runs) beside the attacker, over its host
 * time alone: two guests sharing a CPU fairly take about 2.
 * The guest OS's console output must be byte for byte its output alone,
 * and it must halt with 0.  Best of a few runs each.
 *
 * The table goes to standard output and to the JSON object "attackers";
 * docs/multi.md shows it through marked figures (bench.attackers.MODE.
 * ATTACKER.ratio: make docs-update writes them, docs/doccheck.c), and
 * tests/vmm/run/test_multi.c checks that every figure is there and within
 * the bound.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench.h"
#include "run/json.h"
#include "run/multi.h"

#define GUEST_RAM (1u << 20)
#define REPS 12
#define OUT_MAX (1u << 16)

static const char *const modes[] = {"trap", "bt", "hw", "hw-shadow"};
static const char *const attackers[] = {"tcflush", "shadow", "exits", "ptchurn", "spin"};
#define NMODES (int)(sizeof modes / sizeof modes[0])
#define NATTACK (int)(sizeof attackers / sizeof attackers[0])

/* This process's CPU time: the machine is shared, and another process
 * taking the CPU away must not count. */
static double cpu_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

typedef struct outbuf {
  char b[OUT_MAX];
  size_t n;
} outbuf;

static void put(void *ctx, int ch) {
  outbuf *o = ctx;
  if (o->n < OUT_MAX - 1) o->b[o->n++] = (char)ch;
}
static void drop(void *ctx, int ch) { (void)ctx, (void)ch; }
static int no_byte(void *ctx) { return (void)ctx, -1; }
static int at_end(void *ctx) { return (void)ctx, 2; }

/* The guest OS (and, if att, an attacker beside it) in mode, until the
 * guest OS ends: its CPU seconds, its output in *out; -1 on failure. */
static double run_once(const char *mode, const image *os, const image *att, outbuf *out) {
  char err[256];
  vmm_opts o = {.mode = mode, .mem = GUEST_RAM, .tlb = 64};
  cost_profile(&o.cost, "modern");
  const vmm_mode *md = mode_find(mode, &o);
  int n = att ? 2 : 1;
  uint64_t fp = guest_footprint(md, &o, GUEST_RAM);
  cpu *c = guest_machine(&o, fp * (uint64_t)n);
  if (!c) return -1;
  guest g[2];
  sched_guest q[2];
  out->n = 0;
  console_dev con[2] = {{.ctx = out, .putc = put, .getc = no_byte, .status = at_end},
                        {.putc = drop, .getc = no_byte, .status = at_end}};
  const image *img[2] = {os, att};
  int made = 0, bad = 0;
  for (; made < n; made++) {
    if (guest_init(&g[made], md, &o, c, made ? "attacker" : "os", (uint32_t)(fp * (uint64_t)made), GUEST_RAM,
                   (uint32_t)made + 1) != 0) {
      bad = 1;
      break;
    }
    if (guest_load(&g[made], img[made], con[made], err, sizeof err) != 0) {
      made++;
      bad = 1;
      break;
    }
    q[made] = (sched_guest){.g = &g[made], .weight = 1};
  }
  double t = -1;
  if (!bad) {
    sched s;
    sched_init(&s, q, n, 0);
    double t0 = cpu_now();
    s.until = &g[0]; /* not a tick of the attacker alone after it */
    sched_run(&s, 0);
    t = cpu_now() - t0;
    vm_report r = {0};
    guest_report(&g[0], &r);
    if (r.exit != EXIT_HALT || r.halt_code != 0) t = -1;
  }
  for (int i = 0; i < made; i++) guest_free(&g[i]);
  cpu_free(c);
  return t;
}

/* The least of REPS runs' CPU times (the run least disturbed by the other
 * processes sharing the caches); the output of every run must equal
 * `want` (if given). */
static double least_of(const char *mode, const image *os, const image *att, outbuf *out, const outbuf *want) {
  double best = -1;
  for (int r = 0; r < REPS; r++) {
    double t = run_once(mode, os, att, out);
    if (t < 0) return -1;
    if (want && (out->n != want->n || memcmp(out->b, want->b, want->n) != 0)) return -2;
    if (best < 0 || t < best) best = t;
  }
  return best;
}

int bench_attack(json *j) {
  printf("\nResource control: the guest OS beside each monitor-cost attacker (docs/multi.md)\n");
  printf("(its host time to its end beside the attacker / alone; CPU time, least of %d runs; bound 2.5)\n", REPS);
  printf("%-10s %10s", "mode", "alone ms");
  for (int a = 0; a < NATTACK; a++) {
    printf(" %9s", attackers[a]);
  }
  printf("\n");
  json_object(j, "attackers");
  json_u64(j, "quantum", SCHED_DEFAULT_QUANTUM);
  json_u64(j, "cycles_per_tick", SCHED_CYCLES_PER_TICK);
  double worst = 0;
  static outbuf alone, beside;
  for (int m = 0; m < NMODES; m++) {
    char err[256], path[128];
    image os, att;
    const char *osp = strcmp(modes[m], "trap") == 0 ? "build/guests/guestos-nospecial.img" : "build/guests/guestos.img";
    if (image_read(osp, &os, err, sizeof err) != 0) {
      fprintf(stderr, "bench: %s\n", err);
      return -1;
    }
    double t1 = least_of(modes[m], &os, NULL, &alone, NULL);
    if (t1 <= 0) {
      fprintf(stderr, "bench: the guest OS alone in %s mode did not halt cleanly\n", modes[m]);
      return -1;
    }
    printf("%-10s %10.1f", modes[m], 1e3 * t1);
    json_object(j, modes[m]);
    json_double(j, "alone_seconds", t1);
    json_double(j, "alone_ms", 1e3 * t1);
    for (int a = 0; a < NATTACK; a++) {
      snprintf(path, sizeof path, "build/guests/multi-%s.img", attackers[a]);
      if (image_read(path, &att, err, sizeof err) != 0) {
        fprintf(stderr, "bench: %s\n", err);
        return -1;
      }
      double t = least_of(modes[m], &os, &att, &beside, &alone);
      image_free(&att);
      if (t < 0) {
        fprintf(stderr, "bench: the guest OS beside %s in %s mode %s\n", attackers[a], modes[m],
                t == -2 ? "printed other output than alone" : "did not halt cleanly");
        return -1;
      }
      double x = t / t1;
      if (x > worst) worst = x;
      printf(" %9.2f", x);
      json_object(j, attackers[a]);
      json_double(j, "seconds", t);
      json_double(j, "ratio", x);
      json_end(j);
    }
    printf("\n");
    json_end(j);
    image_free(&os);
  }
  json_double(j, "worst_ratio", worst);
  json_end(j);
  printf("worst: %.2f%s (the guest OS's output beside each attacker is its output alone)\n", worst,
         worst > 2.5 ? ", OVER THE BOUND" : "");
  return 0;
}
