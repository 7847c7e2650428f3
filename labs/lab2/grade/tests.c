/* lab 2's graded tests: trap-and-emulate, vmm/core/trap.c.  Each runs a small
 * guest natively and under --mode trap and checks that the guest cannot
 * tell (equiv.h: output, instruction counts, registers, flags, control
 * registers, and no byte outside the guest changed), plus what the monitor
 * counted.  The guests keep paging off: shadow paging is lab 4. */
#include "equiv.h"

/* halt in the handler with what the guest saw: r1 cause, r2 epc,
 * r3 estatus, r4 badva. */
#define SHOW_TRAP                                                      \
  "handler: mfc r1, cause\n"                                           \
  "        mfc r2, epc\n"                                              \
  "        mfc r3, estatus\n"                                          \
  "        mfc r4, badva\n"                                            \
  "        halt r1\n"

GRADE_TEST(mfc_reads_vcpu) {
  eq_state t;
  eq_check("        .org 0x1000\n"
           "_start: mfc r1, ptb\n        mfc r2, tvec\n      mfc r3, epc\n     mfc r4, estatus\n"
           "        mfc r5, cause\n      mfc r6, badva\n     mfc r7, timer\n   mfc r8, scratch\n"
           "        mfc r9, paging\n     li r10, 7\n         mfc r10, scratch\n"
           "        mfc zero, cause\n    halt zero\n",
           "trap", false, &t);
  ck_assert_msg(t.n.emulated[OP_MFC] == 11, "%llu mfc emulated, want 11", (unsigned long long)t.n.emulated[OP_MFC]);
}

GRADE_TEST(mtc_writes_vcpu) {
  eq_state t;
  eq_check("        .org 0x1000\n"
           "_start: la r5, handler\n     mtc tvec, r5\n"
           "        li r5, 0x1234\n      mtc scratch, r5\n   mfc r1, scratch\n"
           "        li r5, 0x77\n        mtc epc, r5\n       mtc estatus, r5\n"
           "        mtc cause, r5\n      mtc badva, r5\n"
           "        mfc r2, epc\n        mfc r3, estatus\n   mfc r4, cause\n   mfc r6, badva\n"
           "        mfc r7, tvec\n"
           "        li r5, 500\n         mtc timer, r5\n     nop\n             nop\n"
           "        mfc r8, timer\n      mtc timer, zero\n   mfc r9, timer\n"
           "        halt zero\n"
           "handler: halt r1\n",
           "trap", false, &t);
  ck_assert_msg(t.n.emulated[OP_MTC] == 8, "%llu mtc emulated, want 8", (unsigned long long)t.n.emulated[OP_MTC]);
}

GRADE_TEST(cli_sti_virtual_ie) {
  eq_state t;
  const char *on = "        .org 0x1000\n_start: cli\n        sti\n        cli\n        sti\n        li r1, 3\n        halt r1\n";
  const char *off = "        .org 0x1000\n_start: sti\n        sti\n        cli\n        halt zero\n";
  eq_check(on, "trap", false, &t);
  ck_assert_msg(t.flags & FLAG_IE, "sti: the guest's IE is off");
  ck_assert_msg(t.n.emulated[OP_CLI] == 2 && t.n.emulated[OP_STI] == 2, "cli, sti emulated %llu, %llu times, want 2, 2",
                (unsigned long long)t.n.emulated[OP_CLI], (unsigned long long)t.n.emulated[OP_STI]);
  eq_check(off, "trap", false, &t);
  ck_assert_msg(!(t.flags & FLAG_IE), "cli: the guest's IE is still on");
}

GRADE_TEST(tlb_instructions_sync) {
  eq_state t;
  eq_check("        .org 0x1000\n"
           "_start: li r5, 0x2000\n      tlbi r5\n           tlbflush\n"
           "        li r5, 0x30000\n     mtc ptb, r5\n       tlbi r5\n"
           "        halt zero\n",
           "trap", false, &t);
  ck_assert_msg(t.n.shadow_syncs == 4, "%llu shadow syncs counted, want 4 (tlbi, tlbflush, ptb, tlbi)",
                (unsigned long long)t.n.shadow_syncs);
  ck_assert_msg(t.n.emulated[OP_TLBI] == 2 && t.n.emulated[OP_TLBFLUSH] == 1, "tlbi, tlbflush emulated %llu, %llu times",
                (unsigned long long)t.n.emulated[OP_TLBI], (unsigned long long)t.n.emulated[OP_TLBFLUSH]);
}

GRADE_TEST(wfi_idles) {
  eq_state t;
  /* IE off: the timer's interrupt wakes wfi but is not taken. */
  eq_check("        .org 0x1000\n"
           "_start: li r5, 300\n         mtc timer, r5\n"
           "        wfi\n                mfc r1, timer\n"
           "        addi r2, r2, 1\n     wfi\n"
           "        mtc timer, zero\n    halt r2\n",
           "trap", false, &t);
  ck_assert_msg(t.idle_ticks > 0, "the guest never idled");
}

GRADE_TEST(reflect_syscall_brk) {
  eq_state t;
  eq_check("        .org 0x1000\n"
           "_start: la r5, handler\n     mtc tvec, r5\n      li r6, 0x5\n"
           "        cmpi r6, 5\n         syscall\n           halt zero\n" SHOW_TRAP,
           "trap", false, &t);
  ck_assert_msg(t.n.reflected[CAUSE_SYSCALL] == 1, "syscall reflected %llu times, want 1",
                (unsigned long long)t.n.reflected[CAUSE_SYSCALL]);
  eq_check("        .org 0x1000\n"
           "_start: la r5, handler\n     mtc tvec, r5\n      sti\n"
           "        brk\n                halt zero\n" SHOW_TRAP,
           "trap", false, &t);
  ck_assert_msg(t.n.reflected[CAUSE_BREAK] == 1, "brk reflected %llu times, want 1",
                (unsigned long long)t.n.reflected[CAUSE_BREAK]);
}

GRADE_TEST(reflect_faults) {
  static const char *const body[] = {
      "        .word 0\n",                              /* illegal */
      "        li r6, 9\n        div r6, r6, zero\n",   /* divide by zero */
      "        li r6, 0x2002\n        lw r7, 0(r6)\n",  /* misaligned */
      "        li r6, 0x50000\n        sw r7, 0(r6)\n", /* beyond memory, paging off */
      "        mfc r6, 12\n",                           /* no such control register */
      "        mtc 15, r6\n",
  };
  for (size_t i = 0; i < sizeof body / sizeof body[0]; i++) {
    char src[1024];
    snprintf(src, sizeof src, "        .org 0x1000\n_start: la r5, handler\n        mtc tvec, r5\n%s        halt zero\n" SHOW_TRAP,
             body[i]);
    eq_state t;
    eq_check(src, "trap", false, &t);
  }
}

/* The guest kernel enters a user program with iret; its cli traps, and a
 * syscall comes back, then the handler irets to it again. */
GRADE_TEST(iret_to_user) {
  eq_state t;
  eq_check("        .org 0x1000\n"
           "_start: la r5, handler\n     mtc tvec, r5\n"
           "        la r5, user\n        mtc epc, r5\n"
           "        li r5, 0x13\n        mtc estatus, r5\n"      /* user mode, IE on, ZN.C */
           "        li r12, 0\n          iret\n"
           "user:   addi r12, r12, 1\n   syscall\n"
           "        addi r12, r12, 1\n   cli\n"
           "        halt zero\n"
           "handler: mfc r9, cause\n      cmpi r9, 6\n        bne 1f\n"
           "        iret\n"                                      /* back after the syscall */
           "1:      mfc r1, cause\n      mfc r2, epc\n       mfc r3, estatus\n   mfc r4, badva\n"
           "        halt r12\n",
           "trap", false, &t);
  ck_assert_msg(t.n.reflected[CAUSE_PRIV] == 1, "the user's cli was reflected %llu times, want 1",
                (unsigned long long)t.n.reflected[CAUSE_PRIV]);
  ck_assert_msg(t.user_insns > 0, "no instruction ran in virtual user mode");
}

GRADE_TEST(virtual_timer) {
  eq_state t;
  eq_check("        .org 0x1000\n"
           "_start: la r5, handler\n     mtc tvec, r5\n      li sp, 0x3f000\n"
           "        li r12, 0\n          li r11, 0\n         li r5, 137\n"
           "        mtc timer, r5\n      sti\n               li r7, 3000\n"
           "1:      addi r7, r7, -1\n    mul r8, r7, r7\n    cmpi r7, 0\n"
           "        bne 1b\n             cli\n               halt zero\n"
           "handler: addi r12, r12, 1\n  mfc r10, epc\n      add r11, r11, r10\n"
           "        push r10\n           pop r10\n           iret\n",
           "trap", false, &t);
  ck_assert_msg(t.n.reflected[CAUSE_TIMER] > 20, "%llu timer interrupts reflected, want more than 20",
                (unsigned long long)t.n.reflected[CAUSE_TIMER]);
}

GRADE_TEST(pushf_popf_strict) {
  eq_state t;
  eq_check("        .org 0x1000\n"
           "_start: li sp, 0x3f000\n     pushf\n             pop r5\n"
           "        cli\n                li r6, 0x13\n       push r6\n"
           "        popf\n               pushf\n             pop r6\n"
           "        halt zero\n",
           "trap", true, &t);
  ck_assert_msg(t.n.emulated[OP_PUSHF] == 2 && t.n.emulated[OP_POPF] == 1, "pushf, popf emulated %llu, %llu times",
                (unsigned long long)t.n.emulated[OP_PUSHF], (unsigned long long)t.n.emulated[OP_POPF]);
}

GRADE_TEST(guest_tests) {
  static const char *const name[] = {"timer", "console"};
  static const char *const input[] = {NULL, "hi there\nsecond line\n"};
  const char *inc[] = {"tests/guests", NULL};
  for (int i = 0; i < 2; i++) {
    char path[64], last[200];
    snprintf(path, sizeof path, "tests/guests/%s.s", name[i]);
    image img;
    grade_assemble(path, inc, NULL, &img);
    grade_run g;
    grade_run_image(&img, "trap", false, 0, 1000000, input[i], &g);
    image_free(&img);
    grade_last_line(g.out, last, sizeof last);
    char fail[200];
    grade_line_with(g.out, "FAIL", fail, sizeof fail);
    ck_assert_msg(g.status == 0 && strstr(last, "SUMMARY:") && strstr(last, " 0 failed"),
                  "tests/guests/%s.s under trap: status %d, %s", name[i], g.status, fail[0] ? fail : last);
    grade_run_free(&g);
  }
}
