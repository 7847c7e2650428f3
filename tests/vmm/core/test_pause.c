/* test_pause.c: a watcher's pause leaves no trace (core/mode.h).
 *
 *   slices    a guest run in a watcher's slices (guest_run_watched, as the
 *             debugger and the browser edition run it) ends with exactly the
 *             counters of one run (guest_run, as bin/vmm runs it): every
 *             field of the --stats-json report, in every mode, for slices
 *             of one tick, of odd lengths, and of the guest OS's timer
 *             period (where a slice's end meets a timer interrupt).
 *   Ctrl-C    a stop request in the middle of a watched run (the
 *             debugger's Ctrl-C) is a pause too: the guest goes on and
 *             ends with the same counters.
 *   preempt   a scheduler's slices (guest_run) still count as they always
 *             did: under hw each ends in a preempt VM exit.
 *
 * The guests are the images make builds (build/guests). */
#include <check.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "core/mode.h"

#define G "build/guests/"

/* ---- a console with no input, its output counted, and a stop request
 * on each newline (a watcher pressing Ctrl-C) when asked ---- */
typedef struct pcon {
  uint64_t bytes;
  cpu *stop; /* set c->stop_request at each newline; NULL: never */
} pcon;

static void pc_putc(void *ctx, int ch) {
  pcon *p = ctx;
  p->bytes++;
  if (ch == '\n' && p->stop) p->stop->stop_request = 1;
}
static int pc_getc(void *ctx) {
  (void)ctx;
  return -1;
}
static int pc_status(void *ctx) {
  (void)ctx;
  return 2; /* end of input */
}

enum how { ONE_RUN, WATCHED, WATCHED_CTRL_C, SCHEDULED };

/* Run image in mode to its end, the way `how` says; the report (host times
 * zeroed), the console's byte count and the number of runs it took. */
static void run(const char *path, const char *mode, enum how how, const uint64_t *slices, vm_report *r,
                uint64_t *bytes, int *runs) {
  image img;
  char err[256];
  ck_assert_msg(image_read(path, &img, err, sizeof err) == 0, "%s (make builds the guests)", err);
  vmm_opts o = {.mode = mode, .mem = 1u << 20, .tlb = 64, .image = path};
  cost_profile(&o.cost, "modern");
  o.hw_shadow = strcmp(mode, "hw-shadow") == 0;
  pcon pc = {0};
  console_dev con = {.ctx = &pc, .putc = pc_putc, .getc = pc_getc, .status = pc_status};
  guest g;
  ck_assert_msg(guest_create(&g, mode_find(mode, &o), &o, &img, con, 0, err, sizeof err) == 0, "%s", err);
  if (how == WATCHED_CTRL_C) pc.stop = g.c;
  *runs = 0;
  for (int k = 0; !guest_done(&g); k++, ++*runs) {
    ck_assert_int_lt(*runs, 5000000);
    uint64_t n = how == ONE_RUN ? UINT64_MAX : slices[k % 4];
    if (how == SCHEDULED)
      guest_run(&g, n);
    else
      guest_run_watched(&g, n);
    guest_view v;
    guest_view_get(&g, &v);
    if (v.done && v.exit == EXIT_STOP) guest_resume(&g); /* as the debugger does */
  }
  memset(r, 0, sizeof *r);
  guest_report(&g, r);
  r->host_seconds = 0;
  r->bt.translate_seconds = 0;
  r->name = NULL;
  *bytes = pc.bytes;
  guest_destroy(&g);
  image_free(&img);
}

/* Every counter of the report, compared one by one, so that a failure
 * names the first that differs. */
static void same_report(const char *what, const vm_report *a, const vm_report *b) {
  ck_assert_msg(a->exit == b->exit && a->halt_code == b->halt_code, "%s: ends differently", what);
  ck_assert_msg(a->st.insns == b->st.insns, "%s: instructions %llu vs %llu", what, (unsigned long long)a->st.insns,
                (unsigned long long)b->st.insns);
  ck_assert_msg(a->st.tlb_hits == b->st.tlb_hits, "%s: TLB hits %llu vs %llu", what,
                (unsigned long long)a->st.tlb_hits, (unsigned long long)b->st.tlb_hits);
  ck_assert_msg(a->cycles == b->cycles, "%s: cycles %llu vs %llu", what, (unsigned long long)a->cycles,
                (unsigned long long)b->cycles);
  ck_assert_msg(a->vmm.world_switches == b->vmm.world_switches, "%s: world switches %llu vs %llu", what,
                (unsigned long long)a->vmm.world_switches, (unsigned long long)b->vmm.world_switches);
  ck_assert_msg(a->hw.vm_entries == b->hw.vm_entries, "%s: VM entries %llu vs %llu", what,
                (unsigned long long)a->hw.vm_entries, (unsigned long long)b->hw.vm_entries);
  for (int i = 0; i < NVMX_EXITS; i++)
    ck_assert_msg(a->hw.vm_exits[i] == b->hw.vm_exits[i], "%s: %s exits %llu vs %llu", what, vmx_exit_name((uint32_t)i),
                  (unsigned long long)a->hw.vm_exits[i], (unsigned long long)b->hw.vm_exits[i]);
  ck_assert_msg(memcmp(a, b, sizeof *a) == 0, "%s: the reports differ", what);
}

/* The guest OS and a benchmark (their NOSPECIAL builds under trap, where
 * the others stop at pushf), and two of the guest tests. */
static const char *image_for(const char *guest, const char *mode) {
  static char path[128];
  bool nospecial = strcmp(mode, "trap") == 0 && strncmp(guest, "test-", 5) != 0;
  snprintf(path, sizeof path, G "%s%s.img", guest, nospecial ? "-nospecial" : "");
  return path;
}

/* (bench-io prints its one line at the end: no Ctrl-C before it.) */
static const char *const guests[] = {"guestos", "test-timer", "test-spaces", "bench-io"};

static void watched_equals_one_run(const uint64_t slices[4], enum how how) {
  int n = (int)(sizeof guests / sizeof guests[0]) - (how == WATCHED_CTRL_C);
  for (int m = 0; m < mode_count(false); m++) {
    const char *mode = mode_nth(m, false)->name;
    for (int i = 0; i < n; i++) {
      const char *path = image_for(guests[i], mode);
      vm_report a, b;
      uint64_t ba, bb;
      int ra, rb;
      run(path, mode, ONE_RUN, NULL, &a, &ba, &ra);
      run(path, mode, how, slices, &b, &bb, &rb);
      char what[160];
      snprintf(what, sizeof what, "%s --mode %s in %d watched runs", path, mode, rb);
      ck_assert_msg(rb >= 2, "%s: no pause to prove anything", what);
      ck_assert_uint_eq(ba, bb);
      same_report(what, &a, &b);
    }
  }
}

START_TEST(slices_leave_no_trace) {
  static const uint64_t odd[4] = {997, 1, 4093, 3}; /* mostly mid-block, mid-anything */
  watched_equals_one_run(odd, WATCHED);
}
END_TEST

/* The guest OS's timer period is 20000 ticks: slices of it end where a
 * timer interrupt is due, where a monitor that runs the timer stops the
 * real CPU anyway (core/exit.c: vm_pause_due). */
START_TEST(slices_at_timer_ticks) {
  static const uint64_t timer[4] = {20000, 20000, 19999, 1};
  watched_equals_one_run(timer, WATCHED);
}
END_TEST

START_TEST(ctrl_c_is_a_pause) {
  static const uint64_t big[4] = {UINT64_MAX, UINT64_MAX, UINT64_MAX, UINT64_MAX};
  watched_equals_one_run(big, WATCHED_CTRL_C);
}
END_TEST

/* A scheduler's preemption is the monitor's own event and counts as
 * before: under hw, a preempt exit (and an entry) per slice cut short. */
START_TEST(scheduler_preemption_counts) {
  static const uint64_t q[4] = {5000, 5000, 5000, 5000};
  vm_report a, b;
  uint64_t ba, bb;
  int ra, rb;
  run(G "guestos.img", "hw", ONE_RUN, NULL, &a, &ba, &ra);
  run(G "guestos.img", "hw", SCHEDULED, q, &b, &bb, &rb);
  ck_assert_uint_eq(a.st.insns, b.st.insns);
  ck_assert_uint_eq(a.hw.vm_exits[VMX_EXIT_PREEMPT], 0);
  ck_assert_uint_eq(b.hw.vm_exits[VMX_EXIT_PREEMPT], (uint64_t)rb - 1); /* every slice but the last */
  ck_assert_uint_eq(b.hw.vm_entries, a.hw.vm_entries + (uint64_t)rb - 1);
  ck_assert_uint_gt(b.cycles, a.cycles);
}
END_TEST

Suite *pause_suite(void) {
  Suite *s = suite_create("pause");
  struct {
    const char *name;
    const TTest *fn;
  } t[] = {
      {"slices_leave_no_trace", slices_leave_no_trace},
      {"slices_at_timer_ticks", slices_at_timer_ticks},
      {"ctrl_c_is_a_pause", ctrl_c_is_a_pause},
      {"scheduler_preemption_counts", scheduler_preemption_counts},
  };
  for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
    TCase *tc = tcase_create(t[i].name);
    tcase_add_test(tc, t[i].fn);
    tcase_set_timeout(tc, 120);
    suite_add_tcase(s, tc);
  }
  return s;
}
