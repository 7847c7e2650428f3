/* lab 1's hidden tests (visible after the deadline; not in the handout). */
#include "lab1.h"

GRADE_TEST(count_counts) {
  l1_run r;
  int k = (int)bb_rand(1, 4); /* putc calls between the second and third count */
  char src[4096];
  int n = snprintf(src, sizeof src, L1_SYS_MACRO "user_main:\n        sys SYS_COUNT, 0, 0, 0\n        sys SYS_COUNT, 0, 0, 1\n");
  for (int i = 0; i < k; i++) n += snprintf(src + n, sizeof src - (size_t)n, "        sys SYS_PUTC, 'x', 0, 2\n");
  snprintf(src + n, sizeof src - (size_t)n, "        sys SYS_COUNT, 0, 0, 3\n        sys SYS_EXIT, 0, 0, 4\n");
  l1_probe(src, &r);
  int32_t a = (int32_t)l1_word(&r, L1_RESULTS + 4), b = (int32_t)l1_word(&r, L1_RESULTS + 64 + 4),
          c = (int32_t)l1_word(&r, L1_RESULTS + 3 * 64 + 4);
  l1_check(&r, a == 0 && b == 1 && c == 2 + k, "SYS_COUNT returned %d, %d, %d for calls 1, 2 and %d; want 0, 1, %d", a, b, c,
           3 + k, 2 + k);
  l1_free(&r);
}

GRADE_TEST(exit_status) {
  l1_run r;
  char last[200], src[1024], want[64];
  unsigned st = bb_rand(1, 7) << 5 | bb_rand(0, 31) | 1; /* past 31, odd: every low bit matters */
  snprintf(src, sizeof src, L1_SYS_MACRO "user_main:\n        sys SYS_EXIT, %u, 0, 0\n", st);
  l1_probe(src, &r);
  grade_last_line(r.out, last, sizeof last);
  snprintf(want, sizeof want, "kernel: exit %u", st & 31);
  l1_check(&r, strcmp(last, want) == 0, "exit(%u): the last line is \"%s\", want \"%s\"", st, last, want);
  l1_check(&r, r.len > 0 && r.out[r.len - 1] == '\n', "exit(%u): the last line does not end with a newline", st);
  l1_check(&r, r.exit == EXIT_HALT && r.c->halt_code == (st & 31), "exit(%u): exit %d, halt code %u; want halt %u", st,
           r.exit, r.c->halt_code, st & 31);
  l1_free(&r);
}

GRADE_TEST(other_privileged) {
  static const char *const insn[] = {"mtc tvec, r1", "in r1, 0x01", "iret", "cli", "tlbflush"};
  for (int i = 0; i < 5; i++) {
    char src[256], last[200];
    snprintf(src, sizeof src, "user_main:\n        li r1, 0x%x\nuser_bad:\n        %s\n        halt zero\n", bb_rand(1, 0xffff),
             insn[i]);
    l1_run r;
    l1_probe(src, &r);
    grade_last_line(r.out, last, sizeof last);
    uint32_t word, pc;
    l1_check(&r, sscanf(last, "kernel: killed: privileged instruction 0x%x at pc 0x%x", &word, &pc) == 2,
             "%s in user mode: the last line is \"%s\"", insn[i], last);
    l1_check(&r, word == l1_word(&r, pc) && r.c->halt_code == 33, "%s in user mode: word 0x%08x at pc 0x%08x, halt %u",
             insn[i], word, pc, r.c->halt_code);
    l1_check(&r, pc == r.c->cr[CR_EPC], "%s: reported pc 0x%08x, the trap was at 0x%08x", insn[i], pc, r.c->cr[CR_EPC]);
    l1_free(&r);
  }
}
