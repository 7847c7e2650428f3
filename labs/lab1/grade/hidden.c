/* lab 1's hidden tests (visible after the deadline; not in the handout). */
#include "lab1.h"

GRADE_TEST(count_counts) {
  l1_run r;
  l1_probe(L1_SYS_MACRO
           "user_main:\n"
           "        sys SYS_COUNT, 0, 0, 0\n"
           "        sys SYS_COUNT, 0, 0, 1\n"
           "        sys SYS_PUTC, 'x', 0, 2\n"
           "        sys SYS_COUNT, 0, 0, 3\n"
           "        sys SYS_EXIT, 0, 0, 4\n",
           &r);
  int32_t a = (int32_t)l1_word(&r, L1_RESULTS + 4), b = (int32_t)l1_word(&r, L1_RESULTS + 64 + 4),
          c = (int32_t)l1_word(&r, L1_RESULTS + 3 * 64 + 4);
  ck_assert_msg(a == 0 && b == 1 && c == 3, "SYS_COUNT returned %d, %d, %d for calls 1, 2 and 4; want 0, 1, 3", a, b, c);
  l1_free(&r);
}

GRADE_TEST(exit_status) {
  l1_run r;
  char last[200];
  l1_probe(L1_SYS_MACRO "user_main:\n        sys SYS_EXIT, 37, 0, 0\n", &r);
  grade_last_line(r.out, last, sizeof last);
  ck_assert_msg(strcmp(last, "kernel: exit 5") == 0, "exit(37): the last line is \"%s\", want \"kernel: exit 5\"", last);
  ck_assert_msg(r.exit == EXIT_HALT && r.c->halt_code == 5, "exit(37): exit %d, halt code %u; want halt 5", r.exit,
                r.c->halt_code);
  l1_free(&r);
}

GRADE_TEST(other_privileged) {
  static const char *const insn[] = {"mtc tvec, r1", "in r1, 0x01", "iret"};
  for (int i = 0; i < 3; i++) {
    char src[256], last[200];
    snprintf(src, sizeof src, "user_main:\n        li r1, 0x1234\nuser_bad:\n        %s\n        halt zero\n", insn[i]);
    l1_run r;
    l1_probe(src, &r);
    grade_last_line(r.out, last, sizeof last);
    uint32_t word, pc;
    ck_assert_msg(sscanf(last, "kernel: killed: privileged instruction 0x%x at pc 0x%x", &word, &pc) == 2,
                  "%s in user mode: the last line is \"%s\"", insn[i], last);
    ck_assert_msg(word == l1_word(&r, pc) && r.c->halt_code == 33, "%s in user mode: word 0x%08x at pc 0x%08x, halt %u",
                  insn[i], word, pc, r.c->halt_code);
    ck_assert_msg(pc == r.c->cr[CR_EPC], "%s: reported pc 0x%08x, the trap was at 0x%08x", insn[i], pc, r.c->cr[CR_EPC]);
    l1_free(&r);
  }
}
