/* lab 3's graded tests: binary translation, vmm/bt/bt_translate.c and
 * vmm/bt/bt_cache.c.  Guests with this run's numbers run under the
 * submission's `bin/vmm --mode bt` in the sandbox and under the
 * reference's; the console, the exit status and every counter (the
 * translator's: translations, translated instructions, TC hits and misses,
 * invalidations, evictions, chained exits) must be the same, and where a
 * test says so, the translation cache itself (--dump-tc: every block, its
 * guest instructions and their translation).  The guests keep paging off
 * (shadow paging is lab 4). */
#include "blackbox.h"

#define BT "--mode bt"
#define BT_DUMP "--mode bt --dump-tc tc.txt"

GRADE_TEST(blocks_run) {
  bb_guest g;
  bb_asm(&g,
         "        .org 0x1000\n"
         "_start: li sp, 0x3f000\n      li r9, 0\n       li r10, %u\n"
         "1:      mov r1, r10\n         call square\n    add r9, r9, r1\n"
         "        addi r10, r10, 1\n    cmpi r10, %u\n   blt 1b\n"
         "        li r5, 0x20000\n      sw r9, 0(r5)\n   lw r11, 0(r5)\n"
         "        jmp bb_done\n"
         "square: mul r1, r1, r1\n      andi r2, r1, 1\n cmpi r2, 0\n     beq 2f\n"
         "        addi r1, r1, %u\n"
         "2:      ret\n",
         bb_rand(0, 9), bb_rand(40, 70), bb_rand(1, 9));
  bb_check_file(&g, BT_DUMP, NULL, "tc.txt");
  bb_free(&g);
}

/* Every way a block ends: 32 instructions, a branch, a trap (syscall), an
 * iret, an mtc of ptb, a jr, a halt, the end of the page. */
GRADE_TEST(block_boundaries) {
  bb_guest g;
  char adds[40 * 24] = "";
  int n = 32 + (int)bb_rand(1, 8);
  for (int i = 0; i < n; i++) strcat(adds, "        add r1, r1, r2\n");
  bb_asm(&g,
         "        .org 0x1000\n"
         "_start: la r5, handler\n      mtc tvec, r5\n     li sp, 0x3f000\n  li r2, %u\n"
         "%s"
         "        cmpi r1, 0\n"
         "b1:     add r1, r1, r2\n      beq b1\n"
         "b2:     add r1, r1, r2\n      syscall\n"
         "b3:     add r1, r1, r2\n      li r6, 0x30000\n   mtc ptb, r6\n"
         "b4:     add r1, r1, r2\n      mtc scratch, r1\n  add r1, r1, r2\n  call b7\n"
         "b5:     add r1, r1, r2\n      la r6, b6\n        mtc epc, r6\n     mtc estatus, zero\n"
         "        li r6, 0x20\n         mtc estatus, r6\n  iret\n"
         "b6:     add r1, r1, r2\n      jmp bb_done\n"
         "handler: add r1, r1, r2\n     mfc r7, epc\n      mtc epc, r7\n      iret\n"
         "        .org 0x1ff4\n"
         "b7:     add r1, r1, r2\n      add r1, r1, r2\n   add r1, r1, r2\n"
         "        add r1, r1, r2\n      ret\n",
         bb_rand(1, 1000), adds);
  bb_check_file(&g, BT_DUMP, NULL, "tc.txt");
  bb_free(&g);
}

GRADE_TEST(pushf_translated) {
  bb_guest g;
  bb_asm(&g,
         "        .org 0x1000\n"
         "_start: li sp, 0x3f000\n      pushf\n        pop r5\n"
         "        sti\n                 pushf\n        pop r6\n"
         "        cli\n                 li r1, %u\n    cmpi r1, %u\n"
         "        pushf\n               pop r7\n       jmp bb_done\n",
         bb_rand(0, 5), bb_rand(0, 5));
  bb_check_file(&g, BT_DUMP, NULL, "tc.txt");
  bb_free(&g);
}

GRADE_TEST(popf_translated) {
  bb_guest g;
  /* popf with IE on while the timer's interrupt is pending: it must be
   * taken right after the popf, as natively. */
  bb_asm(&g,
         "        .org 0x1000\n"
         "_start: li sp, 0x3f000\n      la r5, handler\n   mtc tvec, r5\n"
         "        li r6, 0x%x\n         push r6\n          popf\n"   /* KM, some flags: only the flags show */
         "        beq 1f\n              li r12, 99\n"
         "1:      li r5, %u\n           mtc timer, r5\n"
         "        li r7, 100\n"
         "2:      addi r7, r7, -1\n     cmpi r7, 0\n       bne 2b\n"   /* the interrupt is pending */
         "        li r6, 0x10\n         push r6\n          popf\n"   /* IE on: taken now */
         "        addi r11, r11, 1\n    li r6, 0\n         push r6\n"
         "        popf\n                mtc timer, zero\n  jmp bb_done\n"
         "handler: mfc r9, epc\n       addi r10, r10, 1\n li r6, 0\n push r6\n popf\n"
         "        mfc r8, estatus\n     iret\n",
         0x20 | bb_rand(0, 15), bb_rand(20, 60));
  bb_check_file(&g, BT_DUMP, NULL, "tc.txt");
  bb_free(&g);
}

GRADE_TEST(special_guest) {
  const char *inc[] = {"tests/guests", NULL};
  bb_guest g;
  bb_file(&g, "tests/guests/special.s", inc, NULL);
  bb_check(&g, "--mode bt --max-steps 1000000");
  bb_free(&g);
}

GRADE_TEST(translate_once) {
  bb_guest g;
  /* callr always leaves translated code: each of its calls is a lookup in
   * the TC. */
  bb_asm(&g,
         "        .org 0x1000\n"
         "_start: li sp, 0x3f000\n      la r5, f\n         li r7, %u\n"
         "1:      callr r5\n            addi r7, r7, -1\n  cmpi r7, 0\n    bne 1b\n"
         "        jmp bb_done\n"
         "f:      addi r9, r9, %u\n     ret\n",
         bb_rand(150, 250), bb_rand(1, 9));
  bb_check(&g, BT);
  bb_check(&g, "--mode bt --bt-chain off");
  bb_free(&g);
  /* Two blocks whose addresses share a bucket of the TC's hash (0x1408
   * and 0x1d90): each lookup must find its own block, whichever was
   * translated last. */
  bb_asm(&g,
         "        .org 0x1000\n"
         "_start: li sp, 0x3f000\n      la r5, fa\n        la r6, fb\n       li r7, %u\n"
         "1:      callr r5\n           add r9, r9, r1\n   callr r6\n        add r10, r10, r1\n"
         "        callr r5\n           add r11, r11, r1\n addi r7, r7, -1\n  cmpi r7, 0\n   bne 1b\n"
         "        jmp bb_done\n"
         "        .org 0x1408\n"
         "fa:     li r1, %u\n          ret\n"
         "        .org 0x1d90\n"
         "fb:     li r1, %u\n          ret\n",
         bb_rand(3, 9), bb_rand(1, 99), bb_rand(100, 199));
  bb_check(&g, BT);
  bb_check(&g, "--mode bt --bt-chain off");
  bb_free(&g);
}

GRADE_TEST(self_modifying_code) {
  bb_guest g;
  /* f returns 1; the kernel rewrites its first instruction to return 2,
   * then writes a data word beside it (same page, not code), then the
   * word just before f and the one just after its code. */
  bb_asm(&g,
         "        .org 0x1000\n"
         "_start: li sp, 0x3f000\n      call f\n           mov r9, r1\n"
         "        la r5, f\n            la r6, new\n       lw r6, 0(r6)\n"
         "        sw r6, 0(r5)\n        call f\n           mov r10, r1\n"
         "        la r5, data\n         li r6, %u\n        sw r6, 0(r5)\n"
         "        call f\n              mov r11, r1\n"
         "        la r5, before\n       sw r6, 0(r5)\n     call f\n"
         "        la r5, after\n        sw r6, 0(r5)\n     call f\n"
         "        la r5, f\n            lw r6, 0(r5)\n     shri r6, r6, 24\n  sb r6, 3(r5)\n"   /* the same byte: */
         "        call f\n              mov r12, r1\n"                                        /* still a write */
         "        la r6, new2\n         lw r6, 0(r6)\n    sb r6, 0(r5)\n     call f\n     mov r13, r1\n"
         "        jmp bb_done\n"
         "before: .word 0\n"
         "f:      li r1, 1\n            ret\n"
         "after:  .word 0\n"
         "data:   .word 0\n"
         "new:    li r1, %u\n"
         "new2:   li r1, %u\n",   /* only its first byte is written */
         bb_rand(1, 1000), bb_rand(2, 9), bb_rand(10, 200));
  bb_check_file(&g, BT_DUMP, NULL, "tc.txt");
  bb_free(&g);
}

GRADE_TEST(guest_tests_bt) {
  static const char *const name[] = {"timer", "console"};
  static const char *const input[] = {NULL, "hi there\nsecond line\n"};
  const char *inc[] = {"tests/guests", NULL};
  for (int i = 0; i < 2; i++) {
    char path[64];
    snprintf(path, sizeof path, "tests/guests/%s.s", name[i]);
    bb_guest g;
    bb_file(&g, path, inc, NULL);
    bb_check_file(&g, "--mode bt --max-steps 1000000", input[i], NULL);
    bb_free(&g);
  }
  const char *inc1[] = {"labs/lab1", NULL}, *def[] = {"LAB_SOLUTION=99", NULL};
  bb_guest g;
  bb_file(&g, "labs/lab1/lab1.s", inc1, def);
  bb_check(&g, BT);
  bb_free(&g);
}
