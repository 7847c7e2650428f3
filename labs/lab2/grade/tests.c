/* lab 2's graded tests: trap-and-emulate, vmm/core/trap.c.  Each builds a
 * small guest with this run's numbers (the seed), runs it under the
 * submission's `bin/vmm --mode trap` in the sandbox and under the
 * reference's, and compares everything: the console (bb_done prints every
 * register and the condition flags at the end), the exit status, and
 * every counter of --stats-json (emulated and reflected, by kind; world
 * switches; cycles at this run's random prices).  The guests keep paging
 * off: shadow paging is lab 4. */
#include "blackbox.h"

#define TRAP "--mode trap"

/* The handler's view: print cause, epc, estatus and badva (bb_done). */
#define SHOW_TRAP                                                         \
  "handler: mfc r1, cause\n        mfc r2, epc\n        mfc r3, estatus\n" \
  "        mfc r4, badva\n        jmp bb_done\n"

GRADE_TEST(mfc_reads_vcpu) {
  bb_guest g;
  bb_asm(&g,
         "        .org 0x1000\n"
         "_start: mfc r1, ptb\n        mfc r2, tvec\n      mfc r3, epc\n     mfc r4, estatus\n"
         "        mfc r5, cause\n      mfc r6, badva\n     mfc r7, timer\n   mfc r8, scratch\n"
         "        mfc r9, paging\n     li r10, %u\n        mfc r10, scratch\n"
         "        mfc zero, cause\n    cmpi r10, %d\n      jmp bb_done\n",
         bb_rand(1, 30000), (int)bb_rand(0, 2) - 1);
  bb_check(&g, TRAP);
  bb_free(&g);
}

GRADE_TEST(mtc_writes_vcpu) {
  bb_guest g;
  bb_asm(&g,
         "        .org 0x1000\n"
         "_start: la r5, handler\n     mtc tvec, r5\n"
         "        li r5, 0x%x\n        mtc scratch, r5\n   mfc r1, scratch\n"
         "        li r5, 0x%x\n        mtc epc, r5\n       mtc estatus, r5\n"
         "        mtc cause, r5\n      mtc badva, r5\n"
         "        mfc r2, epc\n        mfc r3, estatus\n   mfc r4, cause\n   mfc r6, badva\n"
         "        mfc r7, tvec\n"
         "        li r5, %u\n          mtc timer, r5\n     nop\n             nop\n"
         "        mfc r8, timer\n      mtc timer, zero\n   mfc r9, timer\n"
         "        li r5, %u\n          mtc timer, r5\n     mfc r10, timer\n  mtc timer, zero\n"
         "        mtc 9, r5\n"
         "        jmp bb_done\n"
         "handler: mfc r11, cause\n    mfc r12, badva\n    mfc r13, epc\n    jmp bb_done\n",
         bb_rand(1, 0xffffff), bb_rand(0, 0xffffffff), bb_rand(100, 900), bb_rand(1, 3));
  bb_check(&g, TRAP);
  bb_free(&g);
}

/* cli and sti act on the virtual IE: a pending timer interrupt waits for
 * sti, and is taken at once after it; the real CPU keeps the machine. */
GRADE_TEST(cli_sti_virtual_ie) {
  bb_guest g;
  bb_asm(&g,
         "        .org 0x1000\n"
         "_start: la r5, handler\n     mtc tvec, r5\n      li r12, 0\n"
         "        cli\n                sti\n               cli\n"
         "        li r5, %u\n          mtc timer, r5\n"
         "        li r7, %u\n"
         "1:      addi r7, r7, -1\n    cmpi r7, 0\n        bne 1b\n"   /* the interrupt is pending: IE off */
         "        mov r9, r12\n        sti\n               nop\n"    /* taken right after sti */
         "        mov r10, r12\n       cli\n               mtc timer, zero\n"
         "        li r7, 50\n"
         "2:      addi r7, r7, -1\n    cmpi r7, 0\n        bne 2b\n"
         "        mov r11, r12\n       sti\n               sti\n     cli\n"
         "        jmp bb_done\n"
         "handler: addi r12, r12, 1\n  mfc r13, epc\n      mfc r6, estatus\n  iret\n",
         bb_rand(20, 60), bb_rand(80, 200));
  bb_check(&g, TRAP);
  bb_free(&g);
}

GRADE_TEST(tlb_instructions_sync) {
  bb_guest g;
  /* tlbi of a page the guest uses next (its code, its data) and of one it
   * does not; tlbflush; CR[ptb] and CR[paging] writes (the timer stays
   * off: a ptb write is not a timer write). */
  bb_asm(&g,
         "        .org 0x1000\n"
         "_start: li r5, 0x%x\n        tlbi r5\n           tlbflush\n"
         "        li r6, 0x20000\n    sw r5, 0(r6)\n      tlbi r6\n       lw r7, 0(r6)\n"
         "        la r5, _start\n     tlbi r5\n           nop\n"
         "        li r5, 0x30000\n    mtc ptb, r5\n       tlbi r5\n"
         "        mfc r6, ptb\n       mfc r8, timer\n     li r5, %u\n         mtc paging, zero\n  tlbi r5\n"
         "        li r5, 2\n          mtc paging, r5\n    mfc r9, paging\n    mfc r10, timer\n"
         "        jmp bb_done\n",
         bb_rand(0x40, 0xfff) << 12, bb_rand(0, 0x3ffff));
  bb_check(&g, TRAP);
  bb_free(&g);
  /* paging on: in lab 2's tree that reaches lab 4's stub (a panic), in
   * the reference's too */
  bb_asm(&g, "        .org 0x1000\n_start: li r5, %u\n        mtc paging, r5\n        jmp bb_done\n", 2 * bb_rand(0, 8) + 1);
  bb_check(&g, TRAP);
  bb_free(&g);
}

GRADE_TEST(wfi_idles) {
  bb_guest g;
  /* IE off: the timer's interrupt wakes wfi but is not taken.  IE on: it
   * is taken, and the handler's iret returns after the wfi, awake. */
  bb_asm(&g,
         "        .org 0x1000\n"
         "_start: la r5, handler\n    mtc tvec, r5\n"
         "        li r5, %u\n          mtc timer, r5\n"
         "        wfi\n                mfc r1, timer\n"
         "        addi r2, r2, 1\n     wfi\n              mfc r3, timer\n"
         "        sti\n                wfi\n              mfc r4, timer\n"
         "        addi r2, r2, 1\n     wfi\n              addi r2, r2, 1\n"
         "        cli\n                mtc timer, zero\n  jmp bb_done\n"
         "handler: addi r12, r12, 1\n mfc r13, epc\n     iret\n",
         bb_rand(100, 600));
  bb_check(&g, TRAP);
  bb_free(&g);
  /* The timer expiring as wfi itself retires, IE on: the interrupt is
   * taken at once and the guest does not wait again in its handler. */
  for (unsigned p = 1; p <= 4; p++) {
    bb_asm(&g,
           "        .org 0x1000\n"
           "_start: la r5, handler\n    mtc tvec, r5\n     li r12, 0\n       li r5, %u\n"
           "        mtc timer, r5\n     sti\n              wfi\n             addi r2, r2, 1\n"
           "        cli\n               mtc timer, zero\n  jmp bb_done\n"
           "handler: addi r12, r12, 1\n mfc r13, epc\n     mtc timer, zero\n  iret\n",
           p);
    bb_check(&g, TRAP);
    bb_free(&g);
  }
}

GRADE_TEST(reflect_syscall_brk) {
  bb_guest g;
  bb_asm(&g,
         "        .org 0x1000\n"
         "_start: la r5, handler\n     mtc tvec, r5\n      li r6, %u\n"
         "        cmpi r6, %u\n        syscall\n           jmp bb_done\n" SHOW_TRAP,
         bb_rand(0, 9), bb_rand(0, 9));
  bb_check(&g, TRAP);
  bb_free(&g);
  bb_asm(&g,
         "        .org 0x1000\n"
         "_start: la r5, handler\n     mtc tvec, r5\n      %s\n"
         "        cmpi r5, %d\n        brk\n               jmp bb_done\n" SHOW_TRAP,
         bb_rand(0, 1) ? "sti" : "cli", (int)bb_rand(0, 0x3000));
  bb_check(&g, TRAP);
  bb_free(&g);
}

GRADE_TEST(reflect_faults) {
  static const char *const body[] = {
      "        .word 0\n",                                /* illegal */
      "        li r6, 9\n        div r6, r6, zero\n",     /* divide by zero */
      "        li r6, 0x2002\n        lw r7, 0(r6)\n",    /* misaligned */
      "        li r6, 0x40000\n        sw r7, 0(r6)\n",   /* just past memory, paging off */
      "        li r6, 0x3fffc\n        sw r7, 0(r6)\n        li r6, 0x40000\n        lw r7, 0(r6)\n",
      "        mfc r6, 9\n",                              /* no such control register */
      "        mfc r6, 12\n",
      "        mtc 15, r6\n",
  };
  for (size_t i = 0; i < sizeof body / sizeof body[0]; i++) {
    bb_guest g;
    bb_asm(&g, "        .org 0x1000\n_start: la r5, handler\n        mtc tvec, r5\n        cmpi r5, %d\n%s        jmp bb_done\n" SHOW_TRAP,
           (int)bb_rand(0, 0x2000), body[i]);
    bb_check(&g, TRAP);
    bb_free(&g);
  }
  /* A trap in the handler, past its first instruction, is not a double
   * fault: the handler takes a system call and returns from both. */
  bb_guest g;
  bb_asm(&g,
         "        .org 0x1000\n"
         "_start: la r5, handler\n     mtc tvec, r5\n     li r12, 0\n   cmpi r5, %d\n      syscall\n   jmp bb_done\n"
         "handler: addi r12, r12, 1\n  cmpi r12, 1\n      bne 2f\n"
         "        mfc r11, epc\n       syscall\n          mtc epc, r11\n"
         "2:      iret\n",
         (int)bb_rand(0, 0x2000));
  bb_check(&g, TRAP);
  bb_free(&g);
  /* A fault AT the vector, of each kind, is a double fault: the machine
   * stops. */
  static const char *const at_vector[] = {".word 0", "div r1, r1, zero", "lw r1, 2(zero)", "syscall", "brk", "mfc r1, 9"};
  for (size_t i = 0; i < sizeof at_vector / sizeof at_vector[0]; i++) {
    bb_asm(&g, "        .org 0x1000\n_start: la r5, handler\n        mtc tvec, r5\n        li r1, %u\n        syscall\n"
               "        jmp bb_done\nhandler: %s\n        jmp bb_done\n",
           bb_rand(1, 99), at_vector[i]);
    bb_check(&g, TRAP);
    bb_free(&g);
  }
  /* The timer's interrupt arriving when the pc is at the vector (the
   * guest jumps there with IE on) is an interrupt, not a double fault. */
  for (unsigned p = 1; p <= 5; p++) {
    bb_asm(&g,
           "        .org 0x1000\n_start: la r5, handler\n        mtc tvec, r5\n        li r12, 0\n        li r5, %u\n"
           "        mtc timer, r5\n        sti\n        jmp handler\n"
           "handler: addi r12, r12, 1\n        mtc timer, zero\n        mfc r2, epc\n        mfc r3, cause\n"
           "        cmpi r12, 1\n        beq handler\n        jmp bb_done\n",
           p);
    bb_check(&g, TRAP);
    bb_free(&g);
  }
  /* So is the console's interrupt, taken as wfi ends right before the
   * vector (its epc is the vector). */
  bb_asm(&g,
         "        .org 0x1000\n_start: la r5, handler\n        mtc tvec, r5\n        li r12, 0\n"
         "        li r1, 1\n        out 2, r1\n        sti\n        cmpi r5, %d\n        wfi\n"
         "handler: addi r12, r12, 1\n        mfc r2, epc\n        mfc r3, cause\n        in r4, 0\n"
         "        out 2, zero\n        cli\n        jmp bb_done\n",
         (int)bb_rand(0, 0x2000));
  bb_check_file(&g, TRAP, "xy", NULL);
  bb_free(&g);
}

/* The guest kernel enters a user program with iret; its cli traps, and a
 * syscall comes back, then the handler irets to it again. */
GRADE_TEST(iret_to_user) {
  bb_guest g;
  bb_asm(&g,
         "        .org 0x1000\n"
         "_start: la r5, handler\n     mtc tvec, r5\n"
         "        la r5, user\n        mtc epc, r5\n"
         "        li r5, 0x%x\n        mtc estatus, r5\n"      /* user mode, IE on or off, some flags */
         "        li r12, 0\n          iret\n"
         "user:   addi r12, r12, 1\n   syscall\n"
         "        addi r12, r12, 1\n   cmpi r12, %d\n       cli\n"
         "        halt zero\n"
         "handler: mfc r9, cause\n      cmpi r9, 6\n        bne 1f\n"
         "        iret\n"                                      /* back after the syscall */
         "1:      mfc r1, cause\n      mfc r2, epc\n       mfc r3, estatus\n   mfc r4, badva\n"
         "        jmp bb_done\n",
         (bb_rand(0, 1) ? 0x10u : 0u) | bb_rand(0, 15), (int)bb_rand(0, 3));
  bb_check(&g, TRAP);
  bb_free(&g);
}

GRADE_TEST(virtual_timer) {
  bb_guest g;
  bb_asm(&g,
         "        .org 0x1000\n"
         "_start: la r5, handler\n     mtc tvec, r5\n      li sp, 0x3f000\n"
         "        li r12, 0\n          li r11, 0\n         li r5, %u\n"
         "        mtc timer, r5\n      sti\n               li r7, %u\n"
         "1:      addi r7, r7, -1\n    mul r8, r7, r7\n    cmpi r7, 0\n"
         "        bne 1b\n             cli\n               mfc r13, timer\n"
         "        jmp bb_done\n"
         "handler: addi r12, r12, 1\n  mfc r10, epc\n      add r11, r11, r10\n"
         "        push r10\n           pop r10\n           iret\n",
         bb_rand(90, 200), bb_rand(2000, 4000));
  bb_check(&g, TRAP);
  bb_free(&g);
}

GRADE_TEST(pushf_popf_strict) {
  bb_guest g;
  bb_asm(&g,
         "        .org 0x1000\n"
         "_start: li sp, 0x3f000\n     pushf\n             pop r5\n"
         "        cli\n                li r6, 0x%x\n       push r6\n"
         "        popf\n               pushf\n             pop r6\n"
         "        li r7, 0x%x\n        push r7\n           popf\n"
         "        pushf\n              pop r7\n            mov r8, sp\n"
         "        jmp bb_done\n",
         bb_rand(0, 0x3f), bb_rand(0, 0x3f));
  bb_check(&g, "--mode trap --isa strict");
  bb_free(&g);
}

GRADE_TEST(guest_tests) {
  static const char *const name[] = {"timer", "console"};
  static const char *const input[] = {NULL, "hi there\nsecond line\n"};
  const char *inc[] = {"tests/guests", NULL};
  for (int i = 0; i < 2; i++) {
    char path[64];
    snprintf(path, sizeof path, "tests/guests/%s.s", name[i]);
    bb_guest g;
    bb_file(&g, path, inc, NULL);
    bb_check_file(&g, "--mode trap --max-steps 1000000", input[i], NULL);
    bb_free(&g);
  }
}
