/* test_pv.c: paravirtualization (docs/pv.md): the hcall instruction, bin/vmm
 * --pv, the PV guest OS and the test guests of tests/vmm/core/pv-*.s.
 *
 * Each check is made so that it fails without the mechanism: the PV
 * guests run with --pv off (or natively) fail their own checks, the plain
 * guests pass the same checks with cli/sti and tlbi, and the counts come
 * from the monitor's --stats-json. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "disasm.h"
#include "guestrun.h"
#include "isa_info.h"
#include "core/pv.h"
#include "core/vmm.h"

#define G "build/guests/"
#define STEPS "50000000"

/* bin/vmm --mode mode [--pv on] image, its --stats-json into *json. */
static void run_json(gr_result *r, char **json, const char *mode, bool pv, const char *image) {
  char path[256];
  close(gr_tempfile(path, sizeof path));
  if (pv)
    gr_run(r, NULL, "--mode", mode, "--pv", "on", "--max-steps", STEPS, "--stats-json", path, image, NULL);
  else
    gr_run(r, NULL, "--mode", mode, "--max-steps", STEPS, "--stats-json", path, image, NULL);
  *json = gr_slurp(path, NULL);
  unlink(path);
  ck_assert_msg(*json != NULL, "%s under %s: no stats", image, mode);
}

static bool passed_all(const gr_result *r) {
  return r->status == 0 && strstr(r->out, ", 0 failed\n") != NULL && !strstr(r->out, "FAIL");
}

/* ---- the instruction ---- */

START_TEST(hcall_encoding) {
  const isa_info *in = &isa_table[OP_HCALL];
  ck_assert_str_eq(in->name, "hcall");
  ck_assert_int_eq(in->cls, CLASS_TRAP);
  uint32_t w = ISA_ENC_R(OP_HCALL, 0, 0, 0);
  ck_assert_uint_eq(w, 0x52000000u);
  dinsn d;
  ck_assert(isa_decode(w, &d));
  ck_assert_int_eq(d.op, OP_HCALL);
  ck_assert(!isa_decode(w | 1u << 20, &d)); /* a must-be-zero field set: illegal */
  char buf[64];
  dis_insn(w, 0x1000, NULL, buf, sizeof buf);
  ck_assert_str_eq(buf, "hcall");
}
END_TEST

/* vasm and vdis agree with the table (the test guests use hcall too). */
START_TEST(hcall_tools) {
  char src[32] = "/tmp/vkit-hcall-XXXXXX";
  int fd = mkstemp(src);
  ck_assert(fd >= 0);
  ck_assert(write(fd, "    hcall\n", 10) == 10);
  close(fd);
  char img[48], cmd[256];
  snprintf(img, sizeof img, "%s.img", src);
  snprintf(cmd, sizeof cmd, "bin/vasm %s -o %s && bin/vdis %s > %s.txt", src, img, img, src);
  ck_assert_int_eq(system(cmd), 0);
  snprintf(cmd, sizeof cmd, "%s.txt", src);
  char *text = gr_slurp(cmd, NULL);
  ck_assert_msg(text && strstr(text, "\n    hcall\n"), "vdis: %s", text ? text : "(none)");
  free(text);
  unlink(cmd);
  unlink(img);
  unlink(src);
}
END_TEST

/* ---- the test guests ---- */

/* Plain builds: natively and under every monitor without --pv, hcall is an
 * illegal instruction (pv-mmu's last checks), and cli/sti and tlbi do
 * what the PV builds do with hypercalls. */
static const char *const plain_modes[] = {"native", "trap", "bt", "hw", "hw-shadow"};

START_TEST(plain_guests_everywhere) {
  static const char *const images[] = {G "pvtest-mmu.img", G "pvtest-irq.img"};
  for (size_t i = 0; i < 2; i++) {
    gr_result r;
    gr_run(&r, NULL, "--mode", plain_modes[_i], "--max-steps", STEPS, images[i], NULL);
    ck_assert_msg(passed_all(&r), "%s under %s: status %d\n%s%s", images[i], plain_modes[_i], r.status, r.out,
                  r.err);
    gr_free(&r);
  }
}
END_TEST

static const char *const pv_modes[] = {"trap", "bt"};

START_TEST(pv_guests_with_pv) {
  static const char *const images[] = {G "pvtest-mmu-pv.img", G "pvtest-irq-pv.img"};
  for (size_t i = 0; i < 2; i++) {
    gr_result r;
    char *j;
    run_json(&r, &j, pv_modes[_i], true, images[i]);
    ck_assert_msg(passed_all(&r), "%s under %s --pv on: status %d\n%s%s", images[i], pv_modes[_i], r.status,
                  r.out, r.err);
    ck_assert_msg(gr_json_num(j, "pv", "hypercalls", NULL) > 0, "%s: no hypercall counted", images[i]);
    free(j);
    gr_free(&r);
    /* Without the mechanism the same guest fails its own checks. */
    gr_run(&r, NULL, "--mode", pv_modes[_i], "--max-steps", STEPS, images[i], NULL);
    ck_assert_msg(!passed_all(&r), "%s passed under %s without --pv", images[i], pv_modes[_i]);
    gr_free(&r);
  }
}
END_TEST

/* Batching: pv-mmu remaps 8 pages twice.  The plain kernel pays a tlbi
 * (an exit) per page; the PV kernel two hypercalls for all 16 updates. */
START_TEST(batching_saves_exits) {
  gr_result r[2];
  char *j[2];
  run_json(&r[0], &j[0], pv_modes[_i], false, G "pvtest-mmu.img");
  run_json(&r[1], &j[1], pv_modes[_i], true, G "pvtest-mmu-pv.img");
  ck_assert(passed_all(&r[0]) && passed_all(&r[1]));
  uint64_t tlbi_plain = gr_json_num(j[0], "emulated", "tlbi", NULL), tlbi_pv = gr_json_num(j[1], "emulated", "tlbi", NULL);
  /* bt emulates tlbi in line in its translation (no exit, still counted) */
  ck_assert_msg(tlbi_plain - tlbi_pv == 16, "tlbi: plain %llu, pv %llu", (unsigned long long)tlbi_plain,
                (unsigned long long)tlbi_pv);
  ck_assert_uint_eq(gr_json_num(j[1], "pv", "pte_updates", NULL), 16);
  ck_assert_uint_eq(gr_json_num(j[1], "pv", "tlb_drops", NULL), 16);
  /* 2 batches of 8 applied, 5 lists refused (pv-mmu.s) */
  ck_assert_uint_eq(gr_json_num(j[1], "pv", "calls", "mmu"), 7);
  ck_assert_uint_eq(gr_json_num(j[1], "pv", "unknown", NULL), 1);
  ck_assert_uint_eq(gr_json_num(j[1], "pv", "errors", NULL), 8);
  ck_assert_msg(strstr(j[0], "\"pv\":") == NULL, "a run without --pv reports a pv object");
  for (int k = 0; k < 2; k++) free(j[k]), gr_free(&r[k]);
}
END_TEST

/* ---- the PV guest OS ---- */

/* A transcript with ps's TICKS column masked (the PV kernel runs other
 * instructions, so the timer charges a process other ticks, as it does
 * the NOSPECIAL build's: tests/guestos/expected/boot-nospecial.out). */
static void mask(char *text) {
  for (char *line = text; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
    int pid, ppid, n = 0;
    char state[16];
    if (sscanf(line, "%d %d %15s %n", &pid, &ppid, state, &n) == 3 && n > 0 &&
        (strcmp(state, "sleeping") == 0 || strcmp(state, "running") == 0 || strcmp(state, "zombie") == 0 ||
         strcmp(state, "runnable") == 0)) {
      for (char *p = line + n; *p >= '0' && *p <= '9'; p++) *p = '#';
    }
  }
}

START_TEST(pv_guestos_same_output) {
  gr_result nat, pv;
  char *j;
  gr_run(&nat, NULL, "--mode", "native", "--max-steps", STEPS, G "guestos.img", NULL);
  run_json(&pv, &j, pv_modes[_i], true, G "guestos-pv.img");
  ck_assert_msg(nat.status == 0 && pv.status == 0, "status native %d, pv %d: %s", nat.status, pv.status, pv.err);
  ck_assert_msg(strstr(pv.out, "guestos: paravirtual build: hypercalls to the monitor\n") != NULL,
                "the PV build does not say so:\n%s", pv.out);
  /* every line but the build's own banner line */
  char *a = strstr(nat.out, "guestos: kernel mode confirmed (pushf)\n");
  char *b = strstr(pv.out, "guestos: paravirtual build: hypercalls to the monitor\n");
  ck_assert(a && b);
  ck_assert_msg(a - nat.out == b - pv.out && memcmp(nat.out, pv.out, (size_t)(a - nat.out)) == 0,
                "the boot lines before the banner differ");
  a = strchr(a, '\n') + 1, b = strchr(b, '\n') + 1;
  mask(a), mask(b);
  ck_assert_msg(strcmp(a, b) == 0, "the PV guest's session differs from the plain guest's:\n--- native\n%s--- pv\n%s",
                a, b);
  /* the console went through the ring: every byte, in far fewer exits */
  ck_assert_uint_eq(gr_json_num(j, "pv", "console_bytes", NULL), pv.outlen);
  ck_assert_msg(gr_json_num(j, "pv", "calls", "console") * 10 < pv.outlen, "a console hypercall per few bytes");
  ck_assert_uint_eq(gr_json_num(j, "pv", "unknown", NULL), 0);
  ck_assert_uint_eq(gr_json_num(j, "pv", "errors", NULL), 0);
  free(j);
  gr_free(&nat), gr_free(&pv);
}
END_TEST

/* Natively (no monitor takes hcall) the PV kernel stops at its first
 * hypercall, quietly, with NOPV_CODE (guestos/pv.inc, docs/pv.md); so
 * does it under a monitor without --pv. */
START_TEST(pv_guestos_without_monitor) {
  static const char *const modes[] = {"native", "trap", "bt", "hw", "hw-shadow"};
  for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++) {
    gr_result r;
    gr_run(&r, NULL, "--mode", modes[i], "--max-steps", STEPS, G "guestos-pv.img", NULL);
    ck_assert_msg(r.status == 4 && r.outlen == 0, "%s: status %d, output:\n%s%s", modes[i], r.status, r.out, r.err);
    gr_free(&r);
  }
}
END_TEST

/* PV exits fewer times than trap-and-emulate on the strict ISA, over the
 * whole boot and session. */
START_TEST(pv_guestos_fewer_exits) {
  gr_result r[2];
  char *j[2];
  char path[256];
  close(gr_tempfile(path, sizeof path));
  gr_run(&r[0], NULL, "--mode", "trap", "--isa", "strict", "--max-steps", STEPS, "--stats-json", path,
         G "guestos.img", NULL);
  j[0] = gr_slurp(path, NULL);
  unlink(path);
  run_json(&r[1], &j[1], "trap", true, G "guestos-pv.img");
  ck_assert(r[0].status == 0 && r[1].status == 0 && j[0]);
  uint64_t plain = gr_json_num(j[0], "world_switches", NULL, NULL), pv = gr_json_num(j[1], "world_switches", NULL, NULL);
  ck_assert_msg(pv < plain, "world switches: pv %llu, strict trap %llu", (unsigned long long)pv,
                (unsigned long long)plain);
  for (int k = 0; k < 2; k++) free(j[k]), gr_free(&r[k]);
}
END_TEST

/* ---- options ---- */

START_TEST(pv_option_errors) {
  static const struct {
    const char *args[6];
    const char *msg;
  } bad[] = {
      {{"--mode", "trap", "--pv", "maybe"}, "bad --pv (on or off)"},
      {{"--mode", "native", "--pv", "on"}, "--pv goes with --mode trap or bt"},
      {{"--mode", "hw", "--pv", "on"}, "--pv goes with --mode trap or bt"},
      {{"--mode", "hw-shadow", "--pv", "off"}, "--pv goes with --mode trap or bt"},
      {{"--mode", "hw", "--paging", "shadow", "--pv", "on"}, "--pv goes with --mode trap or bt"},
      {{"--lockstep", "trap", "--pv", "on"}, "no --lockstep or --compare"},
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    const char *argv[10];
    int n = 0;
    for (int k = 0; k < 6 && bad[i].args[k]; k++) argv[n++] = bad[i].args[k];
    argv[n++] = G "guestos-pv.img";
    argv[n] = NULL;
    gr_result r;
    gr_runv(&r, NULL, argv);
    ck_assert_msg(r.status == VMM_EX_USAGE, "case %zu: status %d", i, r.status);
    ck_assert_msg(strstr(r.err, bad[i].msg) != NULL, "case %zu: %s", i, r.err);
    ck_assert_msg(strncmp(r.err, "vmm: ", 5) == 0 && strstr(r.err, bad[i].msg) < strchr(r.err, '\n'),
                  "case %zu: not on the first line: %s", i, r.err);
    gr_free(&r);
  }
  gr_result r;
  gr_run(&r, NULL, "--help", NULL);
  ck_assert_msg(strstr(r.out, "--pv on|off") != NULL, "--help does not list --pv");
  gr_free(&r);
}
END_TEST

Suite *pv_suite(void) {
  Suite *s = suite_create("pv");
  TCase *tc = tcase_create("pv");
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, hcall_encoding);
  tcase_add_test(tc, hcall_tools);
  tcase_add_loop_test(tc, plain_guests_everywhere, 0, (int)(sizeof plain_modes / sizeof plain_modes[0]));
  tcase_add_loop_test(tc, pv_guests_with_pv, 0, 2);
  tcase_add_loop_test(tc, batching_saves_exits, 0, 2);
  tcase_add_loop_test(tc, pv_guestos_same_output, 0, 2);
  tcase_add_test(tc, pv_guestos_without_monitor);
  tcase_add_test(tc, pv_guestos_fewer_exits);
  tcase_add_test(tc, pv_option_errors);
  suite_add_tcase(s, tc);
  return s;
}
