/* test_compare.c: bin/vmm --compare MODE and make demo (vmm/run/compare.c).
 *
 *   summary     every number of the summary is what the two runs'
 *               --stats-json say, read here from two separate runs of
 *               bin/vmm (never written into the test), in every monitor
 *               mode beside native, and beside another monitor
 *   output      the guest's output is the plain run's, byte for byte, and
 *               comes first; the summary alone goes to standard error;
 *               console input reaches both runs (a shell session)
 *   same        two runs print the same summary (no host time in it)
 *   demo        make demo's command line is in the Makefile, and
 *               docs/vmm.md shows its summary as it is (a `run` block,
 *               which make docs-check also runs)
 *   usage       --compare with an unknown mode, with several guests or with
 *               --lockstep: one line and status 64
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "guestrun.h"

#define G "build/guests/"

typedef struct run {
  gr_result r;
  char *json;
} run;

/* bin/vmm with args, its --stats-json in run->json. */
static void vmm(run *x, const char *input, const char *mode, const char *compare, const char *image) {
  char json[64];
  snprintf(json, sizeof json, "build/compare.%d.json", (int)getpid());
  const char *args[12] = {"--mode", mode, "--stats-json", json}; /* (gr_runv puts the runner first) */
  int n = 4;
  if (compare) args[n++] = "--compare", args[n++] = compare;
  args[n++] = image;
  args[n] = NULL;
  gr_runv(&x->r, input, args);
  x->json = gr_slurp(json, NULL);
  ck_assert_msg(x->json != NULL, "%s --mode %s wrote no JSON:\n%s", image, mode, x->r.err);
  remove(json);
}

/* The JSON without its host times (the lines of host_seconds and
 * translate_seconds), which differ between any two runs. */
static char *untimed(const char *json) {
  char *t = malloc(strlen(json) + 1), *o = t;
  ck_assert_ptr_nonnull(t);
  for (const char *l = json; *l;) {
    size_t n = strcspn(l, "\n") + (l[strcspn(l, "\n")] == '\n');
    const char *sec = strstr(l, "_seconds\":");
    if (!sec || sec >= l + n) memcpy(o, l, n), o += n;
    l += n;
  }
  *o = 0;
  return t;
}

static void run_free(run *x) {
  gr_free(&x->r);
  free(x->json);
}

/* The summary's line that starts with `label`: the number after it. */
static uint64_t row(const char *summary, const char *label) {
  char want[64];
  snprintf(want, sizeof want, "\n%s ", label);
  const char *p = strstr(summary, want);
  ck_assert_msg(p != NULL, "no line \"%s\" in\n%s", label, summary);
  return strtoull(p + strlen(want), NULL, 10);
}

/* The rest of that line. */
static const char *row_text(const char *summary, const char *label, char *buf, size_t len) {
  char want[64];
  snprintf(want, sizeof want, "\n%s ", label);
  const char *p = strstr(summary, want);
  ck_assert_msg(p != NULL, "no line \"%s\" in\n%s", label, summary);
  p += strlen(want);
  p += strspn(p, " 0123456789");
  snprintf(buf, len, "%.*s", (int)strcspn(p, "\n"), p);
  return buf;
}

/* A row's list "a: name N, name N, ...": each count is the JSON's under
 * keys k1.k2.name, largest first, at most 5 shown. */
static void check_list(const char *text, const char *json, const char *k1, const char *k2) {
  const char *p = strchr(text, ':');
  if (!p) return; /* none to list */
  uint64_t last = UINT64_MAX;
  int shown = 0;
  for (p += 2; *p && strncmp(p, "...", 3) != 0;) {
    char name[32];
    int len = (int)strcspn(p, " ");
    snprintf(name, sizeof name, "%.*s", len, p);
    uint64_t n = strtoull(p + len + 1, NULL, 10);
    ck_assert_msg(n == gr_json_num(json, k1, k2, name), "%s: %s %llu, the JSON says %llu", text, name,
                  (unsigned long long)n, (unsigned long long)gr_json_num(json, k1, k2, name));
    ck_assert_msg(n <= last && n > 0, "%s: not largest first", text);
    last = n;
    shown++;
    p += strcspn(p, ",");
    p += *p ? 2 : 0;
  }
  ck_assert_msg(shown >= 1 && shown <= 5, "%s", text);
}

static const char *const modes[] = {"trap", "bt", "hw", "hw-shadow"};

static const char *image_for(const char *mode) {
  return strcmp(mode, "trap") == 0 ? G "guestos-nospecial.img" : G "guestos.img";
}

/* Every line of the summary from the two runs' JSON. */
static void check_summary(const char *mode, const char *with) {
  const char *img = image_for(mode);
  run a, b, c;
  vmm(&a, NULL, mode, NULL, img);        /* the run, alone */
  vmm(&b, NULL, with, NULL, img);        /* the other run, alone */
  vmm(&c, NULL, mode, with, img);        /* the run with --compare */
  ck_assert_msg(c.r.status == 0 && a.r.status == 0, "status %d, %d:\n%s", a.r.status, c.r.status, c.r.err);
  const char *s = strstr(c.r.err, "----");
  ck_assert_msg(s == c.r.err, "standard error holds more than the summary:\n%s", c.r.err);
  char head[200], buf[200];
  snprintf(head, sizeof head, "---- what the monitor did: %s under --mode %s, beside --mode %s ----\n", img, mode, with);
  ck_assert_msg(!strncmp(s, head, strlen(head)), "%s", s);
  /* The output: the plain run's, and the JSON too. */
  ck_assert_str_eq(c.r.out, a.r.out);
  char *ta = untimed(a.json), *tc = untimed(c.json);
  ck_assert_str_eq(tc, ta);
  free(ta), free(tc);
  const char *j = a.json, *k = b.json;
  uint64_t insns = gr_json_num(j, "instructions", NULL, NULL), emu = gr_json_num(j, "vmm", "emulated_instructions", NULL);
  bool bt = strstr(j, "\"bt\": {") != NULL, hw = strstr(j, "\"hw\": {") != NULL;
  uint64_t translated = bt ? gr_json_num(j, "kernel_instructions", NULL, NULL) - emu : 0;
  ck_assert_uint_eq(row(s, "guest instructions"), insns);
  ck_assert_msg(strstr(row_text(s, "guest instructions", buf, sizeof buf), insns == gr_json_num(k, "instructions", NULL, NULL)
                                                                              ? "the same"
                                                                              : "NOT"),
                "%s", buf);
  ck_assert_uint_eq(row(s, "  run directly"), insns - emu - translated);
  ck_assert_uint_eq(row(s, "  emulated"), emu);
  check_list(row_text(s, "  emulated", buf, sizeof buf), j, "vmm", "emulated");
  if (bt) {
    ck_assert_uint_eq(row(s, "  translated"), translated);
    ck_assert_uint_eq(row(s, "translations"), gr_json_num(j, "bt", "translations", NULL));
    char t[96];
    snprintf(t, sizeof t, "blocks of %llu guest instructions; the cache answered %llu lookups",
             (unsigned long long)gr_json_num(j, "bt", "translated_instructions", NULL),
             (unsigned long long)gr_json_num(j, "bt", "tc_hits", NULL));
    ck_assert_str_eq(row_text(s, "translations", buf, sizeof buf), t);
  } else {
    ck_assert_msg(!strstr(s, "translat"), "%s", s);
  }
  if (hw) {
    static const char *const reasons[] = {"exception", "interrupt", "halt", "wfi", "io", "cr-read", "cr-write",
                                          "tlbi", "tlbflush", "nested-fault", "preempt", "stop", "shutdown",
                                          "entry-failed"};
    uint64_t exits = 0;
    for (size_t i = 0; i < sizeof reasons / sizeof reasons[0]; i++) exits += gr_json_num(j, "vm_exits", reasons[i], NULL);
    ck_assert_uint_eq(row(s, "exits to the monitor"), exits);
    check_list(row_text(s, "exits to the monitor", buf, sizeof buf), j, "hw", "vm_exits");
  } else {
    ck_assert_uint_eq(row(s, "exits to the monitor"), gr_json_num(j, "vmm", "world_switches", NULL));
  }
  ck_assert_uint_eq(row(s, "  shadow fills"), gr_json_num(j, "vmm", "shadow_fills", NULL));
  static const char *const causes[] = {"illegal",  "priv",    "pf-fetch", "pf-load", "pf-store", "misalign",
                                       "syscall", "break",   "divzero",  "timer",   "console"};
  uint64_t reflected = 0;
  for (size_t i = 0; i < sizeof causes / sizeof causes[0]; i++) reflected += gr_json_num(j, "reflected", causes[i], NULL);
  ck_assert_uint_eq(row(s, hw ? "  injected" : "  reflected"), reflected);
  check_list(row_text(s, hw ? "  injected" : "  reflected", buf, sizeof buf), j, "vmm", "reflected");
  /* TLB misses and cycles, beside the other run's, and their ratios. */
  struct {
    const char *label;
    uint64_t mine, theirs;
  } vs[] = {{"TLB misses", gr_json_num(j, "tlb", "misses", NULL), gr_json_num(k, "tlb", "misses", NULL)},
            {"modeled cycles", gr_json_num(j, "cycles", NULL, NULL), gr_json_num(k, "cycles", NULL, NULL)}};
  for (int i = 0; i < 2; i++) {
    char t[96];
    ck_assert_uint_eq(row(s, vs[i].label), vs[i].mine);
    snprintf(t, sizeof t, "--mode %s: %llu (%.2fx)", with, (unsigned long long)vs[i].theirs,
             (double)vs[i].mine / (double)vs[i].theirs);
    ck_assert_str_eq(row_text(s, vs[i].label, buf, sizeof buf), t);
  }
  run_free(&a), run_free(&b), run_free(&c);
}

START_TEST(summary_beside_native) { check_summary(modes[_i], "native"); }
END_TEST

START_TEST(summary_beside_a_monitor) { check_summary("hw", "bt"); }
END_TEST

/* A shell session: both runs read it (the guest could not have run the
 * same without), and the guest's output is the plain run's. */
START_TEST(input_reaches_both_runs) {
  char in[256];
  gr_temp_input("hello\nprimes\nexit\n", in, sizeof in);
  run a, c;
  vmm(&a, in, "bt", NULL, G "guestos.img");
  vmm(&c, in, "bt", "native", G "guestos.img");
  ck_assert_str_eq(c.r.out, a.r.out);
  ck_assert_msg(strstr(c.r.out, "primes below"), "%s", c.r.out);
  ck_assert_msg(strstr(c.r.err, "the same as the other run's"), "%s", c.r.err);
  run_free(&a), run_free(&c);
  remove(in);
}
END_TEST

START_TEST(same_every_run) {
  run a, b;
  vmm(&a, NULL, "bt", "native", G "guestos.img");
  vmm(&b, NULL, "bt", "native", G "guestos.img");
  ck_assert_str_eq(a.r.err, b.r.err);
  run_free(&a), run_free(&b);
}
END_TEST

/* make demo runs it, and docs/vmm.md shows what it prints. */
START_TEST(demo_and_docs) {
  char *mk = gr_slurp("Makefile", NULL), *doc = gr_slurp("docs/vmm.md", NULL);
  ck_assert_ptr_nonnull(mk);
  ck_assert_ptr_nonnull(doc);
  const char *cmd = "bin/vmm --mode bt --compare native build/guests/guestos.img";
  ck_assert_msg(strstr(mk, "demo: all\n\t") && strstr(mk, cmd), "make demo does not run: %s", cmd);
  ck_assert_msg(strstr(doc, cmd), "docs/vmm.md does not show: %s", cmd);
  run a;
  vmm(&a, NULL, "bt", "native", G "guestos.img");
  const char *shown = strstr(doc, "---- what the monitor did:");
  ck_assert_ptr_nonnull(shown);
  /* bin/vmm names the image as given: the tests give the same path. */
  ck_assert_msg(!strncmp(shown, a.r.err, strlen(a.r.err)), "docs/vmm.md shows\n%.1500s\nbin/vmm prints\n%s", shown,
                a.r.err);
  run_free(&a);
  free(mk), free(doc);
}
END_TEST

START_TEST(usage) {
  const char *const bad[][8] = {
      {"--mode", "bt", "--compare", "nosuch", G "guestos.img", NULL},
      {"--mode", "bt", "--compare", "native", G "guestos.img", G "guestos.img", NULL},
      {"--lockstep", "bt", "--compare", "native", G "guestos.img", NULL},
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    gr_result r;
    gr_runv(&r, NULL, bad[i]);
    ck_assert_int_eq(r.status, 64);
    ck_assert_msg(strstr(r.err, "--compare"), "%s", r.err);
    ck_assert_str_eq(r.out, "");
    gr_free(&r);
  }
}
END_TEST

Suite *compare_suite(void) {
  Suite *s = suite_create("compare");
  TCase *tc = tcase_create("compare");
  tcase_set_timeout(tc, 120);
  tcase_add_loop_test(tc, summary_beside_native, 0, (int)(sizeof modes / sizeof modes[0]));
  tcase_add_test(tc, summary_beside_a_monitor);
  tcase_add_test(tc, input_reaches_both_runs);
  tcase_add_test(tc, same_every_run);
  tcase_add_test(tc, demo_and_docs);
  tcase_add_test(tc, usage);
  suite_add_tcase(s, tc);
  return s;
}
