/* scale.c: `make bench`, several guests at once (docs/multi.md).
 *
 * 1, 8 and 64 copies of the guest OS side by side, 1 MiB each, in every
 * monitor mode (the NOSPECIAL kernel under trap), run to their end by the
 * monitor's scheduler with its default quantum.  Each configuration runs in
 * a child process of its own, so that its peak resident set (ru_maxrss,
 * from wait4) is its own:
 *
 *   memory      the child's peak RSS less its RSS before it made the first
 *               guest (the peak is reset there: fresh_peak), per guest,
 *               against the guest's 1 MiB of RAM (the machine's memory is
 *               calloc'd: what a guest never touches costs nothing)
 *   throughput  guest instructions per second of the child's CPU time, all
 *               guests together, against one guest alone (best of a few
 *               runs; CPU time, because the machine is shared)
 *   fairness    with every guest about halfway, at a fixed point of the
 *               scheduler's clock that is not a round's end: max/min of
 *               the guests' ticks; and at the end, max/min of the host
 *               time each guest got
 */
#include <malloc.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "run/json.h"
#include "run/multi.h"

#define GUEST_RAM (1u << 20)
#define HALFWAY 850000 /* ticks per guest: the guest OS needs 1.72 M */

typedef struct scale_fig {
  int ok;
  uint64_t insns;     /* all guests' instructions */
  double seconds;     /* host time of the scheduler's whole run */
  double tick_spread; /* max/min of guests' ticks at the fixed point */
  double host_spread; /* max/min of the host time each guest got */
  uint64_t switches, flushes;
  long base_kb;   /* the child's resident set before it made any guest */
  long maxrss_kb; /* its peak (wait4), filled by the parent */
} scale_fig;

/* The child's CPU time: the machine is shared, and another process
 * taking the CPU away must not count as this configuration's time. */
static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Start the child's peak resident set from here: drop the heap pages the
 * parent had freed (shared after fork, they would count), then reset the
 * high-water mark (Linux: /proc/self/clear_refs, "5").  Returns the
 * resident set now, in KiB, or -1 if the mark cannot be reset. */
static long fresh_peak(void) {
  malloc_trim(0);
  FILE *f = fopen("/proc/self/clear_refs", "w");
  if (!f) return -1;
  int bad = fputs("5", f) < 0;
  bad |= fclose(f) != 0;
  long pages = 0, rss = 0;
  f = fopen("/proc/self/statm", "r");
  if (!f || fscanf(f, "%ld %ld", &pages, &rss) != 2) bad = 1;
  if (f) fclose(f);
  return bad ? -1 : rss * (sysconf(_SC_PAGESIZE) / 1024);
}

static void discard(void *ctx, int ch) { (void)ctx, (void)ch; }
static int no_byte(void *ctx) { return (void)ctx, -1; }
static int at_end(void *ctx) { return (void)ctx, 2; }

/* In the child: n guests of img in mode, run to the end. */
static void child(const char *mode, const char *path, int n, scale_fig *f) {
  char err[256];
  vmm_opts o = {.mode = mode, .mem = GUEST_RAM, .tlb = 64};
  cost_profile(&o.cost, "modern");
  image img;
  const vmm_mode *md = mode_find(mode, &o);
  if (n == 0) {
    f->ok = 1;
    return;
  }
  if (!md || image_read(path, &img, err, sizeof err) != 0) return;
  uint64_t fp = guest_footprint(md, &o, GUEST_RAM);
  cpu *c = guest_machine(&o, fp * (uint64_t)n);
  guest *g = calloc((size_t)n, sizeof *g);
  sched_guest *q = calloc((size_t)n, sizeof *q);
  if (!c || !g || !q) return;
  console_dev con = {.putc = discard, .getc = no_byte, .status = at_end};
  for (int i = 0; i < n; i++) {
    if (guest_init(&g[i], md, &o, c, "guestos", (uint32_t)(fp * (uint64_t)i), GUEST_RAM, (uint32_t)i + 1) != 0 ||
        guest_load(&g[i], &img, con, err, sizeof err) != 0)
      return;
    q[i] = (sched_guest){.g = &g[i], .weight = 1};
  }
  sched s;
  sched_init(&s, q, n, 0);
  s.clock = now;
  double t0 = now();
  sched_run(&s, (uint64_t)n * HALFWAY);
  uint64_t lo = UINT64_MAX, hi = 0;
  for (int i = 0; i < n; i++) {
    uint64_t t = guest_ticks(&g[i]);
    lo = t < lo ? t : lo;
    hi = t > hi ? t : hi;
  }
  sched_run(&s, 0);
  f->seconds = now() - t0;
  f->tick_spread = (double)hi / (double)lo;
  double hlo = 1e9, hhi = 0;
  f->ok = 1;
  for (int i = 0; i < n; i++) {
    vm_report r = {0};
    guest_report(&g[i], &r);
    f->insns += r.st.insns;
    f->ok &= r.exit == EXIT_HALT && r.halt_code == 0;
    hlo = q[i].host_seconds < hlo ? q[i].host_seconds : hlo;
    hhi = q[i].host_seconds > hhi ? q[i].host_seconds : hhi;
  }
  f->host_spread = hhi / hlo;
  f->switches = s.switches;
  f->flushes = s.flushes;
}

/* One configuration in a child: 0, or -1 if it failed. */
static int measure(const char *mode, const char *path, int n, scale_fig *f) {
  int fd[2];
  memset(f, 0, sizeof *f);
  if (pipe(fd) != 0) return -1;
  fflush(stdout);
  pid_t pid = fork();
  if (pid < 0) return -1;
  if (pid == 0) {
    close(fd[0]);
    /* Earlier sections freed big blocks, which raises glibc's mmap
     * threshold; set it back, so that every child's big tables come
     * fresh from mmap (untouched pages cost nothing) as in bin/vmm. */
    mallopt(M_MMAP_THRESHOLD, 128 << 10);
    scale_fig mine = {0};
    mine.base_kb = fresh_peak();
    if (mine.base_kb >= 0) child(mode, path, n, &mine);
    _exit(write(fd[1], &mine, sizeof mine) == (ssize_t)sizeof mine ? 0 : 1);
  }
  close(fd[1]);
  ssize_t got = read(fd[0], f, sizeof *f);
  close(fd[0]);
  int status;
  struct rusage ru;
  if (wait4(pid, &status, 0, &ru) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0 ||
      got != (ssize_t)sizeof *f || !f->ok)
    return -1;
  f->maxrss_kb = ru.ru_maxrss;
  return 0;
}

int bench_scale(json *j) {
  static const char *const modes[] = {"trap", "bt", "hw", "hw-shadow"};
  static const int counts[] = {1, 8, 64};
  scale_fig empty;
  if (measure("trap", NULL, 0, &empty) != 0) {
    fprintf(stderr, "bench: cannot measure a child's peak resident set (/proc/self/clear_refs)\n");
    return -1;
  }
  printf("\nSeveral guests at once: the guest OS, 1 MiB each, quantum %u ticks (docs/multi.md)\n",
         SCHED_DEFAULT_QUANTUM);
  printf("(memory: the peak resident set a child process added by making and running the guests;\n"
         " time: its CPU time; fairness: max/min of the guests' ticks halfway, and of their host time)\n");
  printf("%-10s %6s %10s %10s %6s %10s %7s %9s %9s\n", "mode", "guests", "guests MiB", "KiB/guest", "x RAM",
         "M insns/s", "x one", "ticks", "host");
  json_object(j, "several_guests");
  json_u64(j, "quantum", SCHED_DEFAULT_QUANTUM);
  json_u64(j, "guest_ram_kib", GUEST_RAM >> 10);
  for (size_t m = 0; m < sizeof modes / sizeof modes[0]; m++) {
    const char *path = strcmp(modes[m], "trap") == 0 ? "build/guests/guestos-nospecial.img" : "build/guests/guestos.img";
    json_object(j, modes[m]);
    double one = 0;
    for (size_t k = 0; k < sizeof counts / sizeof counts[0]; k++) {
      int n = counts[k], reps = n == 1 ? 7 : n == 8 ? 3 : 2;
      scale_fig best = {0}, f;
      long added = 0; /* KiB: the largest of the runs */
      for (int r = 0; r < reps; r++) {
        if (measure(modes[m], path, n, &f) != 0) {
          fprintf(stderr, "bench: %d guests in %s mode did not all halt cleanly\n", n, modes[m]);
          return -1;
        }
        if (f.maxrss_kb - f.base_kb > added) added = f.maxrss_kb - f.base_kb;
        if (r == 0 || f.seconds < best.seconds) best = f;
      }
      double ips = (double)best.insns / best.seconds;
      if (n == 1) one = ips;
      double per_guest = (double)added / n;
      printf("%-10s %6d %10.1f %10.0f %6.2f %10.0f %7.3f %9.3f %9.3f\n", modes[m], n, added / 1024.0, per_guest,
             per_guest / (GUEST_RAM >> 10), ips / 1e6, ips / one, best.tick_spread, best.host_spread);
      char key[16];
      snprintf(key, sizeof key, "%d", n);
      json_object(j, key);
      json_u64(j, "added_rss_kib", (uint64_t)added);
      json_double(j, "kib_per_guest", per_guest);
      json_double(j, "per_guest_over_ram", per_guest / (GUEST_RAM >> 10));
      json_u64(j, "instructions", best.insns);
      json_double(j, "cpu_seconds", best.seconds);
      json_double(j, "instructions_per_second", ips);
      json_double(j, "throughput_vs_one", ips / one);
      json_double(j, "tick_spread", best.tick_spread);
      json_double(j, "host_time_spread", best.host_spread);
      json_u64(j, "switches", best.switches);
      json_u64(j, "switch_tlb_flushes", best.flushes);
      json_end(j);
    }
    json_end(j);
  }
  json_end(j);
  return 0;
}
