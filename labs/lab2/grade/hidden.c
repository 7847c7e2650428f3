/* lab 2's hidden tests (visible after the deadline; not in the handout). */
#include "equiv.h"

GRADE_TEST(emulate_everything) {
  eq_state t;
  eq_check("        .org 0x1000\n"
           "_start: la r5, handler\n     mtc tvec, r5\n      li sp, 0x3f000\n"
           "        li r5, 0x99\n        mtc scratch, r5\n   mtc estatus, r5\n"
           "        li r5, 40\n          mtc timer, r5\n     sti\n"
           "        li r7, 200\n"
           "1:      pushf\n              popf\n              cli\n"
           "        mfc r6, timer\n      add r8, r8, r6\n    sti\n"
           "        in r6, 0x01\n        add r8, r8, r6\n    tlbi r7\n"
           "        addi r7, r7, -1\n    cmpi r7, 0\n        bne 1b\n"
           "        wfi\n                cli\n               tlbflush\n"
           "        mtc timer, zero\n    li r1, 0x41\n       out 0x00, r1\n"
           "        halt r12\n"
           "handler: addi r12, r12, 1\n  mfc r9, estatus\n   mfc r10, epc\n"
           "        mtc epc, r10\n       mtc estatus, r9\n   iret\n",
           "trap", true, &t);
}

GRADE_TEST(dead_machines) {
  static const char *const src[] = {
      "        .org 0x1000\n_start: syscall\n        halt zero\n",
      "        .org 0x1000\n_start: la r5, handler\n        mtc tvec, r5\n        .word 0\n"
      "handler: .word 0\n        halt zero\n",
  };
  static const enum cpu_exit want[] = {EXIT_NOVECTOR, EXIT_DOUBLE};
  for (int i = 0; i < 2; i++) {
    static eq_state n, t;
    eq_src(src[i], "native", false, &n);
    eq_src(src[i], "trap", false, &t);
    ck_assert_msg(n.exit == want[i], "native run ended with exit %d", n.exit);
    ck_assert_msg(t.exit == want[i], "%s: the VM ended with exit %d, native %d", i ? "a fault at the vector" : "no vector",
                  t.exit, n.exit);
    ck_assert_msg(t.insns == n.insns, "%llu guest instructions, native %llu", (unsigned long long)t.insns,
                  (unsigned long long)n.insns);
  }
}

GRADE_TEST(lab1_guest_under_trap) {
  const char *inc[] = {"labs/lab1", NULL}, *def[] = {"LAB_SOLUTION=99", NULL};
  image img;
  grade_assemble("labs/lab1/lab1.s", inc, def, &img);
  eq_state n, t;
  eq_image(&img, "native", false, EQ_STEPS, &n);
  eq_image(&img, "trap", false, EQ_STEPS, &t);
  image_free(&img);
  eq_same(&n, &t);
}
