/* test_trap.c: trap entry and return, the run loop's exits, the timer,
 * wfi, the console, host-owned mode (trap_to_host) and marked words. */
#include <check.h>
#include <stdlib.h>

#include "enc.h"
#include "exec.h" /* cpu_write_cr: how a host programs the timer */

/* iret restores flags and pc, into user mode; the next trap saves them. */
START_TEST(iret_to_user) {
  cpu *c = tm_new();
  TM_PROG(c, CODE, ISA_ENC_I(OP_ADDI, 1, 0, CODE + 0x100), ENC_MTC(CR_EPC, 1), ISA_ENC_I(OP_ADDI, 2, 0, FLAG_IE | FLAG_C),
          ENC_MTC(CR_ESTATUS, 2), ENC_OP0(OP_IRET));
  TM_PROG(c, CODE + 0x100, ISA_ENC_I(OP_ADDI, 5, 0, 3), ENC_OP0(OP_SYSCALL));
  c->cr[CR_SCRATCH] = 0x5c;
  TM_EXPECT_TRAP(c, CAUSE_SYSCALL, CODE + 0x108, 0);
  ck_assert_uint_eq(c->cr[CR_ESTATUS], FLAG_IE | FLAG_C);
  ck_assert_uint_eq(c->flags, FLAG_KM | FLAG_C);
  ck_assert_uint_eq(c->r[5], 3);
  ck_assert_uint_eq(c->st.insns, 8);
  ck_assert_uint_eq(c->st.user_insns, 2);
  ck_assert_uint_eq(c->st.traps[CAUSE_SYSCALL], 1);
  ck_assert_uint_eq(c->cr[CR_SCRATCH], 0x5c);
  ck_assert(c->trap.cause == CAUSE_SYSCALL && c->trap.value == 0 && c->trap.pc == CODE + 0x104);
  /* CR[estatus] holds only flag bits; iret back to kernel mode stays there. */
  tm_reset(c);
  TM_PROG(c, CODE, ISA_ENC_I(OP_ADDI, 1, 0, -1), ENC_MTC(CR_ESTATUS, 1), ENC_MFC(3, CR_ESTATUS),
          ISA_ENC_I(OP_ADDI, 1, 0, CODE + 0x100), ENC_MTC(CR_EPC, 1), ENC_OP0(OP_IRET));
  TM_PROG(c, CODE + 0x100, ENC_HALT(3));
  ck_assert_int_eq(tm_run(c, 100), EXIT_HALT);
  ck_assert_uint_eq(c->halt_code, FLAGS_ALL);
  ck_assert_uint_eq(c->flags, FLAGS_ALL);
  ck_assert_uint_eq(c->pc, CODE + 0x104);
  cpu_free(c);
}
END_TEST

/* Traps enter at CR[tvec], in kernel mode with IE off and ZNCV kept. */
START_TEST(trap_vector) {
  cpu *c = tm_new();
  TM_PROG(c, CODE, ENC_OP0(OP_BRK));
  TM_PROG(c, VEC + 0x200, ENC_MFC(3, CR_CAUSE), ENC_HALT(3));
  c->cr[CR_TVEC] = VEC + 0x200;
  tm_user(c, CODE, FLAG_IE | FLAG_N | FLAG_V);
  ck_assert_int_eq(tm_run(c, 100), EXIT_HALT);
  ck_assert_uint_eq(c->halt_code, CAUSE_BREAK);
  ck_assert_uint_eq(c->pc, VEC + 0x208);
  ck_assert_uint_eq(c->flags, FLAG_KM | FLAG_N | FLAG_V);
  ck_assert_uint_eq(c->cr[CR_ESTATUS], FLAG_IE | FLAG_N | FLAG_V);
  ck_assert_uint_eq(c->cr[CR_EPC], CODE + 4);
  cpu_free(c);
}
END_TEST

/* CR[tvec] = 0: nowhere to go.  The machine stops at the trapping
 * instruction with c->trap filled in and the CRs untouched. */
START_TEST(no_vector) {
  cpu *c = tm_new();
  TM_PROG(c, CODE, ISA_ENC_I(OP_ADDI, 1, 0, 1), ENC_OP0(OP_BRK));
  c->cr[CR_TVEC] = 0;
  tm_user(c, CODE, FLAG_IE);
  c->cr[CR_EPC] = 0xe9c;
  ck_assert_int_eq(tm_run(c, 100), EXIT_NOVECTOR);
  ck_assert(c->trap.cause == CAUSE_BREAK && c->trap.value == 0 && c->trap.pc == CODE + 4);
  ck_assert_uint_eq(c->cr[CR_EPC], 0xe9c);
  ck_assert_uint_eq(c->flags, FLAG_IE); /* still user mode */
  ck_assert_uint_eq(c->st.insns, 2);
  tm_reset(c);
  TM_PROG(c, CODE, ISA_ENC_I(OP_LW, 3, 1, 0));
  c->cr[CR_TVEC] = 0;
  c->r[1] = TM_MEM;
  ck_assert_int_eq(tm_run(c, 100), EXIT_NOVECTOR);
  ck_assert(c->trap.cause == CAUSE_PF_LOAD && c->trap.value == TM_MEM && c->trap.pc == CODE);
  ck_assert_uint_eq(c->pc, CODE);
  ck_assert_uint_eq(c->st.insns, 0);
  cpu_free(c);
}
END_TEST

/* A fault on the first instruction of the vector is a double fault; one
 * further into the handler is just another trap. */
START_TEST(double_fault) {
  cpu *c = tm_new();
  TM_PROG(c, CODE, ENC_OP0(OP_BRK));
  tm_wr32(c, VEC, 0); /* illegal */
  ck_assert_int_eq(tm_run(c, 100), EXIT_DOUBLE);
  ck_assert_uint_eq(c->st.traps[CAUSE_BREAK], 1);
  ck_assert_uint_eq(c->st.traps[CAUSE_ILLEGAL], 1);
  ck_assert_uint_eq(c->cr[CR_EPC], CODE + 4);
  ck_assert_uint_eq(c->pc, VEC);
  /* A vector outside memory: the fetch faults. */
  tm_reset(c);
  c->cr[CR_TVEC] = TM_MEM;
  ck_assert_int_eq(tm_run(c, 100), EXIT_DOUBLE);
  ck_assert_uint_eq(c->st.traps[CAUSE_PF_FETCH], 1);
  /* The handler's second instruction faults: it re-enters, every time
   * retiring its first instruction, until the budget runs out. */
  tm_reset(c);
  TM_PROG(c, VEC, ISA_ENC_I(OP_ADDI, 4, 4, 1), ISA_ENC_I(OP_LW, 3, 1, 0));
  c->r[1] = TM_MEM;
  ck_assert_int_eq(tm_run(c, 20), EXIT_BUDGET);
  ck_assert_uint_eq(c->st.insns, 20);
  ck_assert_uint_eq(c->r[4], 19);
  ck_assert_uint_eq(c->st.traps[CAUSE_PF_LOAD], 18);
  cpu_free(c);
}
END_TEST

/* halt stops with R[s]; a budget stops after exactly that many ticks;
 * a stop request stops before any. */
START_TEST(halt_budget_stop) {
  cpu *c = tm_new();
  TM_PROG(c, CODE, ISA_ENC_I(OP_ADDI, 5, 0, 42), ENC_HALT(5));
  ck_assert_int_eq(tm_run(c, 100), EXIT_HALT);
  ck_assert_uint_eq(c->halt_code, 42);
  ck_assert_uint_eq(c->pc, CODE + 8);
  ck_assert_uint_eq(c->st.insns, 2);
  /* Two kernel instructions, iret, then a user loop. */
  tm_reset(c);
  TM_PROG(c, CODE, ISA_ENC_I(OP_ADDI, 1, 0, CODE + 0x100), ENC_MTC(CR_EPC, 1), ENC_OP0(OP_IRET));
  TM_PROG(c, CODE + 0x100, ISA_ENC_I(OP_ADDI, 2, 2, 1), ISA_ENC_J(OP_JMP, -1));
  ck_assert_int_eq(tm_run(c, 10), EXIT_BUDGET);
  ck_assert_uint_eq(c->st.insns, 10);
  ck_assert_uint_eq(c->st.user_insns, 7);
  ck_assert_uint_eq(c->r[2], 4);
  ck_assert_uint_eq(c->pc, CODE + 0x104);
  ck_assert_int_eq(tm_run(c, 0), EXIT_BUDGET);
  ck_assert_uint_eq(c->st.insns, 10);
  ck_assert_int_eq(tm_run(c, 1001), EXIT_BUDGET);
  ck_assert_uint_eq(c->st.insns, 1011);
  ck_assert_uint_eq(c->st.user_insns, 1008);
  ck_assert_uint_eq(c->r[2], 504);
  ck_assert_uint_eq(c->pc, CODE + 0x100);
  c->stop_request = 1;
  ck_assert_int_eq(tm_run(c, 100), EXIT_STOP);
  ck_assert_int_eq(c->stop_request, 0);
  ck_assert_uint_eq(c->st.insns, 1011);
  cpu_free(c);
}
END_TEST

/* The timer fires every N ticks, whatever mode the ticks are spent in.
 * Main: r1 = N; mtc timer; sti; loop { r2++ }.  The handler counts to 3. */
enum { N = 10 };
static cpu *timer_machine(void) {
  cpu *c = tm_new();
  TM_PROG(c, CODE, ISA_ENC_I(OP_ADDI, 1, 0, N), ENC_MTC(CR_TIMER, 1), ENC_OP0(OP_STI), ISA_ENC_I(OP_ADDI, 2, 2, 1),
          ISA_ENC_J(OP_JMP, -1));
  TM_PROG(c, VEC, ISA_ENC_I(OP_ADDI, 4, 4, 1), ENC_CMPI(4, 3), ISA_ENC_J(OP_BEQ, 2), ENC_OP0(OP_IRET), ENC_HALT(2));
  return c;
}

START_TEST(timer_period) {
  cpu *c = timer_machine();
  ck_assert_int_eq(tm_run(c, 2 + N), EXIT_BUDGET);
  ck_assert_uint_eq(c->st.traps[CAUSE_TIMER], 0);
  ck_assert_uint_eq(c->irq, 1u << CAUSE_TIMER); /* fired, not yet delivered */
  ck_assert_int_eq(tm_run(c, 1), EXIT_BUDGET);
  ck_assert_uint_eq(c->st.traps[CAUSE_TIMER], 1);
  ck_assert_uint_eq(c->irq, 0);
  ck_assert_uint_eq(c->pc, VEC + 4);
  ck_assert_uint_eq(c->cr[CR_EPC], CODE + 16); /* 9 loop insns: the next is jmp */
  ck_assert_uint_eq(c->cr[CR_CAUSE], CAUSE_TIMER);
  ck_assert_uint_eq(c->cr[CR_ESTATUS], FLAG_KM | FLAG_IE);
  ck_assert_uint_eq(c->r[2], 5);
  /* Deliveries at ticks 2+N, 2+2N, 2+3N; the third handler halts. */
  ck_assert_int_eq(tm_run(c, 1000), EXIT_HALT);
  ck_assert_uint_eq(c->st.traps[CAUSE_TIMER], 3);
  ck_assert_uint_eq(c->st.insns, 2 + 3 * N + 4);
  ck_assert_uint_eq(c->halt_code, 11); /* 3N - 1 (sti) - 8 (two handlers) loop insns, half of them addi */
  ck_assert_uint_eq(c->cr[CR_EPC], CODE + 16);
  cpu_free(c);
}
END_TEST

/* mfc timer reads the ticks left; mtc timer, 0 turns it off. */
/* ... with counts up to 2^32 - 1, written after other instructions of the
 * same chunk (the count once included them, and overflowed). */
START_TEST(timer_read_and_off) {
  static const int32_t counts[] = {100, -1, -2};
  for (size_t k = 0; k < sizeof counts / sizeof counts[0]; k++)
    for (uint64_t chunk = 1; chunk <= 1000; chunk *= 1000) {
      cpu *c = tm_new();
      TM_PROG(c, CODE, ENC_MFC(6, CR_TIMER), ISA_ENC_I(OP_ADDI, 1, 0, counts[k]), ENC_MTC(CR_TIMER, 1),
              ISA_ENC_I(OP_ADDI, 2, 0, 1), ISA_ENC_I(OP_ADDI, 2, 0, 2), ENC_MFC(3, CR_TIMER), ENC_MFC(4, CR_TIMER),
              ENC_HALT(0));
      c->r[6] = 0x66;
      enum cpu_exit ex;
      while ((ex = tm_run(c, chunk)) == EXIT_BUDGET) continue;
      ck_assert_int_eq(ex, EXIT_HALT);
      ck_assert_uint_eq(c->r[6], 0);
      ck_assert_uint_eq(c->r[3], (uint32_t)counts[k] - 2);
      ck_assert_uint_eq(c->r[4], (uint32_t)counts[k] - 3);
      ck_assert_uint_eq(tm_ntraps(c), 0);
      cpu_free(c);
    }
  cpu *c = tm_new();
  TM_PROG(c, CODE, ISA_ENC_I(OP_ADDI, 1, 0, 5), ENC_MTC(CR_TIMER, 1), ENC_MTC(CR_TIMER, 0), ENC_OP0(OP_STI),
          ISA_ENC_J(OP_JMP, 0));
  ck_assert_int_eq(tm_run(c, 1000), EXIT_BUDGET);
  ck_assert_uint_eq(tm_ntraps(c), 0);
  ck_assert_uint_eq(c->irq, 0);
  cpu_free(c);
}
END_TEST

/* An interrupt that fires while IE = 0 waits, and is taken right after
 * the instruction that sets IE again: sti, popf (kernel) or iret. */
START_TEST(pending_until_enabled) {
  static const uint32_t enable[] = {ENC_OP0(OP_STI), ENC_OP0(OP_POPF), ENC_OP0(OP_IRET)};
  for (int i = 0; i < 3; i++) {
    cpu *c = tm_new();
    TM_PROG(c, CODE, ISA_ENC_I(OP_ADDI, 1, 0, 3), ENC_MTC(CR_TIMER, 1), ISA_ENC_I(OP_ADDI, 2, 2, 1), ISA_ENC_I(OP_ADDI, 2, 2, 1),
            ISA_ENC_I(OP_ADDI, 2, 2, 1), ISA_ENC_I(OP_ADDI, 2, 2, 1), enable[i], ENC_HALT(7));
    TM_PROG(c, CODE + 0x100, ISA_ENC_I(OP_ADDI, 9, 0, 1)); /* iret's user code */
    tm_wr32(c, DATA, FLAG_IE);
    c->r[REG_SP] = DATA;
    c->cr[CR_ESTATUS] = FLAG_IE;
    c->cr[CR_EPC] = CODE + 0x100;
    ck_assert_int_eq(tm_run(c, 6), EXIT_BUDGET);
    ck_assert_uint_eq(c->irq, 1u << CAUSE_TIMER);
    ck_assert_uint_eq(c->st.traps[CAUSE_TIMER], 0);
    ck_assert_int_eq(tm_run(c, 100), EXIT_HALT);
    ck_assert_uint_eq(c->cr[CR_CAUSE], CAUSE_TIMER);
    ck_assert_uint_eq(c->cr[CR_EPC], i == 2 ? CODE + 0x100 : CODE + 28);
    ck_assert_uint_eq(c->cr[CR_ESTATUS], i == 2 ? FLAG_IE : FLAG_KM | FLAG_IE);
    ck_assert_uint_eq(c->r[2], 4);
    ck_assert_uint_eq(c->r[9], 0); /* not one user instruction first */
    ck_assert_uint_eq(c->st.insns, 8);
    cpu_free(c);
  }
  /* popf in user mode cannot set IE: the interrupt stays pending. */
  cpu *c = tm_new();
  TM_PROG(c, CODE, ISA_ENC_I(OP_ADDI, 1, 0, 2), ENC_MTC(CR_TIMER, 1), ISA_ENC_I(OP_ADDI, 2, 0, 1), ISA_ENC_I(OP_ADDI, 2, 0, 1),
          ENC_MTC(CR_TIMER, 0), ENC_OP0(OP_IRET));
  TM_PROG(c, CODE + 0x100, ENC_OP0(OP_POPF), ENC_OP0(OP_SYSCALL));
  tm_wr32(c, DATA, FLAG_IE);
  c->r[REG_SP] = DATA;
  c->cr[CR_EPC] = CODE + 0x100;
  TM_EXPECT_TRAP(c, CAUSE_SYSCALL, CODE + 0x108, 0);
  ck_assert_uint_eq(c->irq, 1u << CAUSE_TIMER);
  ck_assert_uint_eq(c->cr[CR_ESTATUS], 0);
  cpu_free(c);
}
END_TEST

/* wfi skips to the timer: idle ticks count, the interrupt wakes it. */
START_TEST(wfi_timer) {
  cpu *c = tm_new();
  TM_PROG(c, CODE, ISA_ENC_I(OP_ADDI, 1, 0, 50), ENC_MTC(CR_TIMER, 1), ENC_OP0(OP_STI), ENC_OP0(OP_WFI), ENC_HALT(1));
  ck_assert_int_eq(tm_run(c, 4 + 10), EXIT_BUDGET);
  ck_assert(c->waiting);
  ck_assert_uint_eq(c->st.idle_ticks, 10);
  ck_assert_uint_eq(c->pc, CODE + 16);
  ck_assert_int_eq(tm_run(c, 1000), EXIT_HALT);
  ck_assert_uint_eq(c->st.idle_ticks, 48); /* 50 - sti - wfi */
  ck_assert_uint_eq(c->st.insns, 5);
  ck_assert_uint_eq(c->halt_code, 0); /* the vector's */
  ck_assert_uint_eq(c->cr[CR_CAUSE], CAUSE_TIMER);
  ck_assert_uint_eq(c->cr[CR_EPC], CODE + 16);
  ck_assert(!c->waiting);
  /* With IE = 0 the timer still wakes it; execution goes on after wfi. */
  tm_reset(c);
  TM_PROG(c, CODE, ISA_ENC_I(OP_ADDI, 1, 0, 50), ENC_MTC(CR_TIMER, 1), ENC_OP0(OP_WFI), ENC_HALT(1));
  ck_assert_int_eq(tm_run(c, 1000), EXIT_HALT);
  ck_assert_uint_eq(c->halt_code, 50);
  ck_assert_uint_eq(c->st.idle_ticks, 49);
  ck_assert_uint_eq(c->irq, 1u << CAUSE_TIMER);
  /* Nothing that could wake it: idle forever. */
  tm_reset(c);
  TM_PROG(c, CODE, ENC_OP0(OP_STI), ENC_OP0(OP_WFI), ENC_HALT(1));
  ck_assert_int_eq(tm_run(c, 1000), EXIT_IDLE);
  ck_assert_uint_eq(c->st.insns, 2);
  ck_assert_uint_eq(c->st.idle_ticks, 0);
  ck_assert_uint_eq(c->pc, CODE + 8);
  cpu_free(c);
}
END_TEST

/* A console whose input is a byte string and whose output is a buffer. */
typedef struct fake_con {
  const char *in;
  size_t pos, len;
  char out[16];
  size_t nout;
} fake_con;
static void fc_putc(void *ctx, int ch) {
  fake_con *f = ctx;
  if (f->nout < sizeof f->out - 1) f->out[f->nout++] = (char)ch;
}
static int fc_getc(void *ctx) {
  fake_con *f = ctx;
  return f->pos < f->len ? (unsigned char)f->in[f->pos++] : -1;
}
static int fc_status(void *ctx) {
  fake_con *f = ctx;
  return f->pos < f->len ? 1 : 2;
}
static void attach(cpu *c, fake_con *f, const char *in) {
  memset(f, 0, sizeof *f);
  f->in = in;
  f->len = strlen(in);
  c->con = (console_dev){f, fc_putc, fc_getc, fc_status, false};
}

START_TEST(console_ports) {
  cpu *c = tm_new();
  fake_con f;
  attach(c, &f, "ab");
  TM_PROG(c, CODE, ENC_IN(3, PORT_CONS_STATUS), ENC_IN(4, PORT_CONS_DATA), ENC_IN(5, PORT_CONS_DATA),
          ENC_IN(6, PORT_CONS_DATA), ENC_IN(7, PORT_CONS_STATUS), ISA_ENC_I(OP_ADDI, 8, 0, 'h'), ENC_OUT(PORT_CONS_DATA, 8),
          ISA_ENC_I(OP_ADDI, 8, 0, 0x169), ENC_OUT(PORT_CONS_DATA, 8), ENC_IN(9, 0x40), ENC_OUT(0x40, 8),
          ISA_ENC_I(OP_ADDI, 1, 0, 1), ENC_OUT(PORT_CONS_CTRL, 1), ENC_HALT(0));
  ck_assert_int_eq(tm_run(c, 100), EXIT_HALT);
  ck_assert_uint_eq(c->r[3], 1);
  ck_assert_uint_eq(c->r[4], 'a');
  ck_assert_uint_eq(c->r[5], 'b');
  ck_assert_uint_eq(c->r[6], 0xffffffff);
  ck_assert_uint_eq(c->r[7], 2);
  ck_assert_uint_eq(c->r[9], 0xffffffff); /* no device: the bus floats high */
  ck_assert_str_eq(f.out, "hi");          /* one byte: 0x169 & 0xff */
  ck_assert(c->con.rx_irq_enabled);
  ck_assert_uint_eq(c->st.io, 10);
  ck_assert_uint_eq(c->st.cycles, 10 * 200);
  /* No console attached. */
  tm_reset(c);
  c->con = (console_dev){0};
  TM_PROG(c, CODE, ENC_IN(3, PORT_CONS_DATA), ENC_IN(4, PORT_CONS_STATUS), ENC_OUT(PORT_CONS_DATA, 3), ENC_HALT(0));
  ck_assert_int_eq(tm_run(c, 100), EXIT_HALT);
  ck_assert_uint_eq(c->r[3], 0xffffffff);
  ck_assert_uint_eq(c->r[4], 2);
  cpu_free(c);
}
END_TEST

/* Console input interrupts are raised only at wfi, when enabled and the
 * status says a byte is ready. */
START_TEST(console_interrupt) {
  cpu *c = tm_new();
  fake_con f;
  attach(c, &f, "x");
  TM_PROG(c, CODE, ISA_ENC_I(OP_ADDI, 1, 0, 1), ENC_OUT(PORT_CONS_CTRL, 1), ENC_OP0(OP_STI), ENC_OP0(OP_WFI), ENC_HALT(0));
  TM_PROG(c, VEC, ENC_IN(3, PORT_CONS_DATA), ENC_HALT(3));
  ck_assert_int_eq(tm_run(c, 100), EXIT_HALT);
  ck_assert_uint_eq(c->halt_code, 'x');
  ck_assert_uint_eq(c->cr[CR_CAUSE], CAUSE_CONSOLE);
  ck_assert_uint_eq(c->cr[CR_EPC], CODE + 16);
  ck_assert_uint_eq(c->st.traps[CAUSE_CONSOLE], 1);
  ck_assert_uint_eq(c->st.idle_ticks, 0);
  /* Not enabled, or nothing ready: idle forever. */
  static const char *in[] = {"x", ""};
  static const uint32_t ctrl[] = {0, 1};
  for (int i = 0; i < 2; i++) {
    tm_reset(c);
    attach(c, &f, in[i]);
    TM_PROG(c, CODE, ISA_ENC_I(OP_ADDI, 1, 0, ctrl[i]), ENC_OUT(PORT_CONS_CTRL, 1), ENC_OP0(OP_STI), ENC_OP0(OP_WFI),
            ENC_HALT(0));
    ck_assert_int_eq(tm_run(c, 100), EXIT_IDLE);
    ck_assert_uint_eq(tm_ntraps(c), 0);
  }
  /* Not while busy: a loop with input ready and the interrupt enabled. */
  tm_reset(c);
  attach(c, &f, "x");
  TM_PROG(c, CODE, ISA_ENC_I(OP_ADDI, 1, 0, 1), ENC_OUT(PORT_CONS_CTRL, 1), ENC_OP0(OP_STI), ISA_ENC_J(OP_JMP, 0));
  ck_assert_int_eq(tm_run(c, 1000), EXIT_BUDGET);
  ck_assert_uint_eq(tm_ntraps(c), 0);
  cpu_free(c);
}
END_TEST

/* Determinism: the same program gives the same machine, counters and all,
 * whether cpu_run gets one big budget or many small ones.  The program
 * idles in wfi for a timer interrupt, then a user loop of loads, stores
 * and syscalls (with paging on) runs under the timer until brk. */
static cpu *busy_machine(void) {
  cpu *c = tm_new();
  tm_pt p;
  tm_pt_init(&p, c, PD, PT_POOL);
  for (uint32_t pa = CODE; pa < FREE; pa += PAGE_SIZE) tm_pt_map(&p, pa, pa, PTE_U | PTE_W);
  tm_paging_on(c, PD);
  TM_PROG(c, CODE, ISA_ENC_I(OP_ADDI, 1, 0, 13), ENC_MTC(CR_TIMER, 1), ENC_OP0(OP_STI), ENC_OP0(OP_WFI),
          ISA_ENC_I(OP_ADDI, 1, 0, CODE + 0x40), ENC_MTC(CR_EPC, 1), ISA_ENC_I(OP_ADDI, 1, 0, FLAG_IE),
          ENC_MTC(CR_ESTATUS, 1), ISA_ENC_I(OP_ADDI, 5, 0, DATA), ENC_OP0(OP_IRET));
  TM_PROG(c, CODE + 0x40, ISA_ENC_I(OP_SW, 2, 5, 0), ISA_ENC_I(OP_LW, 3, 5, 0), ISA_ENC_R(OP_ADD, 6, 6, 3), ISA_ENC_I(OP_ADDI, 5, 5, 4),
          ISA_ENC_I(OP_ADDI, 2, 2, 1), ENC_OP0(OP_SYSCALL), ENC_CMPI(2, 50), ISA_ENC_J(OP_BLT, -7), ENC_OP0(OP_BRK));
  TM_PROG(c, VEC, ENC_MFC(10, CR_CAUSE), ISA_ENC_I(OP_ADDI, 11, 11, 1), ENC_CMPI(10, CAUSE_TIMER), ISA_ENC_J(OP_BNE, 3),
          ISA_ENC_I(OP_ADDI, 12, 12, 1), ENC_OP0(OP_IRET), /* VEC+24: */ ENC_CMPI(10, CAUSE_BREAK), ISA_ENC_J(OP_BEQ, 4),
          ENC_MFC(13, CR_TIMER), ISA_ENC_R(OP_ADD, 14, 14, 13), ENC_OP0(OP_IRET), /* VEC+44: */ ENC_HALT(6));
  return c;
}

static void same_machine(const cpu *a, const cpu *b, uint64_t chunk) {
  ck_assert_msg(memcmp(a->r, b->r, sizeof a->r) == 0, "chunk %lu: registers differ", (unsigned long)chunk);
  ck_assert_msg(memcmp(a->cr, b->cr, sizeof a->cr) == 0, "chunk %lu: CRs differ", (unsigned long)chunk);
  ck_assert_msg(memcmp(&a->st, &b->st, sizeof a->st) == 0, "chunk %lu: counters differ (insns %lu vs %lu)",
                (unsigned long)chunk, (unsigned long)a->st.insns, (unsigned long)b->st.insns);
  ck_assert_msg(memcmp(a->mem, b->mem, a->mem_size) == 0, "chunk %lu: memory differs", (unsigned long)chunk);
  ck_assert_uint_eq(a->pc, b->pc);
  ck_assert_uint_eq(a->flags, b->flags);
  ck_assert_uint_eq(a->irq, b->irq);
  ck_assert_uint_eq(a->timer_left, b->timer_left);
  ck_assert_uint_eq(a->halt_code, b->halt_code);
  ck_assert_uint_eq(cpu_cycles(a), cpu_cycles(b));
}

START_TEST(deterministic_chunks) {
  cpu *ref = busy_machine();
  ck_assert_int_eq(tm_run(ref, 1u << 20), EXIT_HALT);
  ck_assert_uint_eq(ref->halt_code, 50 * 49 / 2);
  ck_assert_uint_eq(ref->r[11], ref->r[12] + 51); /* timer, 50 syscalls, brk */
  ck_assert_uint_ge(ref->r[12], 20);
  ck_assert_uint_eq(ref->st.idle_ticks, 13 - 2); /* after sti and wfi */
  ck_assert_uint_gt(ref->st.user_insns, 400);
  ck_assert_uint_gt(ref->st.tlb_hits, 100);
  static const uint64_t chunks[] = {1, 2, 3, 7, 100};
  for (size_t i = 0; i < sizeof chunks / sizeof chunks[0]; i++) {
    cpu *c = busy_machine();
    enum cpu_exit ex;
    int runs = 0;
    while ((ex = tm_run(c, chunks[i])) == EXIT_BUDGET) runs++;
    ck_assert_int_eq(ex, EXIT_HALT);
    ck_assert_int_ge(runs, (int)((ref->st.insns + ref->st.idle_ticks) / chunks[i]) - 1);
    same_machine(ref, c, chunks[i]);
    cpu_free(c);
  }
  cpu_free(ref);
}
END_TEST

/* Host-owned mode: each trap stops the run with EXIT_TRAP and c->trap;
 * the CPU stays in user mode and no CR is written; the host resumes. */
START_TEST(host_owned) {
  cpu *c = tm_new();
  TM_PROG(c, CODE, ISA_ENC_I(OP_ADDI, 1, 0, 5), ENC_OP0(OP_SYSCALL), ISA_ENC_I(OP_LW, 3, 2, 0), ENC_OP0(OP_CLI),
          ENC_OP0(OP_BRK), ISA_ENC_R(OP_DIV, 3, 1, 0), /* CODE+24: */ ISA_ENC_I(OP_ADDI, 4, 4, 1), ISA_ENC_J(OP_JMP, -1));
  c->trap_to_host = true;
  tm_user(c, CODE, FLAG_IE);
  c->cr[CR_EPC] = 0xe9c;
  c->cr[CR_CAUSE] = 0x99;
  c->r[2] = TM_MEM;
  static const struct {
    uint32_t cause, value, pc, next; /* next: c->pc after the trap */
  } t[] = {
      {CAUSE_SYSCALL, 0, CODE + 4, CODE + 8},
      {CAUSE_PF_LOAD, TM_MEM, CODE + 8, CODE + 8},
      {CAUSE_PRIV, ENC_OP0(OP_CLI), CODE + 12, CODE + 12},
      {CAUSE_BREAK, 0, CODE + 16, CODE + 20},
      {CAUSE_DIVZERO, 0, CODE + 20, CODE + 20},
  };
  static const uint32_t user_insns[] = {2, 2, 3, 4, 4};
  for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
    ck_assert_int_eq(tm_run(c, 100), EXIT_TRAP);
    ck_assert_msg(c->trap.cause == t[i].cause && c->trap.value == t[i].value && c->trap.pc == t[i].pc,
                  "trap %zu: cause %u value %#x pc %#x", i, c->trap.cause, c->trap.value, c->trap.pc);
    ck_assert_uint_eq(c->pc, t[i].next);
    ck_assert_uint_eq(c->flags, FLAG_IE);
    ck_assert_uint_eq(c->st.user_insns, user_insns[i]);
    ck_assert_uint_eq(c->st.traps[t[i].cause], 1);
    /* The host handles it. */
    if (t[i].cause == CAUSE_PF_LOAD) c->r[2] = DATA;
    if (t[i].cause == CAUSE_PRIV || t[i].cause == CAUSE_DIVZERO) c->pc += 4;
  }
  /* Interrupts: the timer, programmed by the host, every 5 ticks. */
  cpu_write_cr(c, CR_TIMER, 5, false);
  ck_assert_int_eq(tm_run(c, 1000), EXIT_TRAP);
  ck_assert(c->trap.cause == CAUSE_TIMER && c->trap.value == 0 && c->trap.pc == CODE + 28);
  ck_assert_uint_eq(c->pc, CODE + 28);
  ck_assert_uint_eq(c->r[4], 3);
  ck_assert_uint_eq(c->irq, 0);
  ck_assert_int_eq(tm_run(c, 1000), EXIT_TRAP);
  ck_assert_uint_eq(c->pc, CODE + 24);
  ck_assert_uint_eq(c->r[4], 5);
  ck_assert_uint_eq(c->st.traps[CAUSE_TIMER], 2);
  /* An interrupt the host raises is taken before any instruction. */
  c->irq |= 1u << CAUSE_CONSOLE;
  uint64_t before = c->st.insns;
  ck_assert_int_eq(tm_run(c, 1000), EXIT_TRAP);
  ck_assert(c->trap.cause == CAUSE_CONSOLE && c->trap.pc == CODE + 24 && c->pc == CODE + 24);
  ck_assert_uint_eq(c->st.insns, before);
  ck_assert_uint_eq(c->cr[CR_EPC], 0xe9c);
  ck_assert_uint_eq(c->cr[CR_CAUSE], 0x99);
  ck_assert_uint_eq(c->perm_shift, PSHIFT_USER);
  cpu_free(c);
}
END_TEST

/* Words marked with cpu_mark_word run as usual but are counted apart in
 * st.marked (a translator's inserted code).  A marked word that does not
 * decode is still just an illegal instruction. */
START_TEST(marked_words) {
  cpu *c = tm_new();
  TM_PROG(c, CODE, ISA_ENC_I(OP_ADDI, 1, 1, 1), ISA_ENC_I(OP_ADDI, 1, 1, 1), ISA_ENC_I(OP_ADDI, 1, 1, 1), ENC_HALT(1));
  ck_assert_int_eq(cpu_mark_word(c, CODE + 4, true), 0);
  ck_assert_int_eq(tm_run(c, 100), EXIT_HALT);
  ck_assert_uint_eq(c->halt_code, 3);
  ck_assert_uint_eq(c->st.insns, 4);
  ck_assert_uint_eq(c->st.marked, 1);
  /* Marking a word already decoded takes effect; so does unmarking. */
  ck_assert_int_eq(cpu_mark_word(c, CODE + 8, true), 0);
  ck_assert_int_eq(cpu_mark_word(c, CODE + 4, false), 0);
  c->pc = CODE;
  c->r[1] = 0;
  ck_assert_int_eq(tm_run(c, 100), EXIT_HALT);
  ck_assert_uint_eq(c->halt_code, 3);
  ck_assert_uint_eq(c->st.insns, 8);
  ck_assert_uint_eq(c->st.marked, 2);
  ck_assert_int_eq(cpu_mark_word(c, TM_MEM, true), -1);
  /* A marked instruction that faults has not retired; syscall has. */
  static const struct {
    uint32_t insn, cause;
    uint64_t marked;
  } f[] = {
      {ISA_ENC_I(OP_LW, 3, 1, 0), CAUSE_PF_LOAD, 0},
      {ISA_ENC_R(OP_DIV, 3, 1, 0), CAUSE_DIVZERO, 0},
      {ENC_OP0(OP_CLI), CAUSE_PRIV, 0},
      {ENC_OP0(OP_SYSCALL), CAUSE_SYSCALL, 1},
  };
  for (int i = 0; i < 4; i++) {
    tm_reset(c);
    TM_PROG(c, CODE + 0x100, f[i].insn);
    ck_assert_int_eq(cpu_mark_word(c, CODE + 0x100, true), 0);
    tm_user(c, CODE + 0x100, 0);
    c->r[1] = TM_MEM;
    ck_assert_int_eq(tm_run(c, 100), EXIT_HALT);
    ck_assert_uint_eq(c->cr[CR_CAUSE], f[i].cause);
    ck_assert_uint_eq(c->st.marked, f[i].marked);
    ck_assert_uint_eq(c->st.user_insns, f[i].marked);
  }
  /* Marked words that are not instructions. */
  static const uint32_t bad[] = {0, 0x7f000000, ISA_ENC_R(OP_ADD, 1, 1, 1) | 1};
  for (int i = 0; i < 3; i++) {
    tm_reset(c);
    TM_PROG(c, CODE + 0x100, bad[i]);
    ck_assert_int_eq(cpu_mark_word(c, CODE + 0x100, true), 0);
    c->pc = CODE + 0x100;
    TM_EXPECT_TRAP(c, CAUSE_ILLEGAL, CODE + 0x100, bad[i]);
    ck_assert_uint_eq(c->st.marked, 0);
  }
  cpu_free(c);
}
END_TEST

Suite *trap_suite(void) {
  const TTest *t[] = {
      iret_to_user, trap_vector, no_vector, double_fault, halt_budget_stop, timer_period, timer_read_and_off,
      pending_until_enabled, wfi_timer, console_ports, console_interrupt, deterministic_chunks, host_owned,
      marked_words,
  };
  return tm_suite("trap", t, sizeof t / sizeof t[0]);
}
