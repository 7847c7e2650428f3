/* lab 1's graded tests: the student's guest runs on the bare CPU; then the
 * student's kernel runs our test programs as its user program. */
#include "lab1.h"

GRADE_TEST(assembles) {
  image img;
  bb_vasm("labs/lab1", "lab1.s", NULL, NULL, &img);
  image_free(&img);
}

GRADE_TEST(hello) {
  l1_run r;
  l1_student(&r);
  l1_check(&r, bb_memstr(r.out, r.len, "hello from user mode\n"), "no \"hello from user mode\" line%s", l1_why(&r));
  l1_free(&r);
}

GRADE_TEST(sum) {
  l1_run r;
  char line[200];
  l1_student(&r);
  grade_line_with(r.out, "sum of 1..100 =", line, sizeof line);
  l1_check(&r, line[0], "no \"sum of 1..100 = \" line%s", l1_why(&r));
  l1_check(&r, strcmp(line, "sum of 1..100 = 5050") == 0, "wrong line: \"%s\"", line);
  l1_free(&r);
}

GRADE_TEST(count_line) {
  l1_run r;
  char line[200];
  unsigned n;
  l1_student(&r);
  grade_line_with(r.out, "system calls so far: ", line, sizeof line);
  l1_check(&r, line[0], "no \"system calls so far: N\" line%s", l1_why(&r));
  l1_check(&r, sscanf(line, "system calls so far: %u", &n) == 1 && n > 0 && n < r.c->st.traps[CAUSE_SYSCALL],
           "\"%s\": the program had made %llu system calls in all", line, (unsigned long long)r.c->st.traps[CAUSE_SYSCALL]);
  l1_free(&r);
}

GRADE_TEST(user_mode) {
  l1_run r;
  l1_student(&r);
  l1_stopped(&r);
  l1_check(&r, r.c->st.user_insns >= 100, "only %llu instructions ran in user mode", (unsigned long long)r.c->st.user_insns);
  l1_check(&r, r.c->st.traps[CAUSE_SYSCALL] >= 3, "only %llu system calls", (unsigned long long)r.c->st.traps[CAUSE_SYSCALL]);
  for (int k = 0; k < NCAUSES; k++)
    l1_check(&r, k == CAUSE_SYSCALL || k == CAUSE_PRIV || r.c->st.traps[k] == 0, "a trap of cause %d happened", k);
  l1_free(&r);
}

GRADE_TEST(privileged_kills) {
  l1_run r;
  char last[200];
  l1_student(&r);
  l1_stopped(&r);
  grade_last_line(r.out, last, sizeof last);
  l1_check(&r, r.c->st.traps[CAUSE_PRIV] == 1, "%llu privileged-instruction traps, want 1 (the last thing the program does)",
           (unsigned long long)r.c->st.traps[CAUSE_PRIV]);
  uint32_t word, pc;
  l1_check(&r, sscanf(last, "kernel: killed: privileged instruction 0x%x at pc 0x%x", &word, &pc) == 2,
           "the last line is \"%s\", not \"kernel: killed: privileged instruction 0xWORD at pc 0xPC\"", last);
  l1_check(&r, r.exit == EXIT_HALT && r.c->halt_code == 33, "the machine ended with exit %d, halt code %u; want halt 33",
           r.exit, r.c->halt_code);
  l1_check(&r, r.len > 0 && r.out[r.len - 1] == '\n', "the kernel's last line does not end with a newline");
  uint32_t at = r.c->cr[CR_EPC];
  l1_check(&r, pc == at, "reported pc 0x%08x, but the trap was at 0x%08x", pc, at);
  l1_check(&r, word == l1_word(&r, at), "reported word 0x%08x, but the instruction there is 0x%08x", word, l1_word(&r, at));
  l1_free(&r);
}

/* The probe: nine system calls with this run's arguments (N1, N2: write
 * lengths; CH: putc's byte; BAD: a call number past the table). */
static const char probe_calls[] = L1_SYS_MACRO
    "user_main:\n"
    "        li sp, USER_STACK\n"
    "        sys SYS_WRITE, text, N1, 0\n"
    "        sys SYS_WRITE, text, 0, 1\n"       /* nothing */
    "        sys SYS_WRITE, text, NEG, 2\n"     /* a bad length */
    "        sys SYS_PUTC, CH, 0, 3\n"
    "        sys 0, 0, 0, 4\n"                  /* no such call */
    "        sys NSYSCALLS, 0, 0, 5\n"
    "        sys BAD, 0, 0, 6\n"
    "        sys -1, 0, 0, 7\n"
    "        sys SYS_WRITE, text+N1, N2, 8\n"
    "        sys SYS_EXIT, 9, 0, 9\n"
    "text:   .ascii \"abcdefghijklmnopqrstuvwxyz\"\n"
    "        .align 4\n";

typedef struct probe {
  int n1, n2, bad, neg;
  char ch;
  char src[sizeof probe_calls + 200];
} probe;

static void probe_make(probe *p) {
  p->n1 = (int)bb_rand(1, 12), p->n2 = (int)bb_rand(1, 26 - p->n1), p->bad = (int)bb_rand(5, 999);
  p->ch = (char)bb_rand('A', 'Z');
  p->neg = -(int)bb_rand(2, 5000); /* (-1 is both an error and the length: not a test of the check) */
  snprintf(p->src, sizeof p->src, "N1 = %d\nN2 = %d\nBAD = %d\nCH = %d\nNEG = %d\n%s", p->n1, p->n2, p->bad, p->ch, p->neg,
           probe_calls);
}

static int32_t slot_reg(const l1_run *r, int slot, int reg) { return (int32_t)l1_word(r, L1_RESULTS + 64 * slot + 4 * reg); }

GRADE_TEST(syscall_results) {
  l1_run r;
  probe p;
  probe_make(&p);
  l1_probe(p.src, &r);
  const struct { int slot; int32_t want; const char *call; } want[] = {
      {0, p.n1, "write(text, N1)"}, {1, 0, "write(text, 0)"}, {2, -1, "write(text, NEG)"}, {3, 0, "putc(CH)"},
      {4, -1, "system call 0"}, {5, -1, "system call NSYSCALLS"}, {6, -1, "system call BAD"},
      {7, -1, "system call -1"}, {8, p.n2, "write(text+N1, N2)"},
  };
  for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
    l1_check(&r, slot_reg(&r, want[i].slot, 1) == want[i].want, "%s returned %d, want %d (N1 = %d, N2 = %d, CH = %d, BAD = %d)",
             want[i].call, slot_reg(&r, want[i].slot, 1), want[i].want, p.n1, p.n2, p.ch, p.bad);
  char expect[64];
  const char *abc = "abcdefghijklmnopqrstuvwxyz", *boot = "kernel: starting the user program in user mode\n";
  snprintf(expect, sizeof expect, "%.*s%c%.*s", p.n1, abc, p.ch, p.n2, abc + p.n1);
  l1_check(&r, r.len >= strlen(boot) + strlen(expect) && memcmp(r.out + strlen(boot), expect, strlen(expect)) == 0,
           "the calls printed something else than \"%s\" after the boot line", expect);
  l1_free(&r);
}

GRADE_TEST(registers_preserved) {
  l1_run r;
  probe p;
  probe_make(&p);
  l1_probe(p.src, &r);
  for (int slot = 0; slot < 9; slot++)
    for (int reg = 2; reg < 16; reg++) {
      uint32_t want = l1_pat + 0x1111u * (uint32_t)reg;
      if (reg == 2) want = slot == 0 ? (uint32_t)p.n1 : slot == 2 ? (uint32_t)p.neg : slot == 8 ? (uint32_t)p.n2 : 0;
      if (reg == 7) want = (uint32_t)(slot == 0 || slot == 1 || slot == 2 || slot == 8 ? 3 : slot == 3 ? 2 : slot == 4 ? 0
                                      : slot == 5 ? 5 : slot == 6 ? p.bad : -1);
      if (reg == 14) want = 0x30000;
      uint32_t got = (uint32_t)slot_reg(&r, slot, reg);
      l1_check(&r, got == want, "after system call %d of the test program, r%d = 0x%08x, want 0x%08x", slot, reg, got, want);
    }
  l1_free(&r);
}
