/* lab 5's graded tests: hardware assistance, vmm/hw/hw.c (exit handling) and
 * cpu/npt.c (the two-dimensional walk).  The same guests as before, under
 * the submission's `bin/vmm --mode hw` (nested paging) and hw-shadow in
 * the sandbox and under the reference's: the console, the exit status and
 * every counter (VM exits by reason, nested walk references, TLB misses
 * and walk references) must be the same; then the microbenchmarks. */
#include "guests.h"

/* Results in registers, no I/O: these need no I/O exit. */
GRADE_TEST(nested_paging_off) {
  bb_guest g;
  bb_asm(&g,
         "        .org 0x1000\n"
         "_start: li r5, 0x8000\n        li r6, 0\n        li r7, %u\n"
         "1:      sw r7, 0(r5)\n        lw r8, 0(r5)\n        add r6, r6, r8\n"
         "        addi r5, r5, 2048\n   addi r7, r7, 1\n      cmpi r7, 100\n        blt 1b\n"
         "        jmp bb_done\n",
         bb_rand(0, 9));
  bb_check(&g, "--mode hw");
  bb_free(&g);
  /* 8 MiB: guest-physical memory past 4 MiB is the nested table's second
   * directory entry. */
  bb_asm(&g,
         "        .org 0x1000\n"
         "_start: la r5, handler\n     mtc tvec, r5\n"
         "        li r5, 0x%x\n       li r6, 0x%x\n      sw r6, 0(r5)\n     lw r7, 0(r5)\n"
         "        li r5, 0x7ffffc\n     sw r6, 0(r5)\n     lw r8, 0(r5)\n"
         "        li r5, 0x800000\n     lw r9, 0(r5)\n     jmp bb_done\n"   /* past memory: a nested fault, the guest's */
         "handler: mfc r1, cause\n     mfc r2, badva\n    jmp bb_done\n",
         0x400000u + 4 * bb_rand(0, 0xfffff), bb_rand(1, 0xffffff));
  bb_check(&g, "--mode hw --mem 8M");
  bb_free(&g);
}

GRADE_TEST(nested_two_dimensions) {
  bb_guest g_;
  bb_asm(&g_, "%s", PRELUDE
           "main:   " PAGING_SETUP
           "        li r5, 0x10000\n        li r6, 0\n        li r7, 0\n"
           "2:      sw r7, 0(r5)\n        lw r8, 0(r5)\n        add r6, r6, r8\n"
           "        addi r5, r5, 1024\n   addi r7, r7, 3\n      cmpi r7, 300\n        blt 2b\n"
           "        li r11, 0x400000\n      sw r6, 0(r11)\n        lw r9, 0(r11)\n"
           "        jmp bb_done\n");
  bb_check(&g_, "--mode hw");
  bb_free(&g_);
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
             "        .org 0x1000\n_start: la r5, handler\n        mtc tvec, r5\n%s        jmp bb_done\n"
             "handler: mfc r1, cause\n        mfc r2, epc\n        mfc r3, estatus\n        mfc r4, badva\n        jmp bb_done\n",
             body[i]);
      bb_guest g_;
  bb_asm(&g_, "%s", src);
  bb_check(&g_, "--mode hw");
  bb_free(&g_);
  }
}

GRADE_TEST(nested_accessed_dirty) {
  bb_guest g_;
  bb_asm(&g_, "%s", "        .org 0x1000\n"
           "_start: " PAGING_SETUP
           "        li r5, 0x31000\n        li r6, 0x20007\n      sw r6, 0(r5)\n"
           "        li r11, 0x400000\n      tlbi r11\n"
           "        lw r7, 8(r11)\n         lw r8, 0(r5)\n"
           "        lw r7, 16(r11)\n        lw r9, 0(r5)\n"
           "        sw r7, 12(r11)\n        lw r10, 0(r5)\n"
           "        li r6, 0x2100f\n        sw r6, 4(r5)\n        li r12, 0x401000\n     tlbi r12\n"
           "        sw r7, 0(r12)\n         lw r12, 4(r5)\n"
           "        jmp bb_done\n");
  bb_check(&g_, "--mode hw");
  bb_free(&g_);
}

GRADE_TEST(io_exits) {
  bb_guest g_;
  bb_asm(&g_, "%s", PRELUDE
           "main:   in r5, 0x01\n        show r5\n        in r5, 0x00\n        show r5\n"
           "        li r7, 40\n"
           "1:      li r1, 0x2e\n        out 0x00, r1\n        addi r7, r7, -1\n        cmpi r7, 0\n        bne 1b\n"
           "        nl\n        jmp bb_done\n");
  bb_check(&g_, "--mode hw");
  bb_free(&g_);
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
              "        nl\n        jmp bb_done\n" SKIP_HANDLER,
      PRELUDE "main:   la r5, handler\n        mtc tvec, r5\n" PAGING_SETUP
              "        li r5, 0x31000\n        li r6, 0x20007\n      sw r6, 0(r5)\n"
              "        li r11, 0x400000\n      tlbi r11\n"
              "        lw r7, 8(r11)\n         lw r6, 0(r5)\n        show r6\n"
              "        sw r7, 12(r11)\n        lw r6, 0(r5)\n        show r6\n"
              "        mfc r6, paging\n        show r6\n        mtc paging, zero\n        mfc r6, paging\n"
              "        show r6\n        nl\n        jmp bb_done\n" SKIP_HANDLER,
  };
  for (int i = 0; i < 2; i++) {
      bb_guest g_;
  bb_asm(&g_, "%s", src[i]);
  bb_check(&g_, "--mode hw-shadow");
  bb_free(&g_);
  }
}

/* A guest of the kit's (a path of the grader's tree) under hw and
 * hw-shadow. */
static void whole(const char *path, const char *const *inc, const char *mode_args) {
  bb_guest g;
  bb_file(&g, path, inc, NULL);
  bb_check(&g, mode_args);
  bb_free(&g);
}

GRADE_TEST(guestos_hw) {
  whole("guestos/guestos.s", NULL, "--mode hw --mem 1M --max-steps 50000000");
  whole("guestos/guestos.s", NULL, "--mode hw-shadow --mem 1M --max-steps 50000000");
}

GRADE_TEST(guest_tests_hw) {
  static const char *const name[] = {"traps", "memprot", "tlb", "pte-ad", "timer", "special"};
  const char *inc[] = {"tests/guests", NULL};
  for (int m = 0; m < 2; m++) {
    for (int i = 0; i < 6; i++) {
      char path[64];
      snprintf(path, sizeof path, "tests/guests/%s.s", name[i]);
      whole(path, inc, m ? "--mode hw-shadow --max-steps 1000000" : "--mode hw --max-steps 1000000");
    }
    /* console input, and its interrupt (enabled by an out: an I/O exit) */
    bb_guest g;
    bb_file(&g, "tests/guests/console.s", inc, NULL);
    bb_check_file(&g, m ? "--mode hw-shadow --max-steps 1000000" : "--mode hw --max-steps 1000000", "hi there\nsecond line\n",
                  NULL);
    bb_free(&g);
  }
}

/* The microbenchmarks whose shapes the lab measures: memwalk (nested
 * paging's 2-D walks) and ptemod (shadow paging's exits), under both. */
GRADE_TEST(measured_shapes) {
  static const char *const name[] = {"memwalk", "ptemod"};
  const char *inc[] = {"guestos", NULL};
  for (int i = 0; i < 2; i++) {
    char path[64];
    snprintf(path, sizeof path, "guestos/bench/%s.s", name[i]);
    whole(path, inc, "--mode hw --mem 1M --max-steps 100000000");
    whole(path, inc, "--mode hw-shadow --mem 1M --max-steps 100000000");
  }
}
