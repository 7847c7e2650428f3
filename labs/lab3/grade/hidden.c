/* lab 3's hidden tests (visible after the deadline; not in the handout). */
#include "blackbox.h"

GRADE_TEST(eviction) {
  /* About 1500 distinct blocks (a chain of jumps) through a 4-page TC. */
  size_t cap = 160 * 1024, n;
  char *src = malloc(cap);
  int blocks = (int)bb_rand(1300, 1600);
  n = (size_t)snprintf(src, cap, "        .org 0x1000\n_start: li r9, 0\n        li r7, %u\n0:\n", bb_rand(2, 4));
  for (int i = 0; i < blocks; i++)
    n += (size_t)snprintf(src + n, cap - n, "        addi r9, r9, %u\n        jmp 1f\n1:\n", bb_rand(0, 7));
  snprintf(src + n, cap - n, "        addi r7, r7, -1\n        cmpi r7, 0\n        bne 0b\n        jmp bb_done\n");
  bb_guest g;
  bb_asm(&g, "%s", src);
  free(src);
  bb_check(&g, "--mode bt --tc-size 16K");
  bb_free(&g);
}

GRADE_TEST(smc_same_block) {
  bb_guest g;
  bb_asm(&g,
         "        .org 0x1000\n"
         "_start: la r5, patch\n        la r6, new\n        lw r6, 0(r6)\n"
         "        li r1, 0\n            sw r6, 0(r5)\n"
         "patch:  li r1, 1\n            jmp bb_done\n"
         "new:    li r1, %u\n",
         bb_rand(2, 99));
  bb_check(&g, "--mode bt");
  bb_free(&g);
}

GRADE_TEST(virtual_time_bt) {
  bb_guest g;
  bb_asm(&g,
         "        .org 0x1000\n"
         "_start: la r5, handler\n     mtc tvec, r5\n      li sp, 0x3f000\n"
         "        li r12, 0\n          li r11, 0\n         li r5, %u\n"
         "        mtc timer, r5\n      sti\n               li r7, %u\n"
         "1:      addi r7, r7, -1\n    pushf\n             cli\n    mul r8, r7, r7\n"
         "        popf\n               cmpi r7, 0\n        bne 1b\n"
         "        cli\n                jmp bb_done\n"
         "handler: addi r12, r12, 1\n  mfc r10, epc\n      add r11, r11, r10\n"
         "        pushf\n              pop r9\n            add r11, r11, r9\n"
         "        iret\n",
         bb_rand(80, 120), bb_rand(2500, 3500));
  bb_check(&g, "--mode bt");
  bb_free(&g);
}
