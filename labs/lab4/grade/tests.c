/* lab 4's graded tests: shadow page tables, vmm/core/shadow.c.  Small guests
 * turn paging on and edit their tables; each runs under the submission's
 * `bin/vmm --mode trap` in the sandbox and under the reference's, and the
 * console (what the guest read, its faults' cause and address, bb_done's
 * registers), the exit status and every counter (hidden faults, reflected
 * faults, shadow syncs, world switches, TLB misses) must be the same.  The
 * guests also try the edges of their memory: a guest that reaches a byte
 * outside it reads or writes what the reference's guest could not. */
#include "guests.h"

GRADE_TEST(paging_on) {
  bb_guest g_;
  bb_asm(&g_, "%s", PRELUDE
           "main:   la r5, handler\n        mtc tvec, r5\n" PAGING_SETUP
           "        li r5, 0x10000\n        li r6, 0\n        li r7, 0\n"
           "2:      sw r7, 0(r5)\n        lw r8, 0(r5)\n        add r6, r6, r8\n"
           "        addi r5, r5, 1024\n   addi r7, r7, 3\n      cmpi r7, 300\n        blt 2b\n"
           "        show r6\n        nl\n        jmp bb_done\n" SKIP_HANDLER);
  bb_check(&g_, "--mode trap");
  bb_free(&g_);
}

GRADE_TEST(guest_page_faults) {
  bb_guest g_;
  bb_asm(&g_, "%s", PRELUDE
           "main:   la r5, handler\n        mtc tvec, r5\n" PAGING_SETUP
           "        li r5, 0x31000\n        li r6, 0x5000001d\n   sw r6, 8(r5)\n" /* 0x402000: beyond memory */
           "        li r5, 0x800000\n       lw r6, 0(r5)\n"        /* no directory entry */
           "        li r5, 0x403000\n       lw r6, 0(r5)\n"        /* no table entry */
           "        li r5, 0x401000\n       lw r6, 0(r5)\n"        /* read-only: reading is fine */
           "        sw r6, 0(r5)\n"                                /* writing is not */
           "        li r5, 0x402000\n       lw r6, 0(r5)\n"        /* a page past memory */
           "        li r5, 0x40000\n        sw r6, 0(r5)\n"        /* past the identity map */
           "        nl\n        jmp bb_done\n" SKIP_HANDLER);
  bb_check(&g_, "--mode trap");
  bb_free(&g_);
}

GRADE_TEST(accessed_dirty) {
  /* 0x400000 -> 0x20000 writable but neither accessed nor dirty. */
  bb_guest g_;
  bb_asm(&g_, "%s", PRELUDE
           "main:   la r5, handler\n        mtc tvec, r5\n" PAGING_SETUP
           "        li r5, 0x31000\n        li r6, 0x20007\n      sw r6, 0(r5)\n"
           "        li r11, 0x400000\n      tlbi r11\n"
           "        lw r6, 0(r5)\n          show r6\n"             /* untouched */
           "        lw r7, 8(r11)\n         lw r6, 0(r5)\n        show r6\n" /* read: A */
           "        lw r7, 16(r11)\n        lw r6, 0(r5)\n        show r6\n" /* still no D */
           "        sw r7, 12(r11)\n        lw r6, 0(r5)\n        show r6\n" /* write: D */
           "        li r6, 0x2100f\n        sw r6, 4(r5)\n        li r12, 0x401000\n     tlbi r12\n"
           "        sw r7, 0(r12)\n         lw r6, 4(r5)\n        show r6\n" /* a write first: A and D */
           "        nl\n        jmp bb_done\n" SKIP_HANDLER);
  bb_check(&g_, "--mode trap");
  bb_free(&g_);
}

GRADE_TEST(invalidation) {
  bb_guest g_;
  bb_asm(&g_, "%s", PRELUDE
           "main:   la r5, handler\n        mtc tvec, r5\n" PAGING_SETUP
           "        li r5, 0x20000\n        li r6, 0x41\n        sw r6, 0(r5)\n"
           "        li r5, 0x21000\n        li r6, 0x42\n        sw r6, 0(r5)\n"
           "        li r11, 0x400000\n"
           "        lw r6, 0(r11)\n        out 0x00, r6\n"     /* A */
           "        li r5, 0x31000\n        li r6, 0x2101f\n        sw r6, 0(r5)\n"
           "        lw r6, 0(r11)\n        out 0x00, r6\n"     /* still A: stale until tlbi */
           "        tlbi r11\n"
           "        lw r6, 0(r11)\n        out 0x00, r6\n"     /* B */
           "        li r6, 0x2001f\n        sw r6, 0(r5)\n        tlbflush\n"
           "        lw r6, 0(r11)\n        out 0x00, r6\n"     /* A again */
           "        sw zero, 0(r5)\n        tlbi r11\n"
           "        lw r6, 0(r11)\n"                           /* unmapped: the guest's fault */
           "        nl\n        jmp bb_done\n" SKIP_HANDLER);
  bb_check(&g_, "--mode trap");
  bb_check(&g_, "--mode bt");
  bb_free(&g_);
  /* tlbi drops shadow entries and writes nothing else: not where a root
   * of the shadow is missing, whatever the guest keeps in its memory.
   * The guest's page 0 holds words that look like directory entries
   * (0x01010101 at any byte offset: valid, a table far past memory) and
   * its page 0x22000 numbers it sums after a few tlbi. */
  bb_asm(&g_, PRELUDE
         "main:   la r5, handler\n        mtc tvec, r5\n" PAGING_SETUP
         "        li r5, 0\n              li r6, 0x01010101\n   li r7, 1024\n"
         "1:      sw r6, 0(r5)\n          addi r5, r5, 4\n      addi r7, r7, -1\n  cmpi r7, 0\n  bne 1b\n"
         "        li r5, 0x22000\n        li r6, 0x%x\n          li r7, 1024\n"
         "1:      sw r6, 0(r5)\n          addi r5, r5, 4\n      addi r6, r6, 7\n   addi r7, r7, -1\n"
         "        cmpi r7, 0\n            bne 1b\n"
         "        li r5, 0x%x\n           tlbi r5\n             li r5, 0x%x\n       tlbi r5\n"
         "        li r5, 0x400000\n       tlbi r5\n             tlbflush\n"
         "        li r5, 0x33000\n        li r6, 0x30001\n      sw r6, 0(r5)\n"  /* a second space, then back: */
         "        mtc ptb, r5\n           nop\n                 li r5, 0x32000\n   mtc ptb, r5\n" /* a kept one */
         "        li r5, 0x%x\n           tlbi r5\n             tlbflush\n"
         "        li r5, 0x22000\n        li r6, 0\n             li r7, 1024\n"
         "1:      lw r8, 0(r5)\n          add r6, r6, r8\n      addi r5, r5, 4\n   addi r7, r7, -1\n"
         "        cmpi r7, 0\n            bne 1b\n"
         "        show r6\n        nl\n        jmp bb_done\n" SKIP_HANDLER,
         bb_rand(1, 0xffffff), bb_rand(0, 0x3f) << 12, bb_rand(0x40, 0x3ff) << 12, bb_rand(0, 0x3f) << 12);
  bb_check(&g_, "--mode trap");
  bb_check(&g_, "--mode bt");
  bb_free(&g_);
}

GRADE_TEST(user_kernel_roots) {
  bb_guest g_;
  bb_asm(&g_, "%s", PRELUDE
           "main:   la r5, handler\n        mtc tvec, r5\n" PAGING_SETUP
           "        li r5, 0x2000\n        lw r6, 0(r5)\n"    /* the kernel's view now maps 0x2000 */
           "        la r5, user\n          li r6, 0x20000\n"
           "        lw r7, 0(r5)\n         sw r7, 0(r6)\n"
           "        lw r7, 4(r5)\n         sw r7, 4(r6)\n"
           "        lw r7, 8(r5)\n         sw r7, 8(r6)\n"
           "        li r5, 0x400000\n      mtc epc, r5\n       mtc estatus, zero\n"
           "        iret\n"
           "user:   li r5, 0x2000\n        lw r6, 0(r5)\n"
           "        halt zero\n"
           "handler: mfc r9, cause\n        show r9\n"
           "        mfc r9, badva\n         show r9\n        nl\n        jmp bb_done\n");
  bb_check(&g_, "--mode trap");
  bb_free(&g_);
}

GRADE_TEST(address_spaces) {
    /* A second directory at 0x33000 maps 0x400000 to 0x21000 instead. */
  bb_guest g_;
  bb_asm(&g_, "%s", PRELUDE
           "main:   la r5, handler\n        mtc tvec, r5\n" PAGING_SETUP
           "        li r5, 0x34000\n        li r6, 0x2101f\n      sw r6, 0(r5)\n"
           "        li r5, 0x33000\n        li r6, 0x30001\n      sw r6, 0(r5)\n"
           "        li r6, 0x34001\n        sw r6, 4(r5)\n"
           "        li r5, 0x20000\n        li r6, 0x58\n         sw r6, 0(r5)\n"
           "        li r5, 0x21000\n        li r6, 0x59\n         sw r6, 0(r5)\n"
           "        li r11, 0x400000\n      li r12, 0x32000\n     li r13, 0x33000\n"
           "        li r7, 5\n"
           "2:      mtc ptb, r12\n          lw r6, 0(r11)\n       out 0x00, r6\n"
           "        mtc ptb, r13\n          lw r6, 0(r11)\n       out 0x00, r6\n"
           "        addi r7, r7, -1\n       cmpi r7, 0\n          bne 2b\n"
           "        nl\n        jmp bb_done\n" SKIP_HANDLER);
  bb_check(&g_, "--mode trap");
  bb_free(&g_);
}

/* The edges of the guest's memory (256K: frames 0 to 0x3f): its last
 * frame, its last words as a page table and as a directory, are the
 * guest's; one frame, one table or one directory past them is not, and
 * natively every access through them faults.  A monitor whose bound is
 * off by one maps the guest onto its own memory instead. */
GRADE_TEST(memory_edges) {
  bb_guest g_;
  bb_asm(&g_, PRELUDE
         "main:   la r5, handler\n        mtc tvec, r5\n" PAGING_SETUP
         "        li r5, 0x31000\n        li r6, 0x3d01f\n      sw r6, 8(r5)\n"  /* 0x402000 -> 0x3d000 */
         "        li r6, 0x3f01f\n        sw r6, 12(r5)\n"                    /* 0x403000 -> the last frame */
         "        li r6, 0x4001f\n        sw r6, 16(r5)\n"                    /* 0x404000 -> one past it */
         "        li r6, 0x%x\n           sw r6, 20(r5)\n"                    /* 0x405000 -> far past it */
         "        li r5, 0x3f000\n        li r6, 0x30001\n      sw r6, 0(r5)\n"  /* a directory in the last frame */
         "        li r6, 0x3e001\n        sw r6, 4092(r5)\n"                   /* its last word */
         "        li r5, 0x3e000\n        li r6, 0x2001f\n      sw r6, 4092(r5)\n"
         "        li r5, 0x32000\n        li r6, 0x3f001\n      sw r6, 8(r5)\n"  /* a table in the last frame */
         "        li r6, 0x40001\n        sw r6, 12(r5)\n"                    /* a table past memory */
         "        li r5, 0x20000\n        li r6, 0x%x\n         sw r6, 0(r5)\n"
         "        li r5, 0x403000\n       li r6, 0x%x\n         sw r6, 0x800(r5)\n"
         "        lw r7, 0x800(r5)\n      show r7\n"
         "        li r5, 0x3f800\n        lw r7, 0(r5)\n        show r7\n"
         "        li r5, 0x404000\n       lw r7, 0(r5)\n        show r7\n"     /* faults */
         "        li r6, 0x%x\n           sw r6, 0(r5)\n        sw r6, 0xffc(r5)\n"
         "        li r5, 0x405000\n       lw r7, 0(r5)\n        sw r6, 0(r5)\n"
         "        li r5, 0xbff000\n       lw r7, 0(r5)\n        show r7\n"     /* through the table's last word */
         "        li r5, 0xc00000\n       lw r7, 0(r5)\n        sw r6, 0(r5)\n" /* through a table past memory */
         "        li r6, 0x2001f\n        sw r6, 20(zero)\n"                  /* frame 0 looks like a table */
         "        li r5, 0x1005000\n      lw r7, 0(r5)\n        show r7\n"     /* no directory entry: faults */
         "        nl\n"
         "        li r5, 0x3f000\n        mtc ptb, r5\n"                     /* the directory in the last frame */
         "        li r5, 0xfffff000\n     lw r7, 0(r5)\n        show r7\n"     /* its last word: 0x20000 */
         "        li r5, 0x40000\n        mtc ptb, r5\n"                     /* a directory past memory */
         "        nl\n        jmp bb_done\n" SKIP_HANDLER,
         0x40000u + (bb_rand(1, 0xbf) << 12) + 0x1f, bb_rand(1, 0xffffff), bb_rand(1, 0xffffff), bb_rand(1, 0xffffff));
  bb_check(&g_, "--mode trap");
  bb_check(&g_, "--mode bt");
  bb_free(&g_);
  /* A directory far past memory: the walk must not read there. */
  bb_asm(&g_, PRELUDE
         "main:   la r5, handler\n        mtc tvec, r5\n" PAGING_SETUP
         "        li r5, 0x%x\n           mtc ptb, r5\n"
         "        nl\n        jmp bb_done\n" SKIP_HANDLER,
         bb_rand(0x100, 0xfffff) << 12);
  bb_check(&g_, "--mode trap");
  bb_free(&g_);
}

GRADE_TEST(guest_tests) {
  static const char *const name[] = {"traps", "memprot", "tlb", "pte-ad"};
  const char *inc[] = {"tests/guests", NULL};
  for (int i = 0; i < 4; i++) {
    char path[64];
    snprintf(path, sizeof path, "tests/guests/%s.s", name[i]);
    bb_guest g;
    bb_file(&g, path, inc, NULL);
    bb_check(&g, "--mode trap --max-steps 1000000");
    bb_free(&g);
  }
}

GRADE_TEST(guestos_nospecial) {
  const char *def[] = {"NOSPECIAL", NULL};
  bb_guest g;
  bb_file(&g, "guestos/guestos.s", NULL, def);
  bb_check(&g, "--mode trap --isa strict --mem 1M --max-steps 50000000");
  bb_free(&g);
}
