/* test_monitor.c: trap-and-emulate.  Each test runs a small guest natively
 * and under the monitor and checks that the guest cannot tell (same output,
 * instruction counts, registers), plus what the monitor counted: every
 * emulated instruction, every reflection path with the state the guest
 * sees, shadow paging, isolation, virtual time, and the popf problem. */
#include <signal.h>

#include "guestrun.h"
#include "hwtest.h"
#include "isa_info.h"
#include "vmtest.h"
#include "check/classify.h"

static void both(const char *src, bool strict, run_result *n, run_result *t) {
  run_src(src, "native", strict, n);
  run_src(src, "trap", strict, t);
  same_run(n, t);
  ck_assert(t->canaries_ok);
  ck_assert(t->shadow_in_guest);
  /* The same guest under hardware assist, nested and shadow paging. */
  for (int shadow = 0; shadow < 2; shadow++) {
    run_result h;
    hw_run_src(src, shadow, strict, &h);
    same_run(n, &h);
    ck_assert(h.canaries_ok && h.shadow_in_guest);
  }
}

/* ---- every privileged instruction, emulated against the VCPU ---- */
static const char *emul_src = GUEST_PRELUDE
    "main:   li r5, 0x1234\n"
    "        mtc scratch, r5\n"
    "        mfc r6, scratch\n"
    "        show r6\n"
    "        la r5, handler\n"
    "        mtc tvec, r5\n"
    "        mfc r6, tvec\n"
    "        sub r6, r6, r5\n"        /* read back what was written */
    "        show r6\n"
    "        li r5, 0x77\n"
    "        mtc epc, r5\n"
    "        mtc estatus, r5\n"   /* masked to the flags bits */
    "        mtc cause, r5\n"
    "        mtc badva, r5\n"
    "        mfc r6, epc\n        show r6\n"
    "        mfc r6, estatus\n    show r6\n"
    "        mfc r6, cause\n      show r6\n"
    "        mfc r6, badva\n      show r6\n"
    "        li r5, 500\n"
    "        mtc timer, r5\n"
    "        nop\n        nop\n"
    "        mfc r6, timer\n"      /* ticks left: the same in every mode */
    "        show r6\n"
    "        mtc timer, zero\n"
    "        mfc r6, timer\n      show r6\n"
    "        cli\n        sti\n        cli\n"
    "        tlbi r5\n        tlbflush\n"
    "        in r6, 0x01\n        show r6\n"   /* status: end of input */
    "        in r6, 0x00\n        show r6\n"   /* data: -1 */
    "        in r6, 0x33\n        show r6\n"   /* no such port */
    "        mfc r6, paging\n     show r6\n"
    "        nl\n"
    "        li r7, 42\n"
    "        halt r7\n"
    "handler: halt zero\n";

START_TEST(emulates_every_privileged_instruction) {
  run_result n, t;
  both(emul_src, false, &n, &t);
  ck_assert_str_eq(n.out.text,
                   "00001234 00000000 00000077 00000037 00000077 00000077 000001f2 00000000 00000002 "
                   "ffffffff ffffffff 00000000 \n");
  ck_assert_uint_eq(t.halt_code, 42);
  ck_assert_uint_eq(t.n.emulated[OP_MTC], 8);
  ck_assert_uint_eq(t.n.emulated[OP_CLI], 2);
  ck_assert_uint_eq(t.n.emulated[OP_STI], 1);
  ck_assert_uint_eq(t.n.emulated[OP_TLBI], 1);
  ck_assert_uint_eq(t.n.emulated[OP_TLBFLUSH], 1);
  ck_assert_uint_eq(t.n.emulated[OP_IN], 3);
  ck_assert_uint_eq(t.n.emulated[OP_HALT], 1);
  ck_assert_uint_eq(t.n.emulated[OP_MFC], 9);
  ck_assert_uint_gt(t.n.emulated[OP_OUT], 100); /* puthex prints through out */
  ck_assert_uint_eq(t.n.shadow_syncs, 2);
}
END_TEST

/* ---- every reflection path: the guest's handler prints what it sees ---- */
#define PAGING_SETUP                                                          \
  /* identity-map 0..256K for the kernel (U=0), one user code page at   */   \
  /* 0x400000 -> 0x20000, a read-only user page at 0x401000 -> 0x21000  */   \
  "        li r5, 0x30000\n" /* page table */                                 \
  "        li r6, 0x19\n"    /* V|A|D, kernel, read-only until W below */     \
  "        ori r6, r6, 2\n"                                                   \
  "        li r7, 64\n"                                                       \
  "1:      sw r6, 0(r5)\n"                                                    \
  "        addi r5, r5, 4\n"                                                  \
  "        li r8, 4096\n"                                                     \
  "        add r6, r6, r8\n"                                                  \
  "        addi r7, r7, -1\n"                                                 \
  "        cmpi r7, 0\n"                                                      \
  "        bne 1b\n"                                                          \
  "        li r5, 0x31000\n" /* user page table */                            \
  "        li r6, 0x2001f\n" /* V|W|U|A|D */                                  \
  "        sw r6, 0(r5)\n"                                                    \
  "        li r6, 0x2101d\n" /* V|U|A|D, read-only */                         \
  "        sw r6, 4(r5)\n"                                                    \
  "        li r5, 0x32000\n" /* directory */                                  \
  "        li r6, 0x30001\n"                                                  \
  "        sw r6, 0(r5)\n"                                                    \
  "        li r6, 0x31001\n"                                                  \
  "        sw r6, 4(r5)\n"  /* 0x400000 is directory entry 1 */               \
  "        mtc ptb, r5\n"                                                     \
  "        li r5, 1\n"                                                        \
  "        mtc paging, r5\n"

static const char *reflect_src = GUEST_PRELUDE
    "main:   la r5, handler\n"
    "        mtc tvec, r5\n"
    "        li sp, 0x3f000\n"
    "        brk\n"
    "        syscall\n"
    "        .word 0\n"                 /* illegal */
    "        div r5, r5, zero\n"
    "        li r5, 0x2002\n"
    "        lw r6, 0(r5)\n"             /* misaligned */
    "        li r5, 0x40000\n"
    "        lw r6, 0(r5)\n"             /* paging off, beyond memory */
    PAGING_SETUP
    /* copy the user program to 0x20000 and go to user mode there */
    "        la r5, user\n"
    "        li r6, 0x20000\n"
    "        li r7, 64\n"
    "2:      lw r8, 0(r5)\n"
    "        sw r8, 0(r6)\n"
    "        addi r5, r5, 4\n"
    "        addi r6, r6, 4\n"
    "        addi r7, r7, -1\n"
    "        cmpi r7, 0\n"
    "        bne 2b\n"
    "        li r5, 0x400000\n"
    "        mtc epc, r5\n"
    "        li r5, 0x14\n"              /* user mode, IE on, Z... */
    "        mtc estatus, r5\n"
    "        iret\n"
    /* the user program: position-independent, 0x400000 */
    "user:   li sp, 0x400ff0\n"          /* the top of the user page */
    "        cli\n"                      /* privileged in user mode */
    "        li r1, 7\n"
    "        syscall\n"
    "        li r5, 0x1000\n"
    "        lw r6, 0(r5)\n"             /* kernel page */
    "        li r5, 0x401000\n"
    "        lw r6, 0(r5)\n"             /* read-only page: reading is fine */
    "        sw r6, 0(r5)\n"             /* writing is not */
    "        li r5, 0x1000\n"
    "        callr r5\n"                 /* executing a kernel page */
    "        brk\n"
    "        pushf\n"                    /* special: no trap in user mode */
    "        lw r1, 0(sp)\n"
    "        addi sp, sp, 4\n"
    "        syscall\n"                  /* r1 = the flags pushf saw */
    "        li r1, 99\n"
    "        syscall\n"
    /* the handler: cause epc badva estatus; then resume */
    "handler: mov r13, lr\n"           /* the caller, for a fetch fault */
    "        mov r11, r1\n"             /* the system-call number */
    "        mfc r9, cause\n"
    "        show r9\n"
    "        mfc r10, epc\n"
    "        show r10\n"
    "        mfc r10, badva\n"
    "        show r10\n"
    "        mfc r10, estatus\n"
    "        show r10\n"
    "        nl\n"
    "        mfc r10, epc\n"
    "        cmpi r9, 6\n"               /* syscall: epc already next */
    "        bne 4f\n"
    "        cmpi r11, 99\n"
    "        bne 5f\n"
    "        halt zero\n"
    "4:      cmpi r9, 7\n"               /* break: epc already next */
    "        beq 5f\n"
    "        cmpi r9, 2\n"               /* fetch fault: back to the caller */
    "        bne 6f\n"
    "        mov r10, r13\n"
    "        jmp 5f\n"
    "6:      addi r10, r10, 4\n"         /* other faults: skip the instruction */
    "5:      mtc epc, r10\n"
    "        iret\n";

START_TEST(reflects_every_trap_with_native_state) {
  run_result n, t;
  both(reflect_src, false, &n, &t);
  /* cause, epc, badva, estatus, as the guest saw them */
  const char *expect =
      "00000007 00001058 00000000 00000020 \n"    /* brk */
      "00000006 0000105c 00000000 00000020 \n"    /* syscall */
      "00000000 0000105c 00000000 00000020 \n"    /* illegal: word 0 */
      "00000008 00001060 00000000 00000020 \n"    /* div by zero */
      "00000005 00001068 00002002 00000020 \n"    /* misaligned */
      "00000003 00001074 00040000 00000020 \n"    /* beyond memory */
      "00000001 00400008 62000000 00000014 \n"    /* user: cli */
      "00000006 00400014 00000000 00000014 \n"    /* user: syscall */
      "00000003 00400018 00001000 00000014 \n"    /* user: load of a kernel page */
      "00000004 00400028 00401000 00000014 \n"    /* user: store to a read-only page */
      "00000002 00001000 00001000 00000014 \n"    /* user: jump into a kernel page */
      "00000007 00400038 00000000 00000014 \n"    /* user: brk */
      "00000006 00400048 00000000 00000014 \n"    /* user: syscall after pushf */
      "00000006 00400050 00000000 00000014 \n";   /* user: exit */
  ck_assert_str_eq(n.out.text, expect);
  ck_assert_uint_eq(t.n.reflected[CAUSE_PRIV], 1);
  ck_assert_uint_eq(t.n.reflected[CAUSE_SYSCALL], 4);
  ck_assert_uint_eq(t.n.reflected[CAUSE_BREAK], 2);
  ck_assert_uint_eq(t.n.reflected[CAUSE_ILLEGAL], 1);
  ck_assert_uint_eq(t.n.reflected[CAUSE_DIVZERO], 1);
  ck_assert_uint_eq(t.n.reflected[CAUSE_MISALIGN], 1);
  ck_assert_uint_eq(t.n.reflected[CAUSE_PF_LOAD], 2);
  ck_assert_uint_eq(t.n.reflected[CAUSE_PF_STORE], 1);
  ck_assert_uint_eq(t.n.reflected[CAUSE_PF_FETCH], 1);
  ck_assert_uint_eq(t.n.guest_page_faults, 4);
  ck_assert_uint_gt(t.n.shadow_fills, 3); /* hidden faults the guest never saw */
}
END_TEST

/* ---- shadow paging: edits with and without invalidation ---- */
static const char *ptedit_src = GUEST_PRELUDE
    "main:   la r5, handler\n"
    "        mtc tvec, r5\n"
    PAGING_SETUP
    "        li r5, 0x20000\n"
    "        li r6, 0x41\n"              /* 'A' in frame 0x20000 */
    "        sw r6, 0(r5)\n"
    "        li r5, 0x21000\n"
    "        li r6, 0x42\n"              /* 'B' in frame 0x21000 */
    "        sw r6, 0(r5)\n"
    "        li r11, 0x400000\n"
    "        lw r6, 0(r11)\n        out 0x00, r6\n"   /* A */
    "        li r5, 0x31000\n"
    "        li r6, 0x2101f\n"           /* remap 0x400000 to frame B */
    "        sw r6, 0(r5)\n"
    "        lw r6, 0(r11)\n        out 0x00, r6\n"   /* still A: stale until tlbi */
    "        tlbi r11\n"
    "        lw r6, 0(r11)\n        out 0x00, r6\n"   /* B */
    "        li r6, 0x2100f\n"           /* clean and writable: write sets D */
    "        sw r6, 0(r5)\n"
    "        tlbi r11\n"
    "        lw r6, 0(r5)\n        show r6\n"
    "        sw r6, 4(r11)\n"
    "        lw r6, 0(r5)\n        show r6\n"          /* D now set */
    "        li r6, 0\n"                 /* unmap: a guest-visible fault */
    "        sw r6, 0(r5)\n"
    "        tlbflush\n"
    "        lw r6, 0(r11)\n"
    "        nl\n"
    "        halt zero\n"
    "handler: mfc r9, cause\n        show r9\n"
    "        mfc r9, badva\n         show r9\n"
    "        mfc r10, epc\n"
    "        addi r10, r10, 4\n"
    "        mtc epc, r10\n"
    "        iret\n";

START_TEST(shadow_follows_guest_invalidation) {
  run_result n, t;
  both(ptedit_src, false, &n, &t);
  ck_assert_str_eq(n.out.text, "AAB0002100f 0002101f 00000003 00400000 \n");
  ck_assert_uint_eq(t.n.guest_page_faults, 1);
  ck_assert_uint_eq(t.n.shadow_syncs, 5); /* ptb, paging, tlbi, tlbi, tlbflush */
}
END_TEST

/* ---- address spaces kept across switches (tests/guests/spaces.s checks
 * what the guest sees; this checks what the monitor saves) ---- */
#define SECOND_SPACE                                                          \
  /* directory 0x34000: the kernel's table, and 0x400000 -> 0x21000 */      \
  "        li r5, 0x33000\n"                                                 \
  "        li r6, 0x2101f\n"                                                 \
  "        sw r6, 0(r5)\n"                                                   \
  "        li r5, 0x34000\n"                                                 \
  "        li r6, 0x30001\n"                                                 \
  "        sw r6, 0(r5)\n"                                                   \
  "        li r6, 0x33001\n"                                                 \
  "        sw r6, 4(r5)\n"

static const char *pingpong_src = GUEST_PRELUDE
    "main:   la r5, handler\n"
    "        mtc tvec, r5\n"
    PAGING_SETUP
    SECOND_SPACE
    "        li r11, 0x400000\n"
    "        li r12, 0x32000\n"
    "        li r13, 0x34000\n"
    "        li r7, 50\n"
    "1:      mtc ptb, r12\n"
    "        lw r6, 0(r11)\n"
    "        mtc ptb, r13\n"
    "        lw r6, 0(r11)\n"
    "        addi r7, r7, -1\n"
    "        cmpi r7, 0\n"
    "        bne 1b\n"
    "        halt zero\n"
    "handler: halt r9\n";

START_TEST(shadow_kept_across_switches) {
  run_result n, t;
  both(pingpong_src, false, &n, &t);
  ck_assert_uint_eq(t.halt_code, 0);
  ck_assert_uint_eq(t.n.shadow_syncs, 102); /* ptb, paging on, 100 switches */
  ck_assert_uint_eq(t.n.shadow_reuses, 98); /* all but the first two */
  /* a handful for each space, once: not two for each of the 100 switches */
  ck_assert_uint_lt(t.n.shadow_fills, 20);
}
END_TEST

/* A space that filled more entries than the monitor logs cannot be checked
 * on the way back: it is rebuilt instead, and still right. */
static const char *bigspace_src = GUEST_PRELUDE
    "main:   la r5, handler\n"
    "        mtc tvec, r5\n"
    PAGING_SETUP
    SECOND_SPACE
    /* 300 pages at 0x400000.. in the first space, all frame 0x20000 */
    "        li r5, 0x31000\n"
    "        li r6, 0x2001f\n"
    "        li r7, 300\n"
    "1:      sw r6, 0(r5)\n"
    "        addi r5, r5, 4\n"
    "        addi r7, r7, -1\n"
    "        cmpi r7, 0\n"
    "        bne 1b\n"
    "        li r12, 0x32000\n"
    "        li r13, 0x34000\n"
    "        li r8, 2\n"            /* twice: full log, away, back */
    "2:      mtc ptb, r12\n"
    "        li r11, 0x400000\n"
    "        li r7, 300\n"
    "        li r10, 0\n"
    "3:      lw r6, 0(r11)\n"
    "        add r10, r10, r6\n"
    "        li r6, 4096\n"
    "        add r11, r11, r6\n"
    "        addi r7, r7, -1\n"
    "        cmpi r7, 0\n"
    "        bne 3b\n"
    "        show r10\n"
    "        mtc ptb, r13\n"
    "        li r11, 0x400000\n"
    "        lw r6, 0(r11)\n"
    "        show r6\n"
    "        addi r8, r8, -1\n"
    "        cmpi r8, 0\n"
    "        bne 2b\n"
    "        nl\n"
    "        halt zero\n"
    "handler: halt r9\n";

START_TEST(shadow_too_big_to_keep_is_rebuilt) {
  run_result n, t;
  both(bigspace_src, false, &n, &t);
  ck_assert_uint_eq(t.halt_code, 0);
  ck_assert_str_eq(n.out.text, "00000000 00000000 00000000 00000000 \n");
  ck_assert_uint_eq(t.n.shadow_reuses, 1); /* only the small second space */
  ck_assert_uint_gt(t.n.shadow_fills, 600); /* the big one, filled twice */
}
END_TEST

/* ---- protection between virtual modes: kernel touched a page, user
 * still cannot ---- */
static const char *modes_src = GUEST_PRELUDE
    "main:   la r5, handler\n"
    "        mtc tvec, r5\n"
    PAGING_SETUP
    "        li r5, 0x2000\n"
    "        lw r6, 0(r5)\n"             /* the kernel root now maps 0x2000 */
    "        la r5, user\n"
    "        li r6, 0x20000\n"
    "        lw r7, 0(r5)\n        sw r7, 0(r6)\n"
    "        lw r7, 4(r5)\n        sw r7, 4(r6)\n"
    "        lw r7, 8(r5)\n        sw r7, 8(r6)\n"
    "        li r5, 0x400000\n"
    "        mtc epc, r5\n"
    "        mtc estatus, zero\n"
    "        iret\n"
    "user:   li r5, 0x2000\n"
    "        lw r6, 0(r5)\n"
    "        halt zero\n"                /* never: faults above, priv here */
    "handler: mfc r9, cause\n        show r9\n"
    "        mfc r9, badva\n         show r9\n"
    "        nl\n"
    "        halt zero\n";

START_TEST(user_mode_cannot_reach_kernel_pages) {
  run_result n, t;
  both(modes_src, false, &n, &t);
  ck_assert_str_eq(n.out.text, "00000003 00002000 \n");
}
END_TEST

/* ---- user code with its interrupts off: pushf in user mode shows them ----
 * On the real ISA a monitor runs virtual user mode directly, where pushf is
 * not privileged: the real flags it pushes must be the ones the guest
 * believes, IE off included (natively user mode may run with IE off). */
static const char *user_ie_src = GUEST_PRELUDE
    "main:   la r5, handler\n"
    "        mtc tvec, r5\n"
    "        la r5, user\n"
    "        mtc epc, r5\n"
    "        li r5, 0\n"                 /* user mode, interrupts off */
    "        mtc estatus, r5\n"
    "        iret\n"
    "user:   li sp, 0x3f000\n"
    "        pushf\n"
    "        lw r9, 0(sp)\n"
    "        syscall\n"
    "handler: show r9\n"
    "        mfc r1, estatus\n"
    "        show r1\n"
    "        nl\n"
    "        halt zero\n";

START_TEST(user_pushf_shows_the_virtual_ie) {
  run_result n, t;
  both(user_ie_src, false, &n, &t); /* trap, hw, hw-shadow */
  ck_assert_str_eq(n.out.text, "00000000 00000000 \n");
  run_src(user_ie_src, "bt", false, &t);
  same_run(&n, &t);
}
END_TEST

/* ---- isolation: map every page number the guest can name and write
 * everywhere; nothing outside its memory may change.  (It leaves its own
 * code and page tables alone: rewriting live tables without invalidating
 * them is undefined on this ISA, natively too.) ---- */
static const char *attack_src = GUEST_PRELUDE
    "main:   la r5, handler\n"
    "        mtc tvec, r5\n"
    "        li r12, 0\n"                /* faults seen */
    /* paging off: write every page from 0x38000 up to 4 MiB */
    "        li r5, 0x38000\n"
    "1:      li r6, 0x5a5a5a5a\n"
    "        sw r6, 0(r5)\n"
    "        li r7, 4096\n"
    "        add r5, r5, r7\n"
    "        li r7, 0x400000\n"
    "        cmp r5, r7\n"
    "        bltu 1b\n"
    /* a page table mapping 0x400000.. to physical pages 0..1023 (4 MiB),
     * and one whose entries point at huge page numbers */
    "        li r5, 0x30000\n"
    "        li r6, 0x1f\n"
    "        li r7, 1024\n"
    "2:      sw r6, 0(r5)\n"
    "        addi r5, r5, 4\n"
    "        li r8, 4096\n"
    "        add r6, r6, r8\n"
    "        addi r7, r7, -1\n"
    "        cmpi r7, 0\n"
    "        bne 2b\n"
    "        li r5, 0x31000\n"
    "        li r6, 0xfff0001f\n"
    "        li r7, 1024\n"
    "3:      sw r6, 0(r5)\n"
    "        addi r5, r5, 4\n"
    "        li r8, 0x100000\n"
    "        sub r6, r6, r8\n"
    "        addi r7, r7, -1\n"
    "        cmpi r7, 0\n"
    "        bne 3b\n"
    "        li r5, 0x32000\n"
    "        li r6, 0x30001\n"
    "        sw r6, 0(r5)\n"             /* 0..4M: identity, kernel runs on */
    "        sw r6, 4(r5)\n"             /* 4M..8M: the same table again */
    "        li r6, 0x31001\n"
    "        sw r6, 8(r5)\n"             /* 8M..12M: wild page numbers */
    "        li r6, 0xfffff001\n"
    "        sw r6, 12(r5)\n"            /* 12M..16M: a table beyond memory */
    "        mtc ptb, r5\n"
    "        li r5, 1\n"
    "        mtc paging, r5\n"
    "        li r5, 0x438000\n"          /* through 4M..8M from page 0x38 on */
    "4:      li r6, 0xdeadbeef\n"
    "        sw r6, 0(r5)\n"
    "        sw r6, 4092(r5)\n"
    "        li r7, 4096\n"
    "        add r5, r5, r7\n"
    "        li r7, 0x1000000\n"
    "        cmp r5, r7\n"
    "        bltu 4b\n"
    "        show r12\n"
    "        nl\n"
    "        halt zero\n"
    "handler: addi r12, r12, 1\n"      /* count and skip */
    "        mfc r10, epc\n"
    "        addi r10, r10, 4\n"
    "        mtc epc, r10\n"
    "        iret\n";

START_TEST(guest_cannot_write_outside_its_memory) {
  run_result n, t;
  both(attack_src, false, &n, &t);
  ck_assert_uint_eq(t.halt_code, 0);
  ck_assert_uint_gt(t.n.guest_page_faults, 1000);
  /* both() checked: canaries below and above untouched, every shadow entry
   * inside the guest; and the guest saw the same faults as natively. */
  ck_assert_str_eq(n.out.text, t.out.text);
}
END_TEST

/* ---- virtual time: timer interrupts land at the same instruction ---- */
static const char *timer_src = GUEST_PRELUDE
    "main:   la r5, handler\n"
    "        mtc tvec, r5\n"
    "        li sp, 0x3f000\n"
    "        li r12, 0\n"
    "        li r5, 137\n"
    "        mtc timer, r5\n"
    "        sti\n"
    "        li r7, 3000\n"
    "1:      addi r7, r7, -1\n"
    "        mul r8, r7, r7\n"
    "        cmpi r7, 0\n"
    "        bne 1b\n"
    "        cli\n"
    "        show r12\n"
    "        nl\n"
    "        halt zero\n"
    "handler: addi r12, r12, 1\n"
    "        mfc r10, epc\n"
    "        push r1\n        push r2\n        push r3\n        push lr\n"
    "        show r10\n"
    "        pop lr\n         pop r3\n         pop r2\n         pop r1\n"
    "        iret\n";

START_TEST(timer_interrupts_land_on_the_same_instruction) {
  run_result n, t;
  both(timer_src, false, &n, &t);
  ck_assert_uint_gt(t.n.reflected[CAUSE_TIMER], 20);
}
END_TEST

/* ---- the popf problem, and the strict ISA that fixes it ---- */
static const char *mode_check_src = GUEST_PRELUDE
    "main:   li sp, 0x3f000\n"
    "        pushf\n"
    "        pop r5\n"
    "        andi r5, r5, 0x20\n"        /* KM */
    "        show r5\n"
    "        cli\n"
    "        li r6, 0x10\n"              /* popf wanting IE on */
    "        push r6\n"
    "        popf\n"
    "        pushf\n"
    "        pop r5\n"
    "        andi r5, r5, 0x10\n"        /* did IE come on? */
    "        show r5\n"
    "        nl\n"
    "        halt zero\n";

START_TEST(pushf_popf_break_trap_and_emulate) {
  run_result n, t;
  run_src(mode_check_src, "native", false, &n);
  run_src(mode_check_src, "trap", false, &t);
  ck_assert_str_eq(n.out.text, "00000020 00000010 \n"); /* kernel, IE on */
  /* Under the monitor, the real CPU is in user mode: pushf says so, and
   * popf's IE change is silently dropped (the real IE stays the one the
   * monitor loaded, the virtual IE, off since cli: pushf shows it off where
   * natively it is on). */
  ck_assert_str_eq(t.out.text, "00000000 00000000 \n");
  ck_assert_uint_eq(t.n.emulated[OP_PUSHF] + t.n.emulated[OP_POPF], 0);
}
END_TEST

START_TEST(strict_isa_restores_equivalence) {
  run_result n, t;
  both(mode_check_src, true, &n, &t);
  ck_assert_str_eq(t.out.text, "00000020 00000010 \n");
  ck_assert_uint_eq(t.n.emulated[OP_PUSHF], 2);
  ck_assert_uint_eq(t.n.emulated[OP_POPF], 1);
}
END_TEST

/* ---- the classifier agrees with the table's declared classes ---- */
START_TEST(classifier_agrees_with_table) {
  char why[256];
  for (int strict = 0; strict < 2; strict++)
    for (int op = 0; op < 256; op++)
      if (isa_table[op].name) ck_assert_msg(classify_agrees(strict, &isa_table[op], why, sizeof why), "%s", why);
  /* ... and would say so if the table were wrong */
  isa_info wrong = isa_table[OP_PUSHF];
  wrong.cls = CLASS_ORD;
  ck_assert(!classify_agrees(false, &wrong, why, sizeof why));
  wrong = isa_table[OP_ADD];
  wrong.cls = CLASS_PRIV;
  ck_assert(!classify_agrees(false, &wrong, why, sizeof why));
  wrong = isa_table[OP_SYSCALL];
  wrong.cls = CLASS_ORD;
  ck_assert(!classify_agrees(true, &wrong, why, sizeof why));
}
END_TEST

/* Each class as Popek and Goldberg define it, measured. */
START_TEST(classifier_measures_each_class) {
  pg_class v;
  /* popf: what it does depends on the mode (IE changes only in kernel
   * mode), and in kernel mode it changes IE: mode- and control-sensitive;
   * in user mode it changes nothing the monitor owns. */
  classify_insn(&isa_table[OP_POPF], false, &v);
  ck_assert(!v.privileged && v.sensitive);
  ck_assert_int_eq(v.mode, PG_YES);
  ck_assert_uint_eq(v.control, PG_IE);
  ck_assert(!v.user_sensitive);
  /* pushf: mode-sensitive, and its result shows IE, in user mode too */
  classify_insn(&isa_table[OP_PUSHF], false, &v);
  ck_assert(!v.privileged && v.sensitive && v.user_sensitive);
  ck_assert_int_eq(v.mode, PG_YES);
  ck_assert_uint_eq(v.control, 0);
  ck_assert_uint_eq(v.user, PG_IE);
  /* strict: both trap in user mode and not in kernel mode */
  classify_insn(&isa_table[OP_PUSHF], true, &v);
  ck_assert(v.privileged && !v.user_sensitive);
  ck_assert_int_eq(v.user_cause, CAUSE_PRIV);
  ck_assert_int_eq(v.kernel_cause, -1);
  /* mfc ptb reads a real address: location-sensitive */
  classify_insn(&isa_table[OP_MFC], false, &v);
  ck_assert(v.privileged);
  ck_assert_int_eq(v.location, PG_YES);
  ck_assert_int_eq(v.mode, PG_NA); /* traps in user mode: no pair to compare */
  /* the memory map and the mode */
  classify_insn(&isa_table[OP_TLBI], false, &v);
  ck_assert_uint_eq(v.control, PG_MAP);
  classify_insn(&isa_table[OP_IRET], false, &v);
  ck_assert(v.control & PG_MODE);
  /* syscall traps in both modes: not privileged, innocuous */
  classify_insn(&isa_table[OP_SYSCALL], false, &v);
  ck_assert(!v.privileged && !v.sensitive);
  ck_assert_int_eq(v.user_cause, CAUSE_SYSCALL);
  ck_assert_int_eq(v.kernel_cause, CAUSE_SYSCALL);
  /* an ordinary instruction runs alike from every state */
  classify_insn(&isa_table[OP_LW], false, &v);
  ck_assert(!v.privileged && !v.sensitive && !v.user_sensitive);
  ck_assert_int_eq(v.mode, PG_NO);
  ck_assert_int_eq(v.location, PG_NO);
}
END_TEST

/* Both theorems' verdicts, for both ISAs, as --classify prints them. */
START_TEST(classifier_theorem_verdicts) {
  char buf[16384];
  FILE *f = tmpfile();
  ck_assert_int_eq(classify_main(f, false), 2);
  rewind(f);
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  buf[n] = 0;
  ck_assert_ptr_nonnull(strstr(buf, "Theorem 1: a VMM can be built if every sensitive instruction is privileged.\n"
                                    "  not met: pushf popf are sensitive and not privileged"));
  ck_assert_ptr_nonnull(strstr(buf, "  not met: pushf is user-sensitive and not privileged"));
  ck_assert_ptr_nonnull(strstr(buf, "\nuser-sensitive: pushf\n"));
  fclose(f);
  f = tmpfile();
  ck_assert_int_eq(classify_main(f, true), 0);
  rewind(f);
  n = fread(buf, 1, sizeof buf - 1, f);
  buf[n] = 0;
  ck_assert_ptr_null(strstr(buf, "not met:"));
  ck_assert_ptr_nonnull(strstr(buf, "\nuser-sensitive: none\n"));
  fclose(f);
}
END_TEST

/* ---- the invariants the comments state are checked in this build ---- */

/* A run that overshoots the virtual timer breaks vm_tick's invariant: in
 * the test build that is a panic (SIGABRT), not a wrapped counter. */
START_TEST(invariants_are_checked) {
  vm m;
  memset(&m, 0, sizeof m);
  m.v.cr[CR_TIMER] = 10;
  m.v.timer_left = 3;
  vm_tick(&m, 4);
}
END_TEST

/* The optimized build compiles them out (their messages are not in
 * bin/vmm), the test build keeps them (they are in the runner the guest
 * suites use). */
static bool binary_holds(const char *path, const char *text) {
  size_t len;
  char *b = gr_slurp(path, &len);
  ck_assert_msg(b != NULL, "%s is missing (make builds it)", path);
  size_t n = strlen(text);
  bool found = false;
  for (size_t i = 0; i + n <= len && !found; i++) found = memcmp(b + i, text, n) == 0;
  free(b);
  return found;
}

START_TEST(invariants_only_in_the_test_build) {
  ck_assert_msg(!binary_holds("bin/vmm", "invariant: vm_tick"), "bin/vmm (-O2) checks invariants");
  ck_assert_msg(binary_holds(GR_VMM, "invariant: vm_tick"), "%s (the test build) does not check invariants", GR_VMM);
}
END_TEST

Suite *monitor_suite(void) {
  Suite *s = suite_create("monitor");
  TCase *tc = tcase_create("emulate");
  tcase_add_test(tc, emulates_every_privileged_instruction);
  suite_add_tcase(s, tc);
  tc = tcase_create("reflect");
  tcase_add_test(tc, reflects_every_trap_with_native_state);
  suite_add_tcase(s, tc);
  tc = tcase_create("invariants");
  tcase_add_test_raise_signal(tc, invariants_are_checked, SIGABRT);
  tcase_add_test(tc, invariants_only_in_the_test_build);
  suite_add_tcase(s, tc);
  tc = tcase_create("shadow");
  tcase_add_test(tc, shadow_follows_guest_invalidation);
  tcase_add_test(tc, shadow_kept_across_switches);
  tcase_add_test(tc, shadow_too_big_to_keep_is_rebuilt);
  tcase_add_test(tc, user_mode_cannot_reach_kernel_pages);
  tcase_add_test(tc, user_pushf_shows_the_virtual_ie);
  suite_add_tcase(s, tc);
  tc = tcase_create("isolation");
  tcase_add_test(tc, guest_cannot_write_outside_its_memory);
  suite_add_tcase(s, tc);
  tc = tcase_create("time");
  tcase_add_test(tc, timer_interrupts_land_on_the_same_instruction);
  suite_add_tcase(s, tc);
  tc = tcase_create("popf");
  tcase_add_test(tc, pushf_popf_break_trap_and_emulate);
  tcase_add_test(tc, strict_isa_restores_equivalence);
  suite_add_tcase(s, tc);
  tc = tcase_create("classify");
  tcase_add_test(tc, classifier_agrees_with_table);
  tcase_add_test(tc, classifier_measures_each_class);
  tcase_add_test(tc, classifier_theorem_verdicts);
  suite_add_tcase(s, tc);
  return s;
}
