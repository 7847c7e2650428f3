/* lab 2's hidden tests (visible after the deadline; not in the handout). */
#include "blackbox.h"

GRADE_TEST(emulate_everything) {
  bb_guest g;
  bb_asm(&g,
         "        .org 0x1000\n"
         "_start: la r5, handler\n     mtc tvec, r5\n      li sp, 0x3f000\n"
         "        li r5, 0x%x\n        mtc scratch, r5\n   mtc estatus, r5\n"
         "        li r5, %u\n          mtc timer, r5\n     sti\n"
         "        li r7, %u\n"
         "1:      pushf\n              popf\n              cli\n"
         "        mfc r6, timer\n      add r8, r8, r6\n    sti\n"
         "        in r6, 0x01\n        add r8, r8, r6\n    tlbi r7\n"
         "        addi r7, r7, -1\n    cmpi r7, 0\n        bne 1b\n"
         "        wfi\n                cli\n               tlbflush\n"
         "        mtc timer, zero\n    li r1, 0x41\n       out 0x00, r1\n"
         "        mov r1, r12\n        jmp bb_done\n"
         "handler: addi r12, r12, 1\n  mfc r9, estatus\n   mfc r10, epc\n"
         "        mtc epc, r10\n       mtc estatus, r9\n   iret\n",
         bb_rand(0, 0xff), bb_rand(30, 60), bb_rand(150, 250));
  bb_check(&g, "--mode trap --isa strict");
  bb_free(&g);
}

GRADE_TEST(dead_machines) {
  static const char *const src[] = {
      "        .org 0x1000\n_start: cmpi r1, %d\n        syscall\n        jmp bb_done\n",
      "        .org 0x1000\n_start: la r5, handler\n        mtc tvec, r5\n        cmpi r1, %d\n        .word 0\n"
      "handler: .word 0\n        jmp bb_done\n",
  };
  for (int i = 0; i < 2; i++) {
    bb_guest g;
    bb_asm(&g, src[i], (int)bb_rand(0, 100));
    bb_check(&g, "--mode trap");
    bb_free(&g);
  }
}

GRADE_TEST(lab1_guest_under_trap) {
  const char *inc[] = {"labs/lab1", NULL}, *def[] = {"LAB_SOLUTION=99", NULL};
  bb_guest g;
  bb_file(&g, "labs/lab1/lab1.s", inc, def);
  bb_check(&g, "--mode trap");
  bb_free(&g);
}
