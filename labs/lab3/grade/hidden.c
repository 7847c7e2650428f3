/* lab 3's hidden tests (visible after the deadline; not in the handout). */
#include "lab3.h"

GRADE_TEST(eviction) {
  /* 1500 distinct blocks (a chain of jumps) through a 4-page TC. */
  char *src = malloc(160 * 1024);
  size_t n = (size_t)sprintf(src, "        .org 0x1000\n_start: li r9, 0\n        li r7, 3\n");
  n += (size_t)sprintf(src + n, "0:\n");
  for (int i = 0; i < 1500; i++) n += (size_t)sprintf(src + n, "        addi r9, r9, %d\n        jmp 1f\n1:\n", i % 7);
  sprintf(src + n, "        addi r7, r7, -1\n        cmpi r7, 0\n        bne 0b\n        halt zero\n");
  image img;
  grade_assemble_src(src, &img);
  free(src);
  eq_state nat;
  eq_image(&img, "native", false, EQ_STEPS, &nat);
  vm *m = l3_vm(&img, 4);
  vm_run(m, EQ_STEPS);
  ck_assert_msg(m->done && m->exit == EXIT_HALT, "the guest did not halt (exit %d)", m->exit);
  ck_assert_msg(m->v.r[9] == nat.r[9] && m->gst.insns == nat.insns, "r9 = %u after %llu instructions; natively %u, %llu",
                m->v.r[9], (unsigned long long)m->gst.insns, nat.r[9], (unsigned long long)nat.insns);
  ck_assert_msg(bt_of(m)->n.tc_evictions > 0, "the 4-page TC was never full?");
  l3_free(m);
  image_free(&img);
}

GRADE_TEST(smc_same_block) {
  eq_state t;
  l3_check("        .org 0x1000\n"
           "_start: la r5, patch\n        la r6, new\n        lw r6, 0(r6)\n"
           "        li r1, 0\n            sw r6, 0(r5)\n"
           "patch:  li r1, 1\n            halt r1\n"
           "new:    li r1, 2\n",
           &t);
}

GRADE_TEST(virtual_time_bt) {
  eq_state t;
  l3_check("        .org 0x1000\n"
           "_start: la r5, handler\n     mtc tvec, r5\n      li sp, 0x3f000\n"
           "        li r12, 0\n          li r11, 0\n         li r5, 97\n"
           "        mtc timer, r5\n      sti\n               li r7, 3000\n"
           "1:      addi r7, r7, -1\n    pushf\n             cli\n    mul r8, r7, r7\n"
           "        popf\n               cmpi r7, 0\n        bne 1b\n"
           "        cli\n                halt zero\n"
           "handler: addi r12, r12, 1\n  mfc r10, epc\n      add r11, r11, r10\n"
           "        pushf\n              pop r9\n            add r11, r11, r9\n"
           "        iret\n",
           &t);
  ck_assert_msg(t.n.reflected[CAUSE_TIMER] > 20, "%llu timer interrupts, want more than 20",
                (unsigned long long)t.n.reflected[CAUSE_TIMER]);
}
