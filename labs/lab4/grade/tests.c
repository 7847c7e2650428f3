/* lab 4's graded tests: shadow page tables, vmm/core/shadow.c.  Small guests
 * turn paging on and edit their tables; each runs natively and under
 * --mode trap and must not tell the difference (equiv.h), nor touch a byte
 * outside its memory. */
#include "guests.h"

GRADE_TEST(paging_on) {
  eq_state t;
  eq_check(PRELUDE
           "main:   la r5, handler\n        mtc tvec, r5\n" PAGING_SETUP
           "        li r5, 0x10000\n        li r6, 0\n        li r7, 0\n"
           "2:      sw r7, 0(r5)\n        lw r8, 0(r5)\n        add r6, r6, r8\n"
           "        addi r5, r5, 1024\n   addi r7, r7, 3\n      cmpi r7, 300\n        blt 2b\n"
           "        show r6\n        nl\n        halt zero\n" SKIP_HANDLER,
           "trap", false, &t);
  ck_assert_msg(t.n.shadow_fills > 10, "only %llu hidden faults filled the shadow", (unsigned long long)t.n.shadow_fills);
  ck_assert_msg(t.n.guest_page_faults == 0, "%llu page faults reached the guest; its tables allow every access",
                (unsigned long long)t.n.guest_page_faults);
}

GRADE_TEST(guest_page_faults) {
  eq_state t;
  eq_check(PRELUDE
           "main:   la r5, handler\n        mtc tvec, r5\n" PAGING_SETUP
           "        li r5, 0x31000\n        li r6, 0x5000001d\n   sw r6, 8(r5)\n" /* 0x402000: beyond memory */
           "        li r5, 0x800000\n       lw r6, 0(r5)\n"        /* no directory entry */
           "        li r5, 0x403000\n       lw r6, 0(r5)\n"        /* no table entry */
           "        li r5, 0x401000\n       lw r6, 0(r5)\n"        /* read-only: reading is fine */
           "        sw r6, 0(r5)\n"                                /* writing is not */
           "        li r5, 0x402000\n       lw r6, 0(r5)\n"        /* a page past memory */
           "        li r5, 0x40000\n        sw r6, 0(r5)\n"        /* past the identity map */
           "        nl\n        halt zero\n" SKIP_HANDLER,
           "trap", false, &t);
  ck_assert_msg(t.n.guest_page_faults == 5, "%llu page faults reached the guest, want 5",
                (unsigned long long)t.n.guest_page_faults);
}

GRADE_TEST(accessed_dirty) {
  eq_state t;
  /* 0x400000 -> 0x20000 writable but neither accessed nor dirty. */
  eq_check(PRELUDE
           "main:   la r5, handler\n        mtc tvec, r5\n" PAGING_SETUP
           "        li r5, 0x31000\n        li r6, 0x20007\n      sw r6, 0(r5)\n"
           "        li r11, 0x400000\n      tlbi r11\n"
           "        lw r6, 0(r5)\n          show r6\n"             /* untouched */
           "        lw r7, 8(r11)\n         lw r6, 0(r5)\n        show r6\n" /* read: A */
           "        lw r7, 16(r11)\n        lw r6, 0(r5)\n        show r6\n" /* still no D */
           "        sw r7, 12(r11)\n        lw r6, 0(r5)\n        show r6\n" /* write: D */
           "        li r6, 0x2100f\n        sw r6, 4(r5)\n        li r12, 0x401000\n     tlbi r12\n"
           "        sw r7, 0(r12)\n         lw r6, 4(r5)\n        show r6\n" /* a write first: A and D */
           "        nl\n        halt zero\n" SKIP_HANDLER,
           "trap", false, &t);
}

GRADE_TEST(invalidation) {
  eq_state t;
  eq_check(PRELUDE
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
           "        nl\n        halt zero\n" SKIP_HANDLER,
           "trap", false, &t);
  ck_assert_msg(strncmp(t.out, "AABA", 4) == 0, "the guest read \"%.4s\" through its edited entry, want \"AABA\"", t.out);
}

GRADE_TEST(user_kernel_roots) {
  eq_state t;
  eq_check(PRELUDE
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
           "        mfc r9, badva\n         show r9\n        nl\n        halt zero\n",
           "trap", false, &t);
}

GRADE_TEST(address_spaces) {
  eq_state t;
  /* A second directory at 0x33000 maps 0x400000 to 0x21000 instead. */
  eq_check(PRELUDE
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
           "        nl\n        halt zero\n" SKIP_HANDLER,
           "trap", false, &t);
  ck_assert_msg(strncmp(t.out, "XYXYXYXYXY", 10) == 0, "the guest read \"%.10s\", want \"XYXYXYXYXY\"", t.out);
}

GRADE_TEST(guest_tests) {
  static const char *const name[] = {"traps", "memprot", "tlb", "pte-ad"};
  const char *inc[] = {"tests/guests", NULL};
  for (int i = 0; i < 4; i++) {
    char path[64], last[200], fail[200];
    snprintf(path, sizeof path, "tests/guests/%s.s", name[i]);
    image img;
    grade_assemble(path, inc, NULL, &img);
    grade_run g;
    grade_run_image(&img, "trap", false, 0, 1000000, NULL, &g);
    image_free(&img);
    grade_last_line(g.out, last, sizeof last);
    grade_line_with(g.out, "FAIL", fail, sizeof fail);
    ck_assert_msg(g.status == 0 && strstr(last, "SUMMARY:") && strstr(last, " 0 failed"),
                  "tests/guests/%s.s under trap: status %d, %s", name[i], g.status, fail[0] ? fail : last);
    grade_run_free(&g);
  }
}

GRADE_TEST(guestos_nospecial) {
  const char *def[] = {"NOSPECIAL", NULL};
  image img;
  grade_assemble("guestos/guestos.s", NULL, def, &img);
  grade_run n, t;
  grade_run_image(&img, "native", true, 0, 50000000, NULL, &n);
  grade_run_image(&img, "trap", true, 0, 50000000, NULL, &t);
  image_free(&img);
  if (strcmp(n.out, t.out) != 0) {
    size_t i = 0;
    while (n.out[i] && n.out[i] == t.out[i]) i++;
    char want[120], got[120];
    grade_line_with(n.out + i, "", want, sizeof want);
    grade_line_with(t.out + i, "", got, sizeof got);
    ck_abort_msg("the guest OS's output differs at byte %zu: native \"%.60s\", trap \"%.60s\"", i, n.out + i, t.out + i);
  }
  ck_assert_msg(n.status == t.status, "exit status %d under trap, %d natively", t.status, n.status);
  ck_assert_msg(n.r.st.insns == t.r.st.insns, "%llu guest instructions under trap, %llu natively",
                (unsigned long long)t.r.st.insns, (unsigned long long)n.r.st.insns);
  grade_run_free(&n);
  grade_run_free(&t);
}
