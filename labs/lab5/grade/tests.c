/* lab 5's graded tests: hardware assistance, vmm/hw/hw.c (exit handling) and
 * cpu/npt.c (the two-dimensional walk).  The same guests as before, under
 * --mode hw (nested paging) and hw-shadow, compared with native
 * (equiv.h); then the microbenchmarks' shapes. */
#include "guests.h"

/* Results in registers, no I/O: these need no I/O exit. */
GRADE_TEST(nested_paging_off) {
  eq_state t;
  eq_check("        .org 0x1000\n"
           "_start: li r5, 0x8000\n        li r6, 0\n        li r7, 0\n"
           "1:      sw r7, 0(r5)\n        lw r8, 0(r5)\n        add r6, r6, r8\n"
           "        addi r5, r5, 2048\n   addi r7, r7, 1\n      cmpi r7, 100\n        blt 1b\n"
           "        halt zero\n",
           "hw", false, &t);
  ck_assert_msg(t.hw.nested_walk_refs > 0, "no nested reference was counted");
  ck_assert_msg(t.walk_refs == 2 * t.tlb_misses, "%llu references for %llu TLB misses: want 2 per miss (the nested walk)",
                (unsigned long long)t.walk_refs, (unsigned long long)t.tlb_misses);
}

GRADE_TEST(nested_two_dimensions) {
  eq_state t;
  eq_check(PRELUDE
           "main:   " PAGING_SETUP
           "        li r5, 0x10000\n        li r6, 0\n        li r7, 0\n"
           "2:      sw r7, 0(r5)\n        lw r8, 0(r5)\n        add r6, r6, r8\n"
           "        addi r5, r5, 1024\n   addi r7, r7, 3\n      cmpi r7, 300\n        blt 2b\n"
           "        li r11, 0x400000\n      sw r6, 0(r11)\n        lw r9, 0(r11)\n"
           "        halt zero\n",
           "hw", false, &t);
  uint64_t m = t.tlb_misses, w = t.walk_refs;
  ck_assert_msg(m > 20 && w >= 7 * (m - 10) && w <= 8 * m, "%llu references for %llu TLB misses: want 8 per miss with the guest's paging on",
                (unsigned long long)w, (unsigned long long)m);
}

GRADE_TEST(nested_faults) {
  static const char *const body[] = {
      "        li r5, 0x50000\n        lw r6, 0(r5)\n",  /* paging off, past memory */
      PAGING_SETUP "        li r5, 0x800000\n        lw r6, 0(r5)\n", /* no directory entry */
      PAGING_SETUP "        li r5, 0x401000\n        sw r6, 0(r5)\n", /* read-only */
      PAGING_SETUP "        li r5, 0x31000\n        li r6, 0x5000001f\n    sw r6, 8(r5)\n"
                   "        li r5, 0x402000\n       sw r6, 0(r5)\n",  /* the guest maps past its memory */
  };
  for (size_t i = 0; i < sizeof body / sizeof body[0]; i++) {
    char src[4096];
    snprintf(src, sizeof src,
             "        .org 0x1000\n_start: la r5, handler\n        mtc tvec, r5\n%s        halt zero\n"
             "handler: mfc r1, cause\n        mfc r2, epc\n        mfc r3, estatus\n        mfc r4, badva\n        halt r1\n",
             body[i]);
    eq_state t;
    eq_check(src, "hw", false, &t);
  }
}

GRADE_TEST(nested_accessed_dirty) {
  eq_state t;
  eq_check("        .org 0x1000\n"
           "_start: " PAGING_SETUP
           "        li r5, 0x31000\n        li r6, 0x20007\n      sw r6, 0(r5)\n"
           "        li r11, 0x400000\n      tlbi r11\n"
           "        lw r7, 8(r11)\n         lw r8, 0(r5)\n"
           "        lw r7, 16(r11)\n        lw r9, 0(r5)\n"
           "        sw r7, 12(r11)\n        lw r10, 0(r5)\n"
           "        li r6, 0x2100f\n        sw r6, 4(r5)\n        li r12, 0x401000\n     tlbi r12\n"
           "        sw r7, 0(r12)\n         lw r12, 4(r5)\n"
           "        halt zero\n",
           "hw", false, &t);
}

GRADE_TEST(io_exits) {
  eq_state t;
  eq_check(PRELUDE
           "main:   in r5, 0x01\n        show r5\n        in r5, 0x00\n        show r5\n"
           "        li r7, 40\n"
           "1:      li r1, 0x2e\n        out 0x00, r1\n        addi r7, r7, -1\n        cmpi r7, 0\n        bne 1b\n"
           "        nl\n        halt zero\n",
           "hw", false, &t);
  ck_assert_msg(t.hw.vm_exits[VMX_EXIT_IO] > 40, "%llu I/O exits, want more than 40",
                (unsigned long long)t.hw.vm_exits[VMX_EXIT_IO]);
}

GRADE_TEST(shadow_exits) {
  static const char *const src[] = {
      PRELUDE "main:   la r5, handler\n        mtc tvec, r5\n" PAGING_SETUP
              "        li r5, 0x20000\n        li r6, 0x41\n        sw r6, 0(r5)\n"
              "        li r5, 0x21000\n        li r6, 0x42\n        sw r6, 0(r5)\n"
              "        li r11, 0x400000\n"
              "        lw r6, 0(r11)\n        out 0x00, r6\n"
              "        li r5, 0x31000\n        li r6, 0x2101f\n        sw r6, 0(r5)\n"
              "        tlbi r11\n        lw r6, 0(r11)\n        out 0x00, r6\n"
              "        li r6, 0x2001f\n        sw r6, 0(r5)\n        tlbflush\n"
              "        lw r6, 0(r11)\n        out 0x00, r6\n"
              "        sw zero, 0(r5)\n        tlbi r11\n        lw r6, 0(r11)\n"
              "        li r12, 0x32000\n        mtc ptb, r12\n        mfc r13, ptb\n        show r13\n"
              "        nl\n        halt zero\n" SKIP_HANDLER,
      PRELUDE "main:   la r5, handler\n        mtc tvec, r5\n" PAGING_SETUP
              "        li r5, 0x31000\n        li r6, 0x20007\n      sw r6, 0(r5)\n"
              "        li r11, 0x400000\n      tlbi r11\n"
              "        lw r7, 8(r11)\n         lw r6, 0(r5)\n        show r6\n"
              "        sw r7, 12(r11)\n        lw r6, 0(r5)\n        show r6\n"
              "        mfc r6, paging\n        show r6\n        mtc paging, zero\n        mfc r6, paging\n"
              "        show r6\n        nl\n        halt zero\n" SKIP_HANDLER,
  };
  for (int i = 0; i < 2; i++) {
    eq_state t;
    eq_check(src[i], "hw-shadow", false, &t);
    ck_assert_msg(t.n.shadow_fills > 0, "no hidden fault filled the shadow");
  }
}

static void whole(const char *path, const char *const *inc, const char *mode) {
  image img;
  grade_assemble(path, inc, NULL, &img);
  grade_run n, t;
  grade_run_image(&img, "native", false, 0, 50000000, NULL, &n);
  grade_run_image(&img, mode, false, 0, 50000000, NULL, &t);
  image_free(&img);
  if (strcmp(n.out, t.out) != 0) {
    size_t i = 0;
    while (n.out[i] && n.out[i] == t.out[i]) i++;
    ck_abort_msg("%s under %s: the output differs at byte %zu: native \"%.50s\", %s \"%.50s\"", path, mode, i, n.out + i,
                 mode, t.out + i);
  }
  ck_assert_msg(n.status == t.status, "%s under %s: exit status %d, natively %d", path, mode, t.status, n.status);
  ck_assert_msg(n.r.st.insns == t.r.st.insns, "%s under %s: %llu guest instructions, natively %llu", path, mode,
                (unsigned long long)t.r.st.insns, (unsigned long long)n.r.st.insns);
  grade_run_free(&n);
  grade_run_free(&t);
}

GRADE_TEST(guestos_hw) {
  whole("guestos/guestos.s", NULL, "hw");
  whole("guestos/guestos.s", NULL, "hw-shadow");
}

GRADE_TEST(guest_tests_hw) {
  static const char *const name[] = {"traps", "memprot", "tlb", "pte-ad", "timer", "special"};
  const char *inc[] = {"tests/guests", NULL};
  for (int m = 0; m < 2; m++)
    for (int i = 0; i < 6; i++) {
      char path[64];
      snprintf(path, sizeof path, "tests/guests/%s.s", name[i]);
      whole(path, inc, m ? "hw-shadow" : "hw");
    }
}

static void bench(const char *name, const char *mode, grade_run *g) {
  char path[64];
  const char *inc[] = {"guestos", NULL};
  snprintf(path, sizeof path, "guestos/bench/%s.s", name);
  image img;
  grade_assemble(path, inc, NULL, &img);
  grade_run_image(&img, mode, false, 0, 100000000, NULL, g);
  image_free(&img);
  ck_assert_msg(g->status == 0, "bench-%s under %s: exit status %d", name, mode, g->status);
}

static uint64_t exits(const grade_run *g) {
  uint64_t n = 0;
  for (int i = 0; i < NVMX_EXITS; i++) n += g->r.hw.vm_exits[i];
  return n;
}

GRADE_TEST(measured_shapes) {
  grade_run nested, shadow;
  bench("memwalk", "hw", &nested);
  bench("memwalk", "hw-shadow", &shadow);
  double rn = (double)nested.r.st.walk_refs / (double)nested.r.st.tlb_misses;
  double rs = (double)shadow.r.st.walk_refs / (double)shadow.r.st.tlb_misses;
  ck_assert_msg(rn > 7 && rs < 2.5, "memwalk: %.2f references per TLB miss nested, %.2f shadow; want about 8 and 2", rn, rs);
  grade_run_free(&nested);
  grade_run_free(&shadow);
  bench("ptemod", "hw", &nested);
  bench("ptemod", "hw-shadow", &shadow);
  ck_assert_msg(exits(&shadow) > 100 * exits(&nested), "ptemod: %llu VM exits under shadow paging, %llu nested",
                (unsigned long long)exits(&shadow), (unsigned long long)exits(&nested));
  grade_run_free(&nested);
  grade_run_free(&shadow);
}
