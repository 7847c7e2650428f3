/* lab 3's graded tests: binary translation, vmm/bt/bt_translate.c and
 * vmm/bt/bt_cache.c.  Guests run natively and under --mode bt and must not
 * tell the difference (equiv.h); the translator's counters say how.  The
 * guests keep paging off (shadow paging is lab 4). */
#include "lab3.h"

GRADE_TEST(blocks_run) {
  eq_state t;
  l3_check("        .org 0x1000\n"
           "_start: li sp, 0x3f000\n      li r9, 0\n       li r10, 0\n"
           "1:      mov r1, r10\n         call square\n    add r9, r9, r1\n"
           "        addi r10, r10, 1\n    cmpi r10, 50\n   blt 1b\n"
           "        li r5, 0x20000\n      sw r9, 0(r5)\n   lw r11, 0(r5)\n"
           "        halt zero\n"
           "square: mul r1, r1, r1\n      andi r2, r1, 1\n cmpi r2, 0\n     beq 2f\n"
           "        addi r1, r1, 1\n"
           "2:      ret\n",
           &t);
  ck_assert_msg(t.bt.translations > 0 && t.bt.translated_insns > 0, "nothing was translated (%llu blocks)",
                (unsigned long long)t.bt.translations);
}

GRADE_TEST(block_boundaries) {
  image img;
  grade_assemble_src("        .org 0x1000\n"
                     "_start: .space 40*4, 0\n"        /* filled below: 40 adds */
                     "b1:     add r1, r1, r2\n        add r1, r1, r2\n        beq b1\n"
                     "b2:     add r1, r1, r2\n        syscall\n"
                     "b3:     add r1, r1, r2\n        iret\n"
                     "b4:     add r1, r1, r2\n        mtc ptb, r1\n"
                     "b5:     add r1, r1, r2\n        mtc scratch, r1\n        add r1, r1, r2\n        jr lr\n"
                     "b6:     add r1, r1, r2\n        halt zero\n"
                     "        .org 0x1ff4\n"
                     "b7:     add r1, r1, r2\n        add r1, r1, r2\n        add r1, r1, r2\n"
                     "        add r1, r1, r2\n",
                     &img);
  vm *m = l3_vm(&img, 0);
  for (uint32_t i = 0; i < 40; i++) st32(m->c->mem + m->base + 0x1000 + 4 * i, 0x01112000); /* add r1, r1, r2 */
  static const struct { uint32_t pc; uint32_t n; const char *what; } want[] = {
      {0x1000, 32, "40 ordinary instructions: the first block stops at 32"},
      {0x1080, 11, "the rest, up to and including the beq"},
      {0x10ac, 2, "up to a syscall"},
      {0x10b4, 2, "up to an iret"},
      {0x10bc, 2, "up to an mtc of ptb"},
      {0x10c4, 4, "through an mtc of scratch, up to a jr"},
      {0x10d4, 2, "up to a halt"},
      {0x1ff4, 3, "up to the end of the page"},
  };
  for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
    const bt_block *k = bt_translate(m, want[i].pc, want[i].pc);
    ck_assert_msg(k && k->ninsns == want[i].n, "block at 0x%04x: %u instructions, want %u (%s)", want[i].pc,
                  k ? k->ninsns : 0, want[i].n, want[i].what);
  }
  l3_free(m);
  image_free(&img);
}

GRADE_TEST(pushf_translated) {
  eq_state t;
  l3_check("        .org 0x1000\n"
           "_start: li sp, 0x3f000\n      pushf\n        pop r5\n"
           "        sti\n                 pushf\n        pop r6\n"
           "        cli\n                 li r1, 0x3\n   cmpi r1, 3\n"
           "        pushf\n               pop r7\n       halt zero\n",
           &t);
  ck_assert_msg(t.n.emulated[OP_PUSHF] == 0 && t.n.world_switches < 10, "pushf trapped to the monitor (%llu world switches)",
                (unsigned long long)t.n.world_switches);
}

GRADE_TEST(popf_translated) {
  eq_state t;
  /* popf with IE on while the timer's interrupt is pending: it must be
   * taken right after the popf, as natively. */
  l3_check("        .org 0x1000\n"
           "_start: li sp, 0x3f000\n      la r5, handler\n   mtc tvec, r5\n"
           "        li r6, 0x21\n         push r6\n          popf\n"   /* KM, Z: only Z shows */
           "        beq 1f\n              li r12, 99\n"
           "1:      li r5, 30\n           mtc timer, r5\n"
           "        li r7, 100\n"
           "2:      addi r7, r7, -1\n     cmpi r7, 0\n       bne 2b\n"   /* the interrupt is pending */
           "        li r6, 0x10\n         push r6\n          popf\n"   /* IE on: taken now */
           "        addi r11, r11, 1\n    li r6, 0\n         push r6\n"
           "        popf\n                mtc timer, zero\n  halt zero\n"
           "handler: mfc r9, epc\n       addi r10, r10, 1\n li r6, 0\n push r6\n popf\n"
           "        mfc r8, estatus\n     iret\n",
           &t);
  ck_assert_msg(t.n.reflected[CAUSE_TIMER] >= 1, "the pending timer interrupt was never delivered");
}

GRADE_TEST(special_guest) {
  const char *inc[] = {"tests/guests", NULL};
  image img;
  grade_assemble("tests/guests/special.s", inc, NULL, &img);
  grade_run g;
  char last[200], fail[200];
  grade_run_image(&img, "bt", false, 0, 1000000, NULL, &g);
  image_free(&img);
  grade_last_line(g.out, last, sizeof last);
  grade_line_with(g.out, "FAIL", fail, sizeof fail);
  ck_assert_msg(g.status == 0 && strstr(last, "SUMMARY:") && strstr(last, " 0 failed"), "special.s under bt: status %d, %s",
                g.status, fail[0] ? fail : last);
  grade_run_free(&g);
}

GRADE_TEST(translate_once) {
  eq_state t;
  /* callr always leaves translated code: each of its 200 calls is a
   * lookup in the TC. */
  l3_check("        .org 0x1000\n"
           "_start: li sp, 0x3f000\n      la r5, f\n         li r7, 200\n"
           "1:      callr r5\n            addi r7, r7, -1\n  cmpi r7, 0\n    bne 1b\n"
           "        halt zero\n"
           "f:      addi r9, r9, 3\n      ret\n",
           &t);
  ck_assert_msg(t.bt.translations < 20, "%llu blocks translated for 4 blocks of code: each should be translated once",
                (unsigned long long)t.bt.translations);
  ck_assert_msg(t.bt.tc_hits >= 190, "%llu TC hits for 200 calls through callr", (unsigned long long)t.bt.tc_hits);
}

GRADE_TEST(self_modifying_code) {
  eq_state t;
  /* f returns 1; the kernel rewrites its first instruction to return 2,
   * then writes a data word beside it (same page, not code). */
  l3_check("        .org 0x1000\n"
           "_start: li sp, 0x3f000\n      call f\n           mov r9, r1\n"
           "        la r5, f\n            la r6, new\n       lw r6, 0(r6)\n"
           "        sw r6, 0(r5)\n        call f\n           mov r10, r1\n"
           "        la r5, data\n         li r6, 7\n         sw r6, 0(r5)\n"
           "        call f\n              mov r11, r1\n      halt zero\n"
           "f:      li r1, 1\n            ret\n"
           "data:   .word 0\n"
           "new:    li r1, 2\n",
           &t);
  ck_assert_msg(t.bt.tc_invalidations == 1, "%llu invalidations: want 1 (code rewritten), not 0 and not for data",
                (unsigned long long)t.bt.tc_invalidations);
}

GRADE_TEST(guest_tests_bt) {
  static const char *const name[] = {"timer", "console"};
  static const char *const input[] = {NULL, "hi there\nsecond line\n"};
  const char *inc[] = {"tests/guests", NULL};
  for (int i = 0; i < 2; i++) {
    char path[64], last[200], fail[200];
    snprintf(path, sizeof path, "tests/guests/%s.s", name[i]);
    image img;
    grade_assemble(path, inc, NULL, &img);
    grade_run g;
    grade_run_image(&img, "bt", false, 0, 1000000, input[i], &g);
    image_free(&img);
    grade_last_line(g.out, last, sizeof last);
    grade_line_with(g.out, "FAIL", fail, sizeof fail);
    ck_assert_msg(g.status == 0 && strstr(last, "SUMMARY:") && strstr(last, " 0 failed"),
                  "tests/guests/%s.s under bt: status %d, %s", name[i], g.status, fail[0] ? fail : last);
    grade_run_free(&g);
  }
  const char *inc1[] = {"labs/lab1", NULL}, *def[] = {"LAB_SOLUTION=99", NULL};
  image img;
  grade_assemble("labs/lab1/lab1.s", inc1, def, &img);
  eq_state n, t;
  eq_image(&img, "native", false, EQ_STEPS, &n);
  eq_image(&img, "bt", false, EQ_STEPS, &t);
  image_free(&img);
  eq_same(&n, &t);
}
