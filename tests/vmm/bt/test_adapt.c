/* test_adapt.c: adapt_suite, adaptive binary translation (--bt-adaptive,
 * vmm/bt/bt_adapt.c, docs/bt.md "Adaptive translation").
 *
 *   ptemod      the page-table-edit benchmark: without adaptation bt
 *               enters the monitor twice per edit (the tlbi, the hidden
 *               fault that refills the shadow); with it, the two become
 *               callouts and the entries all but vanish, the cycles fall,
 *               and the guest sees the same output, instructions and
 *               registers as natively, adaptation on or off
 *   priv_trap   under --bt-priv trap every privileged instruction traps:
 *               the guest OS boot with adaptation on turns its hot ones
 *               into callouts, and still runs as natively
 *   threshold   a threshold of 1 adapts more than the default, and the
 *               guest still cannot tell
 *   review      forkwait's page copies: the stores that fault once a page
 *               are made callouts and taken out again, and the run costs
 *               less than without adaptation
 *
 * Guests run in this process (guest_create), so the monitor's C runs
 * under the sanitizers; the option's parsing and errors are in
 * tests/tools/test_badinput.c.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "bt/bt.h"
#include "need.h"
#include "run/runner.h"

typedef struct result {
  char out[8192];
  vm_report r;
  uint32_t reg[NREGS], pc;
} result;

/* Run image path in mode ("native" or "bt"): adapt < 0 off, 0 the
 * default, else the threshold. */
static void run_in(const char *path, const char *mode, int adapt, bool priv_trap, const char *profile,
                   result *res) {
  char err[256];
  image img;
  need_file(path, "run make");
  ck_assert_msg(image_read(path, &img, err, sizeof err) == 0, "%s", err);
  vmm_opts o = {.mode = mode, .mem = 1u << 20, .tlb = 64, .image = path, .bt_priv_trap = priv_trap,
                .bt_no_adapt = adapt < 0, .bt_adapt_threshold = adapt > 0 ? (uint32_t)adapt : 0};
  cost_profile(&o.cost, profile);
  FILE *f = tmpfile();
  ck_assert(f != NULL);
  host_console hc;
  host_console_init(&hc, f, NULL);
  console_dev con = {0};
  host_console_fill(&hc, &con);
  guest g;
  memset(res, 0, sizeof *res);
  ck_assert_int_eq(guest_create(&g, mode_find(mode, &o), &o, &img, con, 0, err, sizeof err), 0);
  guest_run(&g, UINT64_MAX);
  guest_report(&g, &res->r);
  guest_view v;
  guest_view_get(&g, &v);
  memcpy(res->reg, v.r, sizeof res->reg);
  res->pc = v.pc;
  guest_destroy(&g);
  image_free(&img);
  fflush(f);
  rewind(f);
  res->out[fread(res->out, 1, sizeof res->out - 1, f)] = 0;
  fclose(f);
}

/* What the guest can see: its output, its end, its instruction counts,
 * its registers. */
static void same_guest(const result *a, const result *b, const char *what) {
  ck_assert_msg(strcmp(a->out, b->out) == 0, "%s: output differs:\n---\n%s---\n%s", what, a->out, b->out);
  ck_assert_msg(a->r.exit == b->r.exit && a->r.halt_code == b->r.halt_code, "%s: exit differs", what);
  ck_assert_msg(a->r.st.insns == b->r.st.insns, "%s: %llu instructions against %llu", what,
                (unsigned long long)a->r.st.insns, (unsigned long long)b->r.st.insns);
  ck_assert_uint_eq(a->r.st.user_insns, b->r.st.user_insns);
  for (int i = 0; i < NREGS; i++) ck_assert_msg(a->reg[i] == b->reg[i], "%s: r%d %08x / %08x", what, i, a->reg[i], b->reg[i]);
  ck_assert_msg(a->pc == b->pc, "%s: pc %08x / %08x", what, a->pc, b->pc);
}

static uint64_t entries(const result *r) { return r->r.vmm.world_switches; }

START_TEST(ptemod) {
  static const char *const profiles[] = {"modern", "early-vtx"};
  const char *img = "build/guests/bench-ptemod.img";
  static result nat, off, on;
  const char *profile = profiles[_i];
  run_in(img, "native", 0, false, profile, &nat);
  run_in(img, "bt", -1, false, profile, &off);
  run_in(img, "bt", 0, false, profile, &on);
  same_guest(&nat, &off, "native / bt, adaptation off");
  same_guest(&nat, &on, "native / bt, adaptation on");
  unsigned long edits = strtoul(strchr(nat.out, ':') + 1, NULL, 10); /* "bench ptemod: 80000 PTE edits ..." */
  ck_assert_uint_ge(edits, 1000);
  /* Off: two monitor entries per edit, and no callout. */
  ck_assert_uint_eq(off.r.bt.callouts + off.r.bt.adapted_insns + off.r.bt.retranslations, 0);
  ck_assert_uint_ge(entries(&off), 2 * edits);
  /* On: the tlbi and the read after it became callouts, made once each. */
  ck_assert_uint_ge(on.r.bt.adapted_insns, 2);
  ck_assert_uint_ge(on.r.bt.retranslations, 1);
  ck_assert_uint_ge(on.r.bt.callouts, 2 * edits - 2 * 2 * BT_ADAPT_THRESHOLD);
  ck_assert_msg(entries(&on) < edits / 100, "%llu monitor entries for %lu edits", (unsigned long long)entries(&on),
                edits);
  /* ... and the cycles fall by more than 400 a monitor entry saved (a
   * world switch and a trap, less a callout: 480 modern, 1,040 early-vtx). */
  ck_assert_msg(on.r.cycles + (entries(&off) - entries(&on)) * 400 < off.r.cycles, "%s: %llu cycles on, %llu off",
                profile, (unsigned long long)on.r.cycles, (unsigned long long)off.r.cycles);
}
END_TEST

START_TEST(priv_trap) {
  const char *img = "build/guests/guestos.img";
  static result nat, off, on;
  run_in(img, "native", 0, false, "modern", &nat);
  run_in(img, "bt", -1, true, "modern", &off);
  run_in(img, "bt", 0, true, "modern", &on);
  same_guest(&nat, &off, "guest OS, --bt-priv trap, adaptation off");
  same_guest(&nat, &on, "guest OS, --bt-priv trap, adaptation on");
  ck_assert_uint_eq(off.r.bt.callouts, 0);
  ck_assert_uint_gt(on.r.bt.callouts, 100);
  ck_assert_uint_gt(on.r.bt.adapted_insns, 0);
  ck_assert_uint_lt(entries(&on), entries(&off));
  ck_assert_uint_lt(on.r.cycles, off.r.cycles);
}
END_TEST

START_TEST(threshold) {
  const char *img = "build/guests/guestos.img";
  static result nat, def, one;
  run_in(img, "native", 0, false, "modern", &nat);
  run_in(img, "bt", 0, false, "modern", &def);
  run_in(img, "bt", 1, false, "modern", &one);
  same_guest(&nat, &def, "guest OS, adaptation at the default threshold");
  same_guest(&nat, &one, "guest OS, adaptation at a threshold of 1");
  ck_assert_uint_gt(one.r.bt.adapted_insns, def.r.bt.adapted_insns);
}
END_TEST

START_TEST(review) {
  const char *img = "build/guests/bench-forkwait.img";
  static result nat, off, on;
  run_in(img, "native", 0, false, "early-vtx", &nat);
  run_in(img, "bt", -1, false, "early-vtx", &off);
  run_in(img, "bt", 0, false, "early-vtx", &on);
  same_guest(&nat, &off, "forkwait, adaptation off");
  same_guest(&nat, &on, "forkwait, adaptation on");
  ck_assert_uint_gt(on.r.bt.unadapted_insns, 0);
  ck_assert_uint_gt(on.r.bt.adapted_insns, on.r.bt.unadapted_insns - 1);
  ck_assert_uint_lt(entries(&on), entries(&off));
  ck_assert_uint_lt(on.r.cycles, off.r.cycles);
}
END_TEST

Suite *adapt_suite(void) {
  Suite *s = suite_create("adapt");
  TCase *t = tcase_create("adapt");
  tcase_set_timeout(t, 120);
  tcase_add_loop_test(t, ptemod, 0, 2);
  tcase_add_test(t, priv_trap);
  tcase_add_test(t, threshold);
  tcase_add_test(t, review);
  suite_add_tcase(s, t);
  return s;
}
